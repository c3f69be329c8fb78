package journal

import (
	"fmt"
	"slices"
	"time"
)

// prepared is a batch of events checked and stamped for one Append, shared by
// both stores so that they accept and refuse exactly the same input.
type prepared struct {
	events []Event
	// final is the status a run.finished event in the batch sets ("" if none).
	final Status
}

// prepareAppend checks events for runID and fills what the store owns: RunID,
// and Time when the caller left it zero. Seq is assigned later, under the
// store's lock or transaction. Data is copied so that a caller reusing its
// buffer cannot change what was journaled.
func prepareAppend(runID string, events []Event, now func() time.Time) (prepared, error) {
	out := prepared{events: make([]Event, len(events))}
	for i, ev := range events {
		if ev.RunID != "" && ev.RunID != runID {
			return prepared{}, fmt.Errorf("append to run %s: event %d (%s) belongs to run %s", runID, i, ev.Kind, ev.RunID)
		}
		if ev.Kind == "" {
			return prepared{}, fmt.Errorf("append to run %s: event %d has no kind", runID, i)
		}
		ev.RunID = runID
		ev.Seq = 0
		if ev.Time.IsZero() {
			ev.Time = now()
		}
		ev.Time = normTime(ev.Time)
		ev.Data = slices.Clone(ev.Data)
		if ev.Kind == RunFinished {
			// The store turns this into the run's status, which frees
			// the run's locks: it must be a real final status.
			st, err := outcome(ev)
			if err != nil {
				return prepared{}, fmt.Errorf("append to run %s: event %d (%s): %w", runID, i, ev.Kind, err)
			}
			out.final = st
		}
		out.events[i] = ev
	}
	return out, nil
}

// normTime drops the monotonic reading and the location: both stores keep
// UTC wall-clock instants, so the two give back equal values.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Round(0).UTC()
}

// cloneEvents deep-copies events so that callers cannot alias store memory.
func cloneEvents(evs []Event) []Event {
	out := make([]Event, len(evs))
	for i, ev := range evs {
		ev.Data = slices.Clone(ev.Data)
		out[i] = ev
	}
	return out
}

// normLocks sorts and de-duplicates lock keys, dropping empty ones.
func normLocks(locks []string) []string {
	out := make([]string, 0, len(locks))
	for _, k := range locks {
		if k != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
