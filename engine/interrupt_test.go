package engine

import (
	"context"
	"errors"
	"testing"

	"drorch/journal"
)

// ctxStore is a store that, as the SQLite one does, refuses to read for a
// context that has ended.
type ctxStore struct{ journal.Store }

func (s ctxStore) Events(ctx context.Context, runID string, after int64) ([]journal.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.Store.Events(ctx, runID, after)
}

// An interrupted run (the operator's Ctrl-C cancels the context with
// ErrInterrupted) is journaled interrupted and returned: the caller
// reports it from the state, although its context has ended.
func TestInterruptedRunIsReturned(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	h.store = ctxStore{h.store}
	e := h.engine()
	ctx, interrupt := context.WithCancelCause(context.Background())
	defer interrupt(nil)
	e.Observer = func(ev journal.Event) {
		if ev.Kind == journal.CallIssued {
			interrupt(ErrInterrupted)
		}
	}
	st, err := e.Start(ctx, "run-int", plan([]promoteRes{{region: "us-west-2", id: "a"}}))
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Start = %v, want ErrInterrupted", err)
	}
	if st == nil || !st.Interrupted || st.Status.Terminal() {
		t.Fatalf("state %+v, want the run, interrupted and not finished", st)
	}
	if _, _, _, promotes := h.world.stats(); promotes["us-west-2/a"] != 1 {
		t.Errorf("promotes %v, want the one in flight", promotes)
	}
}
