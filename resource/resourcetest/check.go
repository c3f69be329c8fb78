package resourcetest

import (
	"strings"
	"testing"

	"drorch/manifest"
	"drorch/resource"
)

// Bind binds params to typ or fails the test.
func Bind(t testing.TB, typ resource.Type, p resource.Params, c resource.Context) resource.Resource {
	t.Helper()
	r, probs := typ.Bind(p, c)
	if len(probs) > 0 {
		t.Fatalf("Bind(%v): %v", p, manifest.Problems(probs))
	}
	return r
}

// Step returns the resource's step called name or fails the test.
func Step(t testing.TB, r resource.Resource, name string) resource.Step {
	t.Helper()
	for _, s := range r.Steps() {
		if s.Name() == name {
			return s
		}
	}
	t.Fatalf("no step %s", name)
	return nil
}

// WantVerdict checks a check's outcome: no error, the state, and a reason
// that says every one of want.
func WantVerdict(t testing.TB, v resource.Verdict, err error, state resource.State, want ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("check: unexpected error %v", err)
	}
	if v.State != state {
		t.Fatalf("state = %v (%s), want %v", v.State, v.Reason, state)
	}
	for _, w := range want {
		if !strings.Contains(v.Reason, w) {
			t.Errorf("reason %q does not say %q", v.Reason, w)
		}
	}
}
