package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"drorch/journal"
)

// Options are what a report needs besides the journal.
type Options struct {
	// Recovery reports whether a resource type is a recovery (a failover:
	// its time is a recovery time, RTO) rather than a rebuild or a check
	// (its time is a duration). The resource type registry decides; nil
	// means no type is a recovery, so the report gives durations only.
	Recovery func(resourceType string) bool
	// Status replaces the journal's status of an unfinished run (the CLI
	// passes interrupted when the run's process is gone); "" keeps it.
	Status journal.Status
	// Generated is when the report is made; zero leaves it out (golden
	// files). It is also the end of the bars of what is still running.
	Generated time.Time
	// GeneratedBy names the program making the report ("drorch 1.2.0").
	GeneratedBy string
	// Approvals are the run's approvals, located by the Layer and Resource
	// positions of their journal events, until RunState folds them itself.
	Approvals []ApprovalEvent
}

// ApprovalEvent is an approval as the journal records it.
type ApprovalEvent struct {
	Layer    int    // position of the layer in run order (0-based)
	Resource int    // position of the resource in its layer
	Step     string // the step approved, if any
	Decision string // approved (default) or rejected
	By       string
	At       time.Time
	Comment  string
}

// FromEvents folds a run's events (journal.Fold) and builds its report. It
// reads from the events what the folded state keeps no record of: every
// process that started or resumed the run, and when the cancel was asked.
func FromEvents(events []journal.Event, opts Options) (*Report, error) {
	st, err := journal.Fold(events)
	if err != nil {
		return nil, fmt.Errorf("build report: %w", err)
	}
	h := history{last: events[len(events)-1].Time}
	for _, ev := range events {
		switch ev.Kind {
		case journal.RunStarted, journal.RunResumed:
			var p journal.Process
			if len(ev.Data) > 0 {
				if err := json.Unmarshal(ev.Data, &p); err != nil {
					return nil, fmt.Errorf("build report of run %s: %s event (seq %d): %w", st.ID, ev.Kind, ev.Seq, err)
				}
			}
			h.sessions = append(h.sessions, session(ev.Kind, ev.Time, p))
		case journal.RunCancelRequested:
			if h.cancelAt.IsZero() {
				h.cancelAt = ev.Time
			}
		}
	}
	return build(st, opts, h), nil
}

// FromState builds the report of a folded run. The state knows only the
// latest process that ran the run; FromEvents knows them all. A live view
// folds events as they come (RunState.Apply) and builds again.
func FromState(st *journal.RunState, opts Options) *Report {
	h := history{}
	if st.Process != (journal.Process{}) {
		kind := journal.RunStarted
		if st.Resumes > 0 {
			kind = journal.RunResumed
		}
		h.sessions = []Session{session(kind, time.Time{}, st.Process)}
	}
	return build(st, opts, h)
}

// history is what only the events tell.
type history struct {
	sessions []Session
	cancelAt time.Time
	last     time.Time // the last event's time
}

func session(k journal.Kind, at time.Time, p journal.Process) Session {
	action := "started"
	if k == journal.RunResumed {
		action = "resumed"
	}
	return Session{Action: action, At: At(at), Host: p.Host, PID: p.PID, User: p.User, Version: p.Version}
}

func build(st *journal.RunState, opts Options, h history) *Report {
	isRecovery := opts.Recovery
	if isRecovery == nil {
		isRecovery = func(string) bool { return false }
	}
	status := st.Status
	if opts.Status != "" && !st.Status.Terminal() {
		status = opts.Status
	}
	r := &Report{
		SchemaVersion: SchemaVersion,
		Generated:     At(opts.Generated),
		GeneratedBy:   opts.GeneratedBy,
		Run: Run{
			ID: st.ID, Command: st.Spec.Command, Status: string(status), Finished: st.Finished(),
			Region: st.Spec.Region, Payload: Payload{File: st.Spec.PayloadFile, SHA256: st.Spec.PayloadSHA256},
			AllowDataLoss: st.Spec.AllowDataLoss,
			Created:       At(st.Created), Started: At(st.Started), Ended: At(st.Ended),
			Error: st.Error, Sessions: h.sessions, Resumes: st.Resumes,
		},
		Summary:      Summary{Statuses: map[string]int{}},
		Approvals:    []Approval{},
		UnknownCalls: []CallRef{},
		Layers:       make([]Layer, len(st.Layers)),
	}
	if st.Spec.MaxRPO > 0 {
		r.Run.MaxRPO = NewDuration(st.Spec.MaxRPO)
	}
	r.Run.OverrideMaxRPO = st.Spec.OverrideMaxRPO
	if r.Run.Sessions == nil {
		r.Run.Sessions = []Session{}
	}
	if !st.Ended.IsZero() {
		r.Run.Duration = NewDuration(st.Elapsed())
	}
	if st.CancelRequested {
		r.Run.Cancel = &Cancel{RequestedBy: st.CancelledBy, At: At(h.cancelAt)}
	}
	for li, l := range st.Layers {
		r.Layers[li] = buildLayer(st, li, l, isRecovery, r)
	}
	for _, a := range opts.Approvals {
		r.addApproval(a)
	}
	sort.SliceStable(r.Approvals, func(i, j int) bool { return r.Approvals[i].At.Before(r.Approvals[j].At.Time) })
	r.Summary.Approvals = len(r.Approvals)
	r.Run.AsOf = At(cmp.Or(opts.Generated, h.last, latest(st)))
	r.Run.RTO, r.Run.RTONote = runRTO(st, isRecovery)
	return r
}

func buildLayer(st *journal.RunState, li int, l journal.LayerState, isRecovery func(string) bool, r *Report) Layer {
	out := Layer{Number: l.Number, Position: li, Status: string(l.Status), Started: At(l.Started), Ended: At(l.Ended),
		Duration: elapsed(l.Started, l.Ended), Resources: make([]Resource, len(l.Resources)),
		NotReached: st.Finished() && l.Started.IsZero() && !l.Status.Terminal()}
	for ri, rs := range l.Resources {
		var spec journal.ResourceSpec
		if li < len(st.Spec.Layers) && ri < len(st.Spec.Layers[li].Resources) {
			spec = st.Spec.Layers[li].Resources[ri]
		}
		res := Resource{
			Index: rs.Index, Name: rs.Name, Type: rs.Type, Region: rs.Region, Status: string(rs.Status),
			ContinueOnError: rs.ContinueOnError, Started: At(rs.Started), Ended: At(rs.Ended),
			Duration: elapsed(rs.Started, rs.Ended), Recovery: isRecovery(rs.Type),
			AlreadyDone: rs.AlreadyDone, Reason: rs.Reason, LastObserved: rs.LastObserved, Error: rs.Error,
			Parameters: parameters(spec), Approvals: []Approval{}, Steps: make([]Step, len(rs.Steps)),
			RPO: NewRPO(rs.RPO),
		}
		res.NotReached = st.Finished() && rs.Started.IsZero() && !rs.Status.Terminal()
		if spec.Timeout > 0 {
			res.Timeout = NewDuration(spec.Timeout)
		}
		if res.Recovery && rs.Status == journal.StatusSucceeded && res.Duration != nil {
			res.RTO = res.Duration
		}
		for si, s := range rs.Steps {
			step := Step{Name: s.Name, Status: string(s.Status), Started: At(s.Started), Ended: At(s.Ended),
				Duration: elapsed(s.Started, s.Ended), Reason: s.Reason, LastObserved: s.LastObserved, Error: s.Error,
				Calls:      make([]Call, len(s.Calls)),
				NotReached: st.Finished() && s.Started.IsZero() && !s.Status.Terminal()}
			for ci, c := range s.Calls {
				call := buildCall(c)
				step.Calls[ci] = call
				r.Summary.Calls++
				if c.Status == journal.CallStatusFailed {
					r.Summary.FailedCalls++
				}
				if call.OutcomeUnknown {
					r.Summary.UnknownCalls++
					r.UnknownCalls = append(r.UnknownCalls, CallRef{Layer: l.Number, ResourceIndex: rs.Index, Resource: rs.Name, Step: s.Name, Call: call})
				}
			}
			res.Steps[si] = step
		}
		r.Summary.Resources++
		r.Summary.Statuses[res.Status]++
		out.Resources[ri] = res
	}
	return out
}

func buildCall(c journal.CallState) Call {
	args := map[string]string{}
	for k, v := range c.Call.Args {
		args[k] = v
	}
	return Call{
		ID: c.Call.ID, Service: c.Call.Service, Action: c.Call.Action, Region: c.Call.Region, Args: args,
		Status: string(c.Status), OutcomeUnknown: c.OutcomeUnknown(), RequestID: c.Call.RequestID, Error: c.Error,
		At: At(c.IntentAt), DoneAt: At(c.DoneAt), Duration: elapsed(c.IntentAt, c.DoneAt),
	}
}

// parameters lists a resource's resolved parameters by name; secret ones
// carry no value, only the reference they are read from.
func parameters(spec journal.ResourceSpec) []Parameter {
	secret := map[string]bool{}
	for _, s := range spec.Secret {
		secret[s] = true
	}
	out := make([]Parameter, 0, len(spec.Params))
	for name, v := range spec.Params {
		p := Parameter{Name: name, Value: v, Secret: secret[name], Ref: spec.Refs[name]}
		if p.Secret {
			p.Value = "" // the journal holds none; never show one
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Parameter) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

func (r *Report) addApproval(a ApprovalEvent) {
	if a.Layer < 0 || a.Layer >= len(r.Layers) || a.Resource < 0 || a.Resource >= len(r.Layers[a.Layer].Resources) {
		return // not a resource of this run: nothing to attach it to
	}
	l := &r.Layers[a.Layer]
	res := &l.Resources[a.Resource]
	ap := Approval{Layer: l.Number, ResourceIndex: res.Index, Resource: res.Name, Step: a.Step,
		Decision: cmp.Or(a.Decision, "approved"), By: a.By, At: At(a.At), Comment: a.Comment}
	res.Approvals = append(res.Approvals, ap)
	r.Approvals = append(r.Approvals, ap)
}

// runRTO is the run's recovery time: from the run's first start to the end
// of the last of its recovery resources to finish. There is one only when
// every recovery resource of the run succeeded or was already done, and at
// least one succeeded (a run where all were already done recovered
// nothing). Rebuilds and checks that run after the last recovery do not
// count: the databases took writes again once the recoveries were done.
func runRTO(st *journal.RunState, isRecovery func(string) bool) (*Duration, string) {
	var (
		last     *journal.ResourceState
		n, done  int
		blocking *journal.ResourceState
	)
	for li := range st.Layers {
		for ri := range st.Layers[li].Resources {
			rs := &st.Layers[li].Resources[ri]
			if !isRecovery(rs.Type) {
				continue
			}
			n++
			switch rs.Status {
			case journal.StatusSucceeded:
				if last == nil || rs.Ended.After(last.Ended) {
					last = rs
				}
			case journal.StatusAlreadyDone:
				done++
			default:
				if blocking == nil {
					blocking = rs
				}
			}
		}
	}
	switch {
	case n == 0:
		return nil, "no RTO: the run has no recovery (failover) resource; its times are durations"
	case blocking != nil:
		return nil, fmt.Sprintf("no RTO: recovery resource %q is %s", blocking.Name, statusWord(blocking.Status))
	case last == nil:
		return nil, "no RTO: every recovery resource was already done; nothing was recovered"
	case st.Started.IsZero() || last.Ended.Before(st.Started):
		return nil, "no RTO: the run has no start in the journal"
	}
	d := NewDuration(last.Ended.Sub(st.Started))
	return d, fmt.Sprintf("from the run's start (%s) to the end of %q (%s), the last of its %d recovery resources to finish",
		At(st.Started), last.Name, At(last.Ended), n)
}

func statusWord(s journal.Status) string {
	switch s {
	case journal.StatusPending, journal.StatusSkipped:
		return "not done (it was not reached)"
	case journal.StatusRunning:
		return "still running"
	}
	return string(s)
}

func elapsed(from, to time.Time) *Duration {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return nil
	}
	return NewDuration(to.Sub(from))
}

// latest is the latest instant the state records.
func latest(st *journal.RunState) time.Time {
	t := st.Created
	later := func(v time.Time) {
		if v.After(t) {
			t = v
		}
	}
	later(st.Started)
	later(st.Ended)
	for _, l := range st.Layers {
		later(l.Started)
		later(l.Ended)
		for _, r := range l.Resources {
			later(r.Started)
			later(r.Ended)
			for _, s := range r.Steps {
				later(s.Started)
				later(s.Ended)
				for _, c := range s.Calls {
					later(c.IntentAt)
					later(c.DoneAt)
				}
			}
		}
	}
	return t
}
