package engine

import (
	"fmt"
	"reflect"
	"testing"

	"drorch/journal"
)

// lockedRes is a test resource holding the locks given.
type lockedRes struct {
	promoteRes
	locks []string
}

func (r lockedRes) Locks() []string { return r.locks }

// TestShared: each resource is told of the resources of earlier layers
// sharing any of its locks, each once, in plan order; a resource of its
// own layer never (the same layer is refused at bind time).
func TestShared(t *testing.T) {
	t.Parallel()
	layers := [][]struct {
		name  string
		locks []string
	}{
		{{"a", []string{"x", "y"}}, {"b", []string{"z"}}},
		{{"c", []string{"y", "x"}}, {"d", []string{"w"}}},
		{{"e", []string{"x", "z"}}, {"f", []string{"w"}}, {"g", []string{"x", "e-only"}}},
		{{"h", []string{"e-only"}}, {"i", []string{"nothing"}}},
	}
	p := &Plan{}
	for li, l := range layers {
		pl := PlanLayer{Number: li + 1}
		for ri, r := range l {
			pl.Resources = append(pl.Resources, PlanResource{Spec: journal.ResourceSpec{Index: ri, Name: r.name},
				Resource: lockedRes{promoteRes{region: "us-west-2", id: r.name}, r.locks}})
		}
		p.Layers = append(p.Layers, pl)
	}
	want := [][][]string{
		{nil, nil},
		{{"a (layer 1)"}, nil},
		{{"a (layer 1)", "b (layer 1)", "c (layer 2)"}, {"d (layer 2)"}, {"a (layer 1)", "c (layer 2)"}},
		{{"g (layer 3)"}, nil},
	}
	if got := p.Shared(); !reflect.DeepEqual(got, want) {
		t.Errorf("Shared() =\n%v\nwant\n%v", got, want)
	}
	// The same answers as asking resource by resource over every earlier
	// layer, as SharedWith was first written.
	for li, l := range p.Layers {
		for ri := range l.Resources {
			var naive []string
			mine := map[string]bool{}
			for _, k := range l.Resources[ri].Resource.Locks() {
				mine[k] = true
			}
			for _, el := range p.Layers[:li] {
				for _, r := range el.Resources {
					for _, k := range r.Resource.Locks() {
						if mine[k] {
							naive = append(naive, fmt.Sprintf("%s (layer %d)", r.Spec.Name, el.Number))
							break
						}
					}
				}
			}
			if got := p.SharedWith(li, ri); !reflect.DeepEqual(got, naive) {
				t.Errorf("SharedWith(%d, %d) = %v, want %v", li, ri, got, naive)
			}
		}
	}
}
