package journal

import (
	"bytes"
	"cmp"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// updateGoldenEnv rewrites the golden files instead of comparing with them.
const updateGoldenEnv = "DRORCH_UPDATE_GOLDEN"

// script builds a run's events: each call appends one event, d after t0,
// with the next seq.
type script struct{ evs []Event }

func (s *script) add(d time.Duration, ev Event) *script {
	ev.RunID, ev.Seq, ev.Time = cmp.Or(ev.RunID, "run-1"), int64(len(s.evs)+1), t0.Add(d)
	s.evs = append(s.evs, ev)
	return s
}

func (s *script) run(d time.Duration, k Kind, msg string, data any) *script {
	return s.add(d, Event{Kind: k, Layer: -1, Resource: -1, Message: msg, Data: mustJSON(data)})
}

func (s *script) layer(d time.Duration, k Kind, l int, data any) *script {
	return s.add(d, Event{Kind: k, Layer: l, Resource: -1, Data: mustJSON(data)})
}

func (s *script) res(d time.Duration, k Kind, l, r int, msg, errText string, data any) *script {
	return s.add(d, Event{Kind: k, Layer: l, Resource: r, Message: msg, Error: errText, Data: mustJSON(data)})
}

func (s *script) step(d time.Duration, k Kind, l, r int, step, msg, errText string, data any) *script {
	return s.add(d, Event{Kind: k, Layer: l, Resource: r, Step: step, Message: msg, Error: errText, Data: mustJSON(data)})
}

func mustJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func out(st Status) Outcome { return Outcome{Status: st} }

// testSpec: layer 1 switches Aurora and Redis over, layer 2 promotes an RDS
// replica. continueOnError applies to the Redis resource.
func testSpec(continueOnError bool) RunSpec {
	return RunSpec{
		Command: "run", Region: "us-west-2", PayloadFile: "failover.json", PayloadSHA256: "9f86d081884c7d65",
		Layers: []LayerSpec{
			{Number: 1, Resources: []ResourceSpec{
				{Index: 0, Name: "Aurora switchover", Type: "PlannedFailoverAurora", Region: "us-west-2",
					Params:  map[string]string{"GlobalClusterIdentifier": "dr-globaldb-cluster-mysql", "DBClusterIdentifier": "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"},
					Refs:    map[string]string{"GlobalClusterIdentifier": "!Import dr-globaldb-cluster-mysql-global-identifier"},
					Timeout: 30 * time.Minute, Steps: []string{"switchover"}},
				{Index: 1, Name: "Redis failover", Type: "FailoverElastiCacheCluster", Region: "us-west-2",
					Params:          map[string]string{"GlobalReplicationGroupId": "ldgnf-demo-redis-global-datastore", "TargetRegion": "us-west-2", "TargetReplicationGroupId": "demo-redis-cluster", "AuthToken": ""},
					Secret:          []string{"AuthToken"},
					ContinueOnError: continueOnError, Timeout: 20 * time.Minute, Steps: []string{"failover"}},
			}},
			{Number: 2, Resources: []ResourceSpec{
				{Index: 0, Name: "RDS promote", Type: "PromoteRDSReadReplica", Region: "us-west-2",
					Params:  map[string]string{"RDSInstanceIdentifier": "rds-mysql-instance"},
					Timeout: 45 * time.Minute, Steps: []string{"check-replica", "promote"}},
			}},
		},
	}
}

var (
	proc1  = Process{Owner: "ops-host:4242:a1b2", Host: "ops-host", PID: 4242, Version: "0.1.0"}
	proc2  = Process{Owner: "ops-host:5151:c3d4", Host: "ops-host", PID: 5151, Version: "0.1.0"}
	swCall = Call{ID: "call-sw", Service: "rds", Action: "SwitchoverGlobalCluster", Region: "us-west-2",
		Args: map[string]string{"GlobalClusterIdentifier": "dr-globaldb-cluster-mysql"}}
	ecCall = Call{ID: "call-ec", Service: "elasticache", Action: "FailoverGlobalReplicationGroup", Region: "us-west-2"}
	prCall = Call{ID: "call-pr", Service: "rds", Action: "PromoteReadReplica", Region: "us-west-2",
		Args: map[string]string{"DBInstanceIdentifier": "rds-mysql-instance"}}
)

func withReq(c Call, id string) Call { c.RequestID = id; return c }

func withUnknown(c Call) Call { c.Unknown = true; return c }

// layer1 is the first layer up to both calls issued.
func layer1(s *script) *script {
	return s.run(0, RunCreated, "", testSpec(false)).
		run(time.Second, RunStarted, "", proc1).
		layer(2*time.Second, LayerStarted, 0, nil).
		res(2*time.Second, ResourceStarted, 0, 0, "", "", nil).
		res(2*time.Second, ResourceStarted, 0, 1, "", "", nil).
		step(3*time.Second, StepStarted, 0, 0, "switchover", "", "", nil).
		step(3*time.Second, StepStarted, 0, 1, "failover", "", "", nil).
		step(4*time.Second, CallIntent, 0, 0, "switchover", "", "", swCall).
		step(4*time.Second, CallIntent, 0, 1, "failover", "", "", ecCall).
		step(5*time.Second, CallIssued, 0, 0, "switchover", "", "", withReq(swCall, "req-1")).
		step(5*time.Second, CallIssued, 0, 1, "failover", "", "", ecCall)
}

func foldCases() map[string][]Event {
	cases := map[string][]Event{}

	s := layer1(&script{})
	s.step(10*time.Second, StepObserved, 0, 0, "switchover", "global cluster dr-globaldb-cluster-mysql is switching-over", "", nil).
		step(65*time.Second, StepFinished, 0, 1, "failover", "", "", out(StatusSucceeded)).
		res(65*time.Second, ResourceFinished, 0, 1, "", "", out(StatusSucceeded)).
		step(70*time.Second, StepFinished, 0, 0, "switchover", "", "", out(StatusSucceeded)).
		res(70*time.Second, ResourceFinished, 0, 0, "", "", out(StatusSucceeded)).
		layer(70*time.Second, LayerFinished, 0, out(StatusSucceeded)).
		layer(71*time.Second, LayerStarted, 1, nil).
		res(71*time.Second, ResourceStarted, 1, 0, "", "", nil).
		step(71*time.Second, StepSkipped, 1, 0, "check-replica", "rds-mysql-instance replicates from us-east-1", "", nil).
		step(72*time.Second, StepStarted, 1, 0, "promote", "", "", nil).
		step(72*time.Second, CallIntent, 1, 0, "promote", "", "", prCall).
		step(73*time.Second, CallIssued, 1, 0, "promote", "", "", prCall).
		step(80*time.Second, StepObserved, 1, 0, "promote", "instance rds-mysql-instance is modifying", "", nil).
		step(120*time.Second, StepObserved, 1, 0, "promote", "instance rds-mysql-instance is rebooting", "", nil).
		step(163*time.Second, StepFinished, 1, 0, "promote", "", "", out(StatusSucceeded)).
		res(163*time.Second, ResourceFinished, 1, 0, "", "", out(StatusSucceeded)).
		layer(163*time.Second, LayerFinished, 1, out(StatusSucceeded)).
		run(164*time.Second, RunFinished, "", out(StatusSucceeded))
	cases["succeeded"] = s.evs

	// Killed between the intent of PromoteReadReplica and its answer.
	s = layer1(&script{})
	interrupted := func(s *script) *script {
		return s.step(65*time.Second, StepFinished, 0, 1, "failover", "", "", out(StatusSucceeded)).
			res(65*time.Second, ResourceFinished, 0, 1, "", "", out(StatusSucceeded)).
			step(70*time.Second, StepFinished, 0, 0, "switchover", "", "", out(StatusSucceeded)).
			res(70*time.Second, ResourceFinished, 0, 0, "", "", out(StatusSucceeded)).
			layer(70*time.Second, LayerFinished, 0, out(StatusSucceeded)).
			layer(71*time.Second, LayerStarted, 1, nil).
			res(71*time.Second, ResourceStarted, 1, 0, "", "", nil).
			step(71*time.Second, StepSkipped, 1, 0, "check-replica", "rds-mysql-instance replicates from us-east-1", "", nil).
			step(72*time.Second, StepStarted, 1, 0, "promote", "", "", nil).
			step(72*time.Second, CallIntent, 1, 0, "promote", "", "", prCall)
	}
	cases["interrupted"] = interrupted(s).evs

	// The same run resumed ten minutes later by another process: the
	// promote step's check finds the promotion under way, so the call is
	// not made again, and the step finishes.
	s = interrupted(layer1(&script{}))
	s.run(672*time.Second, RunResumed, "", proc2).
		layer(672*time.Second, LayerStarted, 1, nil).
		res(672*time.Second, ResourceStarted, 1, 0, "", "", nil).
		step(672*time.Second, StepStarted, 1, 0, "promote", "", "", nil).
		step(673*time.Second, StepObserved, 1, 0, "promote", "instance rds-mysql-instance is rebooting", "", nil).
		step(700*time.Second, StepFinished, 1, 0, "promote", "", "", out(StatusSucceeded)).
		res(700*time.Second, ResourceFinished, 1, 0, "", "", out(StatusSucceeded)).
		layer(700*time.Second, LayerFinished, 1, out(StatusSucceeded)).
		run(701*time.Second, RunFinished, "", out(StatusSucceeded))
	cases["resumed"] = s.evs

	// Cancelled while layer 1 was switching: in-flight calls returned,
	// the run stopped before layer 2.
	s = layer1(&script{})
	s.run(20*time.Second, RunCancelRequested, "op@ops-host via drorch cancel", nil).
		step(21*time.Second, StepFinished, 0, 0, "switchover", "", "cancelled while waiting", out(StatusCancelled)).
		res(21*time.Second, ResourceFinished, 0, 0, "", "cancelled while waiting", out(StatusCancelled)).
		step(21*time.Second, StepFinished, 0, 1, "failover", "", "cancelled while waiting", out(StatusCancelled)).
		res(21*time.Second, ResourceFinished, 0, 1, "", "cancelled while waiting", out(StatusCancelled)).
		layer(21*time.Second, LayerFinished, 0, out(StatusCancelled)).
		add(22*time.Second, Event{Kind: RunFinished, Layer: -1, Resource: -1, Error: "cancelled by op@ops-host", Data: mustJSON(out(StatusCancelled))})
	cases["cancelled"] = s.evs

	// Redis (continueOnError) fails with an answer that may not be final;
	// Aurora succeeds; the run goes on to layer 2 and ends failed.
	s = &script{}
	s.run(0, RunCreated, "", testSpec(true)).
		run(time.Second, RunStarted, "", proc1).
		layer(2*time.Second, LayerStarted, 0, nil).
		res(2*time.Second, ResourceStarted, 0, 0, "", "", nil).
		res(2*time.Second, ResourceStarted, 0, 1, "", "", nil).
		step(3*time.Second, StepStarted, 0, 0, "switchover", "", "", nil).
		step(3*time.Second, StepStarted, 0, 1, "failover", "", "", nil).
		step(4*time.Second, CallIntent, 0, 0, "switchover", "", "", swCall).
		step(4*time.Second, CallIntent, 0, 1, "failover", "", "", ecCall).
		step(5*time.Second, CallIssued, 0, 0, "switchover", "", "", swCall).
		step(35*time.Second, CallFailed, 0, 1, "failover", "", "elasticache FailoverGlobalReplicationGroup in us-west-2: request timed out", withUnknown(withReq(ecCall, "req-ec"))).
		step(36*time.Second, StepObserved, 0, 1, "failover", "global datastore is available; us-west-2 member is SECONDARY", "", nil).
		step(36*time.Second, StepFinished, 0, 1, "failover", "", "failover did not happen: us-west-2 member is still SECONDARY", out(StatusFailed)).
		res(36*time.Second, ResourceFinished, 0, 1, "", "failover did not happen: us-west-2 member is still SECONDARY", out(StatusFailed)).
		step(70*time.Second, StepFinished, 0, 0, "switchover", "", "", out(StatusSucceeded)).
		res(70*time.Second, ResourceFinished, 0, 0, "", "", out(StatusSucceeded)).
		layer(70*time.Second, LayerFinished, 0, out(StatusFailed)).
		layer(71*time.Second, LayerStarted, 1, nil).
		res(71*time.Second, ResourceStarted, 1, 0, "", "", nil).
		step(71*time.Second, StepSkipped, 1, 0, "check-replica", "rds-mysql-instance replicates from us-east-1", "", nil).
		step(72*time.Second, StepStarted, 1, 0, "promote", "", "", nil).
		step(72*time.Second, CallIntent, 1, 0, "promote", "", "", prCall).
		step(73*time.Second, CallIssued, 1, 0, "promote", "", "", prCall).
		step(163*time.Second, StepFinished, 1, 0, "promote", "", "", out(StatusSucceeded)).
		res(163*time.Second, ResourceFinished, 1, 0, "", "", out(StatusSucceeded)).
		layer(163*time.Second, LayerFinished, 1, out(StatusSucceeded)).
		add(164*time.Second, Event{Kind: RunFinished, Layer: -1, Resource: -1, Error: "1 resource failed: Redis failover", Data: mustJSON(out(StatusFailed))})
	cases["continue-on-error"] = s.evs

	// A re-run of a finished failover: every goal already holds.
	s = &script{}
	s.run(0, RunCreated, "", testSpec(false)).
		run(time.Second, RunStarted, "", proc1).
		layer(2*time.Second, LayerStarted, 0, nil).
		res(2*time.Second, ResourceAlreadyDone, 0, 0, "dbcluster-02 is already the writer of dr-globaldb-cluster-mysql", "", nil).
		res(2*time.Second, ResourceAlreadyDone, 0, 1, "us-west-2 member demo-redis-cluster is already PRIMARY", "", nil).
		layer(2*time.Second, LayerFinished, 0, out(StatusAlreadyDone)).
		layer(3*time.Second, LayerStarted, 1, nil).
		res(3*time.Second, ResourceAlreadyDone, 1, 0, "rds-mysql-instance has no replication source", "", nil).
		layer(3*time.Second, LayerFinished, 1, out(StatusAlreadyDone)).
		add(3*time.Second, Event{Kind: "approval.requested", Layer: -1, Resource: -1}). // a kind from a newer drorch
		run(4*time.Second, RunFinished, "", out(StatusAlreadyDone))
	cases["already-done"] = s.evs

	// A gate waits for a person in layer 1 (the second resource of the
	// layer: an approval names its resource, never another); alice
	// approves it; bob's rejection, made before he saw hers, is kept but
	// does not count.
	gate := testSpec(false)
	gate.Layers[0].Resources[1] = ResourceSpec{Index: 1, Name: "Approve the failover", Type: "ManualApproval", Region: "us-west-2",
		Params: map[string]string{"ApprovalTimeout": "30m"}, Timeout: 35 * time.Minute, Steps: []string{"approval"}}
	s = &script{}
	s.run(0, RunCreated, "", gate).
		run(time.Second, RunStarted, "", proc1).
		layer(2*time.Second, LayerStarted, 0, nil).
		res(2*time.Second, ResourceStarted, 0, 1, "", "", nil).
		step(2*time.Second, StepStarted, 0, 1, "approval", "", "", nil).
		step(2*time.Second, StepObserved, 0, 1, "approval", "waiting for approval", "", nil).
		step(95*time.Second, ApprovalGranted, 0, 1, "approval", "", "", Approval{By: "alice", Comment: "app team confirmed writes stopped"}).
		step(96*time.Second, ApprovalRejected, 0, 1, "approval", "", "", Approval{By: "bob"}).
		step(97*time.Second, StepFinished, 0, 1, "approval", "approved by alice", "", out(StatusSucceeded)).
		res(97*time.Second, ResourceFinished, 0, 1, "", "", out(StatusSucceeded))
	cases["approved"] = s.evs
	return cases
}

// golden is what a fold case is compared with: the state and what the
// engine and reports derive from it.
type golden struct {
	State      *RunState        `json:"state"`
	RunElapsed string           `json:"runElapsed"`
	Resources  []goldenResource `json:"resources"`
}

type goldenResource struct {
	Name        string   `json:"name"`
	Elapsed     string   `json:"elapsed"`
	PendingCall string   `json:"pendingCall,omitempty"`
	Unknown     []string `json:"outcomeUnknown,omitempty"`
}

func TestFoldGolden(t *testing.T) {
	t.Parallel()
	for name, evs := range foldCases() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st, err := Fold(evs)
			if err != nil {
				t.Fatalf("Fold: %v", err)
			}
			g := golden{State: st, RunElapsed: st.Elapsed().String()}
			for _, l := range st.Layers {
				for _, r := range l.Resources {
					gr := goldenResource{Name: r.Name, Elapsed: r.Elapsed().String()}
					if c, ok := r.PendingCall(); ok {
						gr.PendingCall = c.Call.ID
					}
					for _, s := range r.Steps {
						for _, c := range s.Calls {
							if c.OutcomeUnknown() {
								gr.Unknown = append(gr.Unknown, c.Call.ID)
							}
						}
					}
					g.Resources = append(g.Resources, gr)
				}
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "fold", name+".json")
			if os.Getenv(updateGoldenEnv) != "" {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (set %s=1 to write it)", err, updateGoldenEnv)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("fold of %s differs from %s (set %s=1 to update after checking):\n%s", name, path, updateGoldenEnv, got)
			}

			// Folding in two halves with Apply gives the same state.
			half := len(evs) / 2
			inc, err := Fold(evs[:half])
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs[half:] {
				if err := inc.Apply(ev); err != nil {
					t.Fatal(err)
				}
			}
			if a, b := mustJSON(inc), mustJSON(st); !bytes.Equal(a, b) {
				t.Errorf("incremental fold differs:\n%s\nwant\n%s", a, b)
			}
		})
	}
}

func TestFoldRejects(t *testing.T) {
	t.Parallel()
	base := func() *script {
		return (&script{}).run(0, RunCreated, "", testSpec(false)).
			step(time.Second, StepStarted, 1, 0, "promote", "", "", nil)
	}
	tests := []struct {
		name string
		evs  []Event
		want string // in the error
	}{
		{"no events", nil, "no events"},
		{"not created first", (&script{}).run(0, RunStarted, "", proc1).evs, "want run.created"},
		{"created without spec", (&script{}).run(0, RunCreated, "", nil).evs, "no data"},
		{"created with bad spec", (&script{}).add(0, Event{Kind: RunCreated, Data: json.RawMessage(`{"layers":7}`)}).evs, "data"},
		{"created twice", base().run(2*time.Second, RunCreated, "", testSpec(false)).evs, "already created"},
		{"unknown layer", base().layer(2*time.Second, LayerStarted, 2, nil).evs, "layer 2 is not in the run"},
		{"negative layer", base().res(2*time.Second, ResourceStarted, -1, 0, "", "", nil).evs, "layer -1 is not in the run"},
		{"unknown resource", base().res(2*time.Second, ResourceStarted, 1, 1, "", "", nil).evs, "resource 1 is not in layer 2"},
		{"unknown step", base().step(2*time.Second, StepStarted, 1, 0, "switchover", "", "", nil).evs, `has no step "switchover"`},
		{"step event without step", base().step(2*time.Second, StepFinished, 1, 0, "", "", "", out(StatusSucceeded)).evs, "no step named"},
		{"issued without intent", base().step(2*time.Second, CallIssued, 1, 0, "promote", "", "", prCall).evs, "no intent before it"},
		{"intent in another step", base().step(2*time.Second, CallIntent, 1, 0, "check-replica", "", "", prCall).
			step(3*time.Second, CallIssued, 1, 0, "promote", "", "", prCall).evs, "no intent before it"},
		{"second intent", base().step(2*time.Second, CallIntent, 1, 0, "promote", "", "", prCall).
			step(3*time.Second, CallIntent, 1, 0, "promote", "", "", prCall).evs, "second intent"},
		{"issued twice", base().step(2*time.Second, CallIntent, 1, 0, "promote", "", "", prCall).
			step(3*time.Second, CallIssued, 1, 0, "promote", "", "", prCall).
			step(4*time.Second, CallFailed, 1, 0, "promote", "", "boom", prCall).evs, "already issued"},
		{"call without id", base().step(2*time.Second, CallIntent, 1, 0, "promote", "", "", Call{Action: "PromoteReadReplica"}).evs, "no id"},
		{"finished without outcome", base().step(2*time.Second, StepFinished, 1, 0, "promote", "", "", nil).evs, "no data"},
		{"finished still running", base().res(2*time.Second, ResourceFinished, 1, 0, "", "", out(StatusRunning)).evs, "not a final status"},
		{"run finished with a typo", base().run(2*time.Second, RunFinished, "", out("succeded")).evs, "not a final status"},
		{"approval of an unknown resource", base().step(2*time.Second, ApprovalGranted, 0, 2, "approval", "", "", Approval{By: "alice"}).evs, "resource 2 is not in layer 1"},
		{"approval without data", base().step(2*time.Second, ApprovalRejected, 1, 0, "promote", "", "", nil).evs, "no data"},
		{"another run's event", base().add(2*time.Second, Event{RunID: "run-2", Kind: RunStarted, Layer: -1, Resource: -1}).evs, "belongs to run run-2"},
	}
	// Out of order: swap the seq of the last two events.
	ooo := base().run(2*time.Second, RunStarted, "", proc1).evs
	ooo[1].Seq, ooo[2].Seq = ooo[2].Seq, ooo[1].Seq
	tests = append(tests, struct {
		name string
		evs  []Event
		want string
	}{"out of order", ooo, "out of order"})

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, err := Fold(tc.evs)
			if err == nil {
				t.Fatalf("Fold accepted it: %+v", st)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if len(tc.evs) > 1 && !strings.Contains(err.Error(), "seq") {
				t.Errorf("error %q does not name the event's seq", err)
			}
		})
	}
}

func TestFoldWithoutSeq(t *testing.T) {
	t.Parallel()
	// Events not yet stored (seq 0) fold too: the engine previews with them.
	evs := layer1(&script{}).evs
	for i := range evs {
		evs[i].Seq = 0
	}
	st, err := Fold(evs)
	if err != nil {
		t.Fatal(err)
	}
	if st.LastSeq != 0 || st.Layers[0].Resources[0].Steps[0].Calls[0].Status != CallStatusIssued {
		t.Errorf("fold without seq: %+v", st.Layers[0].Resources[0])
	}
}

func TestRunStateResource(t *testing.T) {
	t.Parallel()
	st, err := Fold(layer1(&script{}).evs)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		l, r int
		want string
	}{{0, 0, "Aurora switchover"}, {0, 1, "Redis failover"}, {1, 0, "RDS promote"}, {1, 1, ""}, {2, 0, ""}, {-1, 0, ""}, {0, -1, ""}}
	for _, tc := range tests {
		got := "(none)"
		if r, ok := st.Resource(tc.l, tc.r); ok {
			got = r.Name
		}
		if want := cmp.Or(tc.want, "(none)"); got != want {
			t.Errorf("Resource(%d, %d) = %s, want %s", tc.l, tc.r, got, want)
		}
	}
	if s, ok := st.Layers[0].Resources[0].Step("switchover"); !ok || s.Status != StatusRunning {
		t.Errorf("Step(switchover) = %+v, %v", s, ok)
	}
	if _, ok := st.Layers[0].Resources[0].Step("nope"); ok {
		t.Error("Step(nope) found")
	}
	if st.Finished() {
		t.Error("a run without run.finished reports Finished")
	}
}
