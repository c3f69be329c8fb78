package runner_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/engine"
	"drorch/internal/clock"
	"drorch/journal"
	"drorch/resource/all"
	"drorch/runner"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// noAWS is the AWS side of a cloud whose payloads hold only approvals: any
// AWS read or call is a test failure, reported as an error.
type noAWS struct{}

func (noAWS) Read(_ context.Context, k cloud.Key) (any, error) {
	return nil, errors.New("unexpected AWS read of " + k.String())
}
func (noAWS) ReadBatch(_ context.Context, k cloud.Kind, _ string, _ []string) (map[string]any, error) {
	return nil, errors.New("unexpected AWS batch read of " + string(k))
}
func (noAWS) Execute(_ context.Context, c cloud.Call) (cloud.Result, error) {
	return cloud.Result{}, errors.New("unexpected AWS call " + c.Action)
}
func (noAWS) Caller(context.Context, string) (cloud.Caller, error) { return cloud.Caller{}, nil }

// gates: layer 1 has two approvals, layer 2 one.
const gates = `{"StatePayload": [
 {"layer": 1, "resources": [
  {"resourceType": "ManualApproval", "resourceName": "DBA", "parameters": {"Message": "replication caught up?", "ApprovalTimeout": "%s"}},
  {"resourceType": "ManualApproval", "resourceName": "App team", "parameters": {}}]},
 {"layer": 2, "resources": [
  {"resourceType": "ManualApproval", "resourceName": "Last word", "parameters": {}}]}]}`

// approvalRun runs the gates payload on a fake clock that moves a second at
// a time while the engine waits, and hands every journaled event to seen.
type approvalRun struct {
	t      *testing.T
	store  *journal.Memory
	clk    *clock.Fake
	id     string
	events chan journal.Event
	done   chan error
	st     *journal.RunState
}

func startGates(t *testing.T, id, timeout string) *approvalRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	reg := all.Registry()
	pf, err := runner.ParsePayload("gates.json", []byte(strings.Replace(gates, "%s", timeout, 1)), reg)
	if err != nil {
		t.Fatal(err)
	}
	c := runner.Cloud{Region: "us-west-2", Reader: noAWS{}, Batch: noAWS{}, Executor: noAWS{}, Identity: noAWS{}}
	p, err := runner.Prepare(ctx, c, reg, pf, runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	r := &approvalRun{t: t, store: journal.NewMemory(clk), clk: clk, id: id, events: make(chan journal.Event, 1000), done: make(chan error, 1)}
	e := runner.Engine(c, r.store, clk, journal.Process{Owner: "test:1:a"}, engine.Settings{})
	e.Observer = func(ev journal.Event) { r.events <- ev }
	go func() {
		st, err := e.Start(ctx, id, p)
		r.st = st
		r.done <- err
	}()
	// Virtual time flows while the engine waits: a second per wait.
	go func() {
		for ctx.Err() == nil {
			if clk.Waiters() > 0 {
				clk.Advance(time.Second)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	return r
}

// until reads events until one satisfies ok.
func (r *approvalRun) until(what string, ok func(journal.Event) bool) journal.Event {
	r.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-r.events:
			if ok(ev) {
				return ev
			}
		case <-timeout:
			r.t.Fatalf("no event: %s", what)
		}
	}
}

// waitingFor waits until the run waits for the approval of name: its
// state says so (events only wake the look, so none is missed).
func (r *approvalRun) waitingFor(name string) {
	r.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		if st, err := runner.Fold(context.Background(), r.store, r.id); err == nil {
			for _, w := range runner.WaitingApprovals(st) {
				if w.Name == name {
					return
				}
			}
		}
		select {
		case <-r.events:
		case <-time.After(10 * time.Millisecond):
		case <-timeout:
			r.t.Fatalf("%s never waited for its approval", name)
		}
	}
}

func (r *approvalRun) decide(d runner.Decision) (runner.Waiting, error) {
	r.t.Helper()
	st, err := runner.Fold(context.Background(), r.store, r.id)
	if err != nil {
		r.t.Fatal(err)
	}
	return runner.Decide(context.Background(), r.store, r.clk.Now(), st, d)
}

func (r *approvalRun) wait() (*journal.RunState, error) {
	r.t.Helper()
	select {
	case err := <-r.done:
		return r.st, err
	case <-time.After(30 * time.Second):
		r.t.Fatal("the run did not end")
	}
	return nil, nil
}

// Each approval is its own: approving one resource of a layer leaves the
// other waiting; both approved, the run goes on, and the last gate is
// approved by its number. Who, when and the comment are journaled.
func TestApprovalsRunToTheEnd(t *testing.T) {
	t.Parallel()
	r := startGates(t, "gates-ok", "1h")
	r.waitingFor("DBA")
	r.waitingFor("App team")

	// Two wait: naming none is refused, and changes nothing.
	if _, err := r.decide(runner.Decision{Approve: true, By: "alice"}); err == nil || !strings.Contains(err.Error(), `waits for 2 approvals: name one of 1.0 ("DBA"), 1.1 ("App team")`) {
		t.Fatalf("ambiguous approve: %v", err)
	}
	if _, err := r.decide(runner.Decision{Target: "Last word", Approve: true, By: "alice"}); !errors.Is(err, runner.ErrNotWaiting) || !strings.Contains(err.Error(), "is pending") {
		t.Fatalf("approve of a gate not reached: %v", err)
	}
	if _, err := r.decide(runner.Decision{Target: "nope", Approve: true, By: "alice"}); !errors.Is(err, runner.ErrNoSuchResource) {
		t.Fatalf("approve of an unknown resource: %v", err)
	}
	w, err := r.decide(runner.Decision{Target: "dba", Approve: true, By: "alice", Comment: "lag is 0s"})
	if err != nil || w.Name != "DBA" {
		t.Fatalf("approve DBA: %+v %v", w, err)
	}
	r.until("DBA finished", func(ev journal.Event) bool {
		return ev.Kind == journal.ResourceFinished && ev.Layer == 0 && ev.Resource == 0
	})
	st, _ := runner.Fold(context.Background(), r.store, r.id)
	if wa := runner.WaitingApprovals(st); len(wa) != 1 || wa[0].Name != "App team" {
		t.Fatalf("after approving DBA the run waits for %+v, want App team only", wa)
	}
	if _, err := r.decide(runner.Decision{Target: "DBA", Approve: false, By: "bob"}); !errors.Is(err, runner.ErrNotWaiting) || !strings.Contains(err.Error(), "already approved by alice") {
		t.Fatalf("second decision on DBA: %v", err)
	}
	if _, err := r.decide(runner.Decision{Approve: true, By: "bob"}); err != nil { // the only one left
		t.Fatal(err)
	}
	r.waitingFor("Last word")
	if _, err := r.decide(runner.Decision{Target: "2.0", Approve: true, By: "carol"}); err != nil {
		t.Fatal(err)
	}
	st, err = r.wait()
	if err != nil || st.Status != journal.StatusSucceeded {
		t.Fatalf("run ended %v: %v", st.Status, err)
	}
	dba := st.Layers[0].Resources[0]
	if d, ok := dba.Decision(); !ok || d.By != "alice" || d.Comment != "lag is 0s" || d.At.IsZero() || len(dba.Approvals) != 1 {
		t.Errorf("DBA's approvals: %+v", dba.Approvals)
	}
	if got := runner.ApprovalEvents(st); len(got) != 3 || got[2].Layer != 1 || got[2].By != "carol" {
		t.Errorf("approval events for the report: %+v", got)
	}
	if runner.WaitingApprovals(st) != nil {
		t.Error("a finished run waits for approvals")
	}
}

// A rejection fails the gate with who and why; its layer's other gate is
// left waiting until the run is cancelled, and layer 2 is never reached.
func TestApprovalRejected(t *testing.T) {
	t.Parallel()
	r := startGates(t, "gates-no", "1h")
	r.waitingFor("DBA")
	if _, err := r.decide(runner.Decision{Target: "1.0", By: "bob", Comment: "lag is 40 minutes"}); err != nil {
		t.Fatal(err)
	}
	ev := r.until("DBA failed", func(ev journal.Event) bool {
		return ev.Kind == journal.ResourceFinished && ev.Layer == 0 && ev.Resource == 0
	})
	if !strings.Contains(ev.Error, "rejected by bob at") || !strings.Contains(ev.Error, "lag is 40 minutes") {
		t.Errorf("DBA ended with %q", ev.Error)
	}
	rec, st, err := runner.Load(context.Background(), r.store, r.id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runner.Cancel(context.Background(), r.store, r.clk.Now(), rec, st, "test", "test:2:b"); err != nil {
		t.Fatal(err)
	}
	st, _ = r.wait()
	if st.Status == journal.StatusSucceeded || st.Layers[1].Status != journal.StatusPending {
		t.Errorf("run %s, layer 2 %s", st.Status, st.Layers[1].Status)
	}
}

// Nobody decides: the gate times out after ApprovalTimeout of the
// engine's clock, and the run fails with that reason.
func TestApprovalTimesOut(t *testing.T) {
	t.Parallel()
	r := startGates(t, "gates-late", "1m")
	r.waitingFor("DBA")
	r.waitingFor("App team")
	if _, err := r.decide(runner.Decision{Target: "App team", Approve: true, By: "alice"}); err != nil {
		t.Fatal(err)
	}
	st, err := r.wait()
	if err == nil || st.Status != journal.StatusFailed {
		t.Fatalf("run %s: %v", st.Status, err)
	}
	dba := st.Layers[0].Resources[0]
	if !strings.Contains(dba.Error, "nobody approved within 1m0s") || dba.Elapsed() < time.Minute || dba.Elapsed() > 2*time.Minute {
		t.Errorf("DBA: %s after %s", dba.Error, dba.Elapsed())
	}
}

func TestDecideRefuses(t *testing.T) {
	t.Parallel()
	r := startGates(t, "gates-bad", "1h")
	r.waitingFor("DBA")
	r.waitingFor("App team")
	long := strings.Repeat("x", runner.MaxComment+1)
	for _, d := range []runner.Decision{
		{Target: "DBA", Approve: true, By: "alice", Comment: long},
		{Target: "DBA", Approve: true, By: "  "},
	} {
		if _, err := r.decide(d); err == nil {
			t.Errorf("decision %q by %q accepted", d.Comment[:min(len(d.Comment), 10)], d.By)
		}
	}
	st, _ := runner.Fold(context.Background(), r.store, r.id)
	if len(runner.WaitingApprovals(st)) != 2 {
		t.Error("a refused decision changed the run")
	}
}
