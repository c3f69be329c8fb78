package storetest

import (
	"context"
	"errors"
	"testing"

	"drorch/journal"
)

// testCreateWithEvents: a run is created with its locks and its first
// events together, or not at all; nothing is ever left holding locks
// without its run.created event.
func testCreateWithEvents(t *testing.T, open func(t *testing.T) journal.Store) {
	created := journal.Event{Kind: journal.RunCreated, Time: t0, Layer: -1, Resource: -1, Data: []byte(`{"command":"run","region":"us-west-2","payloadSha256":"x","layers":[]}`)}
	cases := []struct {
		name    string
		prior   []string // locks held by an unfinished run "other"
		id      string
		events  []journal.Event
		wantErr bool
		busy    bool
	}{
		{"created with its event", nil, "run-1", []journal.Event{created}, false, false},
		{"locks held by another run", []string{"k1"}, "run-1", []journal.Event{created}, true, true},
		{"id taken", []string{"unrelated"}, "other", []journal.Event{created}, true, false},
		{"bad event", nil, "run-1", []journal.Event{created, {Layer: -1, Resource: -1}}, true, false},
		{"empty id", nil, "", []journal.Event{created}, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := open(t)
			t.Cleanup(func() { st.Close() })
			s, ok := st.(journal.EventCreator)
			if !ok {
				t.Fatalf("%T is not a journal.EventCreator", st)
			}
			if tc.prior != nil {
				create(t, st, "other", t0, tc.prior...)
			}
			out, err := s.CreateWithEvents(ctx, tc.id, t0, []string{"k1", "k2"}, tc.events...)
			if tc.wantErr {
				var busy *journal.BusyError
				if err == nil || errors.As(err, &busy) != tc.busy {
					t.Fatalf("CreateWithEvents = %v, want an error (busy %v)", err, tc.busy)
				}
				if tc.id != "other" && tc.id != "" {
					if _, err := st.Run(ctx, tc.id); !errors.Is(err, journal.ErrRunNotFound) {
						t.Errorf("a refused create left run %s behind (%v)", tc.id, err)
					}
				}
				// The locks are free (or still other's): a new run gets
				// them unless other holds them.
				if err := st.Create(ctx, "next", t0, []string{"k2"}); err != nil {
					t.Errorf("a refused create kept lock k2: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 || out[0].Seq != 1 || out[0].RunID != tc.id {
				t.Errorf("events %+v, want run.created as seq 1 of %s", out, tc.id)
			}
			evs, err := st.Events(ctx, tc.id, 0)
			if err != nil || len(evs) != 1 || evs[0].Kind != journal.RunCreated {
				t.Fatalf("events of the new run: %+v %v", evs, err)
			}
			if _, err := journal.Fold(evs); err != nil {
				t.Errorf("the new run does not fold: %v", err)
			}
			if err := st.Create(ctx, "next", t0, []string{"k2"}); !isBusy(err, tc.id) {
				t.Errorf("the new run does not hold its locks: %v", err)
			}
			if next, err := st.Append(ctx, tc.id, journal.Event{Kind: journal.RunStarted, Layer: -1, Resource: -1}); err != nil || next[0].Seq != 2 {
				t.Errorf("append after create: %+v %v", next, err)
			}
		})
	}
}
