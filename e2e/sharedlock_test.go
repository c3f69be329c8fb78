package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"drorch/sfn"
	"drorch/sim"
)

// The shared lock (DynamoDB, served by the simulator) between operators on
// separate machines, each with its own journal, and between them and Step
// Functions executions. The first mutating call of either side hangs in
// AWS (a hang outage) until the test has seen the other side refused: the
// side that took the lock still holds it then, however the processes were
// scheduled, so every trial is decided by the lock alone.

// hangMutations holds the first mutating calls of a planned and an
// unplanned failover in AWS until the test clears the faults.
// sharedLockSpeed is the simulator's speed in these tests. drorch times
// runs on the simulator's clock, and a test holds a mutating call
// unanswered while a second operator is refused: at 30x, a minute of a
// loaded machine is 30 simulated minutes, the deadline of a switchover.
const sharedLockSpeed = 30

func (w *world) hangMutations() {
	w.t.Helper()
	// The switchover is made in the current writer's region (us-east-1),
	// the detach in the detached cluster's (us-west-2).
	for action, region := range map[string]string{"SwitchoverGlobalCluster": useast, "RemoveFromGlobalCluster": uswest} {
		if _, err := w.sim.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: region, Service: "rds", Action: action, Mode: sim.ModeHang}); err != nil {
			w.t.Fatal(err)
		}
	}
}

// operator is the world seen from another machine: the same AWS, a
// journal of its own.
func (w *world) operator(name string) *world {
	o := *w
	o.state = filepath.Join(w.dir, name+".db")
	return &o
}

// lockedRunArgs is `drorch run` of payload in us-west-2 with the shared
// lock.
func lockedRunArgs(id, payload string) []string {
	return append(runArgs(uswest, id, payload), "--lock-table", lockTable)
}

// TestSharedLockTwoOperators: two operators, each with a journal of his
// own, start `drorch run` of payloads on the same global cluster at the
// same moment, with one lock table: planned switchover against planned
// switchover, and against unplanned failover. In every trial exactly one
// proceeds; the other is refused before any mutating call, naming the
// holder, and nothing of its run is journaled. Half the trials give both
// runs the same run id, as two machines may.
func TestSharedLockTwoOperators(t *testing.T) {
	t.Parallel()
	p1, p2 := seedPayload("1-planned-switchover.json"), seedPayload("2-unplanned-failover.json")
	calls := map[string][]string{p1: {"SwitchoverGlobalCluster"}, p2: {"RemoveFromGlobalCluster"}}
	const trials = 8
	type trial struct {
		name     string
		w        *world
		ops      [2]*world
		ids      [2]string
		payloads [2]string
		procs    [2]*proc
	}
	var all []*trial
	for i := range 2 * trials {
		tr := &trial{name: fmt.Sprintf("planned against planned, trial %d", i%trials+1), payloads: [2]string{p1, p1}}
		if i >= trials {
			tr.name, tr.payloads = fmt.Sprintf("planned against unplanned, trial %d", i%trials+1), [2]string{p1, p2}
		}
		tr.ids = [2]string{fmt.Sprintf("op-a-%d", i), fmt.Sprintf("op-b-%d", i)}
		if i%2 == 0 {
			tr.ids = [2]string{"failover", "failover"}
		}
		tr.w = newWorld(t, worldConfig{scenario: withLockTable(sim.SeedScenario()), speed: sharedLockSpeed, seed: uint64(i + 1)})
		tr.w.hangMutations()
		tr.ops = [2]*world{tr.w.operator("a"), tr.w.operator("b")}
		all = append(all, tr)
	}
	// Every pair starts at once; all the pairs run side by side.
	for _, tr := range all {
		for k := range 2 {
			tr.procs[k] = tr.ops[k].start(lockedRunArgs(tr.ids[k], tr.payloads[k])...)
		}
	}
	for _, tr := range all {
		// The refused one ends; the other holds the lock while its first
		// mutating call hangs in AWS.
		var loser int
		select {
		case <-tr.procs[0].done:
			loser = 0
		case <-tr.procs[1].done:
			loser = 1
		}
		winner := 1 - loser
		tr.w.until(tr.procs[winner], "its first mutating call is in AWS", func() bool { return tr.w.sim.Held() == 1 })
		tr.w.sim.ClearFaults()
		lost, won := tr.procs[loser].wait(), tr.procs[winner].wait()
		holder := tr.ids[winner] + "@"
		if won.code != 0 || lost.code != 1 || !strings.Contains(lost.stderr, "is held by run "+holder) ||
			!strings.Contains(lost.stderr, "(cli, ") || !strings.Contains(lost.stderr, "nothing was changed") {
			t.Errorf("%s: want one run through and the other refused naming run %s:\n%s\n%s", tr.name, holder, won, lost)
			continue
		}
		if p := callProblems(databaseCalls(tr.w.sim.MutatingCalls()), calls[tr.payloads[winner]]); len(p) > 0 {
			t.Errorf("%s: mutating calls:\n%s", tr.name, p)
		}
		if runs := tr.ops[loser].runs(); len(runs) != 0 {
			t.Errorf("%s: the refused operator's journal holds runs %v", tr.name, runs)
		}
		if st, _ := tr.ops[winner].show(tr.ids[winner]); st.Status != "succeeded" {
			t.Errorf("%s: the run that went through is %s", tr.name, st.Status)
		}
	}
}

// TestSharedLockExecutionAndCLI: a Step Functions execution and a CLI run
// on the same database exclude each other through the lock table: the
// second is refused before any mutating call, naming the holder; once the
// first ends and releases the lock, the other side runs (and finds the
// work done).
func TestSharedLockExecutionAndCLI(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(seedPayload("1-planned-switchover.json"))
	if err != nil {
		t.Fatal(err)
	}
	p1 := string(b)

	t.Run("execution first", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, worldConfig{scenario: withLockTable(sim.SeedScenario()), speed: sharedLockSpeed})
		w.hangMutations()
		fn := w.stepFunctions(uswest)
		done := make(chan string)
		go func() {
			r := fn.execute(sfn.Failover, "holder", p1, nil)
			done <- r.Status + " " + r.Error + " " + r.Cause
		}()
		deadline := time.Now().Add(time.Minute)
		for w.sim.Held() != 1 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if w.sim.Held() != 1 {
			t.Fatal("the execution's switchover never reached AWS")
		}
		file := seedPayload("1-planned-switchover.json")
		r := w.mustRun(1, lockedRunArgs("cli-run", file)...)
		if !strings.Contains(r.stderr, "is held by run arn:aws:states:us-west-2:123456789012:execution:drorch-local:holder (sfn, ") ||
			!strings.Contains(r.stderr, "nothing was changed") {
			t.Errorf("the CLI run should be refused naming the execution:\n%s", r)
		}
		w.sim.ClearFaults()
		if got := <-done; !strings.HasPrefix(got, "SUCCEEDED") {
			t.Fatalf("execution: %s", got)
		}
		again := w.mustRun(0, lockedRunArgs("cli-after", file)...)
		if !strings.Contains(again.stdout, "nothing to do") {
			t.Errorf("the CLI run after the execution:\n%s", again)
		}
		if p := callProblems(databaseCalls(w.sim.MutatingCalls()), []string{"SwitchoverGlobalCluster"}); len(p) > 0 {
			t.Errorf("mutating calls:\n%s", p)
		}
	})

	t.Run("CLI first", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, worldConfig{scenario: withLockTable(sim.SeedScenario()), speed: sharedLockSpeed})
		w.hangMutations()
		holder := w.start(lockedRunArgs("cli-holder", seedPayload("1-planned-switchover.json"))...)
		w.until(holder, "its switchover is in AWS", func() bool { return w.sim.Held() == 1 })
		fn := w.stepFunctions(uswest)
		r := fn.execute(sfn.Failover, "second", p1, nil)
		if r.Status != "FAILED" || r.Error != sfn.ErrLocked || !strings.Contains(r.Cause, "is held by run cli-holder@") ||
			!strings.Contains(r.Cause, "(cli, ") || !strings.Contains(r.Cause, "nothing was changed") {
			t.Errorf("the execution should fail in prepare with drorch.Locked, naming the CLI run: %s: %s: %s", r.Status, r.Error, r.Cause)
		}
		w.sim.ClearFaults()
		if res := holder.wait(); res.code != 0 {
			t.Fatalf("the CLI run:\n%s", res)
		}
		if r := fn.execute(sfn.Failover, "after", p1, nil); r.Status != "SUCCEEDED" {
			t.Errorf("the execution after the CLI run: %s: %s: %s", r.Status, r.Error, r.Cause)
		}
		if p := callProblems(databaseCalls(w.sim.MutatingCalls()), []string{"SwitchoverGlobalCluster"}); len(p) > 0 {
			t.Errorf("mutating calls:\n%s", p)
		}
	})
}

// TestSharedLockKilledRun: an operator's run killed once its switchover
// reached AWS keeps the shared lock (its operation goes on): a second
// operator is refused, naming it. `drorch resume` in the first journal takes
// the lock back as the same run and finishes; or `drorch cancel` there
// releases it. Either way the second operator then goes through, with
// nothing left to do, and AWS saw one switchover.
func TestSharedLockKilledRun(t *testing.T) {
	t.Parallel()
	p1 := seedPayload("1-planned-switchover.json")
	for _, free := range []string{"resume", "cancel"} {
		t.Run(free, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldConfig{scenario: withLockTable(sim.SeedScenario()), speed: sharedLockSpeed})
			// Its mutating calls: the lock table's fingerprint secret, the
			// lock, then the switchover.
			if r, fired := w.runKilled(killPlan{mode: "after", k: 3}, "", lockedRunArgs("killed", p1)...); !r.killed || fired != "SwitchoverGlobalCluster" {
				t.Fatalf("the run should have been killed at its switchover (fired on %q):\n%s", fired, r)
			}
			other := w.operator("other")
			refused := other.mustRun(1, lockedRunArgs("second", p1)...)
			if !strings.Contains(refused.stderr, "is held by run killed@") {
				t.Errorf("the second operator should be refused naming the killed run:\n%s", refused)
			}
			switch free {
			case "resume":
				w.mustRun(0, "resume", "killed", "--lock-table", lockTable, "--poll-interval", "100ms", "--poll-max", "1s")
			case "cancel":
				c := w.mustRun(0, "cancel", "killed", "--lock-table", lockTable)
				if !strings.Contains(c.stdout, "its shared lock in us-west-2 (table drorch-locks) is released") {
					t.Errorf("cancel:\n%s", c)
				}
				w.sim.Advance(2 * time.Minute) // the switchover the killed run started ends
			}
			again := other.mustRun(0, lockedRunArgs("second", p1)...)
			if !strings.Contains(again.stdout, "nothing to do") {
				t.Errorf("the second operator, once the lock is free:\n%s", again)
			}
			if p := callProblems(databaseCalls(w.sim.MutatingCalls()), []string{"SwitchoverGlobalCluster"}); len(p) > 0 {
				t.Errorf("mutating calls:\n%s", p)
			}
		})
	}
}
