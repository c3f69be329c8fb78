// Package ops is the Step Functions Lambda function's operations (prepare,
// step, layer, finish, release, and the scheduled readiness check; the
// contract is in package sfn's doc),
// behind small consumer-defined interfaces: AWS, S3, the lock, SNS and the
// fingerprint key are adapters that sfn/function wires in, and tests
// replace with fakes. The step op drives the step machine of package
// engine/machine, as the local engine does, with the execution history as
// its journal (step.go). It knows nothing of the Lambda runtime library.
package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"drorch/cloud"
	"drorch/engine/machine"
	"drorch/internal/clock"
	"drorch/lock"
	"drorch/readiness"
	"drorch/ref"
	"drorch/resource"
	"drorch/sfn"
)

// Locker is the shared lock on a run's databases (package lock over the
// DynamoDB lock table that `drorch run --lock-table` uses too): prepare
// takes it all or nothing (a key held by another run is a
// *lock.HeldError), writes its lease down (lock.Ticket) in the run record,
// and finish or release restore and release it. *lock.Locker is one.
type Locker interface {
	Acquire(ctx context.Context, r lock.Request) (*lock.Lease, error)
	Restore(t lock.Ticket) (*lock.Lease, error)
}

// LockWrites are the writes the function's lock makes on the lock table:
// the fingerprint secret created (by the table's first user), keys taken,
// keys dropped (released, or given back by a refused acquire). It never
// extends a lease: prepare sizes it to the run (lockMargin). The template
// grants the function exactly the actions these need
// (dynamolock.Actions).
var LockWrites = []lock.WriteOp{lock.Create, lock.Take, lock.Drop}

// Store keeps a run's objects (its layers' items and its record) in the
// run bucket, where the layer's Map state reads its items. Get of an object
// that does not exist returns an error wrapping ErrNoObject.
type Store interface {
	Put(ctx context.Context, bucket, key string, data []byte) error
	Get(ctx context.Context, bucket, key string) ([]byte, error)
}

// ErrNoObject is what a Store's Get wraps when the object does not exist.
var ErrNoObject = errors.New("no such object")

// Notifier publishes a run's end to the operators' topic.
type Notifier interface {
	Publish(ctx context.Context, subject, message string) error
}

// Fingerprinter makes and checks keyed MACs of secret values, with a key
// the execution history never sees (a KMS HMAC key when deployed), so that
// a fingerprint in the history tells nothing about the value.
type Fingerprinter interface {
	Fingerprint(ctx context.Context, message []byte) (string, error)
	Verify(ctx context.Context, message []byte, fingerprint string) (bool, error)
}

// Settings are the function's configuration (its environment variables).
type Settings struct {
	// Region is where the function runs: references resolve there and the
	// run acts from there.
	Region string
	// Bucket holds the runs' objects.
	Bucket string
	// PollsPerSecond is how often the resources of one layer may poll
	// together (0: sfn.DefaultPollsPerSecond).
	PollsPerSecond float64
}

// Functions are the operations with their adapters.
type Functions struct {
	Registry   *resource.Registry
	Exports    ref.Exports
	Parameters ref.Parameters
	Identity   cloud.Identity
	// Reader and Batch read AWS for the step op (awsapi's Reads), Executor
	// makes the mutating calls the step machine decides (awsapi's Calls).
	Reader   cloud.Reader
	Batch    cloud.BatchReader
	Executor cloud.Executor
	// Machine tunes the step machine (zero: its defaults).
	Machine      machine.Settings
	Locks        Locker
	Store        Store
	Notify       Notifier
	Fingerprints Fingerprinter
	// Permissions asks IAM's policy simulator about the function's own
	// role for the check op (nil: the check skips its permissions check).
	Permissions readiness.PermissionChecker
	// Readiness tells the topic when the check op finds readiness
	// changed, as drorch check --notify-sns does (notify.Readiness; nil:
	// the log alone tells it).
	Readiness readiness.Notifier
	Settings  Settings
	// Log receives one JSON object per line (CloudWatch Logs when
	// deployed). Writes are serialised.
	Log   io.Writer
	Clock clock.Clock

	logMu sync.Mutex
}

// Handle decodes one request, runs its operation and encodes its answer.
// Failures are *sfn.Error, named for the state machine's Retry and Catch.
func (f *Functions) Handle(ctx context.Context, payload []byte) ([]byte, error) {
	var req sfn.Request
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, sfn.Errorf(sfn.ErrInternal, "decode the request: %v", err)
	}
	var (
		out any
		err error
	)
	switch req.Op {
	case sfn.OpPrepare:
		out, err = f.Prepare(ctx, &req)
	case sfn.OpStep:
		out, err = f.Step(ctx, &req)
	case sfn.OpLayer:
		out, err = f.Layer(ctx, &req)
	case sfn.OpFinish:
		out, err = f.Finish(ctx, &req)
	case sfn.OpRelease:
		out, err = f.Release(ctx, &req)
	case sfn.OpCheck:
		out, err = f.Check(ctx, &req)
	default:
		return nil, sfn.Errorf(sfn.ErrInternal, "unknown op %q: the function runs prepare, step, layer, finish, release and check", clip(req.Op, 40))
	}
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, sfn.Errorf(sfn.ErrInternal, "encode the %s answer: %v", req.Op, err)
	}
	return b, nil
}

// logLine writes one JSON object to the log.
func (f *Functions) logLine(fields map[string]any) {
	if f.Log == nil {
		return
	}
	fields["time"] = f.now().UTC().Format(time.RFC3339Nano)
	b, err := json.Marshal(fields)
	if err != nil {
		return
	}
	f.logMu.Lock()
	defer f.logMu.Unlock()
	_, _ = f.Log.Write(append(b, '\n'))
}

func (f *Functions) now() time.Time {
	if f.Clock == nil {
		return time.Now()
	}
	return f.Clock.Now()
}

// LogResourceEnd writes the line the original framework writes when a
// resource ends: its type, name and RTO (the time since the execution
// started), with the outcome. The step op calls it on done and failed.
func (f *Functions) LogResourceEnd(item *sfn.Item, status, message string) {
	fields := map[string]any{"event": "resource.finished", "workflow": item.Workflow, "execution": item.Execution.ID,
		"layer": item.Layer, "index": item.Index, "resourceType": item.Type, "resourceName": item.Name,
		"status": status, "message": message}
	if start, err := time.Parse(time.RFC3339Nano, item.Execution.StartTime); err == nil {
		rto := f.now().Sub(start)
		fields["rtoSeconds"] = rto.Seconds()
		fields["rto"] = rto.Round(time.Second).String()
	}
	f.logLine(fields)
}

// awsError names a failure to reach AWS for the state machine.
func awsError(op string, err error) error {
	return &sfn.Error{Name: sfn.ErrAWS, Message: fmt.Sprintf("%s: %v", op, err)}
}

// clip shortens s to n characters for messages.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}
