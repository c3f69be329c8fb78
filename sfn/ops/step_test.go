package ops_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/ref"
	"drorch/resource/resourcetest"
	"drorch/sfn"
	"drorch/sfn/ops"
)

// batchOf serves cloud.BatchReader from a Reader, one read per id.
type batchOf struct{ r cloud.Reader }

func (b batchOf) ReadBatch(ctx context.Context, kind cloud.Kind, region string, ids []string) (map[string]any, error) {
	out := map[string]any{}
	for _, id := range ids {
		v, err := b.r.Read(ctx, cloud.Key{Kind: kind, Region: region, ID: id})
		if cloud.IsKind(err, cloud.KindNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = v
	}
	return out, nil
}

// stepper drives one item through the step op as its child execution
// would: each decision's memory is the next step's.
type stepper struct {
	t     *testing.T
	w     *world
	f     *ops.Functions
	cloud *resourcetest.Cloud
	item  sfn.Item
	mem   json.RawMessage
	last  *sfn.Decision
}

// newStepper prepares input in us-west-2 against the seed cloud and takes
// the first item of its first layer.
func newStepper(t *testing.T, input string) *stepper {
	t.Helper()
	return newStepperIn(t, newWorld("us-west-2"), input)
}

func newStepperIn(t *testing.T, w *world, input string) *stepper {
	t.Helper()
	c := resourcetest.NewSeed()
	f := w.functions("us-west-2")
	f.Reader, f.Batch, f.Executor = c, batchOf{c}, c
	p, err := f.Prepare(context.Background(), prepareReq("failover", []byte(input)))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := w.store.Get(context.Background(), p.Layer.Bucket, p.Layer.Key)
	var items []sfn.Item
	if err := json.Unmarshal(data, &items); err != nil {
		t.Fatal(err)
	}
	return &stepper{t: t, w: w, f: f, cloud: c, item: items[0]}
}

// step invokes the step op; retries is $$.State.RetryCount.
func (s *stepper) step(retries int) *sfn.Decision {
	s.t.Helper()
	d, err := s.f.Step(context.Background(), &sfn.Request{Op: sfn.OpStep, Item: &s.item, Memory: s.mem, Retries: retries})
	if err != nil {
		s.t.Fatalf("step: %v", err)
	}
	s.mem, s.last = d.Memory, d
	return d
}

func (s *stepper) mutations() int { return len(s.cloud.Mutations()) }

// memory decodes the last decision's memory as JSON.
func (s *stepper) memory() map[string]any {
	var m map[string]any
	if err := json.Unmarshal(s.mem, &m); err != nil {
		s.t.Fatal(err)
	}
	return m
}

const promotePayload = `{"StatePayload":[{"layer":1,"resources":[{"resourceType":"PromoteRDSReadReplica","resourceName":"promote",
  "parameters":{"RDSInstanceIdentifier":"!Import rds-mysql-instance-identifier"}}]}]}`

// TestStepIntentBeforeCall: a call decided is first returned as an intent
// (wait 0, nothing made); the next invocation makes it and records its
// outcome; once AWS shows the end state the resource is done and its RTO
// line logged.
func TestStepIntentBeforeCall(t *testing.T) {
	t.Parallel()
	s := newStepper(t, promotePayload)
	d := s.step(0)
	if d.Status != sfn.StatusWaiting || d.Wait != 0 || s.mutations() != 0 ||
		!strings.Contains(d.Message, "promote: will call rds PromoteReadReplica in us-west-2 (DBInstanceIdentifier=rds-mysql-instance)") {
		t.Fatalf("first decision %+v, %d calls made", d, s.mutations())
	}
	if in, _ := s.memory()["intent"].(map[string]any); in["mac"] == "" || in["step"] != "promote" {
		t.Errorf("intent = %v", in)
	}
	d = s.step(0)
	calls, _ := s.memory()["calls"].([]any)
	if d.Status != sfn.StatusWaiting || d.Wait < 1 || s.mutations() != 1 || len(calls) != 1 || s.memory()["intent"] != nil ||
		calls[0].(map[string]any)["status"] != "issued" {
		t.Fatalf("second decision %+v (%d calls made, memory calls %v)", d, s.mutations(), calls)
	}
	s.step(0) // modifying
	s.cloud.Settle()
	s.w.clock.Advance(90 * time.Second)
	d = s.step(0)
	if d.Status != sfn.StatusDone || s.mutations() != 1 {
		t.Fatalf("last decision %+v", d)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(s.w.log.String()[strings.LastIndex(strings.TrimSpace(s.w.log.String()), "\n")+1:]), &line); err != nil ||
		line["event"] != "resource.finished" || line["status"] != "done" || line["rtoSeconds"] != 210.0 {
		t.Errorf("log line %v (%v)", line, err)
	}
}

// TestStepUnknownOutcome: an invocation retried after it was asked to make
// calls ($$.State.RetryCount > 0) never makes them blindly: AWS state
// decides. The call happened: the resource waits for it and ends done (not
// skipped); it left no trace (the attempt was throttled, or died before the
// call): the calls of the intent are made. Either way AWS sees the call
// once.
func TestStepUnknownOutcome(t *testing.T) {
	t.Parallel()
	for _, reached := range []bool{true, false} {
		s := newStepper(t, promotePayload)
		s.step(0) // the intent
		if reached {
			// The dying attempt's call reached AWS.
			if _, err := s.cloud.Execute(context.Background(), cloud.NewCall("rds", "PromoteReadReplica", "us-west-2", "DBInstanceIdentifier", "rds-mysql-instance")); err != nil {
				t.Fatal(err)
			}
		}
		d := s.step(1)
		if d.Status != sfn.StatusWaiting || !strings.Contains(d.Message, "an earlier attempt may have made rds PromoteReadReplica") ||
			s.mutations() != 1 {
			t.Fatalf("reached=%v: retried decision %+v, %d calls", reached, d, s.mutations())
		}
		if !reached && !strings.Contains(d.Message, "the earlier call left no trace in AWS; making it again") {
			t.Errorf("a call that left no trace is not made again: %+v", d)
		}
		for range 10 {
			s.cloud.Settle()
			if d = s.step(0); d.Status != sfn.StatusWaiting {
				break
			}
		}
		if d.Status != sfn.StatusDone || s.mutations() != 1 {
			t.Errorf("reached=%v: ended %+v with %d calls to AWS, want done with 1", reached, d, s.mutations())
		}
		if reached && strings.Contains(d.Message, "skipped") {
			t.Errorf("the step done by the earlier attempt is reported skipped: %s", d.Message)
		}
	}
}

// TestStepStateChanged: when AWS state changes between the intent and the
// invocation that would make the calls, they are not made.
func TestStepStateChanged(t *testing.T) {
	t.Parallel()
	s := newStepper(t, promotePayload)
	s.step(0)
	if _, err := s.cloud.Execute(context.Background(), cloud.NewCall("rds", "PromoteReadReplica", "us-west-2", "DBInstanceIdentifier", "rds-mysql-instance")); err != nil {
		t.Fatal(err)
	}
	d := s.step(0)
	if s.mutations() != 1 || !strings.Contains(d.Message, "the calls intended before were not made") {
		t.Fatalf("decision %+v, %d calls", d, s.mutations())
	}
}

// TestStepSecrets: a SecureString parameter is read again and checked at
// every step; its value reaches neither the decisions nor the memory; a
// changed value ends the resource before any call.
func TestStepSecrets(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance"
	w := newWorld("us-west-2")
	w.params["/dr/replica"] = ref.Parameter{Name: "/dr/replica", Type: ref.TypeSecureString, Value: arn}
	s := newStepperIn(t, w, `{"StatePayload":[{"layer":1,"resources":[{"resourceType":"PromoteRDSReadReplica","resourceName":"promote",
	  "parameters":{"RDSInstanceIdentifier":"rds-mysql-instance","TargetClusterIdentifier":"resolve:ssm:/dr/replica"}}]}]}`)
	d := s.step(0)
	if d.Status != sfn.StatusWaiting || strings.Contains(d.Message+string(d.Memory), arn) {
		t.Fatalf("decision shows the secret: %+v", d)
	}
	w.params["/dr/replica"] = ref.Parameter{Name: "/dr/replica", Type: ref.TypeSecureString, Value: "arn:aws:rds:us-west-2:123456789012:db:other"}
	d = s.step(0)
	if d.Status != sfn.StatusFailed || !strings.Contains(d.Message, "has changed since the run started") || s.mutations() != 0 {
		t.Fatalf("changed secret: %+v, %d calls", d, s.mutations())
	}
	delete(w.params, "/dr/replica")
	s.mem = nil
	if d := s.step(0); d.Status != sfn.StatusFailed || !strings.Contains(d.Message, "no longer exists") {
		t.Errorf("vanished secret: %+v", d)
	}
}

// TestStepEnds: the history budget, the run's lock and the resource's
// deadline each end the resource before a call that would overstep them.
func TestStepEnds(t *testing.T) {
	t.Parallel()
	s := newStepper(t, promotePayload)
	s.step(0)
	var m map[string]any
	_ = json.Unmarshal(s.mem, &m)
	m["budget"] = map[string]any{"spent": sfn.HistoryQuota - 20}
	s.mem, _ = json.Marshal(m)
	if d := s.step(0); d.Status != sfn.StatusFailed || !strings.Contains(d.Message, "history events") || s.mutations() != 0 {
		t.Errorf("budget: %+v, %d calls", d, s.mutations())
	}

	s = newStepper(t, promotePayload)
	s.step(0)
	s.item.LockUntil = s.w.clock.Now().Add(time.Minute)
	if d := s.step(0); d.Status != sfn.StatusFailed || !strings.Contains(d.Message, "the run's lock on its databases ends at") || s.mutations() != 0 {
		t.Errorf("lock: %+v, %d calls", d, s.mutations())
	}

	s = newStepper(t, promotePayload)
	s.step(0)
	s.w.clock.Advance(time.Duration(s.item.TimeoutSeconds+1) * time.Second)
	if d := s.step(0); d.Status != sfn.StatusFailed || !strings.Contains(d.Message, "deadline") || s.mutations() != 0 {
		t.Errorf("deadline: %+v, %d calls", d, s.mutations())
	}
}

// TestRunID: an execution's name as the names of what a run creates allow.
func TestRunID(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{"Failover_2025-03-01": "failover-2025-03-01", "__": "sfn", "ÜberRun 7": "berrun-7"} {
		if got := ops.RunID(sfn.Execution{Name: name}); got != want {
			t.Errorf("RunID(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestStepFinalSnapshot: the step binds an item as prepare bound its
// resource, "finalSnapshot": false included: a stale instance is deleted
// with the final snapshot named after the execution, or without one.
func TestStepFinalSnapshot(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		extra, want string
	}{
		{"", "FinalDBSnapshotIdentifier=drorch-run-1-rds-mysql-instance"},
		{`,"finalSnapshot":false`, "SkipFinalSnapshot=true"},
	} {
		w := newWorld("us-east-1")
		c := resourcetest.NewSeed()
		// After a promotion in us-west-2: two stand-alone instances.
		for _, region := range []string{"us-east-1", "us-west-2"} {
			in := c.InstanceState(region, resourcetest.RDSInstance)
			in.ReplicaSource, in.Replicas, in.ReplicationStatus = "", nil, ""
			c.PutInstance(*in)
		}
		f := w.functions("us-east-1")
		f.Reader, f.Batch, f.Executor = c, batchOf{c}, c
		input := `{"StatePayload":[{"layer":1,"resources":[{"resourceType":"CreateRDSReadReplica","resourceName":"replica"` + tc.extra + `,
		  "parameters":{"RDSInstanceIdentifier":"rds-mysql-instance","SourceRDSInstanceIdentifier":"rds-mysql-instance","SourceRegion":"us-west-2",
		  "DBInstanceClass":"db.r5.large","KmsKeyId":"alias/aws/rds"}}]}]}`
		p, err := f.Prepare(context.Background(), prepareReq("failback", []byte(input)))
		if err != nil {
			t.Fatal(err)
		}
		data, _ := w.store.Get(context.Background(), p.Layer.Bucket, p.Layer.Key)
		var items []sfn.Item
		if err := json.Unmarshal(data, &items); err != nil || len(items) != 1 {
			t.Fatalf("items %v, %v", items, err)
		}
		d, err := f.Step(context.Background(), &sfn.Request{Op: sfn.OpStep, Item: &items[0]})
		if err != nil || !strings.Contains(d.Message, "will call rds DeleteDBInstance in us-east-1") || !strings.Contains(d.Message, tc.want) {
			t.Errorf("finalSnapshot%s: first decision %+v, %v; want the delete with %s", tc.extra, d, err, tc.want)
		}
	}
}
