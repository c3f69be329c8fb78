package output

import (
	"encoding/json"
	"fmt"
	"time"

	"drorch/journal"
	"drorch/report"
)

// Runs is `drorch runs -o json`: the runs of one journal, newest first.
type Runs struct {
	SchemaVersion int      `json:"schemaVersion"`
	Kind          string   `json:"kind"` // "runs"
	Journal       string   `json:"journal"`
	Runs          []RunRow `json:"runs"`
}

// RunRow is one run of Runs.
type RunRow struct {
	ID      string      `json:"id"`
	Created report.Time `json:"created"`
	// Status is the status to show: interrupted for a running run whose
	// process is gone.
	Status    string           `json:"status"`
	Region    string           `json:"region"`
	Payload   string           `json:"payload"`
	Resources int              `json:"resources"`
	Duration  *report.Duration `json:"duration,omitempty"` // absent until the run started
}

// NewRuns is the Runs document of journal.
func NewRuns(journalPath string, rows []RunRow) Runs {
	if rows == nil {
		rows = []RunRow{}
	}
	return Runs{SchemaVersion: SchemaVersion, Kind: "runs", Journal: journalPath, Runs: rows}
}

// NewRunRow is the row of a folded run, shown with status.
func NewRunRow(created time.Time, st *journal.RunState, status journal.Status) RunRow {
	n := 0
	for _, l := range st.Layers {
		n += len(l.Resources)
	}
	row := RunRow{ID: st.ID, Created: report.At(created), Status: string(status), Region: st.Spec.Region,
		Payload: st.Spec.PayloadFile, Resources: n}
	if d := st.Elapsed(); d > 0 {
		row.Duration = report.NewDuration(d)
	}
	return row
}

// Validate is `drorch validate -o json`.
type Validate struct {
	SchemaVersion int    `json:"schemaVersion"`
	Kind          string `json:"kind"` // "validate"
	File          string `json:"file"`
	Valid         bool   `json:"valid"`
	// Layers, Resources and References count what could be read, problems
	// or not (0 when the file is not JSON or YAML at all).
	Layers     int       `json:"layers"`
	Resources  int       `json:"resources"`
	References int       `json:"references"`
	Problems   []Problem `json:"problems"`
}

// Problem is one fault of a payload: where, what and how to fix it; Text
// is the whole of it as one line.
type Problem struct {
	Layer        *int   `json:"layer,omitempty"`
	Resource     *int   `json:"resource,omitempty"`
	ResourceName string `json:"resourceName,omitempty"`
	Field        string `json:"field,omitempty"`
	Message      string `json:"message"`
	Fix          string `json:"fix,omitempty"`
	Text         string `json:"text"`
}

// Version is `drorch version -o json`.
type Version struct {
	SchemaVersion int    `json:"schemaVersion"`
	Kind          string `json:"kind"` // "version"
	Version       string `json:"version"`
	Commit        string `json:"commit,omitempty"`
	GoVersion     string `json:"goVersion"`
}

// Approval is `drorch approve -o json`: the decision recorded.
type Approval struct {
	SchemaVersion int    `json:"schemaVersion"`
	Kind          string `json:"kind"` // "approval"
	Run           string `json:"run"`
	// Layer and Index address the resource as the payload numbers it.
	Layer    int    `json:"layer"`
	Index    int    `json:"index"`
	Resource string `json:"resource"`
	Decision string `json:"decision"` // approved or rejected
	By       string `json:"by"`
}

// Error is a failed command with -o json or jsonl, written to stderr.
type Error struct {
	SchemaVersion int    `json:"schemaVersion"`
	Kind          string `json:"kind"` // "error"
	// Message names the operation, the cause and the next step.
	Message string `json:"message"`
	// ExitCode is the process's exit code: 1 failed, 2 bad input, 130
	// interrupted.
	ExitCode int `json:"exitCode"`
	// Problems are the payload's faults, when that is the error.
	Problems []Problem `json:"problems,omitempty"`
	// RunID names the run the error is about, when there is one.
	RunID string `json:"runId,omitempty"`
}

// NewError is the Error document of a failure.
func NewError(msg string, code int, problems []Problem, runID string) Error {
	return Error{SchemaVersion: SchemaVersion, Kind: "error", Message: msg, ExitCode: code, Problems: problems, RunID: runID}
}

// Event is one line of `drorch run -o jsonl`: a journal event as it is
// written. Data is the event's own document (journal package) when it
// has one.
type Event struct {
	Kind     string          `json:"kind"` // "event"
	Event    string          `json:"event"`
	Run      string          `json:"run"`
	Seq      int64           `json:"seq"`
	Time     report.Time     `json:"time"`
	Layer    int             `json:"layer"`    // position in run order, -1 for the run
	Resource int             `json:"resource"` // position in its layer, -1 for a layer or the run
	Step     string          `json:"step,omitempty"`
	Message  string          `json:"message,omitempty"`
	Error    string          `json:"error,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
}

// NewEvent is the jsonl line of a journal event. The data of run.created
// (what the run was asked to do) is given as a Spec, durations as
// report.Duration.
func NewEvent(ev journal.Event) Event {
	out := Event{Kind: "event", Event: string(ev.Kind), Run: ev.RunID, Seq: ev.Seq, Time: report.At(ev.Time),
		Layer: ev.Layer, Resource: ev.Resource, Step: ev.Step, Message: ev.Message, Error: ev.Error, Data: ev.Data}
	if ev.Kind == journal.RunCreated {
		var spec journal.RunSpec
		if err := json.Unmarshal(ev.Data, &spec); err == nil {
			out.Data, _ = json.Marshal(NewSpec(spec))
		}
	}
	return out
}

// Spec is what a run was asked to do (journal.RunSpec), as run.created's
// data in jsonl.
type Spec struct {
	Command       string      `json:"command"`
	Region        string      `json:"region"`
	PayloadFile   string      `json:"payloadFile"`
	PayloadSHA256 string      `json:"payloadSha256"`
	AllowDataLoss bool        `json:"allowDataLoss"`
	Layers        []SpecLayer `json:"layers"`
}

// SpecLayer is one layer of a Spec.
type SpecLayer struct {
	Number    int            `json:"number"`
	Resources []SpecResource `json:"resources"`
}

// SpecResource is one resource of a Spec; its parameters are in the run
// report (with secrets left out), not here.
type SpecResource struct {
	Index           int              `json:"index"`
	Name            string           `json:"name"`
	Type            string           `json:"type"`
	Region          string           `json:"region"`
	ContinueOnError bool             `json:"continueOnError"`
	Timeout         *report.Duration `json:"timeout,omitempty"`
	Steps           []string         `json:"steps"`
}

// NewSpec is the Spec of a journal.RunSpec.
func NewSpec(s journal.RunSpec) Spec {
	out := Spec{Command: s.Command, Region: s.Region, PayloadFile: s.PayloadFile, PayloadSHA256: s.PayloadSHA256,
		AllowDataLoss: s.AllowDataLoss, Layers: []SpecLayer{}}
	for _, l := range s.Layers {
		sl := SpecLayer{Number: l.Number, Resources: []SpecResource{}}
		for _, r := range l.Resources {
			sr := SpecResource{Index: r.Index, Name: r.Name, Type: r.Type, Region: r.Region, ContinueOnError: r.ContinueOnError,
				Steps: r.Steps}
			if sr.Steps == nil {
				sr.Steps = []string{}
			}
			if r.Timeout > 0 {
				sr.Timeout = report.NewDuration(r.Timeout)
			}
			sl.Resources = append(sl.Resources, sr)
		}
		out.Layers = append(out.Layers, sl)
	}
	return out
}

// Events is `drorch show RUN --events -o json`: a run's journal.
type Events struct {
	SchemaVersion int     `json:"schemaVersion"`
	Kind          string  `json:"kind"` // "events"
	Run           string  `json:"run"`
	Events        []Event `json:"events"`
}

// NewEvents is the Events document of a run's events.
func NewEvents(run string, evs []journal.Event) Events {
	out := Events{SchemaVersion: SchemaVersion, Kind: "events", Run: run, Events: make([]Event, 0, len(evs))}
	for _, ev := range evs {
		out.Events = append(out.Events, NewEvent(ev))
	}
	return out
}

// Final is the last line of `drorch run -o jsonl`: the run's report.
type Final struct {
	Kind   string         `json:"kind"` // "report"
	Report *report.Report `json:"report"`
}

// Plural is "1 layer", "2 layers": n and the noun, in the plural unless n
// is 1 (nouns drorch counts take an s).
func Plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Times is "once", "twice", "3 times".
func Times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}
