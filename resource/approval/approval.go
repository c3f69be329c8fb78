// Package approval holds the ManualApproval resource type: a point of a run
// where it waits for a person to approve (or reject) going on, the manual
// approval block of a failover plan.
//
// An approval's state is not in AWS but in the run's journal: whoever
// decides (drorch approve, the HTTP API, the web UI) appends an
// approval.granted or approval.rejected event for that resource of that
// run, and the step reads it like any other state, through the View's
// cloud.Reader, as the kind Approvals. Package runner serves that kind from
// the journal and every other kind from AWS, so the engine drives the step
// as it drives any other and knows nothing of approvals. The step declares
// no call: it is in progress ("waiting for approval") until a decision is
// recorded, done when approved, blocked when rejected, and failed when
// nobody decided within ApprovalTimeout.
//
// The Step Functions workflows do not run this type (their first state
// refuses it): an execution has no journal to record a decision in.
package approval

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"drorch/cloud"
	"drorch/manifest"
	"drorch/resource"
)

// TypeName is the resourceType of an approval in a payload.
const TypeName = "ManualApproval"

// StepName is the approval's one step, as the journal names it.
const StepName = "approval"

// The decisions State.Decision holds ("" while nobody has decided).
const (
	Approved = "approved"
	Rejected = "rejected"
)

// Approvals is the kind of an approval's state. Its key's id is ID(run,
// layer, index): one resource of one run, so that an approval never
// approves another resource or another run.
var Approvals = cloud.KindOf[State]{Name: "drorch:approval", Noun: "approval"}

// State is where an approval stands, as the run's journal tells it.
type State struct {
	// Decision is Approved, Rejected, or "" while the run waits.
	Decision string
	By       string
	At       time.Time
	Comment  string
	// Requested is when the run began to wait for it (its step's first
	// start), zero before that; the timeout runs from it, across resumes.
	Requested time.Time
}

// ID names the approval of the resource at position (layer, index) of run
// runID, as the journal's events address it.
func ID(runID string, layer, index int) string {
	return fmt.Sprintf("%s/%d/%d", runID, layer, index)
}

// ParseID splits an ID into its run and position.
func ParseID(id string) (runID string, layer, index int, err error) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 {
		return "", 0, 0, fmt.Errorf("approval id %q: want RUN/LAYER/INDEX", id)
	}
	layer, err1 := strconv.Atoi(parts[1])
	index, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || layer < 0 || index < 0 {
		return "", 0, 0, fmt.Errorf("approval id %q: want RUN/LAYER/INDEX", id)
	}
	return parts[0], layer, index, nil
}

// Bounds of ApprovalTimeout.
const (
	DefaultTimeout = time.Hour
	MinTimeout     = time.Minute
	MaxTimeout     = manifest.MaxTimeout
)

// Spec is ManualApproval.
func Spec() manifest.TypeSpec {
	return manifest.TypeSpec{
		Name: TypeName,
		Doc: "Waits for a person to approve going on (drorch approve RUN, the HTTP API or the web UI). " +
			"A rejection, or no decision within ApprovalTimeout, fails the resource, and so the run stops before its next layer.",
		Params: []manifest.ParamSpec{
			{Name: "Message", Kind: manifest.KindString, Doc: "what the approver must check before approving, shown where the approval is asked for",
				Example: "Confirm with the orders team that writes to us-east-1 have stopped"},
			{Name: "ApprovalTimeout", Kind: manifest.KindString, Default: "1h",
				Doc: "how long to wait for a decision, as a duration from 1m to 24h", Example: "30m"},
		},
	}
}

// ManualApproval is the ManualApproval type.
type ManualApproval struct{}

// Spec returns Spec().
func (ManualApproval) Spec() manifest.TypeSpec { return Spec() }

// Bind checks ApprovalTimeout and returns the approval of the resource at
// c's position.
func (ManualApproval) Bind(p resource.Params, c resource.Context) (resource.Resource, []manifest.Problem) {
	raw := strings.TrimSpace(p.String("ApprovalTimeout"))
	if raw == "" {
		raw = DefaultTimeout.String()
	}
	d, err := time.ParseDuration(raw)
	switch {
	case err != nil:
		return nil, []manifest.Problem{{Field: "ApprovalTimeout", Message: fmt.Sprintf("%q is not a duration", raw),
			Fix: "write it like 30m or 2h"}}
	case d < MinTimeout || d > MaxTimeout:
		return nil, []manifest.Problem{{Field: "ApprovalTimeout", Message: fmt.Sprintf("%s is out of range", d),
			Fix: fmt.Sprintf("give a duration from %s to %s", MinTimeout, MaxTimeout)}}
	}
	return &gate{message: strings.TrimSpace(p.String("Message")), timeout: d, region: c.HomeRegion, layer: c.Layer, index: c.Index}, nil
}

// gate is a bound ManualApproval.
type gate struct {
	message      string
	timeout      time.Duration
	region       string
	layer, index int
}

// Region is the home region: an approval calls no region.
func (g *gate) Region() string { return g.region }

// Timeout is the approval's own timeout and a minute more, so that the
// step says it timed out before the engine's deadline, a backstop, does.
func (g *gate) Timeout() time.Duration { return g.timeout + time.Minute }

// Locks, Watch and Permissions are empty: an approval touches no AWS
// resource, and what it reads is served from the journal on demand.
func (g *gate) Locks() []string                    { return nil }
func (g *gate) Watch() []cloud.Key                 { return nil }
func (g *gate) Permissions() []resource.Permission { return nil }

func (g *gate) Steps() []resource.Step {
	return []resource.Step{resource.FuncStep{StepName: StepName, CheckFunc: g.check,
		CallsFunc: func(context.Context, *resource.View) ([]cloud.Call, error) { return nil, nil }}}
}

func (g *gate) read(ctx context.Context, v *resource.View) (*State, error) {
	s, err := Approvals.Get(ctx, v.Read, g.region, ID(v.RunID, g.layer, g.index))
	if err != nil {
		return nil, fmt.Errorf("read the approval: %w", err)
	}
	return s, nil
}

// Goal holds once the approval is given (a resumed run goes on from there).
func (g *gate) Goal(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	s, err := g.read(ctx, v)
	if err != nil {
		return resource.Verdict{}, err
	}
	if s.Decision == Approved {
		return resource.Verdict{State: resource.Done, Reason: decided(s)}, nil
	}
	return resource.Verdict{State: resource.Ready, Reason: "waits for a person's approval"}, nil
}

func (g *gate) check(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	s, err := g.read(ctx, v)
	if err != nil {
		return resource.Verdict{}, err
	}
	switch s.Decision {
	case Approved:
		return resource.Verdict{State: resource.Done, Reason: decided(s)}, nil
	case Rejected:
		return resource.Verdict{State: resource.Blocked, Reason: decided(s)}, nil
	}
	what := "waiting for approval"
	if g.message != "" {
		what += ": " + g.message
	}
	if v.RunID == "" { // a plan: nothing waits yet
		return resource.Verdict{State: resource.InProgress, Reason: what}, nil
	}
	asked := s.Requested
	if asked.IsZero() {
		asked = v.Now()
	}
	ends := asked.Add(g.timeout)
	if !v.Now().Before(ends) {
		return resource.Verdictf(resource.Failed, "nobody approved within %s (asked at %s): the run stops here; approve sooner, or give a longer ApprovalTimeout",
			g.timeout, asked.UTC().Format(time.RFC3339)), nil
	}
	return resource.Verdictf(resource.InProgress, "%s (drorch approve %s, the API or the web UI; it times out at %s)",
		what, v.RunID, ends.UTC().Format(time.RFC3339)), nil
}

func decided(s *State) string {
	out := fmt.Sprintf("%s by %s at %s", s.Decision, s.By, s.At.UTC().Format(time.RFC3339))
	if s.Comment != "" {
		out += ": " + s.Comment
	}
	return out
}

// Preflight blocks nothing: it says that the run will wait, and for how long.
func (g *gate) Preflight(ctx context.Context, v *resource.View) (resource.Preflight, error) {
	pf := resource.Preflight{State: []string{"the run waits here for a person's approval"}}
	if g.message != "" {
		pf.State = append(pf.State, "to check before approving: "+g.message)
	}
	pf.State = append(pf.State, fmt.Sprintf("approve with drorch approve RUN, the HTTP API or the web UI; with no decision within %s the run fails here", g.timeout))
	return pf, nil
}
