package main

import (
	"strings"

	"drorch/manifest"
)

// redactor hides the values of a payload's SSM SecureString parameters in
// the problems found once references are resolved (a resolved value of the
// wrong form is quoted in its problem). Plans, progress and the journal are
// redacted by the engine, from engine.Plan.Secrets.
type redactor []string

func (r redactor) str(s string) string {
	for _, v := range r {
		s = strings.ReplaceAll(s, v, "(secret)")
	}
	return s
}

func (r redactor) strs(list []string) {
	for i := range list {
		list[i] = r.str(list[i])
	}
}

// problems redacts problems found once the references are resolved.
func (r redactor) problems(ps manifest.Problems) manifest.Problems {
	for i := range ps {
		ps[i].Message, ps[i].Fix = r.str(ps[i].Message), r.str(ps[i].Fix)
	}
	return ps
}
