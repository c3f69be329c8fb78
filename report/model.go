package report

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"drorch/journal"
)

// SchemaVersion is the version of the JSON report schema (schema.json). It
// changes only when a field changes meaning or is removed; new optional
// fields keep it.
const SchemaVersion = 1

// Report is a run as a report tells it: every format is rendered from it,
// and its JSON form is the documented schema (schema.json).
type Report struct {
	SchemaVersion int `json:"schemaVersion"`
	// Generated is when the report was made, GeneratedBy the drorch that
	// made it; both are omitted when the caller gives none (golden files).
	Generated   Time    `json:"generatedAt,omitzero"`
	GeneratedBy string  `json:"generatedBy,omitempty"`
	Run         Run     `json:"run"`
	Summary     Summary `json:"summary"`
	// Approvals lists every approval of the run, in time order; each
	// resource lists its own too.
	Approvals []Approval `json:"approvals"`
	// UnknownCalls are the mutating calls whose outcome is unknown (no
	// answer journaled, or an error that may have reached AWS).
	UnknownCalls []CallRef `json:"unknownCalls"`
	Layers       []Layer   `json:"layers"`
}

// Run is the run as a whole.
type Run struct {
	ID      string `json:"id"`
	Command string `json:"command"`
	// Status is the status to show: the journal's, or interrupted for a
	// running run whose process is gone.
	Status string `json:"status"`
	// Finished is false for a run that has not ended: the report then
	// tells what happened until AsOf.
	Finished      bool    `json:"finished"`
	Region        string  `json:"region"`
	Payload       Payload `json:"payload"`
	AllowDataLoss bool    `json:"allowDataLoss"`
	// MaxRPO is the run's limit on the writes at risk (--max-rpo; absent
	// for none); OverrideMaxRPO: the operator ran past it.
	MaxRPO         *Duration `json:"maxRpo,omitempty"`
	OverrideMaxRPO bool      `json:"overrideMaxRpo,omitempty"`
	Created        Time      `json:"created"`
	Started        Time      `json:"started,omitzero"`
	Ended          Time      `json:"ended,omitzero"`
	// AsOf is the latest moment the report knows of: the generation time,
	// else the last event's time.
	AsOf Time `json:"asOf"`
	// Duration is from the first start (or creation) to the end; absent
	// while the run has not ended.
	Duration *Duration `json:"duration,omitempty"`
	// RTO is the run's recovery time; RTONote says how it was measured or
	// why there is none.
	RTO     *Duration `json:"rto,omitempty"`
	RTONote string    `json:"rtoNote"`
	Error   string    `json:"error,omitempty"`
	// Sessions are the processes that started and resumed the run, in
	// order; Resumes counts the resumes.
	Sessions []Session `json:"sessions"`
	Resumes  int       `json:"resumes"`
	Cancel   *Cancel   `json:"cancel,omitempty"`
}

// Payload names the payload a run was given.
type Payload struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// Session is a process that started or resumed the run.
type Session struct {
	Action  string `json:"action"` // started or resumed
	At      Time   `json:"at,omitzero"`
	Host    string `json:"host"`
	PID     int    `json:"pid"`
	User    string `json:"user,omitempty"`
	Version string `json:"version,omitempty"`
}

// Cancel is a cancellation request.
type Cancel struct {
	RequestedBy string `json:"requestedBy"`
	At          Time   `json:"at,omitzero"`
}

// Summary counts what the run did.
type Summary struct {
	Resources int `json:"resources"`
	// Statuses counts resources by status.
	Statuses     map[string]int `json:"statuses"`
	Calls        int            `json:"calls"`
	FailedCalls  int            `json:"failedCalls"`
	UnknownCalls int            `json:"unknownCalls"`
	Approvals    int            `json:"approvals"`
}

// Layer is one layer of the run, in run order.
type Layer struct {
	Number   int    `json:"number"`
	Position int    `json:"position"` // 0-based place in run order
	Status   string `json:"status"`
	// NotReached: the run finished without starting this layer.
	NotReached bool       `json:"notReached"`
	Started    Time       `json:"started,omitzero"`
	Ended      Time       `json:"ended,omitzero"`
	Duration   *Duration  `json:"duration,omitempty"`
	Resources  []Resource `json:"resources"`
}

// ShownStatus is the status people read: "not reached" for a layer a
// finished run never started.
func (l Layer) ShownStatus() string {
	if l.NotReached {
		return "not reached"
	}
	return l.Status
}

// Resource is one resource of a layer.
type Resource struct {
	Index           int       `json:"index"` // position in its layer as written
	Name            string    `json:"name"`
	Type            string    `json:"type"`
	Region          string    `json:"region"`
	Status          string    `json:"status"`
	ContinueOnError bool      `json:"continueOnError"`
	Timeout         *Duration `json:"timeout,omitempty"`
	Started         Time      `json:"started,omitzero"`
	Ended           Time      `json:"ended,omitzero"`
	// Duration is from the first start to the end (interruptions
	// included); absent until it has ended.
	Duration *Duration `json:"duration,omitempty"`
	// Recovery says whether the type is a recovery (a failover); RTO is
	// set only for a recovery that succeeded, and equals Duration then.
	Recovery bool      `json:"recovery"`
	RTO      *Duration `json:"rto,omitempty"`
	// RPO is the writes at risk measured before the run, for an operation
	// that may lose the writes not yet replicated.
	RPO *RPO `json:"rpo,omitempty"`
	// NotReached: the run finished without starting this resource (it
	// stopped before its layer); Status stays as the journal has it.
	NotReached bool `json:"notReached"`
	// AlreadyDone: the goal held when the run reached it; Reason says why.
	AlreadyDone  bool        `json:"alreadyDone"`
	Reason       string      `json:"reason,omitempty"`
	LastObserved string      `json:"lastObserved,omitempty"`
	Error        string      `json:"error,omitempty"`
	Parameters   []Parameter `json:"parameters"`
	Approvals    []Approval  `json:"approvals"`
	Steps        []Step      `json:"steps"`
}

// RPO is the recovery point of an unplanned operation: the replication lag
// of the replica it made writable, last measured before the run.
type RPO struct {
	Replica string `json:"replica"`
	Region  string `json:"region"`
	Metric  string `json:"metric,omitempty"`
	// Known: a lag was measured (Lag, at MeasuredAt); otherwise Note says
	// why there is no figure.
	Known      bool      `json:"known"`
	Lag        *Duration `json:"lag,omitempty"`
	MeasuredAt Time      `json:"measuredAt,omitzero"`
	Note       string    `json:"note,omitempty"`
	// OverLimit: above the run's --max-rpo, or unknown under it, and run
	// anyway on the operator's --override-max-rpo.
	OverLimit bool `json:"overLimit,omitempty"`
	// Display says it in words: "about 0.42 s (AuroraGlobalDBRPOLag of
	// dbcluster-02 in us-west-2 at 2026-03-01T12:00:00.000Z)".
	Display string `json:"display"`
}

// NewRPO is the report's form of a journaled RPO (nil for nil).
func NewRPO(r *journal.RPO) *RPO {
	if r == nil {
		return nil
	}
	out := &RPO{Replica: r.Replica, Region: r.Region, Metric: r.Metric, Known: r.Known, MeasuredAt: At(r.At), Note: r.Note, OverLimit: r.OverLimit}
	if r.Known {
		out.Lag = NewDuration(r.Lag())
		out.Display = fmt.Sprintf("about %s (%s of %s in %s at %s)", out.Lag.Display, r.Metric, r.Replica, r.Region, out.MeasuredAt)
	} else {
		out.Display = "unknown: " + r.Note
	}
	if r.OverLimit {
		out.Display += "; above the run's --max-rpo, run on --override-max-rpo"
	}
	return out
}

// ShownStatus is the status people read: "not reached" for a resource a
// finished run never started.
func (r Resource) ShownStatus() string {
	if r.NotReached {
		return "not reached"
	}
	return r.Status
}

// Parameter is one resolved parameter. A secret one has no value: Secret
// is true and Ref says where it is read from.
type Parameter struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Secret bool   `json:"secret"`
	Ref    string `json:"ref,omitempty"` // the reference as written (!Import x, resolve:ssm:y)
}

// Display is the parameter's value as reports show it: "(secret)" for a
// secret, never its value.
func (p Parameter) Display() string {
	if p.Secret {
		return "(secret)"
	}
	return p.Value
}

// Step is one step of a resource.
type Step struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	// NotReached: the run finished without starting this step (its
	// resource was already done, failed before it, or was not reached).
	NotReached   bool      `json:"notReached"`
	Started      Time      `json:"started,omitzero"`
	Ended        Time      `json:"ended,omitzero"`
	Duration     *Duration `json:"duration,omitempty"`
	Reason       string    `json:"reason,omitempty"` // why it was skipped
	LastObserved string    `json:"lastObserved,omitempty"`
	Error        string    `json:"error,omitempty"`
	Calls        []Call    `json:"calls"`
}

// ShownStatus is the status people read: "not run" for a step a finished
// run never started.
func (s Step) ShownStatus() string {
	if s.NotReached {
		return "not run"
	}
	return s.Status
}

// Call is one mutating AWS call.
type Call struct {
	ID      string            `json:"id"`
	Service string            `json:"service"`
	Action  string            `json:"action"`
	Region  string            `json:"region"`
	Args    map[string]string `json:"args"`
	// Status is intent (no answer journaled), issued (AWS accepted it) or
	// failed (AWS answered with an error).
	Status string `json:"status"`
	// OutcomeUnknown: the call may or may not have taken effect.
	OutcomeUnknown bool      `json:"outcomeUnknown"`
	RequestID      string    `json:"requestId,omitempty"`
	Error          string    `json:"error,omitempty"`
	At             Time      `json:"at"`
	DoneAt         Time      `json:"doneAt,omitzero"`
	Duration       *Duration `json:"duration,omitempty"`
}

// CallRef locates a call in the run.
type CallRef struct {
	Layer         int    `json:"layer"` // the layer's number
	ResourceIndex int    `json:"resourceIndex"`
	Resource      string `json:"resource"`
	Step          string `json:"step"`
	Call          Call   `json:"call"`
}

// Approval is a person's decision on a resource that waits for one (the
// ManualApproval resource type).
type Approval struct {
	// Layer is the layer's number, ResourceIndex and Resource the
	// resource's position and name; Step the step approved, if any.
	Layer         int    `json:"layer"`
	ResourceIndex int    `json:"resourceIndex"`
	Resource      string `json:"resource"`
	Step          string `json:"step,omitempty"`
	// Decision is approved or rejected.
	Decision string `json:"decision"`
	By       string `json:"by"`
	At       Time   `json:"at"`
	Comment  string `json:"comment,omitempty"`
}

// Duration is a length of time as reports give it: seconds (a number, to
// the millisecond) for programs and a display string for people.
type Duration struct {
	Seconds float64 `json:"seconds"`
	Display string  `json:"display"`
}

// NewDuration returns d as a report Duration.
func NewDuration(d time.Duration) *Duration {
	return &Duration{Seconds: math.Round(d.Seconds()*1000) / 1000, Display: FormatDuration(d)}
}

// D returns the duration as a time.Duration (to the millisecond).
func (d *Duration) D() time.Duration {
	if d == nil {
		return 0
	}
	return time.Duration(math.Round(d.Seconds*1000)) * time.Millisecond
}

// Time is an instant, written in JSON as RFC 3339 in UTC with milliseconds
// (2026-03-01T12:00:01.250Z) and omitted when zero.
type Time struct{ time.Time }

// TimeFormat is how report times are written.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// At returns t, in UTC, to the millisecond, as a report Time.
func At(t time.Time) Time {
	if t.IsZero() {
		return Time{}
	}
	return Time{t.UTC().Truncate(time.Millisecond)}
}

// String is the RFC 3339 form, "" for a zero time.
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeFormat)
}

// MarshalJSON writes the RFC 3339 form.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.String())
}

// UnmarshalJSON reads the RFC 3339 form ("" is the zero time).
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("report time: %w", err)
	}
	if s == "" {
		*t = Time{}
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("report time: %w", err)
	}
	*t = At(v)
	return nil
}
