package e2e

import (
	"slices"
	"strings"
	"testing"

	"drorch/journal"
)

// TestRerunOfAFinishedFailoverDoesNothing: a failover run again, as a new
// run, exits 0, makes no mutating call and says so; resuming the finished
// run says there is nothing to resume.
func TestRerunOfAFinishedFailoverDoesNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		payload func(w *world) string
	}{
		{"README test case #1", func(*world) string { return seedPayload("1-planned-switchover.json") }},
		{"two-layer failover", func(w *world) string { return w.payload("failover.json", failoverPayload) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldConfig{speed: 300})
			payload := tc.payload(w)
			run := func(id string) result {
				return w.mustRun(0, append([]string{"run", "--region", uswest, "--yes", "--run-id", id}, append(pollFlags, payload)...)...)
			}
			if r := run("first"); strings.Contains(r.stdout, "nothing to do") {
				t.Fatalf("the first run found nothing to do:\n%s", r)
			}
			calls := w.sim.MutatingCalls()
			if len(calls) == 0 {
				t.Fatal("the first run made no mutating call")
			}

			r := run("again")
			if !strings.Contains(r.stdout, "nothing to do: every resource was already in its desired state; no change was made.") {
				t.Errorf("the run again does not say it did nothing:\n%s", r)
			}
			if got := w.sim.MutatingCalls(); !slices.Equal(got, calls) {
				t.Errorf("the run again made mutating calls: %+v", got[len(calls):])
			}
			st, _ := w.show("again")
			if st.Status != journal.StatusSucceeded {
				t.Errorf("the run again is %s, want succeeded", st.Status)
			}
			for _, l := range st.Layers {
				for _, res := range l.Resources {
					if res.Status != journal.StatusAlreadyDone || res.Reason == "" {
						t.Errorf("resource %q is %s (%q), want already-done with the reason", res.Name, res.Status, res.Reason)
					}
				}
			}

			r = w.mustRun(0, "resume", "first")
			if !strings.Contains(r.stderr, "run first already succeeded; nothing to resume") || !slices.Equal(w.sim.MutatingCalls(), calls) {
				t.Errorf("resume of the finished run:\n%s", r)
			}
		})
	}
}
