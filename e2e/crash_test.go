package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/journal"
	"drorch/sim"
)

// crashTrials is how many runs the crash test kills; at least
// minKilledMidRun of them must die while their run is under way.
const (
	crashTrials     = 26
	minKilledMidRun = 20
	// crashWorkers run trials side by side: they mostly wait on drorch
	// processes that poll the simulator.
	crashWorkers = 4
)

// crashKind is a payload and the world it runs on.
type crashKind struct {
	name     string
	region   string
	speed    float64
	scenario func() *sim.Scenario
	payload  func(w *world) string
	calls    []string
	// runFor is about how long an uninterrupted run takes at speed: time
	// kills are spread over it.
	runFor time.Duration
	check  func(sim.State) problems
}

func crashKinds(t *testing.T) []crashKind {
	readme, err := os.ReadFile(seedPayload("3-create-secondary-cluster.json"))
	if err != nil {
		t.Fatal(err)
	}
	return []crashKind{{
		// 60 s switchover, then 90 s promotion beside a 60 s failover.
		name: "failover", region: uswest, speed: 150, scenario: sim.SeedScenario,
		payload: func(w *world) string { return w.payload("failover.json", failoverPayload) },
		calls:   failoverCalls, runFor: time.Second, check: failedOver,
	}, {
		// Detach 30 s, delete instance 120 s and cluster 180 s (they
		// overlap), global cluster 5 s, create global cluster 5 s, cluster
		// 600 s (the instance's 480 s overlap it): at least 0.8 s.
		name: "failback", region: useast, speed: 1000, scenario: afterUnplannedFailover,
		payload: func(w *world) string { return w.payload("failback.json", correctedFailback(readme)) },
		calls:   failbackCalls, runFor: 800 * time.Millisecond, check: failedBack,
	}}
}

// killPlan is when a drorch process is killed.
type killPlan struct {
	mode  string // none, time (delay after the run is created), before or after (the k-th mutating call)
	delay time.Duration
	k     int
}

func (k killPlan) String() string {
	switch k.mode {
	case "time":
		return fmt.Sprintf("SIGKILL %s into the run", k.delay.Round(time.Millisecond))
	case "before":
		return fmt.Sprintf("SIGKILL when mutating call #%d reaches AWS, before AWS sees it", k.k)
	case "after":
		return fmt.Sprintf("SIGKILL once AWS applied mutating call #%d, before drorch hears the answer", k.k)
	}
	return "no kill"
}

// firstKill picks how a trial's run dies: half at a random moment of the
// run, half aimed at one of its mutating calls.
func firstKill(rng *rand.Rand, kind crashKind) killPlan {
	switch rng.IntN(4) {
	case 0:
		return killPlan{mode: "before", k: 1 + rng.IntN(len(kind.calls))}
	case 1:
		return killPlan{mode: "after", k: 1 + rng.IntN(len(kind.calls))}
	}
	return killPlan{mode: "time", delay: time.Duration(rng.Int64N(int64(kind.runFor)))}
}

// resumeKill picks, for a third of the trials, a kill of the first resume
// too: at a random moment, or at its next mutating call.
func resumeKill(rng *rand.Rand, kind crashKind) killPlan {
	switch rng.IntN(6) {
	case 0:
		return killPlan{mode: "time", delay: time.Duration(rng.Int64N(int64(kind.runFor / 2)))}
	case 1:
		return killPlan{mode: []string{"before", "after"}[rng.IntN(2)], k: 1}
	}
	return killPlan{mode: "none"}
}

// runKilled runs drorch and kills it as planned. For a time kill the clock
// starts when stderr shows startLine (the run exists), or at once.
func (w *world) runKilled(plan killPlan, startLine string, args ...string) (result, string) {
	w.t.Helper()
	p := w.startWatching(startLine, args...)
	var disarm func() string
	switch plan.mode {
	case "time":
		go func() {
			if startLine != "" {
				select {
				case <-p.stderr.seen:
				case <-p.done:
					return
				}
			}
			timer := time.NewTimer(plan.delay)
			defer timer.Stop()
			select {
			case <-timer.C:
				p.kill()
			case <-p.done:
			}
		}()
	case "before", "after":
		disarm = w.gate.arm(plan.k, plan.mode == "after", p.kill)
	}
	r := p.wait()
	fired := ""
	if disarm != nil {
		fired = disarm()
	}
	w.t.Logf("drorch %s: %s: exit %d (%s)%s", strings.Join(args, " "), plan, r.code, r.took.Round(time.Millisecond), firedOn(fired))
	return r, fired
}

func firedOn(action string) string {
	if action == "" {
		return ""
	}
	return ", killed at " + action
}

// trialOutcome is what one crash trial saw, for the test's figures.
type trialOutcome struct {
	killedMidRun    bool // the run died while under way (the journal shows it interrupted)
	resumesKilled   int  // resumes that died while under way
	resumes         int
	mode            string
	mutating, calls int
}

// crashTrial runs one payload, kills it as seeded, resumes it until it ends
// and checks the world, the mutating-call log and the journal.
func crashTrial(t *testing.T, kind crashKind, seed uint64, n int) trialOutcome {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	w := newWorld(t, worldConfig{scenario: kind.scenario(), speed: kind.speed, seed: seed + uint64(n)})
	id := fmt.Sprintf("crash-%02d", n)
	runArgs := append([]string{"run", "--region", kind.region, "--yes", "--run-id", id}, append(pollFlags, kind.payload(w))...)
	resumeArgs := append([]string{"resume", id}, pollFlags...)

	plan := firstKill(rng, kind)
	out := trialOutcome{mode: plan.mode}
	r, _ := w.runKilled(plan, "run "+id+": journal", runArgs...)
	if !r.killed && r.code != 0 {
		t.Fatalf("the run failed:\n%s", r)
	}
	for attempt := 0; ; attempt++ {
		st, ok := w.show(id)
		if !ok {
			// Killed before the run was journaled: nothing happened, and
			// the operator runs the payload again.
			if r, _ = w.runKilled(killPlan{mode: "none"}, "", runArgs...); r.code != 0 {
				t.Fatalf("the run again, after it was killed before it was journaled:\n%s", r)
			}
			continue
		}
		if attempt == 0 && r.killed {
			out.killedMidRun = st.Shown == journal.StatusInterrupted
		}
		if st.Status.Terminal() {
			if st.Status != journal.StatusSucceeded || st.Shown != journal.StatusSucceeded {
				t.Fatalf("run %s ended %s (shown %s), want succeeded: %s", id, st.Status, st.Shown, st.Error)
			}
			break
		}
		if st.Shown != journal.StatusInterrupted {
			t.Fatalf("a killed run is shown %s, want interrupted", st.Shown)
		}
		if attempt > 3 {
			t.Fatalf("run %s still %s after %d resumes", id, st.Status, attempt)
		}
		plan := killPlan{mode: "none"}
		if attempt == 0 {
			plan = resumeKill(rng, kind)
		}
		r, _ = w.runKilled(plan, "", resumeArgs...)
		out.resumes++
		switch {
		case r.killed:
			if st, _ := w.show(id); !st.Status.Terminal() {
				out.resumesKilled++
			}
		case r.code != 0:
			t.Fatalf("resume failed:\n%s", r)
		}
	}

	// Finished: a resume now changes nothing and says so.
	before := len(w.sim.MutatingCalls())
	again := w.mustRun(0, resumeArgs...)
	if !strings.Contains(again.stderr, "already succeeded; nothing to resume") || len(w.sim.MutatingCalls()) != before {
		t.Errorf("resume of a finished run:\n%s", again)
	}

	st := w.sim.State()
	if p := kind.check(st); len(p) > 0 {
		t.Errorf("the world is wrong after the run:\n%s", p)
	}
	calls := w.sim.MutatingCalls()
	if p := callProblems(calls, kind.calls); len(p) > 0 {
		t.Errorf("mutating calls:\n%s\nlog: %+v", p, calls)
	}
	final, _ := w.show(id)
	for _, l := range final.Layers {
		for _, res := range l.Resources {
			if res.Status != journal.StatusSucceeded && res.Status != journal.StatusAlreadyDone {
				t.Errorf("resource %q is %s in the journal, want succeeded", res.Name, res.Status)
			}
		}
	}
	out.mutating, out.calls = len(calls), w.sim.CallCount("", "", "")
	return out
}

// crashSeed is DRORCH_E2E_SEED, or a new seed.
func crashSeed(t *testing.T) uint64 {
	if s := os.Getenv("DRORCH_E2E_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("DRORCH_E2E_SEED=%q: %v", s, err)
		}
		return seed
	}
	return uint64(time.Now().UnixNano())
}

// TestCrashAndResume kills `drorch run` with SIGKILL at seeded random
// moments (a moment of the run, or just before or just after one of its
// mutating calls reaches AWS), sometimes kills the resume too, then resumes
// until the run ends. Every time the world must end right, no mutating call
// may be repeated or refused, and the journal must say succeeded.
func TestCrashAndResume(t *testing.T) {
	t.Parallel()
	seed := crashSeed(t)
	t.Logf("crash seed %d (replay: DRORCH_E2E_SEED=%d go test ./e2e -run 'TestCrashAndResume/trial-NN')", seed, seed)
	kinds := crashKinds(t)
	started := time.Now()

	var (
		mu       sync.Mutex
		outcomes []trialOutcome
	)
	work := make(chan int)
	var wg sync.WaitGroup
	for range crashWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range work {
				kind := kinds[n%len(kinds)]
				// Subtests started from several goroutines run side by
				// side without t.Parallel, so -parallel does not bound them.
				t.Run(fmt.Sprintf("trial-%02d-%s", n, kind.name), func(t *testing.T) {
					out := crashTrial(t, kind, seed, n)
					mu.Lock()
					outcomes = append(outcomes, out)
					mu.Unlock()
				})
			}
		}()
	}
	for n := range crashTrials {
		work <- n
	}
	close(work)
	wg.Wait()
	if t.Failed() {
		t.Logf("crash seed %d", seed)
		return
	}

	killed, resumes, resumesKilled, mutating, calls := 0, 0, 0, 0, 0
	modes := map[string]int{}
	for _, o := range outcomes {
		if o.killedMidRun {
			killed++
			modes[o.mode]++
		}
		resumes += o.resumes
		resumesKilled += o.resumesKilled
		mutating += o.mutating
		calls += o.calls
	}
	t.Logf("crash test: %d trials (seed %d), %d runs killed mid-run (%d at a random moment, %d before a call reached AWS, %d after AWS applied it), %d resumes of which %d killed mid-run; %d mutating calls, none repeated; %d API calls; %s",
		len(outcomes), seed, killed, modes["time"], modes["before"], modes["after"], resumes, resumesKilled, mutating, calls, time.Since(started).Round(100*time.Millisecond))
	if len(outcomes) != crashTrials {
		t.Errorf("%d trials ran, want %d", len(outcomes), crashTrials)
	}
	if killed < minKilledMidRun {
		t.Errorf("only %d of %d runs were killed mid-run, want at least %d (seed %d)", killed, len(outcomes), minKilledMidRun, seed)
	}
}
