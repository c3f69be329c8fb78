package ops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/lock"
	"drorch/sfn/ops"

	"drorch/ref"
	"drorch/sfn"
)

var exec1 = sfn.Execution{ID: "arn:aws:states:us-west-2:123456789012:execution:drorch-failover:run-1",
	Name: "run-1", StartTime: "2025-03-01T11:58:00Z"}

func prepareReq(workflow string, input []byte) *sfn.Request {
	return &sfn.Request{Op: sfn.OpPrepare, Workflow: workflow, Execution: exec1, Input: input}
}

func sfnErr(t *testing.T, err error, name string) *sfn.Error {
	t.Helper()
	var se *sfn.Error
	if !errors.As(err, &se) || se.Name != name {
		t.Fatalf("error = %v, want %s", err, name)
	}
	return se
}

// TestPrepareSeedPayload: README payload 4 in the failover state machine,
// from the DR region: every reference resolved, the lock taken, the items
// and the run record written, the first layer returned.
func TestPrepareSeedPayload(t *testing.T) {
	t.Parallel()
	w := newWorld("us-west-2")
	f := w.functions("us-west-2")
	p, err := f.Prepare(context.Background(), prepareReq("failover", seedPayload(t, "4-rds-and-elasticache.json")))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != sfn.StatusRunning || p.Summary.Resources != 2 || len(p.Run.Layers) != 1 || p.Layer == nil ||
		p.Layer.Key != "runs/drorch-failover/run-1/layer-0001.json" || p.Layer.Bucket != "drorch-runs" {
		t.Fatalf("progress = %+v, layer %+v", p, p.Layer)
	}
	data, err := w.store.Get(context.Background(), p.Layer.Bucket, p.Layer.Key)
	if err != nil {
		t.Fatal(err)
	}
	var items []sfn.Item
	if err := json.Unmarshal(data, &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Type != "PromoteRDSReadReplica" || items[0].Params["RDSInstanceIdentifier"] != "rds-mysql-instance" ||
		items[0].Refs["RDSInstanceIdentifier"] != "!Import rds-mysql-instance-identifier" || items[0].Execution != exec1 ||
		items[0].MinWait != 1 || items[0].TimeoutSeconds <= 0 || len(items[0].Steps) == 0 || items[1].Index != 1 {
		t.Errorf("items = %+v", items)
	}
	if w.locks.Held() == 0 || !items[0].LockUntil.After(w.clock.Now().Add(time.Hour)) {
		t.Errorf("no lock taken (until %s)", items[0].LockUntil)
	}
	if _, err := w.store.Get(context.Background(), "drorch-runs", sfn.RunKey(p.Run.Prefix)); err != nil {
		t.Errorf("run record: %v", err)
	}
	if !strings.Contains(w.log.String(), `"event":"run.started"`) {
		t.Errorf("log = %s", w.log)
	}
}

// TestPrepareRefusesTypes: a type the workflow does not run is refused the
// way `drorch validate` refuses an unknown one (layer, resource, field,
// fix), naming the state machine that runs it; a misspelt type gets its
// "did you mean". Nothing is locked or written.
func TestPrepareRefusesTypes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, workflow, input string
		want                  []string
	}{
		{"failback type in failover", "failover", `{"StatePayload":[{"layer":1,"resources":[{"resourceType":"CreateRDSReadReplica","resourceName":"replica","parameters":{}}]}]}`,
			[]string{`layer 1, resource 0 ("replica"), resourceType: resource type CreateRDSReadReplica is not run by the failover state machine`, "start the failback state machine with it"}},
		{"failover type in failback", "failback", `{"StatePayload":[{"layer":1,"resources":[{"resourceType":"PlannedFailoverAurora","resourceName":"switch","parameters":{}}]}]}`,
			[]string{"resource type PlannedFailoverAurora is not run by the failback state machine", "start the failover state machine"}},
		{"type in neither", "failover", `{"StatePayload":[{"layer":1,"resources":[{"resourceType":"ManagedFailoverAurora","resourceName":"m","parameters":{}}]}]}`,
			[]string{"ManagedFailoverAurora is not run by the failover state machine", "run it with `drorch run`"}},
		{"manual approval in failover", "failover", `{"StatePayload":[{"layer":1,"resources":[{"resourceType":"ManualApproval","resourceName":"gate","parameters":{}}]}]}`,
			[]string{"ManualApproval is not run by the failover state machine", "run it with `drorch run`"}},
		{"manual approval in failback", "failback", `{"StatePayload":[{"layer":1,"resources":[{"resourceType":"ManualApproval","resourceName":"gate","parameters":{}}]}]}`,
			[]string{"ManualApproval is not run by the failback state machine", "run it with `drorch run`"}},
		{"misspelt", "failover", `{"StatePayload":[{"layer":1,"resources":[{"resourceType":"PromoteRDSReadReplca","resourceName":"p","parameters":{}}]}]}`,
			[]string{`unknown resource type "PromoteRDSReadReplca"; did you mean PromoteRDSReadReplica?`}},
		{"not a payload", "failover", `{"Payload": 1}`, []string{"StatePayload"}},
		{"empty", "failback", ``, []string{"the payload is empty"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld("us-west-2")
			_, err := w.functions("us-west-2").Prepare(context.Background(), prepareReq(c.workflow, []byte(c.input)))
			se := sfnErr(t, err, sfn.ErrBadInput)
			for _, want := range c.want {
				if !strings.Contains(se.Message, want) {
					t.Errorf("message lacks %q:\n%s", want, se.Message)
				}
			}
			if !strings.Contains(se.Message, "nothing was changed") || w.locks.Held() != 0 || len(w.store.objects) != 0 {
				t.Errorf("message %q; %d locks, %d objects", se.Message, w.locks.Held(), len(w.store.objects))
			}
		})
	}
}

// TestPrepareBadReference: README payload 3 in the failback state machine
// imports the `vps` typo: refused with the closest export.
func TestPrepareBadReference(t *testing.T) {
	t.Parallel()
	w := newWorld("us-east-1")
	_, err := w.functions("us-east-1").Prepare(context.Background(), prepareReq("failback", seedPayload(t, "3-create-secondary-cluster.json")))
	se := sfnErr(t, err, sfn.ErrBadInput)
	if !strings.Contains(se.Message, "dr-globaldb-cluster-mysql-vps-security-group-ids") || !strings.Contains(se.Message, "vpc-security-group-ids") {
		t.Errorf("message = %s", se.Message)
	}
}

// TestPrepareLocked: a database held by another run refuses the execution;
// nothing is written.
func TestPrepareLocked(t *testing.T) {
	t.Parallel()
	w := newWorld("us-west-2")
	f := w.functions("us-west-2")
	in := seedPayload(t, "4-rds-and-elasticache.json")
	if _, err := f.Prepare(context.Background(), prepareReq("failover", in)); err != nil {
		t.Fatal(err)
	}
	objects := len(w.store.objects)
	other := prepareReq("failover", in)
	other.Execution.ID = strings.Replace(exec1.ID, "run-1", "run-2", 1)
	_, err := f.Prepare(context.Background(), other)
	se := sfnErr(t, err, sfn.ErrLocked)
	if !strings.Contains(se.Message, "run-1") || len(w.store.objects) != objects {
		t.Errorf("message %q; objects %d -> %d", se.Message, objects, len(w.store.objects))
	}
}

// TestPrepareReleasesOnFailure: a run that cannot write its items gives
// its lock back.
func TestPrepareReleasesOnFailure(t *testing.T) {
	t.Parallel()
	w := newWorld("us-west-2")
	w.store.failPut = true
	_, err := w.functions("us-west-2").Prepare(context.Background(), prepareReq("failover", seedPayload(t, "4-rds-and-elasticache.json")))
	sfnErr(t, err, sfn.ErrAWS)
	if w.locks.Held() != 0 {
		t.Errorf("%d locks kept", w.locks.Held())
	}
}

// TestPrepareSecrets: a SecureString parameter's value appears nowhere in
// what prepare returns, stores or logs; its fingerprint checks the value
// read again, and refuses a changed one.
func TestPrepareSecrets(t *testing.T) {
	t.Parallel()
	w := newWorld("us-west-2")
	const secret = "arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance"
	w.params["/dr/replica-arn"] = ref.Parameter{Name: "/dr/replica-arn", Type: ref.TypeSecureString, Value: secret, Version: 3}
	in := `{"StatePayload":[{"layer":1,"resources":[{"resourceType":"PromoteRDSReadReplica","resourceName":"promote",
		"parameters":{"RDSInstanceIdentifier":"!Import rds-mysql-instance-identifier","TargetClusterIdentifier":"resolve:ssm:/dr/replica-arn"}}]}]}`
	f := w.functions("us-west-2")
	p, err := f.Prepare(context.Background(), prepareReq("failover", []byte(in)))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(p)
	everything := string(out) + w.log.String()
	for _, o := range w.store.objects {
		everything += string(o)
	}
	if strings.Contains(everything, secret) {
		t.Fatalf("the secret value leaked:\n%s", everything)
	}
	var items []sfn.Item
	_ = json.Unmarshal(w.store.objects["drorch-runs/"+p.Layer.Key], &items)
	s := items[0].Secrets["TargetClusterIdentifier"]
	if s.Ref != "resolve:ssm:/dr/replica-arn" || s.Fingerprint == "" || items[0].Params["TargetClusterIdentifier"] != "" {
		t.Fatalf("item = %+v", items[0])
	}
	if err := f.CheckSecret(context.Background(), &items[0], "TargetClusterIdentifier", secret); err != nil {
		t.Errorf("same value refused: %v", err)
	}
	err = f.CheckSecret(context.Background(), &items[0], "TargetClusterIdentifier", secret+"-changed")
	if se := sfnErr(t, err, sfn.ErrSecretChanged); strings.Contains(se.Message, secret) {
		t.Errorf("message shows the value: %s", se.Message)
	}
}

// TestPrepareLimits: more layers than a Step Functions execution runs are
// refused before anything else.
func TestPrepareLimits(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"StatePayload":[`)
	for i := range sfn.MaxLayers + 1 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"layer":` + itoa(i+1) + `,"resources":[{"resourceType":"PromoteRDSReadReplica","resourceName":"p","parameters":{"RDSInstanceIdentifier":"db-` + itoa(i) + `"}}]}`)
	}
	b.WriteString("]}")
	w := newWorld("us-west-2")
	_, err := w.functions("us-west-2").Prepare(context.Background(), prepareReq("failover", []byte(b.String())))
	if se := sfnErr(t, err, sfn.ErrBadInput); !strings.Contains(se.Message, "at most 400") {
		t.Errorf("message = %s", se.Message)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestLayer: the decision after a layer.
func TestLayer(t *testing.T) {
	t.Parallel()
	run := &sfn.Run{Workflow: "failover", Bucket: "b", Prefix: "runs/m/e/", Layers: []sfn.LayerInfo{{Number: 1, Resources: 2}, {Number: 5, Resources: 1}}}
	first := &sfn.LayerRef{Position: 0, Number: 1, Bucket: "b", Key: sfn.LayerKey(run.Prefix, 0), Resources: 2}
	last := &sfn.LayerRef{Position: 1, Number: 5, Bucket: "b", Key: sfn.LayerKey(run.Prefix, 1), Resources: 1}
	done := sfn.Result{Status: sfn.StatusDone}
	for _, c := range []struct {
		name    string
		layer   *sfn.LayerRef
		results []sfn.Result
		status  string
		next    int // position of the next layer, -1 none
		cause   string
		summary sfn.Summary
	}{
		{"all done, more layers", first, []sfn.Result{done, {Index: 1, Status: sfn.StatusDone}}, sfn.StatusRunning, 1, "", sfn.Summary{Done: 2}},
		{"all done, last layer", last, []sfn.Result{done}, sfn.StatusSucceeded, -1, "", sfn.Summary{Done: 1}},
		{"a failure stops the run", first, []sfn.Result{done, {Index: 1, Status: sfn.StatusFailed}}, sfn.StatusFailed, -1,
			`layer 1: resource 1 ("second") failed; the run stopped before layer 5`, sfn.Summary{Done: 1, Failed: 1}},
		{"continueOnError goes on", first, []sfn.Result{{Status: sfn.StatusFailed, ContinueOnError: true}, {Index: 1, Status: sfn.StatusDone}},
			sfn.StatusRunning, 1, "", sfn.Summary{Done: 1, Failed: 1, Continued: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld("us-west-2")
			items, _ := json.Marshal([]sfn.Item{{Index: 0, Name: "first"}, {Index: 1, Name: "second"}})
			w.store.objects["b/"+first.Key] = items
			p, err := w.functions("us-west-2").Layer(context.Background(), &sfn.Request{Op: sfn.OpLayer, Execution: exec1,
				Progress: &sfn.Progress{Run: run, Layer: c.layer, Status: sfn.StatusRunning, Results: c.results}})
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != c.status || p.Summary != c.summary || p.Results != nil {
				t.Errorf("progress = %+v", p)
			}
			if (c.next < 0) != (p.Layer == nil) || c.next >= 0 && p.Layer.Position != c.next {
				t.Errorf("next layer = %+v, want position %d", p.Layer, c.next)
			}
			if c.cause != "" && (p.Error == nil || p.Error.Error != sfn.ErrResourceFailed || p.Error.Cause != c.cause) {
				t.Errorf("error = %+v, want cause %q", p.Error, c.cause)
			}
		})
	}
	w := newWorld("us-west-2")
	_, err := w.functions("us-west-2").Layer(context.Background(), &sfn.Request{Op: sfn.OpLayer, Execution: exec1,
		Progress: &sfn.Progress{Run: run, Layer: first, Results: []sfn.Result{done}}})
	sfnErr(t, err, sfn.ErrInternal)
}

// TestFinish: the lock is released, the end published as JSON with a text
// field, and the outcome carries the run's error; a lost notification
// changes nothing else.
func TestFinish(t *testing.T) {
	t.Parallel()
	w := newWorld("us-west-2")
	f := w.functions("us-west-2")
	p, err := f.Prepare(context.Background(), prepareReq("failover", seedPayload(t, "4-rds-and-elasticache.json")))
	if err != nil {
		t.Fatal(err)
	}
	p.Status, p.Summary.Done = sfn.StatusSucceeded, 2
	out, err := f.Finish(context.Background(), &sfn.Request{Op: sfn.OpFinish, Execution: exec1, Progress: p})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != sfn.StatusSucceeded || out.Error != nil || !out.Notified || w.locks.Held() != 0 {
		t.Fatalf("outcome = %+v, %d locks", out, w.locks.Held())
	}
	var msg struct{ Text, Status string }
	if err := json.Unmarshal([]byte(w.topic.all()[0]), &msg); err != nil || msg.Status != "succeeded" ||
		!strings.HasPrefix(msg.Text, "drorch failover run-1 succeeded after 2m0s: 2 of 2 resources done") {
		t.Errorf("message = %+v (%v)", msg, err)
	}

	// Prepare refused the payload: no run, no lock; the error's message,
	// not Step Functions' JSON around it, is the cause.
	w.topic.fail = true
	cause, _ := json.Marshal(map[string]string{"errorType": sfn.ErrBadInput, "errorMessage": "the payload has 1 problem"})
	out, err = f.Finish(context.Background(), &sfn.Request{Op: sfn.OpFinish, Execution: exec1,
		Progress: &sfn.Progress{Status: sfn.StatusFailed, Error: &sfn.Failure{Error: sfn.ErrBadInput, Cause: string(cause)}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != sfn.StatusFailed || out.Error.Error != sfn.ErrBadInput || out.Error.Cause != "the payload has 1 problem" || out.Notified {
		t.Errorf("outcome = %+v", out)
	}
	if !strings.Contains(w.log.String(), `"event":"notify.failed"`) {
		t.Errorf("log = %s", w.log)
	}
}

// TestHandle: the dispatch on op; a malformed request is the function's
// internal error, never a resource's failure.
func TestHandle(t *testing.T) {
	t.Parallel()
	f := newWorld("us-west-2").functions("us-west-2")
	_, err := f.Handle(context.Background(), []byte(`{"op":"step"}`))
	sfnErr(t, err, sfn.ErrInternal)
	_, err = f.Handle(context.Background(), []byte(`{"op":"step","item":{"type":"PromoteRDSReadReplica","name":"p"},"memory":{"machine":"x"}}`))
	sfnErr(t, err, sfn.ErrInternal)
	_, err = f.Handle(context.Background(), []byte(`{"op":"launch"}`))
	sfnErr(t, err, sfn.ErrInternal)
	_, err = f.Handle(context.Background(), []byte(`{`))
	sfnErr(t, err, sfn.ErrInternal)
	b, err := f.Handle(context.Background(), []byte(`{"op":"finish","execution":{"id":"x"},"progress":{"run":null,"status":"failed","summary":{}}}`))
	if err != nil || !strings.Contains(string(b), `"status":"failed"`) {
		t.Errorf("finish = %s, %v", b, err)
	}
	b, err = f.Handle(context.Background(), []byte(`{"op":"release","execution":{"id":"arn:aws:states:us-west-2:1:execution:m:never-prepared"}}`))
	if err != nil || string(b) != `{"records":0}` {
		t.Errorf("release of an execution that took no lock = %s, %v", b, err)
	}
}

// TestLogResourceEnd: the original framework's RTO line.
func TestLogResourceEnd(t *testing.T) {
	t.Parallel()
	w := newWorld("us-west-2")
	f := w.functions("us-west-2")
	f.LogResourceEnd(&sfn.Item{Execution: exec1, Type: "PromoteRDSReadReplica", Name: "promote", Layer: 1}, sfn.StatusDone, "available")
	var line map[string]any
	if err := json.Unmarshal([]byte(w.log.String()), &line); err != nil {
		t.Fatal(err)
	}
	if line["resourceType"] != "PromoteRDSReadReplica" || line["resourceName"] != "promote" || line["rtoSeconds"] != 120.0 || line["status"] != "done" {
		t.Errorf("line = %v", line)
	}
}

// writeRecorder is a lock table that records the writes made on it.
type writeRecorder struct {
	lock.Table
	mu  sync.Mutex
	ops map[lock.WriteOp]bool
}

func (r *writeRecorder) Apply(ctx context.Context, writes []lock.Write) error {
	r.mu.Lock()
	for _, w := range writes {
		r.ops[w.Op] = true
	}
	r.mu.Unlock()
	return r.Table.Apply(ctx, writes)
}

// TestLockWrites: prepare (taken, and refused to a second execution),
// finish and release make exactly the writes LockWrites lists, the ones
// the template grants.
func TestLockWrites(t *testing.T) {
	t.Parallel()
	w := newWorld("us-west-2")
	rec := &writeRecorder{Table: w.locks, ops: map[lock.WriteOp]bool{}}
	f := w.functions("us-west-2")
	f.Locks = lock.New(rec, lock.Settings{Clock: w.clock})
	in := seedPayload(t, "4-rds-and-elasticache.json")
	p, err := f.Prepare(context.Background(), prepareReq("failover", in))
	if err != nil {
		t.Fatal(err)
	}
	other := prepareReq("failover", in)
	other.Execution.ID += "-2"
	if _, err := f.Prepare(context.Background(), other); err == nil {
		t.Fatal("a second execution took the lock")
	}
	p.Status = sfn.StatusSucceeded
	if _, err := f.Finish(context.Background(), &sfn.Request{Op: sfn.OpFinish, Execution: exec1, Progress: p}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Release(context.Background(), &sfn.Request{Op: sfn.OpRelease, Execution: exec1}); err != nil {
		t.Fatal(err)
	}
	var got []lock.WriteOp
	for op := range rec.ops {
		got = append(got, op)
	}
	slices.Sort(got)
	if !slices.Equal(got, ops.LockWrites) {
		t.Errorf("the function's lock made writes %v, LockWrites says %v", got, ops.LockWrites)
	}
}

// TestPrepareCarriesFinalSnapshot: a resource's "finalSnapshot": false
// reaches its item, so that the step binds it as the local engine does.
func TestPrepareCarriesFinalSnapshot(t *testing.T) {
	t.Parallel()
	payload := bytes.ReplaceAll(seedPayload(t, "3-create-secondary-cluster.json"), []byte("-vps-"), []byte("-vpc-"))
	payload = bytes.Replace(payload, []byte(`"resourceType": "CreateAuroraSecondaryDBCluster",`), []byte(`"resourceType": "CreateAuroraSecondaryDBCluster", "finalSnapshot": false,`), 1)
	w := newWorld("us-east-1")
	p, err := w.functions("us-east-1").Prepare(context.Background(), prepareReq("failback", payload))
	if err != nil {
		t.Fatal(err)
	}
	data, err := w.store.Get(context.Background(), p.Layer.Bucket, p.Layer.Key)
	if err != nil {
		t.Fatal(err)
	}
	var items []sfn.Item
	if err := json.Unmarshal(data, &items); err != nil || len(items) != 1 || !items[0].SkipFinalSnapshot {
		t.Fatalf("items = %+v, %v; want the one resource, skipping its final snapshot", items, err)
	}
}
