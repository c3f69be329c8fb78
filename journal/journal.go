// Package journal is drorch's durable, append-only record of runs. Every run
// is a sequence of events; its state is a fold of them (Fold). Stores keep
// events durable before Append returns, and hold the per-resource locks that
// keep two runs off the same databases.
//
// The package holds what every store shares: the events and their fold, the
// Store interface, the in-memory store (NewMemory) and the helpers that
// make all stores accept and refuse the same input (PrepareAppend,
// ResolveRunID, CheckLocks, RunRecord.CheckClaim). The durable store, a
// SQLite file, is package journal/sqlitestore, so that a binary keeping no
// local journal does not link SQLite; journal/storetest is the one suite
// every store passes.
//
// Run ids match ^[a-z0-9-]{4,64}$ (ValidRunID); stores refuse others with
// ErrInvalidRunID.
//
// No secret is ever kept. A lock key may hold a secret value (an identifier
// read from an SSM SecureString), so stores keep only a keyed fingerprint
// of it (Store.Fingerprint, HMAC-SHA256): RunRecord.Locks lists
// fingerprints, and a *BusyError names the caller's own keys, which the
// store holds only for the duration of the call. The fingerprint key never
// lives in the journal itself. Event messages and data are the caller's to
// keep free of secrets (the engine replaces secret values before it
// appends); Store.Fingerprint lets it journal a fingerprint instead.
//
// Appends are group commits: Append(ctx, run, events...) writes all its
// events in one transaction, made durable by one fsync in the SQLite store,
// so a caller with several events to record at one moment (a layer's
// starts, a polling round's observations) passes them together.
package journal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind is the type of an event.
type Kind string

// The event kinds. Layer and Resource in Event locate resource- and
// step-level events; Data carries the kind-specific payload named here.
const (
	RunCreated         Kind = "run.created"          // Data: RunSpec
	RunStarted         Kind = "run.started"          // Data: Process
	RunResumed         Kind = "run.resumed"          // Data: Process
	RunCancelRequested Kind = "run.cancel-requested" // Message: who asked
	// RunInterrupted: the process stopped driving the run (Ctrl-C, SIGTERM)
	// after its calls in flight returned; the run is unfinished and can be
	// resumed. Message: why; Data: Interruption.
	RunInterrupted Kind = "run.interrupted"
	RunFinished    Kind = "run.finished" // Data: Outcome

	LayerStarted  Kind = "layer.started"
	LayerFinished Kind = "layer.finished" // Data: Outcome

	ResourceStarted     Kind = "resource.started"
	ResourceAlreadyDone Kind = "resource.already-done" // Message: why the goal already holds
	ResourceFinished    Kind = "resource.finished"     // Data: Outcome

	StepStarted  Kind = "step.started"
	StepSkipped  Kind = "step.skipped"  // Message: why (goal of the step already reached)
	StepObserved Kind = "step.observed" // Message: what a poll saw, recorded when it changes
	StepFinished Kind = "step.finished" // Data: Outcome

	CallIntent Kind = "call.intent" // Data: Call; written (durably) before the call is made
	CallIssued Kind = "call.issued" // Data: Call; the call returned success
	CallFailed Kind = "call.failed" // Data: Call; Error: what AWS said

	// ApprovalGranted and ApprovalRejected record a person's decision on a
	// resource that waits for one (the ManualApproval type), located by
	// Layer, Resource and Step. They are appended by whoever decides (the
	// CLI, the HTTP API), not by the engine: the waiting step reads them.
	// Data: Approval.
	ApprovalGranted  Kind = "approval.granted"
	ApprovalRejected Kind = "approval.rejected"
)

// Status is the outcome or current status of a run, layer, resource or step.
type Status string

// The statuses.
const (
	StatusPending     Status = "pending"
	StatusRunning     Status = "running"
	StatusSucceeded   Status = "succeeded"
	StatusFailed      Status = "failed"
	StatusCancelled   Status = "cancelled"
	StatusSkipped     Status = "skipped"      // step: its goal held already; layer/resource: not reached
	StatusAlreadyDone Status = "already-done" // resource: goal held at start, nothing done
	// StatusInterrupted is not written by events: it is what a running run
	// whose owner stopped heartbeating is shown as (see RunRecord.Live).
	StatusInterrupted Status = "interrupted"
)

// Terminal reports whether s is a final status.
func (s Status) Terminal() bool {
	switch s {
	case StatusSucceeded, StatusFailed, StatusCancelled, StatusSkipped, StatusAlreadyDone:
		return true
	}
	return false
}

// Event is one entry of a run's journal.
type Event struct {
	RunID string    `json:"run"`
	Seq   int64     `json:"seq"` // assigned by the store, from 1
	Time  time.Time `json:"time"`
	Kind  Kind      `json:"kind"`
	// Layer is the layer's position in run order (0-based), -1 for run-level events.
	Layer int `json:"layer"`
	// Resource is the resource's position in its layer (0-based), -1 for layer-level events.
	Resource int             `json:"resource"`
	Step     string          `json:"step,omitempty"`
	Message  string          `json:"message,omitempty"`
	Error    string          `json:"error,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
}

// RunSpec is what a run was asked to do, recorded once at creation. Secret
// parameter values are never in it: Params holds "" for them and Secret
// names them, so a resume resolves them again.
type RunSpec struct {
	Command       string      `json:"command"` // run; serve when started through the HTTP API
	Region        string      `json:"region"`  // the home region
	PayloadFile   string      `json:"payloadFile,omitempty"`
	PayloadSHA256 string      `json:"payloadSha256"`
	AllowDataLoss bool        `json:"allowDataLoss,omitempty"`
	Layers        []LayerSpec `json:"layers"`

	// MaxRPO is the operator's limit on the writes at risk (--max-rpo, 0
	// for none); OverrideMaxRPO records that they ran past it.
	MaxRPO         time.Duration `json:"maxRpo,omitempty"`
	OverrideMaxRPO bool          `json:"overrideMaxRpo,omitempty"`
}

// LayerSpec is one layer of a RunSpec.
type LayerSpec struct {
	Number    int            `json:"number"`
	Resources []ResourceSpec `json:"resources"`
}

// ResourceSpec is one resource of a RunSpec, with its resolved parameters.
type ResourceSpec struct {
	Index           int               `json:"index"` // position in the layer as written
	Name            string            `json:"name"`
	Type            string            `json:"type"`
	Region          string            `json:"region"`
	Params          map[string]string `json:"params"`           // resolved values; "" for secrets
	Refs            map[string]string `json:"refs,omitempty"`   // parameter -> reference as written
	Secret          []string          `json:"secret,omitempty"` // parameters whose values are secret
	ContinueOnError bool              `json:"continueOnError,omitempty"`
	// SkipFinalSnapshot is the payload's "finalSnapshot": false, kept so
	// that a resumed run deletes as the run it continues would have.
	SkipFinalSnapshot bool          `json:"skipFinalSnapshot,omitempty"`
	Timeout           time.Duration `json:"timeout"`
	Steps             []string      `json:"steps"`
	// SecretFingerprints are keyed fingerprints (Store.Fingerprint) of the
	// secret parameters' values when the run started: a resume reads the
	// secrets again and refuses to act on a value that changed meanwhile,
	// without the journal ever holding one.
	SecretFingerprints map[string]string `json:"secretFingerprints,omitempty"`

	// RPO is the writes at risk that the plan measured before the run, for
	// an operation that may lose writes (resource.RPOReporter).
	RPO *RPO `json:"rpo,omitempty"`
}

// Process identifies who runs a run.
type Process struct {
	Owner   string `json:"owner"` // host:pid:random, the lease owner
	Host    string `json:"host"`
	PID     int    `json:"pid"`
	User    string `json:"user,omitempty"` // the OS user running drorch
	Version string `json:"version,omitempty"`
}

// Interruption is the data of a run.interrupted event: the AWS operations
// the run had started and that go on without it.
type Interruption struct {
	Ongoing []string `json:"ongoing,omitempty"`
}

// Approval is the data of an approval.granted or approval.rejected event:
// who decided and what they said. The event's time is when.
type Approval struct {
	By      string `json:"by"`
	Comment string `json:"comment,omitempty"`
}

// Outcome ends a run, layer, resource or step.
type Outcome struct {
	Status Status `json:"status"`
}

// Call is a mutating AWS call as journaled.
type Call struct {
	ID      string            `json:"id"` // unique within the run, pairs intent with issued/failed
	Service string            `json:"service"`
	Action  string            `json:"action"`
	Region  string            `json:"region"`
	Args    map[string]string `json:"args,omitempty"`
	// RequestID is the AWS request id of the answer, when known.
	RequestID string `json:"requestId,omitempty"`
	// Unknown on a call.failed event means the call may have reached AWS
	// (timeout, connection reset): its outcome is unknown.
	Unknown bool `json:"unknown,omitempty"`
}

// RunRecord is the store's summary of a run.
type RunRecord struct {
	ID      string
	Created time.Time
	// Status is running until a run.finished event sets the final one.
	Status Status
	// Owner and Heartbeat are the lease of the process running it.
	Owner     string
	Heartbeat time.Time
	// Locks are the fingerprints (Store.Fingerprint) of the lock keys the
	// run holds, sorted: never the keys themselves, which may be secret.
	Locks []string
}

// Live reports whether the run's owner heartbeated within stale of now.
func (r RunRecord) Live(now time.Time, stale time.Duration) bool {
	return r.Owner != "" && now.Sub(r.Heartbeat) < stale
}

// Store keeps runs durably. Implementations: SQLite (package
// journal/sqlitestore) and memory (NewMemory); one test suite
// (journal/storetest) runs against both.
type Store interface {
	// Create registers a new run and takes its locks atomically. If another
	// run that is not finished holds any of them, it fails with *BusyError.
	// A run id that ValidRunID refuses fails with ErrInvalidRunID. Only
	// the fingerprints of the lock keys are kept.
	Create(ctx context.Context, runID string, created time.Time, locks []string) error
	// Append adds events in order, assigning Seq; they are durable on return.
	Append(ctx context.Context, runID string, events ...Event) ([]Event, error)
	// Events returns the run's events with Seq > afterSeq, in order.
	Events(ctx context.Context, runID string, afterSeq int64) ([]Event, error)
	// Run returns one run's record (ErrRunNotFound if none). runID may
	// also be a prefix of at least MinRunPrefix characters that matches
	// exactly one run (ErrRunAmbiguous if it matches several), so that
	// operators can type `drorch resume 3f2a`.
	Run(ctx context.Context, runID string) (RunRecord, error)
	// Runs lists runs, newest first.
	Runs(ctx context.Context) ([]RunRecord, error)
	// Claim makes owner the run's owner if it has none or its owner's
	// heartbeat is older than stale; else it fails with ErrRunActive.
	Claim(ctx context.Context, runID, owner string, now time.Time, stale time.Duration) error
	// Heartbeat renews owner's lease (ErrNotOwner if another took it).
	Heartbeat(ctx context.Context, runID, owner string, now time.Time) error
	// Release frees the run's locks and lease once it is finished. On a
	// run that is not finished it only clears the lease (so that a resume
	// need not wait for it to go stale): its locks stay until it ends.
	Release(ctx context.Context, runID string) error
	// Fingerprint returns the store's keyed fingerprint of value (64 hex
	// digits), the one its locks are kept by: equal values give equal
	// fingerprints in this store, and nothing about value can be learnt
	// from it without the store's key. The engine journals the
	// fingerprints of secret parameter values with it, so that a resume
	// can check that a secret has not changed without ever storing it.
	Fingerprint(value string) string
	Close() error
}

// EventCreator is a Store that can register a run, take its locks and
// append its first events in one atomic, durable step; both stores are.
// The engine creates runs with it so that no crash can leave a run that
// holds locks but has no run.created event: such a run could be neither
// shown, resumed nor cancelled, and would keep its resources locked.
type EventCreator interface {
	// CreateWithEvents is Create, then Append of events, all or nothing.
	CreateWithEvents(ctx context.Context, runID string, created time.Time, locks []string, events ...Event) ([]Event, error)
}

var _ EventCreator = (*Memory)(nil)

// Errors returned by stores.
var (
	ErrRunNotFound = errors.New("run not found")
	ErrRunActive   = errors.New("run is being run by another live process")
	ErrNotOwner    = errors.New("run is owned by another process")
	// ErrRunAmbiguous is returned by Run when a prefix matches several runs.
	ErrRunAmbiguous = errors.New("run id prefix is ambiguous")
)

// BusyError says that some locks are held by another unfinished run.
type BusyError struct {
	RunID string // the run holding them
	// Keys are the caller's own requested lock keys that RunID holds,
	// sorted. The store never kept them: they come from the call. The
	// engine redacts secret values from the message.
	Keys []string
}

// Error names the holder and the commands that free its locks.
func (e *BusyError) Error() string {
	return fmt.Sprintf("%s is held by unfinished run %s: wait for it, or `drorch resume %s` / `drorch cancel %s`",
		strings.Join(e.Keys, ", "), e.RunID, e.RunID, e.RunID)
}
