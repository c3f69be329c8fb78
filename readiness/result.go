package readiness

import (
	"fmt"
	"slices"
	"time"
)

// Status is a finding's verdict.
type Status string

// The verdicts, from best to worst.
const (
	Pass    Status = "pass"
	Warning Status = "warning"
	Failure Status = "failure"
	// NotChecked is the status of a resource that has no finding: the
	// evaluation could not reach it (the payload's findings say why).
	NotChecked Status = "not-checked"
)

func (s Status) rank() int {
	switch s {
	case Failure:
		return 2
	case Warning:
		return 1
	}
	return 0
}

// worse returns the worse of a and b.
func worse(a, b Status) Status {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// The checks, in the order findings are listed.
const (
	CheckReferences  = "references"  // every reference resolves; shared exports agree across regions
	CheckExists      = "exists"      // the resources exist
	CheckHealth      = "health"      // the target side is available and in sync
	CheckLag         = "lag"         // replication lag within the threshold
	CheckParity      = "parity"      // instance classes, counts, engine versions, parameter groups
	CheckPermissions = "permissions" // the caller may make every call
	CheckPlan        = "plan"        // the plan would not be blocked
)

// Finding is one check's verdict, with the fix when it is not a pass.
type Finding struct {
	Check   string `json:"check"`
	Status  Status `json:"status"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

// ResourceResult is the findings on one resource of the payload.
type ResourceResult struct {
	// Layer is the layer's number, Index the resource's position in it as
	// written.
	Layer    int       `json:"layer"`
	Index    int       `json:"index"`
	Name     string    `json:"name"`
	Type     string    `json:"type"`
	Region   string    `json:"region,omitempty"` // where its calls go, once bound
	Status   Status    `json:"status"`
	Findings []Finding `json:"findings"`
}

// Result is one evaluation of a payload.
type Result struct {
	Payload string    `json:"payload"`
	SHA256  string    `json:"sha256"`
	Region  string    `json:"region"`
	At      time.Time `json:"at"`
	// Ready is true when no finding is a failure: a failover would work now.
	Ready  bool   `json:"ready"`
	Status Status `json:"status"`
	// Findings are the payload's own (permissions drorch itself needs,
	// other regions, an evaluation that could not run); Resources hold
	// the rest.
	Findings  []Finding        `json:"findings"`
	Resources []ResourceResult `json:"resources"`
	Counts    Counts           `json:"counts"`
}

// Counts counts findings by status.
type Counts struct {
	Pass    int `json:"pass"`
	Warning int `json:"warning"`
	Failure int `json:"failure"`
}

func (c *Counts) add(s Status) {
	switch s {
	case Failure:
		c.Failure++
	case Warning:
		c.Warning++
	default:
		c.Pass++
	}
}

// checkOrder is the rank of each check in a list of findings.
var checkOrder = map[string]int{CheckReferences: 0, CheckExists: 1, CheckHealth: 2, CheckLag: 3, CheckParity: 4, CheckPermissions: 5, CheckPlan: 6}

// finish puts findings in check order and computes statuses and counts
// once every finding is in.
func (r *Result) finish() {
	byCheck := func(a, b Finding) int { return checkOrder[a.Check] - checkOrder[b.Check] }
	slices.SortStableFunc(r.Findings, byCheck)
	for i := range r.Resources {
		slices.SortStableFunc(r.Resources[i].Findings, byCheck)
	}
	r.Status, r.Counts = Pass, Counts{}
	for _, f := range r.Findings {
		r.Status = worse(r.Status, f.Status)
		r.Counts.add(f.Status)
	}
	for i := range r.Resources {
		rr := &r.Resources[i]
		rr.Status = Pass
		if len(rr.Findings) == 0 {
			rr.Status = NotChecked
		}
		for _, f := range rr.Findings {
			rr.Status = worse(rr.Status, f.Status)
			r.Counts.add(f.Status)
		}
		r.Status = worse(r.Status, rr.Status)
	}
	r.Ready = r.Status != Failure
}

// Failures lists the failures, each prefixed with where it is, for a short
// message.
func (r *Result) Failures() []string {
	var out []string
	for _, f := range r.Findings {
		if f.Status == Failure {
			out = append(out, fmt.Sprintf("[%s] %s", f.Check, f.Message))
		}
	}
	for _, rr := range r.Resources {
		for _, f := range rr.Findings {
			if f.Status == Failure {
				out = append(out, fmt.Sprintf("[%s] layer %d, %s: %s", f.Check, rr.Layer, rr.Name, f.Message))
			}
		}
	}
	return out
}

// Summary is the result on one line: READY or NOT READY and the counts.
func (r *Result) Summary() string {
	word := "READY"
	if !r.Ready {
		word = "NOT READY"
	}
	return fmt.Sprintf("%s (%d passed, %d warnings, %d failed)", word, r.Counts.Pass, r.Counts.Warning, r.Counts.Failure)
}
