package aurora_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"drorch/cloud"
	"drorch/resource"
	rt "drorch/resource/resourcetest"
)

// only returns the resource's single step.
func only(t *testing.T, r resource.Resource) resource.Step {
	t.Helper()
	steps := r.Steps()
	if len(steps) != 1 {
		t.Fatalf("want one step, got %d", len(steps))
	}
	return steps[0]
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
func regionsOf(calls []rt.Call) []string {
	var out []string
	for _, c := range calls {
		if !slices.Contains(out, c.Region) {
			out = append(out, c.Region)
		}
	}
	return out
}

// actions lists "Action@region" of calls.
func actions(calls []rt.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Action + "@" + c.Region
	}
	return out
}

var ctx = context.Background()

var throttled = &cloud.APIError{Service: "rds", Kind: cloud.KindThrottled, Code: "Throttling", Message: "Rate exceeded"}
