package sfn

import (
	"encoding/json"
	"fmt"
	"time"

	"drorch/lock"
)

// The operations of the Lambda function, the value of Request.Op.
const (
	OpPrepare = "prepare"
	OpStep    = "step"
	OpLayer   = "layer"
	OpFinish  = "finish"
	OpRelease = "release"
	// OpCheck is not a state of the workflows: deploy/template.yaml's
	// schedule invokes it to evaluate a payload's readiness.
	OpCheck = "check"
)

// The statuses of a run (Progress.Status) and of one step decision
// (Decision.Status) and resource (Result.Status).
const (
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusStart     = "start" // the decision a resource's loop starts from
	StatusWaiting   = "waiting"
	StatusDone      = "done"
)

// The error names the Lambda function fails with. Step Functions shows them
// as the Error of a failed state and of a failed execution, so an operator
// (and a Retry or Catch) can tell them apart.
const (
	// ErrBadInput: the payload was refused before anything changed (as
	// `drorch validate` and `drorch plan` refuse it), or it exceeds what
	// the Step Functions engine can run (MaxLayers, MaxLayerResources).
	ErrBadInput = "drorch.BadInput"
	// ErrLocked: another run (CLI or Step Functions) holds a database of
	// the payload.
	ErrLocked = "drorch.Locked"
	// ErrSecretChanged: a SecureString parameter no longer has the value
	// it had when the run started.
	ErrSecretChanged = "drorch.SecretChanged"
	// ErrResourceFailed: a resource failed and the run stopped before the
	// next layer.
	ErrResourceFailed = "drorch.ResourceFailed"
	// ErrAWS: AWS could not be reached or refused a call (after the SDK's
	// own retries): the run bucket, the lock table, references.
	ErrAWS = "drorch.AWSError"
	// ErrInternal: a fault of drorch itself (a malformed request).
	ErrInternal = "drorch.Internal"
	// ErrFinishFailed is the Error of an execution whose last state could
	// not release the lock or report the run's end.
	ErrFinishFailed = "drorch.FinishFailed"
)

// Error is a failure of one operation, named for Step Functions. The
// Lambda adapter returns it with Name as the error type, which is what
// Retry and Catch match and what the execution shows as its Error.
type Error struct {
	Name    string
	Message string
}

func (e *Error) Error() string { return e.Name + ": " + e.Message }

// Errorf builds an *Error with a formatted message.
func Errorf(name, format string, a ...any) *Error {
	return &Error{Name: name, Message: fmt.Sprintf(format, a...)}
}

// Execution identifies the Step Functions execution a request belongs to,
// from the context object ($$.Execution).
type Execution struct {
	ID        string `json:"id"`        // the execution ARN
	Name      string `json:"name"`      // the execution name
	StartTime string `json:"startTime"` // RFC 3339, when the execution started
}

// Request is what the state machine sends the Lambda function: one
// operation and its input. Fields not used by an operation are absent.
type Request struct {
	Op string `json:"op"`
	// Workflow is the state machine's workflow (prepare).
	Workflow string `json:"workflow,omitempty"`
	// Execution is the parent execution (prepare, layer, finish); step
	// takes it from its Item.
	Execution Execution `json:"execution"`
	// Input is the execution input as the operator gave it: the original
	// {"StatePayload": [...]} (prepare).
	Input json.RawMessage `json:"input,omitempty"`
	// Progress is the run's state between layers (layer, finish).
	Progress *Progress `json:"progress,omitempty"`
	// Item is the resource a step decides for, as prepare wrote it (step).
	Item *Item `json:"item,omitempty"`
	// Memory is the previous decision's Memory for this resource, null on
	// the first step.
	Memory json.RawMessage `json:"memory,omitempty"`
	// Retries is $$.State.RetryCount: how many failed attempts of this Task
	// visit came before this one (step). Each wrote history events.
	Retries int `json:"retries,omitempty"`
	// Payload is the payload to check, as an execution's input: the
	// original {"StatePayload": [...]} (check; or PayloadKey).
	Payload json.RawMessage `json:"payload,omitempty"`
	// PayloadKey is the run bucket's object that holds the payload to
	// check (check; or Payload).
	PayloadKey string `json:"payloadKey,omitempty"`
	// MaxLag is the replication lag allowed where the payload sets no
	// maxReplicationLag, as a Go duration ("1s", "30s"; check; default
	// readiness.DefaultMaxLag), as `drorch check --max-lag` takes it.
	MaxLag string `json:"maxLag,omitempty"`
}

// Progress is the parent execution's state between its states: what
// prepare returns and what each layer op and finish take and return.
type Progress struct {
	// Run is the run's identity; null when prepare failed.
	Run *Run `json:"run"`
	// Layer is the layer to run next; null when there is none.
	Layer *LayerRef `json:"layer"`
	// Status is running while a layer remains, then succeeded or failed.
	Status string `json:"status"`
	// Summary counts the resources so far.
	Summary Summary `json:"summary"`
	// Results is what the layer's Map state returned: one Result per
	// resource (read by the layer op, never returned by it).
	Results []Result `json:"results,omitempty"`
	// Error is the failure that ended the run: set by a Catch ({Error,
	// Cause} as Step Functions writes it) or by the layer op.
	Error *Failure `json:"error,omitempty"`
}

// Failure is an error as Step Functions passes it to a Catch.
type Failure struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// Summary counts resources by outcome.
type Summary struct {
	Resources int `json:"resources"` // in the whole payload
	Done      int `json:"done"`
	Failed    int `json:"failed"`
	// Continued counts the failed resources whose continueOnError let the
	// run go on.
	Continued int `json:"continued"`
}

// Run is what every later operation needs to know about the run.
type Run struct {
	Workflow string `json:"workflow"`
	Region   string `json:"region"` // where the run acts from: the function's region
	Account  string `json:"account,omitempty"`
	// Bucket and Prefix locate the run's objects: each layer's items
	// (LayerKey) and the run record (RunKey).
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix"`
	// Layers lists the layers in run order.
	Layers []LayerInfo `json:"layers"`
}

// LayerInfo is one layer of a run.
type LayerInfo struct {
	Number    int `json:"number"` // the payload's layer number
	Resources int `json:"resources"`
}

// LayerRef is the layer the Map state runs next: the S3 object its
// ItemReader reads (a JSON array of Item).
type LayerRef struct {
	Position  int    `json:"position"` // index in Run.Layers
	Number    int    `json:"number"`
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	Resources int    `json:"resources"`
}

// LayerKey is the object key of the layer at position pos of a run.
func LayerKey(prefix string, pos int) string {
	return fmt.Sprintf("%slayer-%04d.json", prefix, pos+1)
}

// RunKey is the object key of a run's record (RunRecord).
func RunKey(prefix string) string { return prefix + "run.json" }

// RunRecord is what prepare keeps beside the layers for finish and
// release: the lease it took on the run's databases, written down (record
// ids and token, never the lock keys), so that they release exactly that.
// It stays in the run bucket: the token must not reach the execution
// history.
type RunRecord struct {
	Execution Execution   `json:"execution"`
	Lock      lock.Ticket `json:"lock"`
}

// Released is the release op's answer.
type Released struct {
	// Records counts the lock records given back; 0 when there was
	// nothing (no run record: prepare never took the lock; or released
	// already).
	Records int `json:"records"`
}

// Item is one resource as the step op receives it: everything needed to
// decide its next action without the payload, and nothing secret.
type Item struct {
	Execution Execution `json:"execution"` // the parent execution
	Workflow  string    `json:"workflow"`
	Region    string    `json:"region"` // the run's home region
	Account   string    `json:"account,omitempty"`
	Partition string    `json:"partition,omitempty"`
	Layer     int       `json:"layer"` // the layer's number
	Index     int       `json:"index"` // the resource's position in its layer as written
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	// Params are the resolved parameters; a secret parameter's value is ""
	// here and in Secrets instead.
	Params map[string]string `json:"params"`
	// Refs are the references as written ("!Import x"), by parameter.
	Refs map[string]string `json:"refs,omitempty"`
	// Secrets holds, for each SecureString parameter, its reference and a
	// keyed fingerprint of the value prepare read: each step reads the
	// value again and refuses to act if it changed.
	Secrets         map[string]Secret `json:"secrets,omitempty"`
	ContinueOnError bool              `json:"continueOnError"`
	// SkipFinalSnapshot is the resource's "finalSnapshot": false: the step
	// binds the resource with it, as the local engine does.
	SkipFinalSnapshot bool `json:"skipFinalSnapshot,omitempty"`
	// TimeoutSeconds is the resource's deadline.
	TimeoutSeconds int `json:"timeoutSeconds"`
	// MinWait is the shortest wait, in seconds, between two steps of this
	// resource: the layer's share of the account's describe-call rate
	// (MinWaitFor).
	MinWait int `json:"minWait"`
	// Steps are the names of the resource's steps, in order.
	Steps []string `json:"steps"`
	// LockUntil is when the run's lease on its databases lapses: the
	// step op makes no call past it (another run may hold them then).
	LockUntil time.Time `json:"lockUntil,omitzero"`
}

// Secret is a SecureString parameter of an Item.
type Secret struct {
	Ref         string `json:"ref"`         // resolve:ssm:<name>[:<version>]
	Fingerprint string `json:"fingerprint"` // keyed MAC of the value, base64
}

// Decision is the step op's answer: the resource's status, how long to
// wait before the next step and what to remember until then.
type Decision struct {
	Status string `json:"status"` // waiting, done or failed
	// Wait is the seconds the Wait state waits (SecondsPath); 0 unless
	// Status is waiting.
	Wait int `json:"wait"`
	// Memory is opaque to the state machine: passed back on the next step.
	Memory json.RawMessage `json:"memory"`
	// Message says what happened, for the execution history.
	Message string `json:"message"`
}

// Result is what one resource's child execution returns to its layer: kept
// tiny, because a Map state's output (one Result per resource) must stay
// under Step Functions' 256 KiB payload quota. What happened in detail is
// in the child execution's history and the function's log.
type Result struct {
	Index           int    `json:"index"`
	Status          string `json:"status"` // done or failed
	ContinueOnError bool   `json:"continueOnError"`
}

// Outcome is the finish op's answer: the run's final status, and for a
// failed run the error the execution fails with.
type Outcome struct {
	Status  string   `json:"status"` // succeeded or failed
	Summary Summary  `json:"summary"`
	Error   *Failure `json:"error"`
	// Notified says whether the run's end was published to the topic.
	Notified bool `json:"notified"`
}

// Checked is the check op's answer: one evaluation of a payload's
// readiness (package readiness), and whether the topic was told.
type Checked struct {
	// Payload says where the payload was read from: s3://BUCKET/KEY, or
	// "inline payload sha256:..." for one given in the request.
	Payload       string    `json:"payload"`
	PayloadSHA256 string    `json:"payloadSHA256"`
	Region        string    `json:"region"`
	At            time.Time `json:"at"`
	// Ready is true when no check failed: a failover would work now.
	Ready bool `json:"ready"`
	// Status is the worst finding: pass, warning or failure.
	Status  string      `json:"status"`
	Summary string      `json:"summary"`
	Counts  CheckCounts `json:"counts"`
	// Failures are the first failures, each with where it is
	// (MaxCheckFailures of them at most; `drorch check` shows every
	// finding).
	Failures []string `json:"failures,omitempty"`
	// Warnings are the first warnings, as Failures.
	Warnings []string `json:"warnings,omitempty"`
	// Notified says whether this evaluation was published to the topic:
	// only when readiness changed since the last message.
	Notified bool `json:"notified"`
	// StateKey is the run bucket's object that keeps what the topic was
	// last told about this payload.
	StateKey string `json:"stateKey"`
}

// CheckCounts counts a check's findings by status.
type CheckCounts struct {
	Pass    int `json:"pass"`
	Warning int `json:"warning"`
	Failure int `json:"failure"`
}

// MaxCheckFailures bounds Checked.Failures and Checked.Warnings.
const MaxCheckFailures = 20
