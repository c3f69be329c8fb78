package ops_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/internal/clock"
	"drorch/lock"
	"drorch/resource/resourcetest"
	"drorch/sfn"
	"drorch/sfn/ops"
	"drorch/sfn/sfntest"
)

// The generated state machines run by aws-local-stepfunctions (package
// sfntest), with the real operations, step included, over the seed cloud
// of resourcetest: its operations finish as the execution goes on (what is
// pending settles after every step). What a test scripts is only how the
// Lambda service answers: throttling, a lost answer, a function error.

// script shapes how one resource's step invocations are answered.
type script struct {
	throttled int // the first invocations answered with Lambda throttling
	// lostAnswer: the invocation that makes the resource's calls dies
	// after making them (its answer never reaches Step Functions).
	lostAnswer bool
	// fail answers every invocation with a function error Step Functions
	// does not retry.
	fail bool
	// meet makes the resource's first step wait until every resource of
	// the script set marked meet has made its first step: it proves they
	// run at the same time (one at a time, the first would never return).
	meet bool
}

// lambda is the function as Step Functions sees it: the real operations,
// with the scripts' answers from the Lambda service around them.
type lambda struct {
	f       *ops.Functions
	cloud   *resourcetest.Cloud
	scripts map[string]*script // "layer/index"

	mu      sync.Mutex
	calls   map[string]int   // step invocations, throttled ones included
	retries map[string][]int // the retries field of each step invocation
	order   []int            // the layer of every step, in order
	lost    map[string]bool
	meet    sync.WaitGroup
	met     map[string]bool
}

func (l *lambda) invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var req sfn.Request
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, err
	}
	if req.Op != sfn.OpStep {
		return l.f.Handle(ctx, payload)
	}
	key := fmt.Sprintf("%d/%d", req.Item.Layer, req.Item.Index)
	s := l.scripts[key]
	if s == nil {
		s = &script{}
	}
	l.mu.Lock()
	n := l.calls[key]
	l.calls[key]++
	if n < s.throttled {
		l.mu.Unlock()
		return nil, sfntest.ErrThrottled
	}
	l.order = append(l.order, req.Item.Layer)
	l.retries[key] = append(l.retries[key], req.Retries)
	first := s.meet && !l.met[key]
	l.met[key] = true
	l.mu.Unlock()
	if first {
		l.meet.Done()
		waited := make(chan struct{})
		go func() { l.meet.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(20 * time.Second):
			return nil, fmt.Errorf("resource %s: the layer's other resources never started while it ran", key)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.fail {
		return nil, &sfn.Error{Name: sfn.ErrInternal, Message: "the function failed"}
	}
	calling := strings.Contains(string(req.Memory), `"intent"`) && req.Retries == 0
	out, err := l.f.Handle(ctx, payload)
	l.cloud.Settle() // AWS goes on while the execution waits
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if s.lostAnswer && calling && !l.lost[key] {
		l.lost[key] = true
		return nil, &sfn.Error{Name: "Lambda.Unknown", Message: "Task timed out after 120.00 seconds"}
	}
	return out, nil
}

// localRun executes workflow w's generated definition with input; prepare
// is throttled prepareThrottled times first. The seed cloud has three more
// read replicas in us-west-2: db-a, db-b and db-c.
func localRun(t *testing.T, w sfn.Workflow, region string, input string, scripts map[string]*script, prepareThrottled int) (sfntest.Result, *world, *lambda) {
	t.Helper()
	sfntest.Require(t)
	wo := newWorld(region)
	c := resourcetest.NewSeed()
	for _, id := range []string{"db-a", "db-b", "db-c"} {
		c.PutInstance(cloud.DBInstance{ID: id, ARN: "arn:aws:rds:us-west-2:123456789012:db:" + id, Region: "us-west-2", Status: "available",
			Engine: "mysql", ReplicaSource: "arn:aws:rds:us-east-1:123456789012:db:" + id})
	}
	f := wo.functions(region)
	f.Reader, f.Batch, f.Executor = c, batchOf{c}, c
	// The harness starts the execution now: RTOs and the lock's lease are
	// on the wall clock.
	f.Clock, f.Locks = clock.Real(), lock.New(wo.locks, lock.Settings{})
	l := &lambda{f: f, cloud: c, scripts: scripts, calls: map[string]int{}, retries: map[string][]int{}, lost: map[string]bool{}, met: map[string]bool{}}
	for _, s := range scripts {
		if s.meet {
			l.meet.Add(1)
		}
	}
	var mu sync.Mutex
	prepared := 0
	fn := func(ctx context.Context, payload []byte) ([]byte, error) {
		if strings.Contains(string(payload), `"op":"prepare"`) {
			mu.Lock()
			prepared++
			throttle := prepared <= prepareThrottled
			mu.Unlock()
			if throttle {
				return nil, sfntest.ErrThrottled
			}
		}
		return l.invoke(ctx, payload)
	}
	def, err := sfn.Generate(w, sfn.Options{}).JSON()
	if err != nil {
		t.Fatal(err)
	}
	r := sfntest.Run(t, def, []byte(input), sfntest.Handler(fn, func(bucket, key string) ([]byte, error) {
		return wo.store.Get(context.Background(), bucket, key)
	}))
	return r, wo, l
}

func promote(name, id string, extra string) string {
	return fmt.Sprintf(`{"resourceType":"PromoteRDSReadReplica","resourceName":%q,"parameters":{"RDSInstanceIdentifier":%q}%s}`, name, id, extra)
}

// mutations counts the mutating calls AWS saw, by action.
func mutations(c *resourcetest.Cloud) map[string]int {
	out := map[string]int{}
	for _, m := range c.Mutations() {
		out[m.Action+" "+m.Args["DBInstanceIdentifier"]+m.Args["GlobalReplicationGroupId"]]++
	}
	return out
}

// TestLocalRunLayers: three layers run in order, the two resources of the
// first at the same time, each through the step op until AWS shows it
// done; a throttled prepare and a throttled step are retried. Every
// resource's call is made once; the run succeeds, its lock is released, its
// end published, and every resource's end logged with its RTO.
func TestLocalRunLayers(t *testing.T) {
	t.Parallel()
	input := `{"StatePayload":[
	  {"layer": 3, "resources": [` + promote("last", "db-c", "") + `]},
	  {"layer": 1, "resources": [` + promote("first", "db-a", "") + `,` + promote("second", "db-b", "") + `]},
	  {"layer": 2, "resources": [{"resourceType":"FailoverElastiCacheCluster","resourceName":"cache","parameters":{
	     "GlobalReplicationGroupId":"!Import demo-redis-cluster-global-replication-group-id",
	     "TargetRegion":"!Import demo-redis-cluster-target-region",
	     "TargetReplicationGroupId":"!Import demo-redis-cluster-target-replication-group-id"}}]}]}`
	r, wo, l := localRun(t, sfn.Failover, "us-west-2", input, map[string]*script{
		"1/0": {meet: true},
		"1/1": {meet: true, throttled: 3},
	}, 2)
	if r.Status != "SUCCEEDED" {
		t.Fatalf("execution %s: %s: %s", r.Status, r.Error, r.Cause)
	}
	var out sfn.Outcome
	if err := json.Unmarshal(r.Output, &out); err != nil {
		t.Fatal(err)
	}
	if out.Status != sfn.StatusSucceeded || out.Summary != (sfn.Summary{Resources: 4, Done: 4}) || !out.Notified {
		t.Errorf("outcome = %+v", out)
	}
	for i := 1; i < len(l.order); i++ {
		if l.order[i] < l.order[i-1] {
			t.Fatalf("steps ran out of layer order: %v", l.order)
		}
	}
	want := map[string]int{"PromoteReadReplica db-a": 1, "PromoteReadReplica db-b": 1, "PromoteReadReplica db-c": 1,
		"FailoverGlobalReplicationGroup " + resourcetest.GlobalDatastoreID: 1}
	if got := mutations(l.cloud); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("mutating calls %v, want %v", got, want)
	}
	if l.calls["1/1"] < 3+3 { // throttled 3 times, then intent, call, done
		t.Errorf("resource 1/1 invoked %d times", l.calls["1/1"])
	}
	if wo.locks.Held() != 0 || len(wo.topic.all()) != 1 {
		t.Errorf("%d locks held, %d notifications", wo.locks.Held(), len(wo.topic.all()))
	}
	if n := strings.Count(wo.log.String(), `"event":"resource.finished"`); n != 4 || !strings.Contains(wo.log.String(), `"rtoSeconds"`) {
		t.Errorf("%d resource lines in the log:\n%s", n, wo.log)
	}
}

// TestLocalRunLostAnswer: the invocation that makes a resource's call dies
// before answering (a Lambda timeout): Step Functions invokes it again
// with the same input and a retry count; the step op does not make the
// call again but decides from AWS state, and the resource ends done with
// AWS having seen the call once.
func TestLocalRunLostAnswer(t *testing.T) {
	t.Parallel()
	input := `{"StatePayload":[{"layer": 1, "resources": [` + promote("first", "db-a", "") + `]}]}`
	r, _, l := localRun(t, sfn.Failover, "us-west-2", input, map[string]*script{"1/0": {lostAnswer: true}}, 0)
	if r.Status != "SUCCEEDED" {
		t.Fatalf("execution %s: %s: %s", r.Status, r.Error, r.Cause)
	}
	if got := mutations(l.cloud); got["PromoteReadReplica db-a"] != 1 || len(got) != 1 {
		t.Errorf("mutating calls %v, want one promotion", got)
	}
	retried := false
	for _, n := range l.retries["1/0"] {
		retried = retried || n == 1
	}
	if !retried || !l.lost["1/0"] {
		t.Errorf("the lost answer was not retried with a retry count: %v", l.retries["1/0"])
	}
}

// TestLocalRunFailureStops: a failed resource lets the rest of its layer
// finish, then the run stops before the next layer and the execution fails
// with drorch.ResourceFailed, naming it.
func TestLocalRunFailureStops(t *testing.T) {
	t.Parallel()
	input := `{"StatePayload":[
	  {"layer": 1, "resources": [` + promote("broken", "db-missing", "") + `,` + promote("slow", "db-b", "") + `]},
	  {"layer": 2, "resources": [` + promote("never", "db-c", "") + `]}]}`
	r, wo, l := localRun(t, sfn.Failover, "us-west-2", input, nil, 0)
	if r.Status != "FAILED" || r.Error != sfn.ErrResourceFailed ||
		!strings.Contains(r.Cause, `layer 1: resource 0 ("broken") failed; the run stopped before layer 2`) {
		t.Fatalf("execution %s: %s: %s", r.Status, r.Error, r.Cause)
	}
	if got := mutations(l.cloud); got["PromoteReadReplica db-b"] != 1 || len(got) != 1 || l.calls["2/0"] != 0 {
		t.Errorf("calls %v, steps %v: the layer's other resource must finish, the next layer never start", got, l.calls)
	}
	if wo.locks.Held() != 0 || len(wo.topic.all()) != 1 || !strings.Contains(wo.topic.all()[0], "broken") {
		t.Errorf("%d locks held, notifications %q", wo.locks.Held(), wo.topic.all())
	}
	// The failed resource's time is however long the machine took (0s or
	// 1s rounded); that it is logged, named, is what counts.
	if !regexp.MustCompile(`"resourceName":"broken","resourceType":"PromoteRDSReadReplica","rto":"\d+s"`).MatchString(wo.log.String()) {
		t.Errorf("the failure is not logged:\n%s", wo.log)
	}
}

// TestLocalRunContinueOnError: a failure (here the function failing) of a
// resource with continueOnError lets the run go on; it succeeds, counting
// the failure.
func TestLocalRunContinueOnError(t *testing.T) {
	t.Parallel()
	input := `{"StatePayload":[
	  {"layer": 1, "resources": [` + promote("optional", "db-a", `,"continueOnError":true`) + `]},
	  {"layer": 2, "resources": [` + promote("next", "db-b", "") + `]}]}`
	r, _, l := localRun(t, sfn.Failover, "us-west-2", input, map[string]*script{"1/0": {fail: true}}, 0)
	if r.Status != "SUCCEEDED" {
		t.Fatalf("execution %s: %s: %s", r.Status, r.Error, r.Cause)
	}
	var out sfn.Outcome
	_ = json.Unmarshal(r.Output, &out)
	if out.Summary != (sfn.Summary{Resources: 2, Done: 1, Failed: 1, Continued: 1}) || mutations(l.cloud)["PromoteReadReplica db-b"] != 1 {
		t.Errorf("outcome = %+v, calls %v", out, mutations(l.cloud))
	}
}

// TestLocalRunRefusesType: a failback type started in the failover state
// machine fails the execution in its first state with drorch.BadInput,
// before any step; the refusal is still published.
func TestLocalRunRefusesType(t *testing.T) {
	t.Parallel()
	input := `{"StatePayload":[{"layer": 1, "resources": [{"resourceType":"CreateRDSReadReplica","resourceName":"replica","parameters":{}}]}]}`
	r, wo, l := localRun(t, sfn.Failover, "us-west-2", input, nil, 0)
	if r.Status != "FAILED" || r.Error != sfn.ErrBadInput || !strings.Contains(r.Cause, "is not run by the failover state machine") {
		t.Fatalf("execution %s: %s: %s", r.Status, r.Error, r.Cause)
	}
	if len(l.calls) != 0 || len(wo.topic.all()) != 1 || !strings.Contains(wo.topic.all()[0], sfn.ErrBadInput) {
		t.Errorf("steps %v, notifications %q", l.calls, wo.topic.all())
	}
}

// TestLocalRunFailbackSeed: README payload 3 in the failback state machine
// of us-east-1 is refused for its `vps` import typo, with the fix.
func TestLocalRunFailbackSeed(t *testing.T) {
	t.Parallel()
	r, _, _ := localRun(t, sfn.Failback, "us-east-1", string(seedPayload(t, "3-create-secondary-cluster.json")), nil, 0)
	if r.Status != "FAILED" || r.Error != sfn.ErrBadInput || !strings.Contains(r.Cause, "vpc-security-group-ids") {
		t.Fatalf("execution %s: %s: %s", r.Status, r.Error, r.Cause)
	}
}
