package engine

import (
	"context"
	"testing"
	"time"

	"drorch/internal/clock"
	"drorch/journal"
)

// A run timed on another clock (the simulator's virtual time, years
// ahead) stamps its lease on the wall clock, where other processes judge
// it: its events carry the run's clock, its record the lease clock.
func TestLeaseOnLeaseClockEventsOnRunClock(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	wall := clock.NewFake(t0.Add(-10 * 365 * 24 * time.Hour))
	e := h.engine()
	e.LeaseClock = wall
	st, err := e.Start(context.Background(), "run-lease", plan([]promoteRes{{region: "us-west-2", id: "a"}}))
	if err != nil {
		t.Fatalf("run failed: %v", err)
	}
	if st.Status != journal.StatusSucceeded {
		t.Fatalf("run %s, want succeeded", st.Status)
	}
	if !st.Created.After(t0.Add(-time.Second)) {
		t.Errorf("run created at %s, want the run clock's time (after %s)", st.Created, t0)
	}
	rec, err := h.store.Run(context.Background(), "run-lease")
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Created.Equal(wall.Now()) {
		t.Errorf("record created %s, want the lease clock's %s", rec.Created, wall.Now())
	}
	if !rec.Heartbeat.IsZero() && !rec.Heartbeat.Equal(wall.Now()) {
		t.Errorf("heartbeat %s, want the lease clock's %s", rec.Heartbeat, wall.Now())
	}
}
