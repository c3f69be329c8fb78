package ops_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/sfn"
	"drorch/sfn/sfntest"
)

// The generated state machines run by aws-local-stepfunctions (package
// sfntest), with the real prepare, layer and finish operations over fakes,
// and a step op scripted here, in the test only, until the step machine is
// wired in.

// script answers a resource's steps: its decisions in order (the last one
// repeats), and how many invocations are throttled first.
type script struct {
	decisions []string // waiting, done, failed, error (a function error)
	throttled int
	// meet makes the resource's first step wait until every resource of
	// the script set marked meet has made its first step: it proves they
	// run at the same time (one at a time, the first would never return).
	meet bool
}

// decider is the scripted step op: it records what it was asked.
type decider struct {
	mu      sync.Mutex
	scripts map[string]*script // "layer/index"
	calls   map[string]int
	memory  map[string][]string // the memory each step was given
	order   []int               // the layer of every step, in order
	meet    sync.WaitGroup
	met     map[string]bool
}

func newDecider(scripts map[string]*script) *decider {
	d := &decider{scripts: scripts, calls: map[string]int{}, memory: map[string][]string{}, met: map[string]bool{}}
	for _, s := range scripts {
		if s.meet {
			d.meet.Add(1)
		}
	}
	return d
}

func (d *decider) step(ctx context.Context, req *sfn.Request) ([]byte, error) {
	key := fmt.Sprintf("%d/%d", req.Item.Layer, req.Item.Index)
	d.mu.Lock()
	s := d.scripts[key]
	n := d.calls[key]
	d.calls[key]++
	if s == nil {
		d.mu.Unlock()
		return nil, fmt.Errorf("no script for resource %s", key)
	}
	if n < s.throttled {
		d.mu.Unlock()
		return nil, sfntest.ErrThrottled
	}
	d.order = append(d.order, req.Item.Layer)
	d.memory[key] = append(d.memory[key], string(req.Memory))
	first := s.meet && !d.met[key]
	d.met[key] = true
	i := min(n-s.throttled, len(s.decisions)-1)
	status := s.decisions[i]
	d.mu.Unlock()
	if first {
		d.meet.Done()
		waited := make(chan struct{})
		go func() { d.meet.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(20 * time.Second):
			return nil, fmt.Errorf("resource %s: the layer's other resources never started while it ran", key)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if status == "error" {
		return nil, &sfn.Error{Name: "Lambda.Unknown", Message: "the function crashed"}
	}
	wait := 0
	if status == sfn.StatusWaiting {
		wait = 1
	}
	mem, _ := json.Marshal(map[string]int{"turn": n + 1})
	return json.Marshal(sfn.Decision{Status: status, Wait: wait, Memory: mem, Message: "scripted " + status})
}

// localRun executes workflow w's generated definition with input; prepare
// is throttled prepareThrottled times first.
func localRun(t *testing.T, w sfn.Workflow, region string, input string, d *decider, prepareThrottled int) (sfntest.Result, *world) {
	t.Helper()
	sfntest.Require(t)
	wo := newWorld(region)
	f := wo.functions(region)
	var mu sync.Mutex
	prepared := 0
	fn := func(ctx context.Context, payload []byte) ([]byte, error) {
		var req sfn.Request
		if err := json.Unmarshal(payload, &req); err != nil {
			return nil, err
		}
		if req.Op == sfn.OpStep {
			return d.step(ctx, &req)
		}
		if req.Op == sfn.OpPrepare {
			mu.Lock()
			prepared++
			throttle := prepared <= prepareThrottled
			mu.Unlock()
			if throttle {
				return nil, sfntest.ErrThrottled
			}
		}
		return f.Handle(ctx, payload)
	}
	def, err := sfn.Generate(w, sfn.Options{}).JSON()
	if err != nil {
		t.Fatal(err)
	}
	r := sfntest.Run(t, def, []byte(input), sfntest.Handler(fn, func(bucket, key string) ([]byte, error) {
		return wo.store.Get(context.Background(), bucket, key)
	}))
	return r, wo
}

func promote(name, id string, extra string) string {
	return fmt.Sprintf(`{"resourceType":"PromoteRDSReadReplica","resourceName":%q,"parameters":{"RDSInstanceIdentifier":%q}%s}`, name, id, extra)
}

// TestLocalRunLayers: three layers run in order, the two resources of the
// first at the same time; each resource loops step -> wait -> step with
// its memory passed back; a throttled prepare and a throttled step are
// retried. The run succeeds, its lock is released and its end published.
func TestLocalRunLayers(t *testing.T) {
	t.Parallel()
	input := `{"StatePayload":[
	  {"layer": 3, "resources": [` + promote("last", "db-c", "") + `]},
	  {"layer": 1, "resources": [` + promote("first", "db-a", "") + `,` + promote("second", "db-b", "") + `]},
	  {"layer": 2, "resources": [{"resourceType":"FailoverElastiCacheCluster","resourceName":"cache","parameters":{
	     "GlobalReplicationGroupId":"!Import demo-redis-cluster-global-replication-group-id",
	     "TargetRegion":"!Import demo-redis-cluster-target-region",
	     "TargetReplicationGroupId":"!Import demo-redis-cluster-target-replication-group-id"}}]}]}`
	d := newDecider(map[string]*script{
		"1/0": {decisions: []string{"waiting", "waiting", "done"}, meet: true},
		"1/1": {decisions: []string{"waiting", "done"}, meet: true, throttled: 3},
		"2/0": {decisions: []string{"done"}},
		"3/0": {decisions: []string{"waiting", "done"}},
	})
	r, wo := localRun(t, sfn.Failover, "us-west-2", input, d, 2)
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
	for i := 1; i < len(d.order); i++ {
		if d.order[i] < d.order[i-1] {
			t.Fatalf("steps ran out of layer order: %v", d.order)
		}
	}
	if got := d.memory["1/0"]; len(got) != 3 || got[0] != "null" || got[1] != `{"turn":1}` || got[2] != `{"turn":2}` {
		t.Errorf("memory passed to 1/0: %q", got)
	}
	if d.calls["1/1"] != 5 {
		t.Errorf("resource 1/1 invoked %d times, want 3 throttled + 2", d.calls["1/1"])
	}
	if wo.locks.count() != 0 || len(wo.topic.all()) != 1 {
		t.Errorf("%d locks held, %d notifications", wo.locks.count(), len(wo.topic.all()))
	}
}

// TestLocalRunFailureStops: a failed resource lets the rest of its layer
// finish, then the run stops before the next layer and the execution fails
// with drorch.ResourceFailed, naming it.
func TestLocalRunFailureStops(t *testing.T) {
	t.Parallel()
	input := `{"StatePayload":[
	  {"layer": 1, "resources": [` + promote("broken", "db-a", "") + `,` + promote("slow", "db-b", "") + `]},
	  {"layer": 2, "resources": [` + promote("never", "db-c", "") + `]}]}`
	d := newDecider(map[string]*script{
		"1/0": {decisions: []string{"failed"}},
		"1/1": {decisions: []string{"waiting", "waiting", "waiting", "done"}},
		"2/0": {decisions: []string{"done"}},
	})
	r, wo := localRun(t, sfn.Failover, "us-west-2", input, d, 0)
	if r.Status != "FAILED" || r.Error != sfn.ErrResourceFailed ||
		!strings.Contains(r.Cause, `layer 1: resource 0 ("broken") failed; the run stopped before layer 2`) {
		t.Fatalf("execution %s: %s: %s", r.Status, r.Error, r.Cause)
	}
	if d.calls["1/1"] != 4 || d.calls["2/0"] != 0 {
		t.Errorf("calls = %v: the layer's other resource must finish, the next layer never start", d.calls)
	}
	if wo.locks.count() != 0 || len(wo.topic.all()) != 1 || !strings.Contains(wo.topic.all()[0], "broken") {
		t.Errorf("%d locks held, notifications %q", wo.locks.count(), wo.topic.all())
	}
}

// TestLocalRunContinueOnError: a failure (here the function crashing) of a
// resource with continueOnError lets the run go on; it succeeds, counting
// the failure.
func TestLocalRunContinueOnError(t *testing.T) {
	t.Parallel()
	input := `{"StatePayload":[
	  {"layer": 1, "resources": [` + promote("optional", "db-a", `,"continueOnError":true`) + `]},
	  {"layer": 2, "resources": [` + promote("next", "db-b", "") + `]}]}`
	d := newDecider(map[string]*script{"1/0": {decisions: []string{"error"}}, "2/0": {decisions: []string{"done"}}})
	r, _ := localRun(t, sfn.Failover, "us-west-2", input, d, 0)
	if r.Status != "SUCCEEDED" {
		t.Fatalf("execution %s: %s: %s", r.Status, r.Error, r.Cause)
	}
	var out sfn.Outcome
	_ = json.Unmarshal(r.Output, &out)
	if out.Summary != (sfn.Summary{Resources: 2, Done: 1, Failed: 1, Continued: 1}) || d.calls["2/0"] != 1 {
		t.Errorf("outcome = %+v, calls %v", out, d.calls)
	}
}

// TestLocalRunRefusesType: a failback type started in the failover state
// machine fails the execution in its first state with drorch.BadInput,
// before any step; the refusal is still published.
func TestLocalRunRefusesType(t *testing.T) {
	t.Parallel()
	input := `{"StatePayload":[{"layer": 1, "resources": [{"resourceType":"CreateRDSReadReplica","resourceName":"replica","parameters":{}}]}]}`
	d := newDecider(map[string]*script{})
	r, wo := localRun(t, sfn.Failover, "us-west-2", input, d, 0)
	if r.Status != "FAILED" || r.Error != sfn.ErrBadInput || !strings.Contains(r.Cause, "is not run by the failover state machine") {
		t.Fatalf("execution %s: %s: %s", r.Status, r.Error, r.Cause)
	}
	if len(d.calls) != 0 || len(wo.topic.all()) != 1 || !strings.Contains(wo.topic.all()[0], sfn.ErrBadInput) {
		t.Errorf("steps %v, notifications %q", d.calls, wo.topic.all())
	}
}

// TestLocalRunFailbackSeed: README payload 3 in the failback state machine
// of us-east-1 is refused for its `vps` import typo, with the fix.
func TestLocalRunFailbackSeed(t *testing.T) {
	t.Parallel()
	r, _ := localRun(t, sfn.Failback, "us-east-1", string(seedPayload(t, "3-create-secondary-cluster.json")), newDecider(nil), 0)
	if r.Status != "FAILED" || r.Error != sfn.ErrBadInput || !strings.Contains(r.Cause, "vpc-security-group-ids") {
		t.Fatalf("execution %s: %s: %s", r.Status, r.Error, r.Cause)
	}
}
