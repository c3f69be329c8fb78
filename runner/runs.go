package runner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"drorch/engine"
	"drorch/journal"
)

// Stale is how old a run's heartbeat may be before the run counts as
// interrupted (the engine heartbeats every 2 s).
var Stale = engine.Settings{}.WithDefaults().Stale

// Live reports whether rec's owner still runs it: it heartbeated within
// Stale of now and is not known to be gone.
func Live(rec journal.RunRecord, now time.Time) bool {
	return rec.Live(now, Stale) && !journal.ProcessGone(rec.Owner)
}

// Status is what an operator should read of a run: a running run whose
// process stopped heartbeating, is gone, or was interrupted on purpose is
// interrupted.
func Status(rec journal.RunRecord, st *journal.RunState, now time.Time) journal.Status {
	if !st.Status.Terminal() && (st.Interrupted || !Live(rec, now)) {
		return journal.StatusInterrupted
	}
	return st.Status
}

// Load finds a run by id or unique prefix and folds its journal.
func Load(ctx context.Context, store journal.Store, id string) (journal.RunRecord, *journal.RunState, error) {
	rec, err := store.Run(ctx, id)
	if err != nil {
		return rec, nil, err
	}
	st, err := Fold(ctx, store, rec.ID)
	return rec, st, err
}

// Fold reads a run's events and folds them into its state.
func Fold(ctx context.Context, store journal.Store, id string) (*journal.RunState, error) {
	evs, err := store.Events(ctx, id, 0)
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", id, err)
	}
	st, err := journal.Fold(evs)
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", id, err)
	}
	return st, nil
}

// Cancelled says what a cancel did.
type Cancelled struct {
	// Requested: the run is alive in another process, which stops it after
	// its calls in flight return. Otherwise the run was ended here.
	Requested bool
	// Ongoing are the AWS operations the ended run had started and that
	// may still be under way (engine.Ongoing).
	Ongoing []string
}

// Cancel ends a run for good, on behalf of who. A run alive in another
// process is asked to stop (that process journals the end); a run nobody
// runs is taken over, so that no resume starts meanwhile, and ended
// cancelled at once, its locks freed. owner is the lease owner this process
// claims under.
func Cancel(ctx context.Context, store journal.Store, now time.Time, rec journal.RunRecord, st *journal.RunState, who, owner string) (Cancelled, error) {
	req := journal.Event{RunID: rec.ID, Time: now, Kind: journal.RunCancelRequested, Layer: -1, Resource: -1, Message: who}
	if !st.Interrupted && Live(rec, now) {
		if _, err := store.Append(ctx, rec.ID, req); err != nil {
			return Cancelled{}, fmt.Errorf("cancel %s: %w", rec.ID, err)
		}
		return Cancelled{Requested: true}, nil
	}
	if err := store.Claim(ctx, rec.ID, owner, now, rec.ClaimStale(now, Stale, journal.ProcessGone(rec.Owner))); err != nil {
		return Cancelled{}, fmt.Errorf("cancel %s: %w", rec.ID, err)
	}
	fin := journal.Event{RunID: rec.ID, Time: now, Kind: journal.RunFinished, Layer: -1, Resource: -1,
		Data: []byte(`{"status":"cancelled"}`), Error: "cancelled by " + who + " while interrupted"}
	if _, err := store.Append(ctx, rec.ID, req, fin); err != nil {
		return Cancelled{}, fmt.Errorf("cancel %s: %w", rec.ID, err)
	}
	if err := store.Release(ctx, rec.ID); err != nil {
		return Cancelled{}, fmt.Errorf("cancel %s: %w", rec.ID, err)
	}
	return Cancelled{Ongoing: engine.Ongoing(st)}, nil
}

// ResumePoint says, in one line for an operator, what a run about to be
// resumed has done and where it picks up: the layer, each unfinished
// resource with the step it is at, and a call whose outcome is unknown
// (the resume reads AWS state before doing anything about it).
func ResumePoint(st *journal.RunState) string {
	total, done := 0, 0
	var at []string
	layer := -1
	for li, l := range st.Layers {
		for _, r := range l.Resources {
			total++
			if r.Status.Terminal() {
				done++
				continue
			}
			if layer == -1 {
				layer = li
			}
			if li != layer {
				continue
			}
			at = append(at, resumeAt(r))
		}
	}
	doneText := fmt.Sprintf("%d of %d resources done", done, total)
	if layer == -1 {
		return doneText + "; nothing is left to run"
	}
	return fmt.Sprintf("%s; picks up at layer %d: %s", doneText, st.Layers[layer].Number, strings.Join(at, "; "))
}

func resumeAt(r journal.ResourceState) string {
	name := fmt.Sprintf("%q", r.Name)
	if r.Status == journal.StatusPending {
		return name + " (not started)"
	}
	for i, s := range r.Steps {
		if s.Status.Terminal() {
			continue
		}
		where := fmt.Sprintf("%s at step %d/%d %s", name, i+1, len(r.Steps), s.Name)
		if c, ok := r.PendingCall(); ok {
			where += fmt.Sprintf(" (the outcome of %s %s is unknown: AWS state decides, the call is not repeated blindly)", c.Call.Service, c.Call.Action)
		} else if s.LastObserved != "" {
			where += " (last seen: " + s.LastObserved + ")"
		}
		return where
	}
	return name + " (its steps are done; checking its end state)"
}
