package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"drorch/journal"
)

// TestResumeTakesOverAKilledOwnerAtOnce: a run whose process was killed a
// moment ago (its lease still fresh) is resumed at once when OwnerGone says
// the owner has stopped, and refused while the owner may still run.
func TestResumeTakesOverAKilledOwnerAtOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		ownerGone func(string) bool
		wantErr   error
	}{
		{"owner gone", func(o string) bool { return o == "host:4242:dead00" }, nil},
		{"owner may live", func(string) bool { return false }, journal.ErrRunActive},
		{"no way to tell", nil, journal.ErrRunActive},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.world.addReplica("us-west-2", "a")
			p := plan([]promoteRes{{region: "us-west-2", id: "a"}})
			crash(t, h, p, false)
			ctx := context.Background()
			// The killed process heartbeated just before it died.
			if err := h.store.Claim(ctx, "run-1", "host:4242:dead00", h.clock.Now(), time.Minute); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(time.Second)
			e := h.engine()
			e.OwnerGone = tc.ownerGone
			st, err := e.Resume(ctx, "run-1", p)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("resume = %v, want %v", err, tc.wantErr)
				}
				if a, _, _, _ := h.world.stats(); a != 0 {
					t.Errorf("a refused resume made %d calls", a)
				}
				return
			}
			if err != nil || st.Status != journal.StatusSucceeded {
				t.Fatalf("resume: %v %v", st, err)
			}
			if a, _, _, _ := h.world.stats(); a != 1 {
				t.Errorf("%d promote calls, want 1 (the intent's call never left)", a)
			}
		})
	}
}

// appendDies is a journal whose process dies at the first Append: nothing
// after it is written.
type appendDies struct{ *journal.Memory }

func (appendDies) Append(context.Context, string, ...journal.Event) ([]journal.Event, error) {
	return nil, errors.New("killed")
}

// TestStartJournalsTheRunWithItsLocks: a process that dies as soon as it
// has created a run leaves a run that can be shown, resumed and cancelled:
// its locks never exist without its run.created event.
func TestStartJournalsTheRunWithItsLocks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	store := appendDies{journal.NewMemory(h.clock)}
	e := h.engine()
	e.Store = store
	var seen []journal.Kind
	e.Observer = func(ev journal.Event) { seen = append(seen, ev.Kind) }
	if _, err := e.Start(context.Background(), "run-1", plan([]promoteRes{{region: "us-west-2", id: "a"}})); err == nil {
		t.Fatal("Start succeeded on a journal that refuses every append")
	}
	evs, err := store.Events(context.Background(), "run-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	st, err := journal.Fold(evs)
	if err != nil {
		t.Fatalf("the run left behind cannot be read: %v", err)
	}
	if st.ID != "run-1" || len(st.Layers) != 1 || len(seen) != 1 || seen[0] != journal.RunCreated {
		t.Errorf("state %+v, observed %v; want run-1 with its layer, run.created observed", st, seen)
	}
	if a, _, _, _ := h.world.stats(); a != 0 {
		t.Errorf("%d calls made", a)
	}
}
