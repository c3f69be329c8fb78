package manifest

import "sort"

// StaticCatalog is a Catalog over a fixed set of type specs, for tools and
// tests that need specs without the handlers (the resource registry is the
// Catalog drorch runs with).
type StaticCatalog map[string]TypeSpec

// NewCatalog returns a StaticCatalog of specs.
func NewCatalog(specs ...TypeSpec) StaticCatalog {
	c := make(StaticCatalog, len(specs))
	for _, s := range specs {
		c[s.Name] = s
	}
	return c
}

// Lookup returns the spec of the named type.
func (c StaticCatalog) Lookup(name string) (TypeSpec, bool) {
	s, ok := c[name]
	return s, ok
}

// Names lists the type names, sorted.
func (c StaticCatalog) Names() []string {
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
