package resource

import (
	"strconv"
	"strings"
)

// Params are a resource's resolved parameter values, already checked against
// their kinds by validation, with defaults applied.
type Params map[string]string

// String returns the value of name ("" if absent).
func (p Params) String(name string) string { return p[name] }

// Bool parses a boolean value ("True", "false", ...); absent or invalid is false.
func (p Params) Bool(name string) bool {
	b, _ := strconv.ParseBool(strings.ToLower(strings.TrimSpace(p[name])))
	return b
}

// Int parses an integer value; absent or invalid is 0.
func (p Params) Int(name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(p[name]))
	return n
}

// List splits a comma-separated value into trimmed, non-empty items.
func (p Params) List(name string) []string {
	var out []string
	for _, s := range strings.Split(p[name], ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
