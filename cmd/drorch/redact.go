package main

import (
	"strings"

	"drorch/engine"
	"drorch/manifest"
	"drorch/ref"
	"drorch/resource"
)

// redactor hides the values of a payload's SSM SecureString parameters in
// what drorch prints. The plan's parameters already show "(secret)", but a
// handler describes what it reads and the calls it would make with the
// values it was given: an operator who references the wrong parameter (the
// database password as a global cluster's id) would otherwise see the
// password in the plan's state, blockers and calls.
type redactor []string

// secretValues returns the values of every secret parameter of res.
func secretValues(res *ref.Result) redactor {
	var out redactor
	for _, l := range res.Layers {
		for _, r := range l.Resources {
			for k, secret := range r.Secret {
				if v := r.Params[k]; secret && v != "" {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

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

// preview redacts a plan in place, before it is printed.
func (r redactor) preview(pv *engine.Preview) {
	if len(r) == 0 {
		return
	}
	for li := range pv.Layers {
		for ri := range pv.Layers[li].Resources {
			res := &pv.Layers[li].Resources[ri]
			r.strs(res.State)
			r.strs(res.Blockers)
			r.strs(res.Warnings)
			for si := range res.Steps {
				st := &res.Steps[si]
				st.Reason = r.str(st.Reason)
				// Copies: the calls are the bound resource's own.
				calls := make([]resource.Call, len(st.Calls))
				for ci, c := range st.Calls {
					c.Args = make(map[string]string, len(st.Calls[ci].Args))
					for k, v := range st.Calls[ci].Args {
						c.Args[k] = r.str(v)
					}
					calls[ci] = c
				}
				st.Calls = calls
			}
		}
	}
}

// problems redacts problems found once the references are resolved.
func (r redactor) problems(ps manifest.Problems) manifest.Problems {
	for i := range ps {
		ps[i].Message, ps[i].Fix = r.str(ps[i].Message), r.str(ps[i].Fix)
	}
	return ps
}
