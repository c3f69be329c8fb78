package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/internal/clock"
	"drorch/journal"
)

var t0 = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

type harness struct {
	t     *testing.T
	clock *clock.Fake
	world *world
	store journal.Store
	mu    sync.Mutex
	seen  []journal.Event
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	c := clock.NewAuto(t0)
	return &harness{t: t, clock: c, world: newWorld(c), store: journal.NewMemory(c)}
}

func (h *harness) engine() *Engine {
	return &Engine{
		Store: h.store, Clock: h.clock, Batch: h.world, Reader: h.world, Executor: h.world, Identity: h.world,
		Process:  journal.Process{Owner: "test:1", Host: "test", PID: 1},
		Settings: Settings{FirstPoll: time.Second, MaxPoll: 10 * time.Second, Heartbeat: 10 * time.Millisecond},
		Observer: func(ev journal.Event) { h.mu.Lock(); h.seen = append(h.seen, ev); h.mu.Unlock() },
	}
}

// plan builds a plan of promote resources, one slice per layer.
func plan(layers ...[]promoteRes) *Plan {
	p := &Plan{Spec: journal.RunSpec{Command: "run", Region: "us-west-2"}}
	for li, rs := range layers {
		pl := PlanLayer{Number: li + 1}
		ls := journal.LayerSpec{Number: li + 1}
		for ri, r := range rs {
			spec := journal.ResourceSpec{Index: ri, Name: "promote " + r.id, Type: "PromoteRDSReadReplica", Region: r.region,
				Params: map[string]string{"RDSInstanceIdentifier": r.id}, Steps: []string{"promote"}}
			pl.Resources = append(pl.Resources, PlanResource{Spec: spec, Resource: r})
			ls.Resources = append(ls.Resources, spec)
		}
		p.Layers = append(p.Layers, pl)
		p.Spec.Layers = append(p.Spec.Layers, ls)
	}
	return p
}

func (h *harness) kinds(runID string) []string {
	evs, err := h.store.Events(context.Background(), runID, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, string(ev.Kind))
	}
	return out
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func TestRunPromotesLayerByLayer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, id := range []string{"a", "b", "c", "d"} {
		h.world.addReplica("us-west-2", id)
	}
	p := plan(
		[]promoteRes{{region: "us-west-2", id: "a"}, {region: "us-west-2", id: "b"}, {region: "us-west-2", id: "c"}},
		[]promoteRes{{region: "us-west-2", id: "d"}},
	)
	e := h.engine()
	var rounds atomic.Int64
	e.RoundObserver = func(Round) { rounds.Add(1) }
	st, err := e.Start(context.Background(), "run-1", p)
	if err != nil {
		t.Fatalf("run failed: %v", err)
	}
	if st.Status != journal.StatusSucceeded {
		t.Fatalf("status %s, want succeeded", st.Status)
	}
	attempts, batch, _, promotes := h.world.stats()
	// One batched read per round (one kind, one region), and one for the
	// first layer's first looks; the second layer's were carried by the
	// round that saw the first one end.
	if want := int(rounds.Load()) + 1; batch != want {
		t.Errorf("%d batched reads in %d rounds, want %d", batch, rounds.Load(), want)
	}
	if attempts != 4 {
		t.Errorf("%d promote calls, want 4", attempts)
	}
	for _, id := range []string{"a", "b", "c", "d"} {
		if promotes["us-west-2/"+id] != 1 {
			t.Errorf("%s promoted %d times, want once", id, promotes["us-west-2/"+id])
		}
	}
	// Layer 2 starts only after every resource of layer 1 finished.
	evs, _ := h.store.Events(context.Background(), "run-1", 0)
	var lastL1, firstL2 int64
	for _, ev := range evs {
		if ev.Layer == 0 && ev.Kind == journal.ResourceFinished {
			lastL1 = ev.Seq
		}
		if ev.Layer == 1 && ev.Kind == journal.ResourceStarted && firstL2 == 0 {
			firstL2 = ev.Seq
		}
	}
	if firstL2 < lastL1 {
		t.Errorf("layer 2 started (seq %d) before layer 1 finished (seq %d)", firstL2, lastL1)
	}
	// Every read went through the batched path: the resources watch what
	// they read, so nothing fell through to a per-resource describe.
	if _, _, direct, _ := h.world.stats(); batch == 0 || direct != 0 {
		t.Errorf("%d batched and %d direct describe calls; want only batched", batch, direct)
	}
	k := h.kinds("run-1")
	if count(k, string(journal.CallIntent)) != 4 || count(k, string(journal.CallIssued)) != 4 {
		t.Errorf("want an intent and an issued event per call, got %v", k)
	}
}

func TestRunIsNoOpWhenGoalHolds(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	h.world.set("us-west-2", "a", func(i *inst) { i.source = "" })
	st, err := h.engine().Start(context.Background(), "run-1", plan([]promoteRes{{region: "us-west-2", id: "a"}}))
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Layers[0].Resources[0].Status; got != journal.StatusAlreadyDone {
		t.Errorf("resource status %s, want already-done", got)
	}
	if a, _, _, _ := h.world.stats(); a != 0 {
		t.Errorf("%d mutating calls on a finished failover, want none", a)
	}
}

func TestFailedResourceStopsBeforeNextLayer(t *testing.T) {
	t.Parallel()
	for _, continueOnError := range []bool{false, true} {
		t.Run(fmt.Sprintf("continueOnError=%v", continueOnError), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.world.addReplica("us-west-2", "a")
			h.world.addReplica("us-west-2", "c")
			p := plan(
				[]promoteRes{{region: "us-west-2", id: "a"}, {region: "us-west-2", id: "missing"}},
				[]promoteRes{{region: "us-west-2", id: "c"}},
			)
			p.Layers[0].Resources[1].Spec.ContinueOnError = continueOnError
			p.Spec.Layers[0].Resources[1].ContinueOnError = continueOnError
			st, err := h.engine().Start(context.Background(), "run-1", p)
			res := st.Layers[0].Resources
			if res[0].Status != journal.StatusSucceeded {
				t.Errorf("healthy resource of the failed layer: %s, want succeeded", res[0].Status)
			}
			if res[1].Status != journal.StatusFailed || !strings.Contains(res[1].Error, "no instance missing in us-west-2") {
				t.Errorf("missing resource: %s %q", res[1].Status, res[1].Error)
			}
			_, _, _, promotes := h.world.stats()
			if continueOnError {
				if err != nil || promotes["us-west-2/c"] != 1 {
					t.Errorf("with continueOnError the run goes on: err %v, c promoted %d", err, promotes["us-west-2/c"])
				}
				return
			}
			if err == nil || st.Status != journal.StatusFailed {
				t.Fatalf("run should fail, got %s %v", st.Status, err)
			}
			if promotes["us-west-2/c"] != 0 {
				t.Error("layer 2 ran after a failure in layer 1")
			}
		})
	}
}

func TestWriteFaults(t *testing.T) {
	t.Parallel()
	throttled := &cloud.APIError{Kind: cloud.KindThrottled, Code: "Throttling", Message: "Rate exceeded"}
	server := &cloud.APIError{Kind: cloud.KindTransient, Code: "InternalFailure"}
	refused := &cloud.APIError{Kind: cloud.KindInvalidState, Code: "InvalidDBInstanceState", Message: "not now"}
	cases := []struct {
		name         string
		fail         []error
		applyOnFail  bool
		wantAttempts int
		wantApplied  int
		wantStatus   journal.Status
	}{
		{"throttled twice then accepted", []error{throttled, throttled}, false, 3, 1, journal.StatusSucceeded},
		{"5xx before acting is retried after reading state", []error{server}, false, 2, 1, journal.StatusSucceeded},
		{"5xx after acting is not repeated", []error{server}, true, 1, 1, journal.StatusSucceeded},
		{"refused by AWS fails the resource", []error{refused}, false, 1, 0, journal.StatusFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.world.addReplica("us-west-2", "a")
			h.world.failNext, h.world.applyOnFail = tc.fail, tc.applyOnFail
			st, _ := h.engine().Start(context.Background(), "run-1", plan([]promoteRes{{region: "us-west-2", id: "a"}}))
			attempts, _, _, promotes := h.world.stats()
			if attempts != tc.wantAttempts || promotes["us-west-2/a"] != tc.wantApplied {
				t.Errorf("attempts %d applied %d, want %d and %d", attempts, promotes["us-west-2/a"], tc.wantAttempts, tc.wantApplied)
			}
			if st.Status != tc.wantStatus {
				t.Errorf("run %s, want %s", st.Status, tc.wantStatus)
			}
		})
	}
}

func TestReadErrorsAreRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	h.world.readErr = &cloud.APIError{Kind: cloud.KindUnreachable, Message: "connection refused"}
	go func() {
		// The region comes back after a few rounds of virtual time.
		for h.clock.Now().Before(t0.Add(20 * time.Second)) {
			time.Sleep(time.Millisecond)
		}
		h.world.mu.Lock()
		h.world.readErr = nil
		h.world.mu.Unlock()
	}()
	st, err := h.engine().Start(context.Background(), "run-1", plan([]promoteRes{{region: "us-west-2", id: "a"}}))
	if err != nil || st.Status != journal.StatusSucceeded {
		t.Fatalf("run %s: %v", st.Status, err)
	}
	if !strings.Contains(strings.Join(h.kinds("run-1"), " "), string(journal.StepObserved)) {
		t.Error("read failures should be journaled as observations")
	}
}

func TestDeadlineAndRollback(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		mutate  func(*inst)
		timeout time.Duration
		want    string
	}{
		{"never finishes", func(i *inst) { i.stuck = true }, 5 * time.Minute, "deadline of 5m0s passed (last seen: a is modifying)"},
		{"rolls back", func(i *inst) { i.rollback = true }, time.Hour, "went back to its starting state"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.world.addReplica("us-west-2", "a")
			h.world.set("us-west-2", "a", tc.mutate)
			st, err := h.engine().Start(context.Background(), "run-1", plan([]promoteRes{{region: "us-west-2", id: "a", timeout: tc.timeout}}))
			if err == nil || st.Status != journal.StatusFailed {
				t.Fatalf("run %s %v, want failed", st.Status, err)
			}
			if got := st.Layers[0].Resources[0].Error; !strings.Contains(got, tc.want) {
				t.Errorf("error %q does not say %q", got, tc.want)
			}
			if a, _, _, _ := h.world.stats(); a != 1 {
				t.Errorf("%d promote calls, want exactly 1", a)
			}
		})
	}
}

func TestLocksKeepTwoRunsApart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	ctx := context.Background()
	if err := h.store.Create(ctx, "other", t0, []string{"rds-instance:us-west-2:a"}); err != nil {
		t.Fatal(err)
	}
	_, err := h.engine().Start(ctx, "run-1", plan([]promoteRes{{region: "us-west-2", id: "a"}}))
	var busy *journal.BusyError
	if !errors.As(err, &busy) || busy.RunID != "other" {
		t.Fatalf("want a BusyError naming run other, got %v", err)
	}
	if a, _, _, _ := h.world.stats(); a != 0 {
		t.Error("a refused run made calls")
	}
}

func TestCancelRequestStopsTheRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	h.world.set("us-west-2", "a", func(i *inst) { i.stuck = true })
	e := h.engine()
	issued := make(chan struct{})
	var once sync.Once
	e.Observer = func(ev journal.Event) {
		if ev.Kind == journal.CallIssued {
			once.Do(func() { close(issued) })
		}
	}
	go func() {
		<-issued
		_, _ = h.store.Append(context.Background(), "run-1", journal.Event{RunID: "run-1", Kind: journal.RunCancelRequested, Layer: -1, Resource: -1, Message: "test", Time: h.clock.Now()})
	}()
	// The deadline is far enough in virtual time that the request, read on
	// the wall-clock heartbeat, always arrives first.
	st, err := e.Start(context.Background(), "run-1", plan([]promoteRes{{region: "us-west-2", id: "a", timeout: 100000 * time.Hour}}))
	if err == nil || st.Status != journal.StatusCancelled {
		t.Fatalf("run %s %v, want cancelled", st.Status, err)
	}
	rec, _ := h.store.Run(context.Background(), "run-1")
	if len(rec.Locks) != 0 {
		t.Errorf("a cancelled run keeps its locks: %v", rec.Locks)
	}
}

// crash leaves the journal as a process killed at a given point would.
func crash(t *testing.T, h *harness, p *Plan, withIssued bool) {
	t.Helper()
	ctx := context.Background()
	e := h.engine()
	if err := h.store.Create(ctx, "run-1", t0, p.Locks()); err != nil {
		t.Fatal(err)
	}
	ev := func(kind journal.Kind, layer, res int, step string, data any) journal.Event {
		return journal.Event{RunID: "run-1", Time: h.clock.Now(), Kind: kind, Layer: layer, Resource: res, Step: step, Data: mustJSON(data)}
	}
	call := journal.Call{ID: "c1", Service: "rds", Action: "PromoteReadReplica", Region: "us-west-2"}
	evs := []journal.Event{
		ev(journal.RunCreated, -1, -1, "", p.Spec),
		ev(journal.RunStarted, -1, -1, "", e.Process),
		ev(journal.LayerStarted, 0, -1, "", nil),
		ev(journal.ResourceStarted, 0, 0, "", nil),
		ev(journal.StepStarted, 0, 0, "promote", nil),
		ev(journal.CallIntent, 0, 0, "promote", call),
	}
	if withIssued {
		evs = append(evs, ev(journal.CallIssued, 0, 0, "promote", call))
	}
	if _, err := h.store.Append(ctx, "run-1", evs...); err != nil {
		t.Fatal(err)
	}
}

func TestResumeNeverRepeatsACallThatHappened(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		applied      bool // the call reached AWS before the crash
		withIssued   bool
		wantAttempts int
	}{
		{"crash after the call, before issued was written", true, false, 0},
		{"crash after issued was written", true, true, 0},
		{"crash after intent, before the call left", false, false, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.world.addReplica("us-west-2", "a")
			p := plan([]promoteRes{{region: "us-west-2", id: "a"}})
			crash(t, h, p, tc.withIssued)
			if tc.applied {
				h.world.set("us-west-2", "a", func(i *inst) { i.doneAt = h.clock.Now().Add(30 * time.Second) })
			}
			st, err := h.engine().Resume(context.Background(), "run-1", p)
			if err != nil || st.Status != journal.StatusSucceeded {
				t.Fatalf("resume: %s %v", st.Status, err)
			}
			if a, _, _, _ := h.world.stats(); a != tc.wantAttempts {
				t.Errorf("%d promote calls on resume, want %d", a, tc.wantAttempts)
			}
			if st.Resumes != 1 {
				t.Errorf("resumes %d, want 1", st.Resumes)
			}
		})
	}
}

func TestResumeOfFinishedRunDoesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	p := plan([]promoteRes{{region: "us-west-2", id: "a"}})
	if _, err := h.engine().Start(context.Background(), "run-1", p); err != nil {
		t.Fatal(err)
	}
	_, err := h.engine().Resume(context.Background(), "run-1", p)
	if !errors.Is(err, ErrRunFinished) {
		t.Fatalf("want ErrRunFinished, got %v", err)
	}
	if a, _, _, _ := h.world.stats(); a != 1 {
		t.Errorf("%d calls, want 1", a)
	}
}

func TestPreview(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	h.world.addReplica("us-west-2", "done")
	h.world.set("us-west-2", "done", func(i *inst) { i.source = "" })
	pv, err := h.engine().Preview(context.Background(), plan([]promoteRes{
		{region: "us-west-2", id: "a"}, {region: "us-west-2", id: "done"}, {region: "us-west-2", id: "missing"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	rs := pv.Layers[0].Resources
	if rs[0].Steps[0].Status != "next" || rs[0].AlreadyDone {
		t.Errorf("a: %+v", rs[0])
	}
	if !rs[1].AlreadyDone || rs[1].Steps[0].Status != "done" {
		t.Errorf("done: %+v", rs[1])
	}
	if len(rs[2].Blockers) == 0 || !pv.Blocked {
		t.Errorf("missing should be blocked: %+v", rs[2])
	}
	attempts, batch, _, _ := h.world.stats()
	if attempts != 0 {
		t.Error("preview made a mutating call")
	}
	if batch != 1 {
		t.Errorf("preview made %d batch calls, want 1 for three instances in one region", batch)
	}
}

// TestResumeRefusesAChangedSecret: a resume acts on exactly what the run
// started with. A secret parameter is read again (it is never journaled)
// and checked against the fingerprint journaled at the start: rotated
// meanwhile, it stops the resume, naming the parameter, with no call made.
func TestResumeRefusesAChangedSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	withSecret := func(v string) *Plan {
		p := plan([]promoteRes{{region: "us-west-2", id: "a"}})
		p.Layers[0].Resources[0].secrets = map[string]string{"RDSInstanceIdentifier": v}
		p.Spec.Layers[0].Resources[0].Refs = map[string]string{"RDSInstanceIdentifier": "resolve:ssm:/db/replica"}
		return p
	}
	p := withSecret("a")
	h.engine().fingerprint(p)
	if fp := p.Spec.Layers[0].Resources[0].SecretFingerprints["RDSInstanceIdentifier"]; fp == "" || strings.Contains(fp, "a") && len(fp) < 16 {
		t.Fatalf("fingerprint %q", fp)
	}
	crash(t, h, p, false)

	_, err := h.engine().Resume(context.Background(), "run-1", withSecret("b"))
	var changed *SecretChangedError
	if !errors.As(err, &changed) || changed.Parameter != "RDSInstanceIdentifier" || !strings.Contains(err.Error(), "resolve:ssm:/db/replica") {
		t.Fatalf("resume with a rotated secret: %v, want a SecretChangedError naming the parameter", err)
	}
	if a, _, _, _ := h.world.stats(); a != 0 {
		t.Errorf("%d calls made, want none", a)
	}
	st, err := h.engine().Resume(context.Background(), "run-1", withSecret("a"))
	if err != nil || st.Status != journal.StatusSucceeded {
		t.Fatalf("resume with the same secret: %v %v", st, err)
	}
}
