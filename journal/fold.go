package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Fold replays a run's events, in Seq order, into its state. The first event
// must be run.created: its RunSpec lays out the layers, resources and steps
// that the later events fill in. An event that names a layer, resource, step
// or call the run does not have is an error naming the event, never a panic
// or a silent drop. Kinds Fold does not know (written by a newer drorch) are
// passed over, so that an older binary can still show the run.
//
// A run without run.finished has status running; whether its process is
// still alive is for the store's lease to tell (RunRecord.Live).
func Fold(events []Event) (*RunState, error) {
	if len(events) == 0 {
		return nil, errors.New("fold run: no events")
	}
	s, err := NewRunState(events[0])
	if err != nil {
		return nil, err
	}
	for _, ev := range events[1:] {
		if err := s.Apply(ev); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// NewRunState starts a run's state from its run.created event.
func NewRunState(created Event) (*RunState, error) {
	if created.Kind != RunCreated {
		return nil, fmt.Errorf("fold run %s: first event (seq %d) is %s, want %s", created.RunID, created.Seq, created.Kind, RunCreated)
	}
	var spec RunSpec
	if err := decode(created, &spec); err != nil {
		return nil, fmt.Errorf("fold run %s: %s event (seq %d): %w", created.RunID, created.Kind, created.Seq, err)
	}
	s := &RunState{
		ID:      created.RunID,
		Spec:    spec,
		Status:  StatusRunning,
		Created: created.Time,
		Layers:  make([]LayerState, len(spec.Layers)),
		LastSeq: created.Seq,
	}
	for i, ls := range spec.Layers {
		l := LayerState{Number: ls.Number, Status: StatusPending, Resources: make([]ResourceState, len(ls.Resources))}
		for j, rs := range ls.Resources {
			r := ResourceState{
				Index: rs.Index, Name: rs.Name, Type: rs.Type, Region: rs.Region,
				ContinueOnError: rs.ContinueOnError, Status: StatusPending, RPO: rs.RPO,
				Steps: make([]StepState, len(rs.Steps)),
			}
			for k, name := range rs.Steps {
				r.Steps[k] = StepState{Name: name, Status: StatusPending}
			}
			l.Resources[j] = r
		}
		s.Layers[i] = l
	}
	return s, nil
}

// Apply folds one more event into s: Fold is NewRunState then Apply for
// each later event, and a live view can keep applying as events arrive.
func (s *RunState) Apply(ev Event) error {
	if err := s.apply(ev); err != nil {
		return fmt.Errorf("fold run %s: %s event (seq %d): %w", s.ID, ev.Kind, ev.Seq, err)
	}
	if ev.Seq > 0 {
		s.LastSeq = ev.Seq
	}
	return nil
}

func (s *RunState) apply(ev Event) error {
	if ev.RunID != "" && ev.RunID != s.ID {
		return fmt.Errorf("event belongs to run %s", ev.RunID)
	}
	if ev.Seq > 0 && ev.Seq <= s.LastSeq {
		return fmt.Errorf("out of order: seq %d after seq %d", ev.Seq, s.LastSeq)
	}
	switch ev.Kind {
	case RunCreated:
		return errors.New("the run was already created")
	case RunStarted, RunResumed:
		if ev.Kind == RunResumed {
			s.Resumes++
		}
		s.Interrupted = false
		if s.Started.IsZero() {
			s.Started = ev.Time
		}
		if len(ev.Data) > 0 {
			return decode(ev, &s.Process)
		}
	case RunCancelRequested:
		s.CancelRequested, s.CancelledBy = true, ev.Message
	case RunInterrupted:
		s.Interrupted = true
	case RunFinished:
		st, err := outcome(ev)
		if err != nil {
			return err
		}
		s.Status, s.Ended, s.Error = st, ev.Time, ev.Error
	case LayerStarted, LayerFinished:
		l, err := s.layer(ev)
		if err != nil {
			return err
		}
		return l.apply(ev)
	case ResourceStarted, ResourceAlreadyDone, ResourceFinished:
		r, err := s.resource(ev)
		if err != nil {
			return err
		}
		return r.apply(ev)
	case StepObserved:
		r, err := s.resource(ev)
		if err != nil {
			return err
		}
		r.LastObserved = ev.Message
		if ev.Step == "" { // an observation of the resource as a whole
			return nil
		}
		st, err := step(r, ev)
		if err != nil {
			return err
		}
		st.LastObserved = ev.Message
	case ApprovalGranted, ApprovalRejected:
		r, err := s.resource(ev)
		if err != nil {
			return err
		}
		var a Approval
		if err := decode(ev, &a); err != nil {
			return err
		}
		d := Approved
		if ev.Kind == ApprovalRejected {
			d = Rejected
		}
		r.Approvals = append(r.Approvals, ApprovalState{Step: ev.Step, Decision: d, By: a.By, At: ev.Time, Comment: a.Comment})
	case StepStarted, StepSkipped, StepFinished, CallIntent, CallIssued, CallFailed:
		r, err := s.resource(ev)
		if err != nil {
			return err
		}
		st, err := step(r, ev)
		if err != nil {
			return err
		}
		return st.apply(ev)
	}
	return nil
}

func (l *LayerState) apply(ev Event) error {
	switch ev.Kind {
	case LayerStarted:
		start(&l.Status, &l.Started, &l.Ended, nil, ev)
	case LayerFinished:
		st, err := outcome(ev)
		if err != nil {
			return err
		}
		l.Status, l.Ended = st, ev.Time
	}
	return nil
}

func (r *ResourceState) apply(ev Event) error {
	switch ev.Kind {
	case ResourceStarted:
		start(&r.Status, &r.Started, &r.Ended, &r.Error, ev)
	case ResourceAlreadyDone:
		if r.Started.IsZero() {
			r.Started = ev.Time
		}
		r.Status, r.Ended, r.AlreadyDone, r.Reason = StatusAlreadyDone, ev.Time, true, ev.Message
	case ResourceFinished:
		st, err := outcome(ev)
		if err != nil {
			return err
		}
		r.Status, r.Ended, r.Error = st, ev.Time, ev.Error
	}
	return nil
}

func (st *StepState) apply(ev Event) error {
	switch ev.Kind {
	case StepStarted:
		start(&st.Status, &st.Started, &st.Ended, &st.Error, ev)
	case StepSkipped:
		if st.Started.IsZero() {
			st.Started = ev.Time
		}
		st.Status, st.Ended, st.Reason = StatusSkipped, ev.Time, ev.Message
	case StepFinished:
		o, err := outcome(ev)
		if err != nil {
			return err
		}
		st.Status, st.Ended, st.Error = o, ev.Time, ev.Error
	case CallIntent:
		var c Call
		if err := decodeCall(ev, &c); err != nil {
			return err
		}
		if _, ok := st.call(c.ID); ok {
			return fmt.Errorf("call %s (%s) has a second intent", c.ID, c.Action)
		}
		st.Calls = append(st.Calls, CallState{Call: c, Status: CallStatusIntent, IntentAt: ev.Time})
	case CallIssued, CallFailed:
		var c Call
		if err := decodeCall(ev, &c); err != nil {
			return err
		}
		cs, ok := st.call(c.ID)
		if !ok {
			return fmt.Errorf("call %s (%s) has no intent before it", c.ID, c.Action)
		}
		if cs.Status != CallStatusIntent {
			return fmt.Errorf("call %s (%s) is already %s", c.ID, c.Action, cs.Status)
		}
		if c.RequestID != "" {
			cs.Call.RequestID = c.RequestID
		}
		cs.DoneAt = ev.Time
		cs.Status = CallStatusIssued
		if ev.Kind == CallFailed {
			cs.Status, cs.Error, cs.Unknown = CallStatusFailed, ev.Error, c.Unknown
			cs.Call.Unknown = c.Unknown
		}
	}
	return nil
}

func (st *StepState) call(id string) (*CallState, bool) {
	for i := range st.Calls {
		if st.Calls[i].Call.ID == id {
			return &st.Calls[i], true
		}
	}
	return nil, false
}

// start marks a layer, resource or step running. A second start (after a
// resume) keeps the first start time, so that durations include the
// interruption, and clears the end and error of the earlier attempt.
func start(status *Status, started, ended *time.Time, errText *string, ev Event) {
	*status = StatusRunning
	if started.IsZero() {
		*started = ev.Time
	}
	*ended = time.Time{}
	if errText != nil {
		*errText = ""
	}
}

func (s *RunState) layer(ev Event) (*LayerState, error) {
	if ev.Layer < 0 || ev.Layer >= len(s.Layers) {
		return nil, fmt.Errorf("layer %d is not in the run (it has %d)", ev.Layer, len(s.Layers))
	}
	return &s.Layers[ev.Layer], nil
}

func (s *RunState) resource(ev Event) (*ResourceState, error) {
	l, err := s.layer(ev)
	if err != nil {
		return nil, err
	}
	if ev.Resource < 0 || ev.Resource >= len(l.Resources) {
		return nil, fmt.Errorf("resource %d is not in layer %d (it has %d)", ev.Resource, l.Number, len(l.Resources))
	}
	return &l.Resources[ev.Resource], nil
}

func step(r *ResourceState, ev Event) (*StepState, error) {
	if ev.Step == "" {
		return nil, fmt.Errorf("no step named for resource %s", r.Name)
	}
	for i := range r.Steps {
		if r.Steps[i].Name == ev.Step {
			return &r.Steps[i], nil
		}
	}
	return nil, fmt.Errorf("resource %s (%s) has no step %q", r.Name, r.Type, ev.Step)
}

func decode(ev Event, v any) error {
	if len(ev.Data) == 0 {
		return errors.New("no data")
	}
	if err := json.Unmarshal(ev.Data, v); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	return nil
}

func decodeCall(ev Event, c *Call) error {
	if err := decode(ev, c); err != nil {
		return err
	}
	if c.ID == "" {
		return errors.New("call has no id")
	}
	return nil
}

// outcome reads the Outcome of a *.finished event; it must be final.
func outcome(ev Event) (Status, error) {
	var o Outcome
	if err := decode(ev, &o); err != nil {
		return "", err
	}
	if !o.Status.Terminal() {
		return "", fmt.Errorf("outcome %q is not a final status", o.Status)
	}
	return o.Status, nil
}
