package journal

import "time"

// RunState is a run as its events tell it: what Fold returns. Reports, the
// CLI's progress, the HTTP API and the engine's resume all read it.
type RunState struct {
	ID     string  `json:"id"`
	Spec   RunSpec `json:"spec"`
	Status Status  `json:"status"` // running until run.finished
	// Created is when run.created was written; Started is the first
	// run.started; Ended is run.finished.
	Created time.Time `json:"created"`
	Started time.Time `json:"started,omitzero"`
	Ended   time.Time `json:"ended,omitzero"`
	Error   string    `json:"error,omitempty"`
	// CancelRequested is set by run.cancel-requested; CancelledBy says who.
	CancelRequested bool   `json:"cancelRequested,omitempty"`
	CancelledBy     string `json:"cancelledBy,omitempty"`
	// Interrupted is set by run.interrupted and cleared by run.resumed: the
	// run's process stopped on purpose and the run waits for a resume.
	Interrupted bool `json:"interrupted,omitempty"`
	// Resumes counts run.resumed events; Process is the latest process that
	// started or resumed the run.
	Resumes int          `json:"resumes,omitempty"`
	Process Process      `json:"process,omitzero"`
	Layers  []LayerState `json:"layers"`
	// LastSeq is the Seq of the last event folded: a reader polling for
	// more asks for Events(run, LastSeq).
	LastSeq int64 `json:"lastSeq"`
}

// LayerState is one layer of a run.
type LayerState struct {
	Number    int             `json:"number"`
	Status    Status          `json:"status"`
	Started   time.Time       `json:"started,omitzero"`
	Ended     time.Time       `json:"ended,omitzero"`
	Resources []ResourceState `json:"resources"`
}

// ResourceState is one resource of a run.
type ResourceState struct {
	Index           int       `json:"index"` // position in its layer as written
	Name            string    `json:"name"`
	Type            string    `json:"type"`
	Region          string    `json:"region"`
	ContinueOnError bool      `json:"continueOnError,omitempty"`
	Status          Status    `json:"status"`
	Started         time.Time `json:"started,omitzero"`
	Ended           time.Time `json:"ended,omitzero"`
	Error           string    `json:"error,omitempty"`
	// LastObserved is the latest step.observed message of any of its steps.
	LastObserved string `json:"lastObserved,omitempty"`
	// AlreadyDone is set by resource.already-done; Reason says why the goal
	// already held.
	AlreadyDone bool        `json:"alreadyDone,omitempty"`
	Reason      string      `json:"reason,omitempty"`
	Steps       []StepState `json:"steps"`

	// RPO is the writes at risk measured before the run (from its spec).
	RPO *RPO `json:"rpo,omitempty"`
	// Approvals are the decisions recorded on the resource, in journal
	// order (approval.granted, approval.rejected); the first one counts
	// (Decision).
	Approvals []ApprovalState `json:"approvals,omitempty"`
}

// Decision is what the approval of a resource stands at.
type Decision string

// The decisions.
const (
	Approved Decision = "approved"
	Rejected Decision = "rejected"
)

// ApprovalState is one recorded decision on a resource.
type ApprovalState struct {
	Step     string    `json:"step,omitempty"`
	Decision Decision  `json:"decision"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Comment  string    `json:"comment,omitempty"`
}

// Decision returns the decision that counts, the first recorded: a second
// one, made by someone who had not yet seen the first, changes nothing.
func (r ResourceState) Decision() (ApprovalState, bool) {
	if len(r.Approvals) == 0 {
		return ApprovalState{}, false
	}
	return r.Approvals[0], true
}

// StepState is one step of a resource. Status is pending, running,
// skipped, succeeded or failed (or cancelled when a step.finished says so).
type StepState struct {
	Name    string    `json:"name"`
	Status  Status    `json:"status"`
	Started time.Time `json:"started,omitzero"`
	Ended   time.Time `json:"ended,omitzero"`
	Error   string    `json:"error,omitempty"`
	// Reason is the step.skipped message: why its goal already held.
	Reason       string      `json:"reason,omitempty"`
	LastObserved string      `json:"lastObserved,omitempty"`
	Calls        []CallState `json:"calls,omitempty"`
}

// CallStatus is where a journaled mutating call stands.
type CallStatus string

// The call statuses.
const (
	// CallStatusIntent: the intent is journaled and nothing after it; the
	// call may or may not have reached AWS.
	CallStatusIntent CallStatus = "intent"
	CallStatusIssued CallStatus = "issued" // the call returned success
	CallStatusFailed CallStatus = "failed" // the call returned an error
)

// CallState is one mutating call of a step.
type CallState struct {
	Call     Call       `json:"call"`
	Status   CallStatus `json:"status"`
	IntentAt time.Time  `json:"intentAt"`
	DoneAt   time.Time  `json:"doneAt,omitzero"`
	Error    string     `json:"error,omitempty"`
	// Unknown is a failed call that may nevertheless have reached AWS
	// (timeout, connection reset).
	Unknown bool `json:"unknown,omitempty"`
}

// OutcomeUnknown reports whether the call may or may not have taken effect:
// an intent with no answer journaled, or a failure that may have reached
// AWS. Such a call is never repeated blindly: the step's check decides.
func (c CallState) OutcomeUnknown() bool {
	return c.Status == CallStatusIntent || (c.Status == CallStatusFailed && c.Unknown)
}

// PendingCall returns the resource's call whose intent was journaled with no
// issued or failed event after it (the process stopped in between, so its
// outcome is unknown): the call a resume must not repeat blindly. Calls of
// steps that have since finished or been skipped are settled by that step's
// outcome and not returned. If there are several, it is the latest.
func (r ResourceState) PendingCall() (CallState, bool) {
	var found CallState
	ok := false
	for _, st := range r.Steps {
		if st.Status.Terminal() {
			continue
		}
		for _, c := range st.Calls {
			if c.Status == CallStatusIntent && (!ok || !c.IntentAt.Before(found.IntentAt)) {
				found, ok = c, true
			}
		}
	}
	return found, ok
}

// Step returns the state of the named step.
func (r ResourceState) Step(name string) (StepState, bool) {
	for _, st := range r.Steps {
		if st.Name == name {
			return st, true
		}
	}
	return StepState{}, false
}

// Elapsed is the resource's recovery time (RTO): from its first start to
// its end, including any time the run spent interrupted before a resume.
// It is 0 until the resource has both started and ended.
func (r ResourceState) Elapsed() time.Duration { return span(r.Started, r.Ended) }

// Elapsed is the step's duration, 0 until it has started and ended.
func (s StepState) Elapsed() time.Duration { return span(s.Started, s.Ended) }

// Elapsed is the layer's duration, 0 until it has started and ended.
func (l LayerState) Elapsed() time.Duration { return span(l.Started, l.Ended) }

// Elapsed is the run's duration from its first start (or, when it never
// started, its creation) to its end; 0 while it has not ended.
func (s RunState) Elapsed() time.Duration {
	from := s.Started
	if from.IsZero() {
		from = s.Created
	}
	return span(from, s.Ended)
}

// Resource returns the state of the resource at position res of layer
// layer (the Layer and Resource of its events).
func (s *RunState) Resource(layer, res int) (*ResourceState, bool) {
	if layer < 0 || layer >= len(s.Layers) || res < 0 || res >= len(s.Layers[layer].Resources) {
		return nil, false
	}
	return &s.Layers[layer].Resources[res], true
}

// Finished reports whether a run.finished event ended the run.
func (s RunState) Finished() bool { return s.Status.Terminal() }

func span(from, to time.Time) time.Duration {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0
	}
	return to.Sub(from)
}
