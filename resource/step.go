package resource

import (
	"context"
	"time"

	"drorch/cloud"
	"drorch/manifest"
)

// Type is a resource type: its parameters, cross-field rules and how to bind
// resolved parameters into a runnable Resource.
type Type interface {
	Spec() manifest.TypeSpec
	// Bind checks cross-field rules on resolved, form-checked parameters
	// (e.g. ClusterRegion equals the region of DBClusterIdentifier) and
	// returns the runnable resource. Problems name the field and the fix;
	// the caller fills in layer and resource position. Identifiers arrive
	// in canonical form (cloud.ID).
	Bind(p Params, c Context) (Resource, []manifest.Problem)
}

// Recovery is implemented by types whose success is a recovery (a failover:
// its duration is a recovery time, RTO) rather than a rebuild (a failback
// preparation, whose duration is only a duration).
type Recovery interface {
	Recovery() bool
}

// IsRecovery reports whether t is a recovery; types that do not say are not.
func IsRecovery(t Type) bool {
	r, ok := t.(Recovery)
	return ok && r.Recovery()
}

// Context is what a resource knows about the run when it is bound.
type Context struct {
	// HomeRegion is the region drorch runs in (--region): where imports
	// are resolved and where types without a region of their own act.
	HomeRegion string
	// AllowDataLoss is the operator's acknowledgement (--allow-data-loss)
	// that a data-loss failover may run.
	AllowDataLoss bool
	// Account is the AWS account id when known ("" otherwise); IAM
	// policies use "*" in its place.
	Account string
	// Partition is the caller's AWS partition when known ("" otherwise:
	// "aws" is assumed where no ARN of the payload says better).
	Partition string
	// SkipFinalSnapshot is the resource's own "finalSnapshot": false (the
	// engine sets it per resource): a type that deletes a stale database
	// deletes it without the final snapshot it otherwise takes and waits
	// for.
	SkipFinalSnapshot bool
	// Layer and Index are the resource's position in the run: its layer's
	// position in run order and its own in that layer (0-based), as the
	// journal's events address it. A type whose state lives in the run's
	// journal rather than in AWS (ManualApproval) names it by them.
	Layer, Index int
}

// PartitionOr returns the partition of an ARN of the payload when there is
// one, else the caller's, else "aws".
func (c Context) PartitionOr(fromARN string) string {
	switch {
	case fromARN != "":
		return fromARN
	case c.Partition != "":
		return c.Partition
	}
	return "aws"
}

// Resource is a bound resource: the handler contract of DESIGN.md 2.1.
type Resource interface {
	// Goal reports whether the desired end state already holds (Done), in
	// which case the whole resource is a no-op: this is what makes a re-run
	// of a finished failover safe.
	Goal(ctx context.Context, v *View) (Verdict, error)
	// Preflight is the read-only "would this work now?": current state,
	// blockers and warnings (RPO risk, deletion protection, ...). For a
	// sequence of destructive steps it proves that every later step can
	// succeed before the first destructive call is made.
	Preflight(ctx context.Context, v *View) (Preflight, error)
	// Steps are the ordered, idempotent steps converging on the goal.
	Steps() []Step
	// Watch lists what the resource reads, so the engine can fetch it in
	// batched describe calls once per polling round.
	Watch() []cloud.Key
	// Locks are the keys that no two active runs may hold at once, in
	// canonical form.
	Locks() []string
	// Permissions are the IAM actions (and resources) the resource needs.
	Permissions() []Permission
	// Timeout is the type's default deadline for the whole resource.
	Timeout() time.Duration
	// Region is where the resource's main calls go (shown in plans).
	Region() string
}

// Step is one idempotent step of a resource.
type Step interface {
	// Name is stable within the type ("switchover"); the journal records it.
	Name() string
	// Check reads state and tells where the step stands: Done (skip or
	// finished), Ready (its calls can be made), InProgress (look again),
	// Blocked (cannot be made now, with the reason) or Failed.
	Check(ctx context.Context, v *View) (Verdict, error)
	// Calls are the mutating calls the step makes when Check says Ready,
	// computed from the same state: only what is still to be done, so that
	// a retry after a crash never repeats a finished call. Plans show them
	// and the engine makes them, argument for argument.
	Calls(ctx context.Context, v *View) ([]cloud.Call, error)
}

// View is the read-only view of the cloud that goals, preflights, checks
// and calls are computed on. It has no way to change anything.
type View struct {
	// Read serves the state of resources (in the engine, from the polling
	// round's batched describes).
	Read cloud.Reader
	// Identity tells who drorch runs as.
	Identity cloud.Identity
	// Now is the engine's clock.
	Now func() time.Time
	// RunID is the run being executed ("" in a plan): names of things a
	// run creates, such as final snapshots, carry it.
	RunID string
}

// State is where a step or resource stands.
type State int

// The states a Check can report.
const (
	Ready State = iota
	InProgress
	Done
	Blocked
	Failed
)

func (s State) String() string {
	switch s {
	case Ready:
		return "ready"
	case InProgress:
		return "in-progress"
	case Done:
		return "done"
	case Blocked:
		return "blocked"
	case Failed:
		return "failed"
	}
	return "unknown"
}

// Verdict is the outcome of a Check.
type Verdict struct {
	State State
	// Reason says why, in words an operator understands
	// ("global cluster dr-db is switching-over to dbcluster-02").
	Reason string
	// Busy, on a Ready verdict, says that the state is also what the
	// step's own call shows while it runs, and AWS shows nothing that
	// tells the two apart: an ElastiCache promotion asked while the global
	// datastore is modifying leaves it modifying, the target still a
	// secondary, until the promotion ends. The step's calls are made if
	// they have not been; once they were accepted, the state is their
	// operation under way (as InProgress), however long it lasts.
	Busy bool
}

// Preflight is the read-only assessment of a resource before a run.
type Preflight struct {
	// State describes the current situation, one fact per line
	// ("writer: dbcluster-01 (us-east-1)").
	State []string
	// Blockers stop the run before any change.
	Blockers []string
	// Warnings are shown and recorded but do not stop the run.
	Warnings []string
	// AlreadyDone is true when the goal already holds.
	AlreadyDone bool
}

// Permission is a set of IAM actions on a set of resource ARNs.
type Permission struct {
	Actions   []string
	Resources []string
}
