package e2e

import (
	"os"
	"strings"
	"testing"

	"drorch/journal"
	"drorch/sim"
)

// storyStep is one drorch run of the demo's story.
type storyStep struct {
	what    string
	region  string
	payload string
	calls   []string // successful mutating calls, once each
	check   func(sim.State) problems
}

// runStep runs one payload of the story, then checks that it succeeded,
// that its successful mutating calls are the expected ones, never repeated,
// and that the world is right. Calls refused by an injected fault are not
// counted: drorch made them again, as it should.
func (w *world) runStep(s storyStep, id string) {
	w.t.Helper()
	w.sim.ResetCalls()
	r := w.drorch(append([]string{"run", "--region", s.region, "--yes", "--run-id", id}, append(pollFlags, s.payload)...)...)
	if r.code != 0 {
		w.t.Fatalf("%s:\n%s", s.what, r)
	}
	if st, _ := w.show(id); st.Status != journal.StatusSucceeded {
		w.t.Errorf("%s: run %s is %s in the journal, want succeeded", s.what, id, st.Status)
	}
	var ok []sim.MutatingCall
	refused := 0
	for _, c := range w.sim.MutatingCalls() {
		if c.Status == 200 {
			ok = append(ok, c)
		} else {
			refused++
		}
	}
	if p := callProblems(ok, s.calls); len(p) > 0 {
		w.t.Errorf("%s: mutating calls:\n%s", s.what, p)
	}
	if p := s.check(w.sim.State()); len(p) > 0 {
		w.t.Errorf("%s: the world is wrong:\n%s", s.what, p)
	}
	w.t.Logf("%s: %d API calls, %d mutating calls refused by a fault and made again", s.what, w.sim.CallCount("", "", ""), refused)
}

// TestDemoStoryUnderThrottlingAnd5xx runs the README's payloads in the
// demo's order while 30% of every call, in every region and service, is
// throttled and 5% answered with a 500; us-east-1 is down for the unplanned
// payloads, as in the demo. Every run must complete and the world end right.
func TestDemoStoryUnderThrottlingAnd5xx(t *testing.T) {
	t.Parallel()
	// drorch times runs on the simulator's clock, and the SDK's backoff
	// between retries is wall time: at 5000x one second of backoff would
	// be 83 simulated minutes, past every resource's deadline. At 60x a
	// burst of throttling costs simulated minutes, as it could on AWS.
	w := newWorld(t, worldConfig{speed: 60, seed: 7})
	for _, f := range []sim.Fault{{Kind: sim.FaultThrottle, Rate: 0.3}, {Kind: sim.FaultError, Rate: 0.05}} {
		if _, err := w.sim.SetFault(f); err != nil {
			t.Fatal(err)
		}
	}
	p1 := seedPayload("1-planned-switchover.json")
	writerIs := func(writer string) func(sim.State) problems {
		return func(st sim.State) problems {
			var p problems
			p.auroraWriter(st, writer, cluster01ARN, cluster02ARN)
			return p
		}
	}

	w.runStep(storyStep{"1. switchover to us-west-2", uswest, p1, []string{"SwitchoverGlobalCluster"}, writerIs(cluster02ARN)}, "story-1a")
	w.runStep(storyStep{"1. switchover back to us-east-1", useast, p1, []string{"SwitchoverGlobalCluster"}, writerIs(cluster01ARN)}, "story-1b")

	outage, err := w.sim.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: useast})
	if err != nil {
		t.Fatal(err)
	}
	if r := w.drorch("plan", "--region", uswest, p1); r.code != 1 || !strings.Contains(r.stdout, "us-east-1 is unreachable") {
		t.Errorf("2. the planned switchover with us-east-1 down should be blocked:\n%s", r)
	}
	w.runStep(storyStep{"2. unplanned failover of Aurora", uswest, seedPayload("2-unplanned-failover.json"), []string{"RemoveFromGlobalCluster"},
		func(st sim.State) problems {
			var p problems
			p.auroraWriter(st, cluster01ARN, cluster01ARN)
			if c, ok := st.Cluster(uswest, "dbcluster-02"); !ok || c.Status != "available" || c.GlobalClusterID != "" {
				p.addf("dbcluster-02 should be stand-alone and available: %+v", c)
			}
			return p
		}}, "story-2")
	if n := w.sim.CallCount(useast, "", ""); n != 0 {
		t.Errorf("2. the unplanned failover of Aurora made %d calls to us-east-1, want none", n)
	}
	w.runStep(storyStep{"2. RDS promotion and ElastiCache failover", uswest, seedPayload("4-rds-and-elasticache.json"),
		[]string{"FailoverGlobalReplicationGroup", "PromoteReadReplica"},
		func(st sim.State) problems {
			var p problems
			p.replicaPromoted(st)
			p.redisPrimary(st, uswest)
			return p
		}}, "story-4")
	if n := w.sim.CallCount(useast, "", ""); n != 0 {
		t.Errorf("2. the RDS promotion and ElastiCache failover made %d calls to us-east-1, want none", n)
	}

	if err := w.sim.ClearFault(outage.ID); err != nil {
		t.Fatal(err)
	}
	readme := seedPayload("3-create-secondary-cluster.json")
	if r := w.drorch("plan", "--region", useast, readme); r.code != 2 || !strings.Contains(r.stderr, "vps-security-group-ids") {
		t.Errorf("3. the README's vps typo should be caught as bad input:\n%s", r)
	}
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	w.runStep(storyStep{"3. failback: rebuild the secondary in us-east-1", useast, w.payload("3-corrected.json", correctedFailback(data)),
		failbackCalls, failedBack}, "story-3")
	w.runStep(storyStep{"3. switchover home to us-east-1", useast, p1, []string{"SwitchoverGlobalCluster"}, writerIs(cluster01ARN)}, "story-3b")

	w.sim.ResetCalls()
	r := w.mustRun(0, append([]string{"run", "--region", useast, "--yes"}, append(pollFlags, p1)...)...)
	if !strings.Contains(r.stdout, "nothing to do") || len(w.sim.MutatingCalls()) != 0 {
		t.Errorf("3. the switchover again should do nothing and say so (%d mutating calls):\n%s", len(w.sim.MutatingCalls()), r)
	}
}
