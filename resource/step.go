package resource

import (
	"context"
	"time"

	"drorch/manifest"
)

// Type is a resource type: its parameters, cross-field rules and how to bind
// resolved parameters into a runnable Resource.
type Type interface {
	Spec() manifest.TypeSpec
	// Bind checks cross-field rules on resolved, form-checked parameters
	// (e.g. ClusterRegion equals the region of DBClusterIdentifier) and
	// returns the runnable resource. Problems name the field and the fix;
	// the caller fills in layer and resource position.
	Bind(p Params, c Context) (Resource, []manifest.Problem)
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
}

// Resource is a bound resource: the handler contract of DESIGN.md 2.1.
type Resource interface {
	// Goal reports whether the desired end state already holds (Done), in
	// which case the whole resource is a no-op: this is what makes a re-run
	// of a finished failover safe.
	Goal(ctx context.Context, env *Env) (Verdict, error)
	// Preflight is the read-only "would this work now?": current state,
	// blockers and warnings (RPO risk, deletion protection, ...).
	Preflight(ctx context.Context, env *Env) (Preflight, error)
	// Steps are the ordered, idempotent steps converging on the goal.
	Steps() []Step
	// Watch lists what the resource reads, so the engine can fetch it in
	// batched describe calls once per polling round.
	Watch() []Key
	// Locks are the keys that no two active runs may hold at once.
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
	// Calls describe the mutating call(s) Do makes, for plans.
	Calls() []Call
	// Check reads state and tells where the step stands: Done (skip or
	// finished), Ready (its call can be made), InProgress (look again),
	// Blocked (cannot be made now, with the reason) or Failed.
	Check(ctx context.Context, env *Env) (Verdict, error)
	// Do makes the mutating call(s). It must act only on what is still to
	// be done, so that a retry after a crash never repeats a finished call.
	Do(ctx context.Context, env *Env) error
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
	// Next hints when to look again (0: the engine's own schedule).
	Next time.Duration
}

// Call describes one mutating AWS call for plans, journals and IAM.
type Call struct {
	Service string            // rds, elasticache
	Action  string            // SwitchoverGlobalCluster
	Region  string            // where the call is made
	Args    map[string]string // the main arguments, for display
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

// KeyKind is the kind of a watched resource.
type KeyKind string

// The kinds of resources the engine can batch-read.
const (
	KeyGlobalCluster          KeyKind = "global-cluster"
	KeyDBCluster              KeyKind = "db-cluster"
	KeyDBInstance             KeyKind = "db-instance"
	KeyGlobalReplicationGroup KeyKind = "global-replication-group"
)

// Key names a resource to read: its kind, the region to call, its id or ARN.
type Key struct {
	Kind   KeyKind
	Region string
	ID     string
}
