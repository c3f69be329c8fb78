package runner

import (
	"context"
	"fmt"

	"drorch/journal"
)

// Follower keeps the fold of the runs whose events it is shown, so that
// what watches the engine's events (engine.Engine.Observer: notifications,
// metrics) reads each event together with its run's state. A run first
// seen after its start (a resume) is folded from Store up to that event.
// It is not safe for concurrent use: one goroutine owns it.
type Follower struct {
	Store journal.Store
	runs  map[string]*journal.RunState
}

// Apply folds ev into its run's state and returns the state. fresh is
// false when ev was folded already (seen twice, or read from the journal
// when the run was first loaded): the caller must not act on it again. A
// run's state is forgotten once it ends or is interrupted.
func (f *Follower) Apply(ctx context.Context, ev journal.Event) (st *journal.RunState, fresh bool, err error) {
	if f.runs == nil {
		f.runs = map[string]*journal.RunState{}
	}
	st = f.runs[ev.RunID]
	switch {
	case st != nil && ev.Seq > 0 && ev.Seq <= st.LastSeq:
		return st, false, nil
	case st != nil:
		if err := st.Apply(ev); err != nil {
			return nil, false, err
		}
	case ev.Kind == journal.RunCreated:
		if st, err = journal.NewRunState(ev); err != nil {
			return nil, false, err
		}
	default:
		if st, err = f.load(ctx, ev); err != nil {
			return nil, false, err
		}
	}
	if ev.Kind == journal.RunFinished || ev.Kind == journal.RunInterrupted {
		delete(f.runs, ev.RunID)
	} else {
		f.runs[ev.RunID] = st
	}
	return st, true, nil
}

// load folds ev's run from the journal up to ev.
func (f *Follower) load(ctx context.Context, ev journal.Event) (*journal.RunState, error) {
	if f.Store == nil {
		return nil, fmt.Errorf("follow run %s: its first events were not seen and there is no journal to read them from", ev.RunID)
	}
	evs, err := f.Store.Events(ctx, ev.RunID, 0)
	if err != nil {
		return nil, fmt.Errorf("follow run %s: %w", ev.RunID, err)
	}
	for i, e := range evs {
		if ev.Seq > 0 && e.Seq > ev.Seq {
			evs = evs[:i]
			break
		}
	}
	if len(evs) == 0 || (ev.Seq > 0 && evs[len(evs)-1].Seq != ev.Seq) {
		return nil, fmt.Errorf("follow run %s: event %d is not in the journal", ev.RunID, ev.Seq)
	}
	return journal.Fold(evs)
}
