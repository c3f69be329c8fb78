package e2e

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"

	"drorch/lock/dynamolock"
	"drorch/sfn"
	"drorch/sfn/function"
	"drorch/sfn/ops"
	"drorch/sfn/sfntest"
	"drorch/sim"
)

// The Step Functions engine end to end: the generated definitions run by
// aws-local-stepfunctions (sfntest), every Task answered by the real Lambda
// handler (package sfn/function) through aws-lambda-go's handler, as the
// Lambda runtime calls it, against the world's simulator. The simulator
// serves no S3 and no KMS: the run bucket is kept in memory and secrets
// are fingerprinted with a local key (the S3 and KMS adapters are tested
// against moto in sfn/function).

// lockTable is the shared lock table of these tests' worlds.
const lockTable = "drorch-locks"

// withLockTable is a scenario with the lock table in both regions.
func withLockTable(sc *sim.Scenario) *sim.Scenario {
	for _, region := range []string{useast, uswest} {
		sc.Tables = append(sc.Tables, sim.ScenarioTable{Name: lockTable, Region: region, PartitionKey: dynamolock.AttrID,
			TTLAttribute: dynamolock.AttrExpire})
	}
	return sc
}

// memBucket is the run bucket.
type memBucket struct {
	mu      sync.Mutex
	objects map[string][]byte
}

func (b *memBucket) Put(_ context.Context, bucket, key string, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objects[bucket+"/"+key] = bytes.Clone(data)
	return nil
}

func (b *memBucket) Get(_ context.Context, bucket, key string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.objects[bucket+"/"+key]
	if !ok {
		return nil, fmt.Errorf("s3://%s/%s: %w", bucket, key, ops.ErrNoObject)
	}
	return data, nil
}

// localKey fingerprints as the KMS HMAC key does.
type localKey []byte

func (k localKey) Fingerprint(_ context.Context, msg []byte) (string, error) {
	m := hmac.New(sha256.New, k)
	m.Write(msg)
	return base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

func (k localKey) Verify(ctx context.Context, msg []byte, fp string) (bool, error) {
	want, _ := k.Fingerprint(ctx, msg)
	return hmac.Equal([]byte(want), []byte(fp)), nil
}

// stepFunctions is the function deployed in one region of a world.
type stepFunctions struct {
	w      *world
	region string
	h      *function.Handler
	bucket *memBucket
	log    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// stepFunctions deploys the function in region against the world's
// simulator.
func (w *world) stepFunctions(region string) *stepFunctions {
	w.t.Helper()
	sfntest.Require(w.t)
	h, err := function.New(context.Background(), function.Config{Region: region, Bucket: "drorch-runs", LockTable: lockTable,
		Topic: "arn:aws:sns:" + region + ":123456789012:dr-orchestrator-notifications", FingerprintKey: "local",
		EndpointURL: w.url, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		})})
	if err != nil {
		w.t.Fatal(err)
	}
	s := &stepFunctions{w: w, region: region, h: h, bucket: &memBucket{objects: map[string][]byte{}}, log: &syncBuffer{}}
	h.F.Store, h.F.Fingerprints, h.F.Log = s.bucket, localKey("e2e"), s.log
	return s
}

// invoke is the function as Step Functions invokes it: through
// aws-lambda-go's handler, its error response turned back into the error
// the state sees.
func (s *stepFunctions) invoke(ctx context.Context, payload []byte) ([]byte, error) {
	out, err := lambda.NewHandler(s.h.Invoke).Invoke(ctx, payload)
	var ie messages.InvokeResponse_Error
	if errors.As(err, &ie) {
		return nil, &sfn.Error{Name: ie.Type, Message: ie.Message}
	}
	return out, err
}

// execute runs workflow w's definition with input as the execution named
// name; wrap, if given, stands between Step Functions and the function
// (throttling, lost answers).
func (s *stepFunctions) execute(w sfn.Workflow, name, input string, wrap func(sfntest.Function) sfntest.Function) sfntest.Result {
	s.w.t.Helper()
	def, err := sfn.Generate(w, sfn.Options{}).JSON()
	if err != nil {
		s.w.t.Fatal(err)
	}
	fn := sfntest.Function(s.invoke)
	if wrap != nil {
		fn = wrap(fn)
	}
	started := time.Now()
	r := sfntest.RunExecution(s.w.t, def, []byte(input), name, sfntest.Handler(fn, func(bucket, key string) ([]byte, error) {
		return s.bucket.Get(context.Background(), bucket, key)
	}))
	s.w.t.Logf("execution %s of %s in %s: %s %s (%s)", name, w.Name, s.region, r.Status, r.Error, time.Since(started).Round(time.Millisecond))
	return r
}

// readmeRun is one README payload, where and how it runs.
type readmeRun struct {
	name     string
	region   string
	workflow sfn.Workflow
	scenario func() *sim.Scenario
	payload  func(t *testing.T) string
	calls    []string
}

func readmeRuns() []readmeRun {
	file := func(name string) func(t *testing.T) string {
		return func(t *testing.T) string {
			b, err := os.ReadFile(seedPayload(name))
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	return []readmeRun{
		{"1-planned-switchover", uswest, sfn.Failover, sim.SeedScenario, file("1-planned-switchover.json"), []string{"SwitchoverGlobalCluster"}},
		{"2-unplanned-failover", uswest, sfn.Failover, sim.SeedScenario, file("2-unplanned-failover.json"), []string{"RemoveFromGlobalCluster"}},
		{"3-create-secondary-cluster (corrected)", useast, sfn.Failback, afterUnplannedFailover, func(t *testing.T) string {
			return correctedFailback([]byte(file("3-create-secondary-cluster.json")(t)))
		}, failbackCalls},
		{"4-rds-and-elasticache", uswest, sfn.Failover, sim.SeedScenario, file("4-rds-and-elasticache.json"),
			[]string{"FailoverGlobalReplicationGroup", "PromoteReadReplica"}},
	}
}

// TestStepFunctionsWorldEqualsDrorchRun: each README payload (3 in its
// corrected form), from the same start, leaves the simulated world the
// same whether `drorch run` runs it or the generated state machine does,
// every Task handled by the real function: the same resources in the same
// states, the same operations with the same outcomes, each mutating call
// made once, and no lock left in the table. What must differ is ignored:
// times, request ids, generated resource ids.
func TestStepFunctionsWorldEqualsDrorchRun(t *testing.T) {
	t.Parallel()
	for _, rr := range readmeRuns() {
		t.Run(rr.name, func(t *testing.T) {
			t.Parallel()
			const speed = 2000
			payload := rr.payload(t)

			cli := newWorld(t, worldConfig{scenario: withLockTable(rr.scenario()), speed: speed})
			start := comparable(t, cli.sim.State())
			file := cli.payload("payload.json", payload)
			cli.mustRun(0, append([]string{"run", "--region", rr.region, "--yes", "--run-id", "readme", "--lock-table", lockTable}, append(pollFlags, file)...)...)

			sw := newWorld(t, worldConfig{scenario: withLockTable(rr.scenario()), speed: speed})
			var invocations, steps atomic.Int64
			r := sw.stepFunctions(rr.region).execute(rr.workflow, "readme", payload, func(fn sfntest.Function) sfntest.Function {
				return func(ctx context.Context, payload []byte) ([]byte, error) {
					invocations.Add(1)
					if bytes.Contains(payload, []byte(`"op":"step"`)) {
						steps.Add(1)
					}
					return fn(ctx, payload)
				}
			})
			t.Logf("%s: %d invocations of the function, %d of them steps; %d API calls to AWS against %d for drorch run",
				rr.name, invocations.Load(), steps.Load(), sw.sim.CallCount("", "", ""), cli.sim.CallCount("", "", ""))
			if r.Status != "SUCCEEDED" {
				t.Fatalf("execution %s: %s: %s", r.Status, r.Error, r.Cause)
			}
			var out sfn.Outcome
			if err := json.Unmarshal(r.Output, &out); err != nil || out.Status != sfn.StatusSucceeded || !out.Notified {
				t.Errorf("outcome %s (%v)", r.Output, err)
			}

			for _, w := range []*world{cli, sw} {
				if p := callProblems(databaseCalls(w.sim.MutatingCalls()), rr.calls); len(p) > 0 {
					t.Errorf("mutating calls:\n%s", p)
				}
			}
			a, b := comparable(t, cli.sim.State()), comparable(t, sw.sim.State())
			if a == start {
				t.Fatal("drorch run left the world as it was")
			}
			if a != b {
				t.Errorf("the worlds differ (- drorch run, + Step Functions):\n%s", lineDiff(a, b))
			}
		})
	}
}

// databaseCalls are the mutating calls AWS accepted on databases (not on
// the lock table, nor the notification topic).
func databaseCalls(calls []sim.MutatingCall) []sim.MutatingCall {
	var ok []sim.MutatingCall
	for _, c := range calls {
		if c.Status == 200 && (c.Service == "rds" || c.Service == "elasticache") {
			ok = append(ok, c)
		}
	}
	return ok
}

var (
	timeValue = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$`)
	// generated are the ids the simulator makes up for what a run creates
	// (resource ids of clusters and instances): they come from its random
	// source, which each engine draws from differently.
	generated = regexp.MustCompile(`\b(cluster|db)-[A-Z0-9]{26}\b`)
)

// comparable is a world as JSON lines, without what must differ between
// two engines acting alike: the clock, the faults, times, generated ids;
// the operations as a sorted list of (action, target, region, outcome);
// the lock tables as the count of locks held (the fingerprint secret
// aside).
func comparable(t *testing.T, st sim.State) string {
	t.Helper()
	var ops []string
	for _, op := range st.Ops {
		ops = append(ops, fmt.Sprintf("%s %s in %s: %s", op.Action, op.Target, op.Region, op.Outcome))
	}
	sort.Strings(ops)
	held := 0
	for _, tbl := range st.Tables {
		for _, item := range tbl.Items {
			if !strings.Contains(string(item), "meta#") {
				held++
			}
		}
	}
	st.Now, st.Ops, st.Faults, st.Tables = time.Time{}, nil, nil, nil
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	v = scrub(v)
	b, _ := json.MarshalIndent(map[string]any{"world": v, "operations": ops, "locksHeld": held}, "", " ")
	return string(b)
}

func scrub(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Collect(maps.Keys(x)) {
			x[k] = scrub(x[k])
		}
	case []any:
		for i := range x {
			x[i] = scrub(x[i])
		}
	case string:
		if timeValue.MatchString(x) {
			return "<time>"
		}
		return generated.ReplaceAllString(x, "$1-<generated>")
	}
	return v
}

// lineDiff shows the lines of a and b that differ, in order.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("%4d - %s\n     + %s", i+1, x, y))
		}
		if len(out) > 40 {
			out = append(out, "...")
			break
		}
	}
	return strings.Join(out, "\n")
}

// TestStepFunctionsFailureStopsNextLayer: a resource that fails (its
// instance does not exist) lets the rest of its layer finish, stops the
// run before the next layer, fails the execution naming it, and leaves the
// world as `drorch run` leaves it from the same start.
func TestStepFunctionsFailureStopsNextLayer(t *testing.T) {
	t.Parallel()
	payload := `{"StatePayload":[
	  {"layer":1,"resources":[
	    {"resourceType":"PromoteRDSReadReplica","resourceName":"missing","parameters":{"RDSInstanceIdentifier":"no-such-instance"}},
	    {"resourceType":"PromoteRDSReadReplica","resourceName":"replica","parameters":{"RDSInstanceIdentifier":"!Import rds-mysql-instance-identifier"}}]},
	  {"layer":2,"resources":[{"resourceType":"PlannedFailoverAurora","resourceName":"switchover","parameters":{
	    "GlobalClusterIdentifier":"!Import dr-globaldb-cluster-mysql-global-identifier",
	    "DBClusterIdentifier":"!Import dr-globaldb-cluster-mysql-cluster-identifier"}}]}]}`
	const speed = 2000
	cli := newWorld(t, worldConfig{scenario: withLockTable(sim.SeedScenario()), speed: speed})
	// The plan is blocked by the missing instance: the CLI runs nothing.
	// Its world would be the start; compare with a run that goes through.
	sw := newWorld(t, worldConfig{scenario: withLockTable(sim.SeedScenario()), speed: speed})
	r := sw.stepFunctions(uswest).execute(sfn.Failover, "failure", payload, nil)
	if r.Status != "FAILED" || r.Error != sfn.ErrResourceFailed ||
		!strings.Contains(r.Cause, `layer 1: resource 0 ("missing") failed; the run stopped before layer 2`) {
		t.Fatalf("execution %s: %s: %s", r.Status, r.Error, r.Cause)
	}
	if p := callProblems(databaseCalls(sw.sim.MutatingCalls()), []string{"PromoteReadReplica"}); len(p) > 0 {
		t.Errorf("the layer's other resource must finish, the next layer never start:\n%s", p)
	}
	// The same world as drorch run of the resources that ran.
	file := cli.payload("layer1.json", `{"StatePayload":[{"layer":1,"resources":[
	    {"resourceType":"PromoteRDSReadReplica","resourceName":"replica","parameters":{"RDSInstanceIdentifier":"!Import rds-mysql-instance-identifier"}}]}]}`)
	cli.mustRun(0, append([]string{"run", "--region", uswest, "--yes", "--lock-table", lockTable}, append(pollFlags, file)...)...)
	if a, b := comparable(t, cli.sim.State()), comparable(t, sw.sim.State()); a != b {
		t.Errorf("the worlds differ (- drorch run, + Step Functions):\n%s", lineDiff(a, b))
	}
}

var retriesField = regexp.MustCompile(`"retries":\d+`)

// TestStepFunctionsLambdaFaults: every invocation of the function is first
// throttled (Lambda's TooManyRequestsException), and the invocation that
// makes the switchover dies after making it, before answering (a Lambda
// timeout, retried as Lambda.Unknown): Step Functions retries each, the
// step op never makes the call again, and the execution succeeds with one
// switchover.
func TestStepFunctionsLambdaFaults(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldConfig{scenario: withLockTable(sim.SeedScenario()), speed: 2000})
	b, err := os.ReadFile(seedPayload("1-planned-switchover.json"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	throttled, lost := 0, 0
	r := w.stepFunctions(uswest).execute(sfn.Failover, "faults", string(b), func(fn sfntest.Function) sfntest.Function {
		return func(ctx context.Context, payload []byte) ([]byte, error) {
			// A retry is the same input but for its retry count.
			key := retriesField.ReplaceAllString(string(payload), "")
			mu.Lock()
			first := !seen[key]
			seen[key] = true
			calling := strings.Contains(string(payload), `"intent":`)
			mu.Unlock()
			if first {
				mu.Lock()
				throttled++
				mu.Unlock()
				return nil, sfntest.ErrThrottled
			}
			out, err := fn(ctx, payload)
			if err == nil && calling && lost == 0 {
				lost++
				return nil, &sfn.Error{Name: "Lambda.Unknown", Message: "Task timed out after 120.00 seconds"}
			}
			return out, err
		}
	})
	if r.Status != "SUCCEEDED" {
		t.Fatalf("execution %s: %s: %s", r.Status, r.Error, r.Cause)
	}
	if throttled < 5 || lost != 1 {
		t.Errorf("%d invocations throttled, %d answers lost", throttled, lost)
	}
	if p := callProblems(databaseCalls(w.sim.MutatingCalls()), []string{"SwitchoverGlobalCluster"}); len(p) > 0 {
		t.Errorf("mutating calls:\n%s", p)
	}
	var p problems
	if p.auroraWriter(w.sim.State(), cluster02ARN, cluster01ARN, cluster02ARN); len(p) > 0 {
		t.Errorf("the world is wrong:\n%s", p)
	}
}

// TestStepFunctionsUnknownType: a misspelt resource type fails the
// execution in its first state, with drorch.BadInput and the problem as
// `drorch validate` words it; nothing is locked or changed.
func TestStepFunctionsUnknownType(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldConfig{scenario: withLockTable(sim.SeedScenario()), speed: 2000})
	payload := `{"StatePayload":[{"layer":1,"resources":[{"resourceType":"PlanedFailoverAurora","resourceName":"switchover","parameters":{
	  "GlobalClusterIdentifier":"!Import dr-globaldb-cluster-mysql-global-identifier",
	  "DBClusterIdentifier":"!Import dr-globaldb-cluster-mysql-cluster-identifier"}}]}]}`
	v := w.mustRun(2, "validate", w.payload("typo.json", payload))
	var problem string
	for _, line := range strings.Split(v.stderr, "\n") {
		if p, ok := strings.CutPrefix(line, "  - "); ok {
			problem = p
		}
	}
	if !strings.Contains(problem, "did you mean PlannedFailoverAurora?") {
		t.Fatalf("drorch validate:\n%s", v)
	}
	fn := w.stepFunctions(uswest)
	r := fn.execute(sfn.Failover, "typo", payload, nil)
	if r.Status != "FAILED" || r.Error != sfn.ErrBadInput || !strings.Contains(r.Cause, "\n  - "+problem+"\n") && !strings.HasSuffix(r.Cause, "\n  - "+problem) {
		t.Fatalf("execution %s: %s: %q, want the problem %q", r.Status, r.Error, r.Cause, problem)
	}
	if !strings.Contains(fn.log.String(), `"event":"run.finished"`) || len(databaseCalls(w.sim.MutatingCalls())) != 0 {
		t.Errorf("calls %v, log:\n%s", w.sim.MutatingCalls(), fn.log)
	}
}
