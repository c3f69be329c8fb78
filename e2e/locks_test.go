package e2e

import (
	"strings"
	"testing"
	"time"

	"drorch/journal"
	"drorch/sim"
)

func runArgs(region, id, payload string) []string {
	return append([]string{"run", "--region", region, "--yes", "--run-id", id}, append(pollFlags, payload)...)
}

// TestOneRunPerResourceAndLiveCancel: while a run holds the global cluster
// (its switchover call hangs in AWS), a second run of the same payload is
// refused naming the holder; `drorch cancel` from another process stops the
// holder once its call in flight has returned, and the journal shows both.
func TestOneRunPerResourceAndLiveCancel(t *testing.T) {
	t.Parallel()
	// At real speed the switchover takes a minute: the holder is still
	// waiting for it when it sees the cancel request.
	w := newWorld(t, worldConfig{speed: 1})
	// The switchover is made in the current writer's region, us-east-1.
	if _, err := w.sim.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: useast, Service: "rds", Action: "SwitchoverGlobalCluster", Mode: sim.ModeHang}); err != nil {
		t.Fatal(err)
	}
	p1 := seedPayload("1-planned-switchover.json")
	holder := w.start(runArgs(uswest, "holder", p1)...)
	w.until(holder, "its SwitchoverGlobalCluster call is in flight", func() bool { return w.sim.Held() == 1 })

	second := w.drorch(runArgs(uswest, "second", p1)...)
	if second.code != 1 || !strings.Contains(second.stderr, "is held by unfinished run holder, running now in process ") ||
		!strings.Contains(second.stderr, "watch it with drorch show holder, or stop it with drorch cancel holder") ||
		strings.Contains(second.stderr, "drorch resume holder") {
		t.Errorf("a second run on the same resources should be refused naming the holder, who runs it, and how to watch or stop it:\n%s", second)
	}
	// Resuming a run that is alive elsewhere is refused the same way.
	if r := w.drorch("resume", "holder"); r.code != 1 || !strings.Contains(r.stderr, "resume holder: it is running now, in process ") {
		t.Errorf("resume of a live run:\n%s", r)
	}
	if runs := w.runs(); runs["holder"] != journal.StatusRunning || runs["second"] != "" {
		t.Errorf("runs while holder runs: %v, want holder running and no run second", runs)
	}

	c := w.mustRun(0, "cancel", "holder")
	if !strings.Contains(c.stdout, "cancel requested: run holder stops after the calls in flight return") {
		t.Errorf("cancel of a live run:\n%s", c)
	}
	// AWS answers the call in flight now.
	w.sim.ClearFaults()
	r := holder.wait()
	if r.code != 1 || !strings.Contains(r.stderr, "run holder cancelled") {
		t.Fatalf("the cancelled run should exit 1 saying it was cancelled:\n%s", r)
	}

	st, _ := w.show("holder")
	if st.Status != journal.StatusCancelled || st.Shown != journal.StatusCancelled || !st.CancelRequested {
		t.Errorf("holder is %s (shown %s, cancel requested %v), want cancelled", st.Status, st.Shown, st.CancelRequested)
	}
	seq := map[string]int64{}
	var last journal.Event
	for _, ev := range w.events("holder") {
		key := string(ev.Kind)
		if ev.Kind == journal.CallIntent || ev.Kind == journal.CallIssued || ev.Kind == journal.CallFailed {
			key += " " + ev.Message[:strings.Index(ev.Message, " in ")]
		}
		if seq[key] == 0 {
			seq[key] = ev.Seq
		}
		last = ev
	}
	intent, cancel, issued := seq["call.intent rds SwitchoverGlobalCluster"], seq["run.cancel-requested"], seq["call.issued rds SwitchoverGlobalCluster"]
	if intent == 0 || cancel == 0 || issued == 0 || !(intent < cancel && cancel < issued) {
		t.Errorf("the journal should show the call's intent, then the cancel request, then the call answered; seqs %v", seq)
	}
	if last.Kind != journal.RunFinished || !strings.Contains(string(last.Data), `"cancelled"`) {
		t.Errorf("the journal ends with %s %s, want run.finished cancelled", last.Kind, last.Data)
	}

	// Its resources are free: once the switchover it started has finished in
	// AWS, the same payload runs and finds nothing to do.
	w.sim.Advance(2 * time.Minute)
	again := w.mustRun(0, runArgs(uswest, "after", p1)...)
	if !strings.Contains(again.stdout, "nothing to do") {
		t.Errorf("the run after the cancelled one:\n%s", again)
	}
	var ok []sim.MutatingCall
	for _, c := range w.sim.MutatingCalls() {
		if c.Status == 200 {
			ok = append(ok, c)
		}
	}
	if p := callProblems(ok, []string{"SwitchoverGlobalCluster"}); len(p) > 0 {
		t.Errorf("mutating calls:\n%s", p)
	}
}

// TestCancelInterruptedRunAndTheRunsList: a killed run keeps its resources
// (a new run is refused, naming it) until `drorch cancel` marks it cancelled
// and frees them; afterwards `drorch runs` and `drorch show` tell apart the
// interrupted, cancelled and succeeded runs.
func TestCancelInterruptedRunAndTheRunsList(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldConfig{speed: 300})
	p1, p4 := seedPayload("1-planned-switchover.json"), seedPayload("4-rds-and-elasticache.json")

	// Killed once AWS accepted the switchover, before drorch heard it.
	if r, fired := w.runKilled(killPlan{mode: "after", k: 1}, "", runArgs(uswest, "killed", p1)...); !r.killed || fired != "SwitchoverGlobalCluster" {
		t.Fatalf("the run should have been killed at its switchover (fired on %q):\n%s", fired, r)
	}
	if st := w.runs()["killed"]; st != journal.StatusInterrupted {
		t.Errorf("the killed run is listed %s, want interrupted", st)
	}
	refused := w.drorch(runArgs(uswest, "refused", p1)...)
	if refused.code != 1 || !strings.Contains(refused.stderr, "is held by unfinished run killed") {
		t.Errorf("a run on the killed run's resources should be refused naming it:\n%s", refused)
	}

	c := w.mustRun(0, "cancel", "killed")
	for _, want := range []string{
		"run killed was interrupted; it is now cancelled and its resources are free.",
		"rds SwitchoverGlobalCluster in us-east-1 may still be under way in AWS; check with drorch plan before going on", // the writer's region
	} {
		if !strings.Contains(c.stdout, want) {
			t.Errorf("cancel of an interrupted run does not say %q:\n%s", want, c)
		}
	}
	if st, _ := w.show("killed"); st.Status != journal.StatusCancelled || !st.CancelRequested {
		t.Errorf("the cancelled run is %s, want cancelled", st.Status)
	}

	// Free again: the same payload runs, and waits for the switchover the
	// killed run started instead of making it again.
	w.mustRun(0, runArgs(uswest, "after", p1)...)
	var p problems
	p.auroraWriter(w.sim.State(), cluster02ARN, cluster01ARN, cluster02ARN)
	p = append(p, callProblems(w.sim.MutatingCalls(), []string{"SwitchoverGlobalCluster"})...)
	if len(p) > 0 {
		t.Errorf("after the cancelled run and the one after it:\n%s", p)
	}

	// One more, killed and left as it is.
	if r, _ := w.runKilled(killPlan{mode: "after", k: 1}, "", runArgs(uswest, "left", p4)...); !r.killed {
		t.Fatalf("the run should have been killed:\n%s", r)
	}

	want := map[string]journal.Status{"killed": journal.StatusCancelled, "after": journal.StatusSucceeded, "left": journal.StatusInterrupted}
	runs := w.runs()
	for id, st := range want {
		if runs[id] != st {
			t.Errorf("runs lists %s as %q, want %s", id, runs[id], st)
		}
	}
	if len(runs) != len(want) {
		t.Errorf("runs lists %v, want only %v (a refused run is not recorded)", runs, want)
	}
	text := w.mustRun(0, "runs").stdout
	for id, st := range want {
		if !lineWith(text, id, string(st)) {
			t.Errorf("drorch runs has no line with %s and %s:\n%s", id, st, text)
		}
	}
	for id, st := range want {
		out := w.mustRun(0, "show", id).stdout
		if !strings.HasPrefix(out, "Run "+id+"  "+strings.ToUpper(string(st))) {
			t.Errorf("drorch show %s does not start with its status %s:\n%s", id, st, out)
		}
	}
	if out := w.mustRun(0, "show", "killed").stdout; !strings.Contains(out, "cancel requested by") {
		t.Errorf("drorch show of the cancelled run does not say who cancelled it:\n%s", out)
	}
}

// lineWith reports whether one line of text holds every word.
func lineWith(text string, words ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		all := true
		for _, w := range words {
			found := false
			for _, f := range fields {
				found = found || f == w
			}
			all = all && found
		}
		if all {
			return true
		}
	}
	return false
}
