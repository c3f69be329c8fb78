package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"drorch/journal"
	"drorch/report"
	"drorch/resource/approval"
)

// Waiting is an approval a run waits for now.
type Waiting struct {
	// Layer and Resource are the resource's position (0-based), as the
	// journal addresses it; LayerNumber and Index are as the payload
	// writes them ("layer 2, resource 0").
	Layer       int       `json:"layer"`
	Resource    int       `json:"resource"`
	LayerNumber int       `json:"layerNumber"`
	Index       int       `json:"index"`
	Name        string    `json:"name"`
	Message     string    `json:"message,omitempty"`
	Since       time.Time `json:"since"`
	// Deadline is when the approval times out and the run fails.
	Deadline time.Time `json:"deadline,omitzero"`
}

// Target names it as drorch approve --resource takes it.
func (w Waiting) Target() string { return fmt.Sprintf("%d.%d", w.LayerNumber, w.Index) }

// WaitingApprovals lists the approvals st waits for: ManualApproval
// resources whose step is under way with no decision recorded.
func WaitingApprovals(st *journal.RunState) []Waiting {
	var out []Waiting
	if st.Status.Terminal() {
		return nil
	}
	for li, l := range st.Layers {
		for ri, r := range l.Resources {
			if r.Type != approval.TypeName || r.Status != journal.StatusRunning {
				continue
			}
			s, ok := r.Step(approval.StepName)
			if _, decided := r.Decision(); !ok || s.Status != journal.StatusRunning || decided {
				continue
			}
			w := Waiting{Layer: li, Resource: ri, LayerNumber: l.Number, Index: r.Index, Name: r.Name, Since: s.Started}
			if li < len(st.Spec.Layers) && ri < len(st.Spec.Layers[li].Resources) {
				params := st.Spec.Layers[li].Resources[ri].Params
				w.Message = params["Message"]
				if d, err := time.ParseDuration(params["ApprovalTimeout"]); err == nil && !s.Started.IsZero() {
					w.Deadline = s.Started.Add(d)
				}
			}
			out = append(out, w)
		}
	}
	return out
}

// Errors of Decide, for the HTTP API's status codes: a target naming no
// resource of the run, or a resource that waits for no decision now.
// ErrInvalid is a decision that cannot be recorded as given (its comment
// too long, nobody named as deciding).
var (
	ErrNoSuchResource = errors.New("no such resource")
	ErrNotWaiting     = errors.New("not waiting for approval")
	ErrInvalid        = errors.New("invalid decision")
)

// Limits of what a decision records.
const (
	MaxComment = 2000 // characters
	MaxBy      = 200
)

// Decision is a person's decision on an approval.
type Decision struct {
	// Target names the resource: "" for the only one the run waits for,
	// its name, or LAYER.INDEX as the payload numbers them ("2.0").
	Target  string
	Approve bool // false rejects
	By      string
	Comment string
}

// Decide records d on run st (folded from store) at now and returns the
// approval decided. The run's engine, wherever it runs, sees it at its
// next look (within a few seconds). Two people deciding at once are both
// recorded; the first counts (journal.ResourceState.Decision).
func Decide(ctx context.Context, store journal.Store, now time.Time, st *journal.RunState, d Decision) (Waiting, error) {
	verb := "approve"
	if !d.Approve {
		verb = "reject"
	}
	fail := func(err error) (Waiting, error) { return Waiting{}, fmt.Errorf("%s run %s: %w", verb, st.ID, err) }
	if n := utf8.RuneCountInString(d.Comment); n > MaxComment {
		return fail(fmt.Errorf("%w: the comment has %d characters; keep it under %d", ErrInvalid, n, MaxComment))
	}
	if d.By = strings.TrimSpace(d.By); d.By == "" || utf8.RuneCountInString(d.By) > MaxBy {
		return fail(fmt.Errorf("%w: who decides must be named, in at most %d characters", ErrInvalid, MaxBy))
	}
	if st.Status.Terminal() {
		return fail(fmt.Errorf("%w: the run already %s", ErrNotWaiting, st.Status))
	}
	w, err := target(st, d.Target)
	if err != nil {
		return fail(err)
	}
	kind := journal.ApprovalGranted
	if !d.Approve {
		kind = journal.ApprovalRejected
	}
	ev := journal.Event{RunID: st.ID, Time: now, Kind: kind, Layer: w.Layer, Resource: w.Resource, Step: approval.StepName,
		Data: mustJSON(journal.Approval{By: d.By, Comment: d.Comment})}
	if _, err := store.Append(ctx, st.ID, ev); err != nil {
		return fail(err)
	}
	return w, nil
}

// target finds the approval named by t among those st waits for, or says
// why the resource it names waits for none.
func target(st *journal.RunState, t string) (Waiting, error) {
	waiting := WaitingApprovals(st)
	t = strings.TrimSpace(t)
	if t == "" {
		switch len(waiting) {
		case 1:
			return waiting[0], nil
		case 0:
			return Waiting{}, fmt.Errorf("%w: the run waits for no approval now", ErrNotWaiting)
		}
		names := make([]string, len(waiting))
		for i, w := range waiting {
			names[i] = fmt.Sprintf("%s (%q)", w.Target(), report.Clean(w.Name))
		}
		return Waiting{}, fmt.Errorf("%w: the run waits for %d approvals: name one of %s", ErrInvalid, len(waiting), strings.Join(names, ", "))
	}
	li, ri, ok := find(st, t)
	if !ok {
		return Waiting{}, fmt.Errorf("%w: the run has no resource named %q or numbered so (write its name, or LAYER.INDEX as in the payload)", ErrNoSuchResource, report.Clean(t))
	}
	for _, w := range waiting {
		if w.Layer == li && w.Resource == ri {
			return w, nil
		}
	}
	r := st.Layers[li].Resources[ri]
	if r.Type != approval.TypeName {
		return Waiting{}, fmt.Errorf("%w: %q is a %s, not a %s", ErrNotWaiting, report.Clean(r.Name), r.Type, approval.TypeName)
	}
	if dec, ok := r.Decision(); ok {
		return Waiting{}, fmt.Errorf("%w: %q was already %s by %s at %s", ErrNotWaiting, report.Clean(r.Name), dec.Decision,
			report.Clean(dec.By), dec.At.UTC().Format(time.RFC3339))
	}
	return Waiting{}, fmt.Errorf("%w: %q is %s; approve it once the run reaches it", ErrNotWaiting, report.Clean(r.Name), r.Status)
}

// find locates t in st: LAYER.INDEX as the payload numbers them, else a
// resource name (exactly, or without regard to case when that is unique).
func find(st *journal.RunState, t string) (layer, res int, ok bool) {
	if ln, idx, found := strings.Cut(t, "."); found {
		n, err1 := strconv.Atoi(ln)
		i, err2 := strconv.Atoi(idx)
		for li, l := range st.Layers {
			for ri, r := range l.Resources {
				if err1 == nil && err2 == nil && l.Number == n && r.Index == i {
					return li, ri, true
				}
			}
		}
	}
	matches := 0
	for li, l := range st.Layers {
		for ri, r := range l.Resources {
			if r.Name == t {
				return li, ri, true
			}
			if strings.EqualFold(r.Name, t) {
				layer, res, matches = li, ri, matches+1
			}
		}
	}
	return layer, res, matches == 1
}

// ApprovalEvents are st's decisions as package report takes them.
func ApprovalEvents(st *journal.RunState) []report.ApprovalEvent {
	var out []report.ApprovalEvent
	for li, l := range st.Layers {
		for ri, r := range l.Resources {
			for _, a := range r.Approvals {
				out = append(out, report.ApprovalEvent{Layer: li, Resource: ri, Step: a.Step, Decision: string(a.Decision),
					By: a.By, At: a.At, Comment: a.Comment})
			}
		}
	}
	return out
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("runner: marshal %T: %v", v, err)) // only plain structs are marshalled
	}
	return b
}
