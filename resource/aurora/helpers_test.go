package aurora_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"drorch/manifest"
	"drorch/resource"
	"drorch/resource/resourcetest"
)

// bind binds params or fails the test.
func bind(t *testing.T, typ resource.Type, p resource.Params, c resource.Context) resource.Resource {
	t.Helper()
	r, probs := typ.Bind(p, c)
	if len(probs) > 0 {
		t.Fatalf("Bind(%v): %v", p, manifest.Problems(probs))
	}
	return r
}

// only returns the resource's single step.
func only(t *testing.T, r resource.Resource) resource.Step {
	t.Helper()
	steps := r.Steps()
	if len(steps) != 1 {
		t.Fatalf("want one step, got %d", len(steps))
	}
	return steps[0]
}

// step returns the named step.
func step(t *testing.T, r resource.Resource, name string) resource.Step {
	t.Helper()
	for _, s := range r.Steps() {
		if s.Name() == name {
			return s
		}
	}
	t.Fatalf("no step %s", name)
	return nil
}

// wantVerdict checks a verdict's state and that its reason says every want.
func wantVerdict(t *testing.T, v resource.Verdict, err error, state resource.State, want ...string) {
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

// containsAll reports whether some line holds every want.
func containsAll(lines []string, want ...string) bool {
	return slices.ContainsFunc(lines, func(l string) bool {
		for _, w := range want {
			if !strings.Contains(l, w) {
				return false
			}
		}
		return true
	})
}

// regionsOf lists the regions of calls.
func regionsOf(calls []resourcetest.Call) []string {
	var out []string
	for _, c := range calls {
		if !slices.Contains(out, c.Region) {
			out = append(out, c.Region)
		}
	}
	return out
}

// actions lists "Action@region" of calls.
func actions(calls []resourcetest.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Action + "@" + c.Region
	}
	return out
}

var ctx = context.Background()

var throttled = &resource.APIError{Service: "rds", Kind: resource.KindThrottled, Code: "Throttling", Message: "Rate exceeded"}
