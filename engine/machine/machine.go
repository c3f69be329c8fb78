// Package machine is drorch's step machine: one pure function that, given a
// resource's steps, what was recorded of it so far (Memory) and a fresh look
// at AWS (a resource.View), returns the next thing to do (a Decision): skip
// a step whose goal already holds, make the step's calls, wait and look
// again, finish the step or the resource, or fail with the reason.
//
// It keeps no journal and reads no clock: the caller passes the time, keeps
// the Memory, records what each Decision says, makes the calls and reports
// their outcome (Record). The local engine, plan's preview, the handler test
// driver and the Step Functions Lambda all drive resources through it, so
// they cannot disagree about what a state of AWS means.
package machine

import (
	"context"
	"fmt"
	"time"

	"drorch/cloud"
	"drorch/resource"
)

// Settings tune the machine. The zero value of a field means its default.
type Settings struct {
	// StartGrace is how long a step may still look untouched after its call
	// was accepted before the machine says the operation never started
	// (default 2m).
	StartGrace time.Duration
	// WriteAttempts bounds how often a step's calls are made again after
	// AWS refused them with throttling or a server error and state shows
	// they did not happen (default 8).
	WriteAttempts int
	// Cadence is the wait before the next look, given how long the current
	// wait has lasted (default DefaultCadence).
	Cadence func(age time.Duration) time.Duration
	// RetryRead is the wait before looking again after a read failed in a
	// way worth retrying (default 1s).
	RetryRead time.Duration
}

// WithDefaults returns s with every unset field at its default.
func (s Settings) WithDefaults() Settings {
	if s.StartGrace <= 0 {
		s.StartGrace = 2 * time.Minute
	}
	if s.WriteAttempts <= 0 {
		s.WriteAttempts = 8
	}
	if s.Cadence == nil {
		s.Cadence = DefaultCadence
	}
	if s.RetryRead <= 0 {
		s.RetryRead = time.Second
	}
	return s
}

// YoungFor is how long an operation is looked at every second. AWS's
// own timelines decide it: switchovers and failovers of a global database
// take one to a few minutes, promotions of a read replica and ElastiCache
// failovers a few minutes, the secondary cluster and instance of a
// failback about ten minutes each; 15 minutes covers them all, so that
// the end of what drorch waits for on a normal night is seen within a
// second. Only an operation running unusually long is looked at every
// two seconds after that.
//
// What it costs against the request budget (awsapi.DefaultAPIRate, 4
// requests per second per service and region): a round reads each kind
// and region once, with one call per 100 watched instances or clusters
// (a filter), or the fewer of one call per watched global cluster or
// datastore and the pages of a listing of them. A README payload's round
// is one to three calls: at one round a second, within the budget. A layer
// of hundreds of resources needs more calls a round than the budget gives
// in a second; the budget then spaces the rounds, every waiter is still
// served by each round, and the account's other callers keep the rest of
// RDS's 12 requests per second.
const YoungFor = 15 * time.Minute

// DefaultCadence looks every second while an operation is young (see
// YoungFor) and every two seconds after that, so that the end of any
// operation is seen within two seconds of AWS showing it.
func DefaultCadence(age time.Duration) time.Duration {
	if age < YoungFor {
		return time.Second
	}
	return 2 * time.Second
}

// Memory is what the machine knows of one resource between two decisions:
// what was recorded of it (the journal in the local engine, the execution's
// state on Step Functions). It is plain data and encodes to JSON.
type Memory struct {
	// Started: the resource's start was recorded (in this execution or an
	// earlier one).
	Started bool `json:"started,omitempty"`
	// Resumed: the resource had started before this execution; its goal
	// holding then means the work is done, not that there was nothing to do.
	Resumed bool `json:"resumed,omitempty"`
	// Looked: the goal was found not to hold, so the steps are judged.
	Looked bool `json:"looked,omitempty"`
	// Step is the index of the current step; the steps before it are done.
	Step int `json:"step"`
	// StepBegun: the current step's start was recorded.
	StepBegun bool `json:"stepBegun,omitempty"`
	// Issued: a call of the current step was accepted by AWS.
	Issued bool `json:"issued,omitempty"`
	// Unknown: a call of the current step may or may not have reached AWS.
	Unknown bool `json:"unknown,omitempty"`
	// Progress: the current step was seen under way.
	Progress bool `json:"progress,omitempty"`
	// Attempts counts the times the current step's calls were made.
	Attempts int `json:"attempts,omitempty"`
	// IssuedAt is when the last call was accepted (the start grace runs from it).
	IssuedAt time.Time `json:"issuedAt,omitzero"`
	// Since is when the current wait began.
	Since time.Time `json:"since,omitzero"`
	// Deadline ends the resource (zero: none); Timeout is the duration it
	// was set from, for the message.
	Deadline time.Time     `json:"deadline,omitzero"`
	Timeout  time.Duration `json:"timeout,omitempty"`
	// Observed is the last observation recorded; LastError the last error
	// that made a call be refused.
	Observed  string `json:"observed,omitempty"`
	LastError string `json:"lastError,omitempty"`
}

// Begin is the memory of a resource about to be driven at now with timeout
// (0: no deadline of its own).
func Begin(now time.Time, timeout time.Duration) Memory {
	m := Memory{Since: now, Timeout: timeout}
	if timeout > 0 {
		m.Deadline = now.Add(timeout)
	}
	return m
}

// Action is the kind of a Decision.
type Action string

// The actions.
const (
	// AlreadyDone: the goal held before anything was done; the resource is a no-op.
	AlreadyDone Action = "already-done"
	// Skip: the current step's goal already holds; nothing was done for it.
	Skip Action = "skip"
	// Call: make Decision.Calls now, in order, then Record their outcome.
	Call Action = "call"
	// Wait: look again after Decision.Wait.
	Wait Action = "wait"
	// StepDone: the current step reached its goal after its calls.
	StepDone Action = "step-done"
	// Done: the resource reached its goal.
	Done Action = "done"
	// Failed: the resource cannot reach its goal; Decision.Err says why.
	Failed Action = "failed"
)

// Decision is what to do next for a resource.
type Decision struct {
	Action Action
	// Step is the step the decision is about ("" for the resource).
	Step string
	// BeginStep asks to record that Step has begun, before anything else.
	BeginStep bool
	// Reason says why, for Skip, StepDone, Done and AlreadyDone.
	Reason string
	// Observe is a new observation to record ("" when nothing new was seen).
	Observe string
	// Calls are the calls to make (Call).
	Calls []cloud.Call
	// Wait is how long to wait before looking again (Wait).
	Wait time.Duration
	// Err is why the resource failed (Failed), or the read that failed
	// and is retried after Wait.
	Err error
	// Skipped are the steps left unfinished when a resumed resource's goal
	// was found to hold (Done): they are recorded as skipped.
	Skipped []string
}

// DeadlineError ends a resource whose deadline passed.
type DeadlineError struct{ Timeout time.Duration }

func (e DeadlineError) Error() string {
	return fmt.Sprintf("the resource's deadline of %s passed", e.Timeout)
}

// Next decides what to do for r, remembered as m, on the state v shows at
// now. It returns the decision and the memory to keep once the decision is
// recorded. Reads go through v only.
func Next(ctx context.Context, r resource.Resource, m Memory, v *resource.View, now time.Time, s Settings) (Decision, Memory) {
	s = s.WithDefaults()
	if !m.Deadline.IsZero() && !now.Before(m.Deadline) {
		return m.fail(m.stepName(r), withLast(DeadlineError{m.Timeout}, m.Observed)), m
	}
	steps := r.Steps()
	if !m.Looked {
		goal, err := r.Goal(ctx, v)
		if err != nil {
			return m.readFailed("", err, now, s)
		}
		if goal.State == resource.Done {
			if !m.Resumed {
				return Decision{Action: AlreadyDone, Reason: goal.Reason}, m
			}
			d := Decision{Action: Done, Reason: "the resource's goal holds: " + goal.Reason}
			for _, st := range steps[min(m.Step, len(steps)):] {
				d.Skipped = append(d.Skipped, st.Name())
			}
			return d, m
		}
		m.Looked = true
	}
	if m.Step >= len(steps) {
		return Decision{Action: Done, Reason: "every step is done"}, m
	}
	st := steps[m.Step]
	name := st.Name()
	d := Decision{Step: name, BeginStep: !m.StepBegun}
	if !m.StepBegun {
		m.StepBegun, m.Since = true, now
	}
	verdict, err := st.Check(ctx, v)
	if err != nil {
		rd, rm := m.readFailed(name, err, now, s)
		rd.BeginStep = d.BeginStep
		return rd, rm
	}
	switch verdict.State {
	case resource.Done:
		d.Reason = verdict.Reason
		if !m.Issued && !m.Unknown && !m.Progress {
			d.Action = Skip
		} else {
			d.Action = StepDone
		}
		return d, m.next()
	case resource.Blocked, resource.Failed:
		d.Action, d.Err = Failed, fmt.Errorf("%s: %s", name, verdict.Reason)
		return d, m
	case resource.InProgress:
		m.Progress = true
		return m.wait(d, verdict.Reason, now, s)
	}
	// Ready: the step's calls can be made, unless they were made already.
	switch {
	case m.Issued && verdict.Busy:
		m.Progress = true
		return m.wait(d, verdict.Reason, now, s)
	case m.Unknown && verdict.Busy:
		// The earlier call may be the operation AWS shows, or may never
		// have arrived: the state looks the same either way. Calling again
		// would repeat it blindly; once the state tells (the goal holds,
		// or it is plainly ready), the step goes on from there.
		return m.wait(d, "the earlier call's outcome is unknown and AWS shows the same either way; waiting until it tells: "+verdict.Reason, now, s)
	case m.Issued && m.Progress:
		d.Action, d.Err = Failed, fmt.Errorf("%s: the operation went back to its starting state (rolled back?): %s", name, verdict.Reason)
		return d, m
	case m.Issued && now.Sub(m.IssuedAt) < s.StartGrace:
		return m.wait(d, "call accepted, waiting for AWS to show the operation: "+verdict.Reason, now, s)
	case m.Issued:
		d.Action, d.Err = Failed, fmt.Errorf("%s: the call was accepted %s ago but nothing shows it started: %s", name, s.StartGrace, verdict.Reason)
		return d, m
	case m.Attempts >= s.WriteAttempts:
		err := fmt.Errorf("%s: gave up after %d attempts", name, m.Attempts)
		if m.LastError != "" {
			err = fmt.Errorf("%w; the last one: %s", err, m.LastError)
		}
		d.Action, d.Err = Failed, err
		return d, m
	}
	calls, err := st.Calls(ctx, v)
	if err != nil {
		rd, rm := m.readFailed(name, err, now, s)
		rd.BeginStep = d.BeginStep
		return rd, rm
	}
	if len(calls) == 0 {
		d.Action, d.Err = Failed, fmt.Errorf("%s: the step is ready (%s) but declares no call to make", name, verdict.Reason)
		return d, m
	}
	if m.Unknown {
		d.Observe = m.observe("the earlier call left no trace in AWS; making it again")
	}
	m.Attempts++
	d.Action, d.Calls, d.Reason = Call, calls, verdict.Reason
	return d, m
}

// Outcome is what became of a Call decision's calls, made in order until
// the first error.
type Outcome struct {
	// Accepted counts the calls AWS accepted.
	Accepted int
	// Err is the error of the call that failed (nil when all were accepted).
	Err error
}

// Record folds the outcome of the calls of a Call decision into m, taken at
// now, and says what comes next: a Wait before the next look, or Failed
// when AWS refused the call for good.
func Record(m Memory, step string, o Outcome, now time.Time, s Settings) (Decision, Memory) {
	s = s.WithDefaults()
	d := Decision{Step: step}
	switch err := o.Err; {
	case err == nil:
		m.Issued, m.Unknown, m.IssuedAt, m.Since = true, false, now, now
		d.Action, d.Wait = Wait, s.Cadence(0)
		return d, m
	case cloud.IsKind(err, cloud.KindThrottled):
		m.LastError = err.Error()
		return m.wait(d, "throttled by AWS, trying again: "+err.Error(), now, s)
	case cloud.Retryable(err):
		// The call may or may not have reached AWS: read state before
		// deciding anything.
		m.Unknown, m.LastError = true, err.Error()
		if o.Accepted > 0 {
			m.Issued, m.IssuedAt = true, now
		}
		return m.wait(d, "outcome of the call unknown, reading state before any retry: "+err.Error(), now, s)
	default:
		d.Action, d.Err = Failed, fmt.Errorf("%s: %w", step, err)
		return d, m
	}
}

// next moves m to the following step.
func (m Memory) next() Memory {
	m.Step++
	m.StepBegun, m.Issued, m.Unknown, m.Progress, m.Attempts, m.IssuedAt = false, false, false, false, 0, time.Time{}
	return m
}

// wait is a Wait decision after observing what, clipped to the deadline.
func (m Memory) wait(d Decision, what string, now time.Time, s Settings) (Decision, Memory) {
	d.Action, d.Observe = Wait, m.observe(what)
	m.Observed = what
	d.Wait = s.Cadence(now.Sub(m.Since))
	return clip(d, m, now), m
}

// readFailed waits and looks again after a read error worth retrying, and
// fails on any other.
func (m Memory) readFailed(step string, err error, now time.Time, s Settings) (Decision, Memory) {
	d := Decision{Step: step}
	if !cloud.Retryable(err) {
		d.Action, d.Err = Failed, withLast(err, m.Observed)
		return d, m
	}
	what := "cannot read state yet: " + err.Error()
	d.Action, d.Observe, d.Wait, d.Err = Wait, m.observe(what), s.RetryRead, err
	m.Observed = what
	return clip(d, m, now), m
}

// observe returns what, or "" when it is what was last observed.
func (m Memory) observe(what string) string {
	if what == m.Observed {
		return ""
	}
	return what
}

func (m Memory) fail(step string, err error) Decision {
	return Decision{Action: Failed, Step: step, Err: err}
}

// stepName is the name of the current step, "" when there is none.
func (m Memory) stepName(r resource.Resource) string {
	if steps := r.Steps(); m.Looked && m.Step < len(steps) {
		return steps[m.Step].Name()
	}
	return ""
}

func clip(d Decision, m Memory, now time.Time) Decision {
	if !m.Deadline.IsZero() {
		d.Wait = min(d.Wait, max(m.Deadline.Sub(now), 0))
	}
	return d
}

// withLast adds the last observation to an error that ends a resource.
func withLast(err error, observed string) error {
	if observed == "" {
		return err
	}
	return fmt.Errorf("%w (last seen: %s)", err, observed)
}
