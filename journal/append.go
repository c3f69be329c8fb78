package journal

import (
	"fmt"
	"slices"
	"time"
)

// Batch is the events of one Append, checked and stamped by PrepareAppend.
// Stores write a Batch in one transaction: all of it or none.
type Batch struct {
	Events []Event
	// Final is the status a run.finished event in the batch sets ("" if
	// none); it ends the run and frees its locks.
	Final Status
}

// PrepareAppend checks events for runID and fills what the store owns:
// RunID, and Time when the caller left it zero. Seq is assigned later, under
// the store's lock or transaction (Batch.Number). Data is copied so that a
// caller reusing its buffer cannot change what was journaled. Every store
// calls it, so that all accept and refuse exactly the same input.
func PrepareAppend(runID string, events []Event, now func() time.Time) (Batch, error) {
	out := Batch{Events: make([]Event, len(events))}
	for i, ev := range events {
		if ev.RunID != "" && ev.RunID != runID {
			return Batch{}, fmt.Errorf("append to run %s: event %d (%s) belongs to run %s", runID, i, ev.Kind, quoteRunID(ev.RunID))
		}
		if ev.Kind == "" {
			return Batch{}, fmt.Errorf("append to run %s: event %d has no kind", runID, i)
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
				return Batch{}, fmt.Errorf("append to run %s: event %d (%s): %w", runID, i, ev.Kind, err)
			}
			out.Final = st
		}
		out.Events[i] = ev
	}
	return out, nil
}

// Number assigns the batch's Seq after last, the run's last seq.
func (b Batch) Number(last int64) {
	for i := range b.Events {
		b.Events[i].Seq = last + int64(i) + 1
	}
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
