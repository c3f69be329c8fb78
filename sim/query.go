package sim

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// params is the parameter tree of a Query request: dotted names become
// nested nodes (Filters.Filter.1.Values.Value.2), so that lists and
// structures are read the way the AWS Query serializers write them.
type params struct {
	value    string
	set      bool
	children map[string]*params
}

// Limits that keep a hostile request from costing more than a page of work.
const (
	maxQueryParams = 1000
	maxQueryDepth  = 12
)

// parseQuery builds the tree from form values. The first value of a name
// wins; names deeper than maxQueryDepth or empty segments are rejected.
func parseQuery(vals url.Values) (*params, *apiError) {
	if len(vals) > maxQueryParams {
		return nil, errParamValue("Too many parameters: %d (at most %d).", len(vals), maxQueryParams)
	}
	root := &params{}
	for name, vs := range vals {
		if len(vs) == 0 {
			continue
		}
		segs := strings.Split(name, ".")
		if len(segs) > maxQueryDepth {
			return nil, errParamValue("Parameter name %q is nested too deeply.", truncate(name, 64))
		}
		n := root
		for _, s := range segs {
			if s == "" {
				return nil, errParamValue("Parameter name %q has an empty segment.", truncate(name, 64))
			}
			if n.children == nil {
				n.children = map[string]*params{}
			}
			c := n.children[s]
			if c == nil {
				c = &params{}
				n.children[s] = c
			}
			n = c
		}
		n.value, n.set = vs[0], true
	}
	return root, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// node returns the node at a dotted path, or nil.
func (p *params) node(path string) *params {
	n := p
	for _, s := range strings.Split(path, ".") {
		if n == nil || n.children == nil {
			return nil
		}
		n = n.children[s]
	}
	return n
}

// str returns the value at path ("" when absent).
func (p *params) str(path string) string {
	if n := p.node(path); n != nil {
		return n.value
	}
	return ""
}

// has reports whether path was sent with a value.
func (p *params) has(path string) bool {
	n := p.node(path)
	return n != nil && n.set
}

// boolean reads an optional boolean ("true"/"false", any case).
func (p *params) boolean(path string) (value, present bool, err *apiError) {
	if !p.has(path) {
		return false, false, nil
	}
	switch strings.ToLower(p.str(path)) {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, true, errParamValue("Invalid value %q for parameter %s: expected true or false.", truncate(p.str(path), 32), path)
}

// integer reads an optional integer; def when absent.
func (p *params) integer(path string, def int) (int, *apiError) {
	if !p.has(path) {
		return def, nil
	}
	v, err := strconv.Atoi(p.str(path))
	if err != nil {
		return 0, errParamValue("Invalid value %q for parameter %s: expected an integer.", truncate(p.str(path), 32), path)
	}
	return v, nil
}

// items returns the members of a list at path with item name member
// (Prefix.member.N), in index order. An empty list sent as `Prefix=` gives
// no items. Non-numeric or non-positive indexes are ignored.
func (p *params) items(path, member string) []*params {
	n := p.node(path)
	if n == nil || n.children == nil {
		return nil
	}
	list := n.children[member]
	if list == nil {
		return nil
	}
	type item struct {
		idx int
		n   *params
	}
	var out []item
	for k, c := range list.children {
		i, err := strconv.Atoi(k)
		if err != nil || i < 1 {
			continue
		}
		out = append(out, item{i, c})
	}
	slices.SortFunc(out, func(a, b item) int { return a.idx - b.idx })
	nodes := make([]*params, len(out))
	for i, it := range out {
		nodes[i] = it.n
	}
	return nodes
}

// strings returns a list of strings at path with item name member.
func (p *params) strings(path, member string) []string {
	var out []string
	for _, n := range p.items(path, member) {
		if n.set {
			out = append(out, n.value)
		}
	}
	return out
}

// filter is one Filters.Filter.N entry.
type filter struct {
	name   string
	values []string
}

// filters reads Filters.Filter.N.Name / .Values.Value.M.
func (p *params) filters() ([]filter, *apiError) {
	var out []filter
	for _, n := range p.items("Filters", "Filter") {
		f := filter{name: n.str("Name"), values: n.strings("Values", "Value")}
		if f.name == "" {
			return nil, errParamValue("Filter name is required.")
		}
		if len(f.values) == 0 {
			return nil, errParamValue("Filter %s must have at least one value.", truncate(f.name, 64))
		}
		out = append(out, f)
	}
	return out, nil
}
