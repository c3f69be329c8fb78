package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"drorch/engine/machine"
	"drorch/journal"
	"drorch/resource"
)

// resourceRun drives one resource of a layer through the step machine and
// journals every decision.
type resourceRun struct {
	e      *Engine
	s      Settings
	runID  string
	layer  int
	index  int
	pr     PlanResource
	prior  *journal.ResourceState
	rounds *rounds
	// first is the layer's opening snapshot, used for the first look only.
	first *snapshot
}

func (r *resourceRun) event(kind journal.Kind, step string) journal.Event {
	return journal.Event{Kind: kind, Layer: r.layer, Resource: r.index, Step: step}
}

func (r *resourceRun) append(ctx context.Context, kind journal.Kind, step, msg string) error {
	ev := r.event(kind, step)
	ev.Message = msg
	return r.e.append(ctx, r.runID, ev)
}

// finishStep journals the end of a step.
func (r *resourceRun) finishStep(ctx context.Context, step string, status journal.Status, msg string, err error) error {
	ev := r.event(journal.StepFinished, step)
	ev.Data = mustJSON(journal.Outcome{Status: status})
	ev.Message, ev.Error = msg, errString(err)
	return r.e.append(ctx, r.runID, ev)
}

// finish journals the end of the resource.
func (r *resourceRun) finish(ctx context.Context, status journal.Status, err error) (journal.Status, error) {
	ev := r.event(journal.ResourceFinished, "")
	ev.Data = mustJSON(journal.Outcome{Status: status})
	ev.Error = errString(err)
	if aerr := r.e.append(ctx, r.runID, ev); aerr != nil {
		return journal.StatusFailed, errors.Join(err, aerr)
	}
	return status, err
}

// run takes the resource to its goal, or fails, and journals the outcome.
// When the run is interrupted it returns StatusInterrupted and journals no
// end: the resource is resumed later from where it stands.
func (r *resourceRun) run(ctx context.Context) (journal.Status, error) {
	if r.prior != nil && r.prior.Status.Terminal() {
		var err error
		if r.prior.Error != "" {
			err = errors.New(r.prior.Error)
		}
		return r.prior.Status, err
	}
	res := r.pr.Resource
	timeout := r.pr.Spec.Timeout
	if timeout <= 0 {
		timeout = res.Timeout()
	}
	// The deadline is kept on the engine's clock and enforced by the step
	// machine, so that tests on a fake clock see it exactly.
	m := memoryOf(r.prior, res.Steps(), r.e.Clock.Now(), timeout)
	if !m.Started {
		if err := r.append(ctx, journal.ResourceStarted, "", ""); err != nil {
			return journal.StatusFailed, err
		}
		m.Started = true
	}
	ms := r.s.machine()
	snap := r.first
	for {
		if snap == nil {
			var err error
			if snap, err = r.sleep(ctx, 0); err != nil {
				return r.stopped(ctx, m, err)
			}
		}
		d, next := machine.Next(ctx, res, m, r.view(snap), r.e.Clock.Now(), ms)
		if err := r.record(ctx, d); err != nil {
			return journal.StatusFailed, err
		}
		m = next
		switch d.Action {
		case machine.AlreadyDone:
			if err := r.append(ctx, journal.ResourceAlreadyDone, "", d.Reason); err != nil {
				return journal.StatusFailed, err
			}
			return r.finish(ctx, journal.StatusAlreadyDone, nil)
		case machine.Skip:
			if err := r.append(ctx, journal.StepSkipped, d.Step, d.Reason); err != nil {
				return journal.StatusFailed, err
			}
		case machine.StepDone:
			if err := r.finishStep(ctx, d.Step, journal.StatusSucceeded, d.Reason, nil); err != nil {
				return journal.StatusFailed, err
			}
		case machine.Done:
			for _, name := range d.Skipped {
				if ps := r.priorStep(name); ps != nil && ps.Status.Terminal() {
					continue
				}
				if err := r.append(ctx, journal.StepSkipped, name, d.Reason); err != nil {
					return journal.StatusFailed, err
				}
			}
			return r.finish(ctx, journal.StatusSucceeded, nil)
		case machine.Failed:
			if m.StepBegun && d.Step != "" {
				if err := r.finishStep(ctx, d.Step, journal.StatusFailed, "", d.Err); err != nil {
					return journal.StatusFailed, err
				}
			}
			return r.finish(ctx, journal.StatusFailed, d.Err)
		case machine.Call:
			if ctx.Err() != nil {
				// Interrupted or cancelled between the look and the
				// call: no call is made.
				return r.stopped(ctx, m, context.Cause(ctx))
			}
			o := r.calls(ctx, d)
			after, next := machine.Record(m, d.Step, o, r.e.Clock.Now(), ms)
			if err := r.record(ctx, after); err != nil {
				return journal.StatusFailed, err
			}
			m = next
			if after.Action == machine.Failed {
				if err := r.finishStep(ctx, d.Step, journal.StatusFailed, "", after.Err); err != nil {
					return journal.StatusFailed, err
				}
				return r.finish(ctx, journal.StatusFailed, after.Err)
			}
			var err error
			if snap, err = r.sleep(ctx, after.Wait); err != nil {
				return r.stopped(ctx, m, err)
			}
		case machine.Wait:
			var err error
			if snap, err = r.sleep(ctx, d.Wait); err != nil {
				return r.stopped(ctx, m, err)
			}
		}
	}
}

// record journals what a decision saw and began, before it is acted upon.
func (r *resourceRun) record(ctx context.Context, d machine.Decision) error {
	if d.BeginStep {
		if err := r.append(ctx, journal.StepStarted, d.Step, ""); err != nil {
			return err
		}
	}
	if d.Observe != "" {
		return r.append(ctx, journal.StepObserved, d.Step, d.Observe)
	}
	return nil
}

// calls makes a Call decision's calls in order, each journaled, until one
// fails. They run to the end even if the run is interrupted meanwhile: a
// step's calls are one unit, so that the journal never holds half of them.
func (r *resourceRun) calls(ctx context.Context, d machine.Decision) machine.Outcome {
	var o machine.Outcome
	for _, c := range d.Calls {
		if err := r.e.call(ctx, r.runID, r.layer, r.index, d.Step, c); err != nil {
			o.Err = err
			return o
		}
		o.Accepted++
	}
	return o
}

// stopped ends the resource when its run is interrupted (nothing is
// journaled: a resume continues it) or cancelled (its step and itself end
// cancelled), or when waiting failed for another reason.
func (r *resourceRun) stopped(ctx context.Context, m machine.Memory, err error) (journal.Status, error) {
	cause := context.Cause(ctx)
	if cause == nil {
		cause = err
	}
	if errors.Is(cause, ErrInterrupted) {
		return journal.StatusInterrupted, cause
	}
	status := journal.StatusCancelled
	if ctx.Err() == nil {
		status = journal.StatusFailed
	}
	if m.StepBegun {
		step := r.pr.Resource.Steps()[m.Step].Name()
		if aerr := r.finishStep(ctx, step, status, "", withLast(cause, m.Observed)); aerr != nil {
			return journal.StatusFailed, errors.Join(cause, aerr)
		}
	}
	return r.finish(ctx, status, cause)
}

func withLast(err error, observed string) error {
	if observed == "" {
		return err
	}
	return fmt.Errorf("%w (last seen: %s)", err, observed)
}

func (r *resourceRun) priorStep(name string) *journal.StepState {
	if r.prior == nil {
		return nil
	}
	for i := range r.prior.Steps {
		if r.prior.Steps[i].Name == name {
			return &r.prior.Steps[i]
		}
	}
	return nil
}

// view is what the step machine judges on: the round's snapshot.
func (r *resourceRun) view(snap *snapshot) *resource.View {
	return &resource.View{Read: reader{snap}, Identity: r.e.Identity, Now: r.e.Clock.Now, RunID: r.runID}
}

// sleep waits about d, for the round of the tick nearest it, and returns
// that round's snapshot.
func (r *resourceRun) sleep(ctx context.Context, d time.Duration) (*snapshot, error) {
	now := r.e.Clock.Now()
	s, err := r.rounds.wait(ctx, now.Add(d), r.pr.Resource.Watch())
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			return nil, cause
		}
		return nil, err
	}
	return s, nil
}

// memoryOf is what the step machine must know of a resource from its
// journal: which step it is at, whether that step's calls were made or may
// have been, at now, with the resource's deadline starting now.
func memoryOf(prior *journal.ResourceState, steps []resource.Step, now time.Time, timeout time.Duration) machine.Memory {
	m := machine.Begin(now, timeout)
	if prior == nil || prior.Status == journal.StatusPending {
		return m
	}
	m.Started, m.Resumed = true, true
	for i, st := range steps {
		ps, ok := prior.Step(st.Name())
		if ok && (ps.Status == journal.StatusSucceeded || ps.Status == journal.StatusSkipped) {
			continue
		}
		m.Step = i
		if !ok {
			return m
		}
		m.StepBegun = ps.Status != journal.StatusPending
		for _, c := range ps.Calls {
			m.Issued = m.Issued || c.Status == journal.CallStatusIssued
			m.Unknown = m.Unknown || c.OutcomeUnknown()
		}
		if m.Issued {
			m.IssuedAt = now // the start grace runs again from the resume
		}
		return m
	}
	m.Step = len(steps)
	return m
}
