package resource

import (
	"fmt"
	"sort"

	"drorch/manifest"
)

// Registry holds the resource types by name. It implements manifest.Catalog.
type Registry struct {
	types map[string]Type
}

// NewRegistry returns a registry with the given types.
func NewRegistry(types ...Type) *Registry {
	r := &Registry{types: map[string]Type{}}
	for _, t := range types {
		name := t.Spec().Name
		if _, dup := r.types[name]; dup {
			panic(fmt.Sprintf("resource type %s registered twice", name))
		}
		r.types[name] = t
	}
	return r
}

// Type returns the type with the given name.
func (r *Registry) Type(name string) (Type, bool) {
	t, ok := r.types[name]
	return t, ok
}

// Lookup returns the spec of the named type.
func (r *Registry) Lookup(name string) (manifest.TypeSpec, bool) {
	t, ok := r.types[name]
	if !ok {
		return manifest.TypeSpec{}, false
	}
	return t.Spec(), true
}

// Names lists the registered type names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.types))
	for n := range r.types {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Recovery reports whether the named type is a recovery (a failover, whose
// duration is a recovery time) rather than a rebuild; unknown types are not.
func (r *Registry) Recovery(name string) bool {
	t, ok := r.types[name]
	return ok && IsRecovery(t)
}
