package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"drorch/journal"
	"drorch/resource"
)

// resourceRun runs one resource of a layer.
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

	observed string    // the last observation journaled
	deadline time.Time // on the engine's clock
	timeout  time.Duration
}

func (r *resourceRun) event(kind journal.Kind, step string) journal.Event {
	return journal.Event{Kind: kind, Layer: r.layer, Resource: r.index, Step: step}
}

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
func (r *resourceRun) run(parent context.Context) (journal.Status, error) {
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
	// The deadline is kept on the engine's clock and enforced where the
	// resource waits, so that tests on a fake clock see it exactly.
	r.timeout, r.deadline = timeout, r.e.Clock.Now().Add(timeout)
	ctx := parent

	started := r.prior != nil && r.prior.Status != journal.StatusPending
	if !started {
		if err := r.e.append(ctx, r.runID, r.event(journal.ResourceStarted, "")); err != nil {
			return journal.StatusFailed, err
		}
	}

	goal, _, err := r.look(ctx, r.first, "", func(env *resource.Env) (resource.Verdict, error) { return res.Goal(ctx, env) })
	if err != nil {
		return r.fail(ctx, parent, "", err)
	}
	if goal.State == resource.Done {
		if !started {
			ev := r.event(journal.ResourceAlreadyDone, "")
			ev.Message = goal.Reason
			if err := r.e.append(ctx, r.runID, ev); err != nil {
				return journal.StatusFailed, err
			}
			return r.finish(ctx, journal.StatusAlreadyDone, nil)
		}
		for _, st := range res.Steps() {
			if ps := r.priorStep(st.Name()); ps == nil || !ps.Status.Terminal() {
				ev := r.event(journal.StepSkipped, st.Name())
				ev.Message = "the resource's goal holds: " + goal.Reason
				if err := r.e.append(ctx, r.runID, ev); err != nil {
					return journal.StatusFailed, err
				}
			}
		}
		return r.finish(ctx, journal.StatusSucceeded, nil)
	}

	first := r.first
	for _, st := range res.Steps() {
		if ps := r.priorStep(st.Name()); ps != nil && (ps.Status == journal.StatusSucceeded || ps.Status == journal.StatusSkipped) {
			continue
		}
		if err := r.step(ctx, st, first); err != nil {
			return r.fail(ctx, parent, st.Name(), err)
		}
		first = nil
	}
	return r.finish(ctx, journal.StatusSucceeded, nil)
}

// fail journals the end of a resource that did not reach its goal: cancelled
// when the run was cancelled, failed otherwise (its own deadline included).
func (r *resourceRun) fail(ctx, parent context.Context, step string, err error) (journal.Status, error) {
	if parent.Err() != nil {
		return r.finish(ctx, journal.StatusCancelled, context.Cause(parent))
	}
	return r.finish(ctx, journal.StatusFailed, err)
}

type errDeadline struct{ d time.Duration }

func (e errDeadline) Error() string { return fmt.Sprintf("the resource's deadline of %s passed", e.d) }

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

// env is the step's view: reads from snap, mutating calls journaled by rec.
func (r *resourceRun) env(snap *snapshot, rec *recorder) *resource.Env {
	base := r.e.Env
	base.Read = reader{snap}
	base.Now = r.e.Clock.Now
	if rec == nil {
		base.GlobalClusters, base.Clusters, base.Instances, base.Datastores = nil, nil, nil, nil
		return &base
	}
	return journaled(base, rec)
}

// look runs a read-only check on snap (or, when snap is nil, on the next
// round), retrying read failures that are worth retrying until ctx ends. It
// returns the snapshot the verdict was made on.
func (r *resourceRun) look(ctx context.Context, snap *snapshot, step string, check func(*resource.Env) (resource.Verdict, error)) (resource.Verdict, *snapshot, error) {
	bo := newBackoff(r.s, r.e.random)
	if snap == nil {
		if err := r.sleepRound(ctx, 0, &snap); err != nil {
			return resource.Verdict{}, nil, err
		}
	}
	for {
		v, err := check(r.env(snap, nil))
		if err == nil {
			return v, snap, nil
		}
		if !resource.Retryable(err) {
			return resource.Verdict{}, snap, err
		}
		if err := r.observe(ctx, step, "cannot read state yet: "+err.Error()); err != nil {
			return resource.Verdict{}, snap, err
		}
		// Read failures keep to the short schedule: nothing long is
		// being waited for.
		if err := r.sleepRound(ctx, bo.delay(0), &snap); err != nil {
			return resource.Verdict{}, snap, err
		}
	}
}

// sleepRound waits about d and returns, in *snap, the round that served it.
// It never waits past the resource's deadline, and fails once it has passed.
func (r *resourceRun) sleepRound(ctx context.Context, d time.Duration, snap **snapshot) error {
	now := r.e.Clock.Now()
	if !now.Before(r.deadline) {
		return errDeadline{r.timeout}
	}
	if now.Add(d).After(r.deadline) {
		d = r.deadline.Sub(now)
	}
	s, err := r.rounds.wait(ctx, now.Add(d), d/4, r.pr.Resource.Watch())
	if err != nil {
		return r.ctxErr(ctx, err)
	}
	*snap = s
	return nil
}

func (r *resourceRun) ctxErr(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	return err
}

// observe journals what a poll saw, when it differs from the last time.
func (r *resourceRun) observe(ctx context.Context, step, msg string) error {
	if msg == "" || msg == r.observed {
		return nil
	}
	r.observed = msg
	ev := r.event(journal.StepObserved, step)
	ev.Message = msg
	return r.e.append(ctx, r.runID, ev)
}

// step drives one step to Done, or returns why it cannot get there.
func (r *resourceRun) step(ctx context.Context, st resource.Step, snap *snapshot) error {
	name := st.Name()
	ps := r.priorStep(name)
	issued, unknown := false, false
	if ps != nil {
		for _, c := range ps.Calls {
			issued = issued || c.Status == journal.CallStatusIssued
			unknown = unknown || c.OutcomeUnknown()
		}
	}
	if ps == nil || ps.Status == journal.StatusPending {
		if err := r.e.append(ctx, r.runID, r.event(journal.StepStarted, name)); err != nil {
			return err
		}
	}
	finished := func(status journal.Status, msg string, err error) error {
		ev := r.event(journal.StepFinished, name)
		ev.Data = mustJSON(journal.Outcome{Status: status})
		ev.Message = msg
		ev.Error = errString(err)
		if aerr := r.e.append(ctx, r.runID, ev); aerr != nil {
			return errors.Join(err, aerr)
		}
		return err
	}

	bo := newBackoff(r.s, r.e.random)
	waitStart := r.e.Clock.Now()
	var issuedAt time.Time
	if issued {
		issuedAt = waitStart // resumed: the grace starts again
	}
	seenProgress, attempts := false, 0
	for {
		v, seen, err := r.look(ctx, snap, name, func(env *resource.Env) (resource.Verdict, error) { return st.Check(ctx, env) })
		snap = seen
		if err != nil {
			status := journal.StatusFailed
			if ctx.Err() != nil {
				status = journal.StatusCancelled
			}
			return finished(status, "", r.withLast(err))
		}
		switch v.State {
		case resource.Done:
			if !issued && !unknown && !seenProgress {
				ev := r.event(journal.StepSkipped, name)
				ev.Message = v.Reason
				return r.e.append(ctx, r.runID, ev)
			}
			return finished(journal.StatusSucceeded, v.Reason, nil)
		case resource.Blocked, resource.Failed:
			return finished(journal.StatusFailed, "", fmt.Errorf("%s: %s", name, v.Reason))
		case resource.InProgress:
			seenProgress = true
			if err := r.observe(ctx, name, v.Reason); err != nil {
				return err
			}
		case resource.Ready:
			switch {
			case issued && seenProgress:
				return finished(journal.StatusFailed, "", fmt.Errorf("%s: the operation went back to its starting state (rolled back?): %s", name, v.Reason))
			case issued && r.e.Clock.Now().Sub(issuedAt) < r.s.StartGrace:
				if err := r.observe(ctx, name, "call accepted, waiting for AWS to show the operation: "+v.Reason); err != nil {
					return err
				}
			case issued:
				return finished(journal.StatusFailed, "", fmt.Errorf("%s: the call was accepted %s ago but nothing shows it started: %s",
					name, r.s.StartGrace, v.Reason))
			default:
				if attempts >= r.s.WriteAttempts {
					return finished(journal.StatusFailed, "", fmt.Errorf("%s: gave up after %d attempts", name, attempts))
				}
				if unknown {
					if err := r.observe(ctx, name, "the earlier call left no trace in AWS; making it again"); err != nil {
						return err
					}
				}
				attempts++
				rec := &recorder{e: r.e, runID: r.runID, layer: r.layer, resource: r.index, step: name}
				err := st.Do(ctx, r.env(snap, rec))
				switch {
				case err == nil:
					issued, unknown, issuedAt = true, false, r.e.Clock.Now()
					waitStart = issuedAt
					bo.reset()
				case resource.IsKind(err, resource.KindThrottled):
					if oerr := r.observe(ctx, name, "throttled by AWS, trying again: "+err.Error()); oerr != nil {
						return oerr
					}
				case resource.Retryable(err):
					// The call may or may not have reached AWS: read state
					// before deciding anything.
					unknown = true
					if rec.issued > 0 {
						issued, issuedAt = true, r.e.Clock.Now()
					}
					if oerr := r.observe(ctx, name, "outcome of the call unknown, reading state before any retry: "+err.Error()); oerr != nil {
						return oerr
					}
				default:
					return finished(journal.StatusFailed, "", fmt.Errorf("%s: %w", name, err))
				}
				if ctx.Err() != nil {
					return finished(journal.StatusCancelled, "", r.withLast(r.ctxErr(ctx, ctx.Err())))
				}
			}
		}
		d := bo.delay(r.e.Clock.Now().Sub(waitStart))
		if v.Next > 0 && v.Next < d {
			d = v.Next
		}
		if err := r.sleepRound(ctx, d, &snap); err != nil {
			status := journal.StatusFailed
			if ctx.Err() != nil {
				status = journal.StatusCancelled
			}
			return finished(status, "", r.withLast(err))
		}
	}
}

// withLast adds the last observation to a deadline or cancellation error.
func (r *resourceRun) withLast(err error) error {
	if r.observed == "" {
		return err
	}
	return fmt.Errorf("%w (last seen: %s)", err, r.observed)
}
