package journal

import (
	"context"
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// BenchmarkAppendMemory is one event per Append against the in-memory store,
// for scale (the SQLite store's is in journal/sqlitestore).
func BenchmarkAppendMemory(b *testing.B) { benchAppend(b, NewMemory()) }

func benchAppend(b *testing.B, s Store) {
	ctx := context.Background()
	if err := s.Create(ctx, "bench-run", t0, []string{"k"}); err != nil {
		b.Fatal(err)
	}
	ev := Event{Time: t0, Kind: StepObserved, Layer: 0, Resource: 0, Step: "switchover",
		Message: "global cluster dr-globaldb-cluster-mysql is switching-over"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Append(ctx, "bench-run", ev); err != nil {
			b.Fatal(err)
		}
	}
}

// bigRun is a 10,000-event run: 10 layers of 10 resources of 3 steps, each
// step with one journaled call and many poll observations.
func bigRun() []Event {
	const layers, resources, steps, total = 10, 10, 3, 10000
	spec := RunSpec{Command: "run", Region: "us-west-2"}
	for l := range layers {
		ls := LayerSpec{Number: l + 1}
		for r := range resources {
			ls.Resources = append(ls.Resources, ResourceSpec{Index: r, Name: fmt.Sprintf("db-%d-%d", l, r),
				Type: "PlannedFailoverAurora", Region: "us-west-2", Steps: []string{"detach", "switchover", "verify"}})
		}
		spec.Layers = append(spec.Layers, ls)
	}
	s := (&script{}).run(0, RunCreated, "", spec).run(time.Second, RunStarted, "", proc1)
	// Observations fill what the fixed events leave of the 10,000.
	fixed := 2 + layers*(2+resources*(2+steps*4)) + 1
	observe := (total - fixed) / (layers * resources * steps)
	d := 2 * time.Second
	for l := range layers {
		s.layer(d, LayerStarted, l, nil)
		for r := range resources {
			s.res(d, ResourceStarted, l, r, "", "", nil)
			for k, name := range []string{"detach", "switchover", "verify"} {
				c := Call{ID: fmt.Sprintf("c-%d-%d-%d", l, r, k), Service: "rds", Action: "SwitchoverGlobalCluster", Region: "us-west-2"}
				s.step(d, StepStarted, l, r, name, "", "", nil).
					step(d, CallIntent, l, r, name, "", "", c).
					step(d, CallIssued, l, r, name, "", "", c)
				for i := range observe {
					d += time.Second
					s.step(d, StepObserved, l, r, name, fmt.Sprintf("status switching-over (%d)", i), "", nil)
				}
				s.step(d, StepFinished, l, r, name, "", "", out(StatusSucceeded))
			}
			s.res(d, ResourceFinished, l, r, "", "", out(StatusSucceeded))
		}
		s.layer(d, LayerFinished, l, out(StatusSucceeded))
	}
	for len(s.evs) < total-1 {
		s.step(d, StepObserved, layers-1, resources-1, "verify", "writer is dbcluster-02", "", nil)
	}
	s.run(d, RunFinished, "", out(StatusSucceeded))
	return s.evs
}

func TestBigRunFolds(t *testing.T) {
	t.Parallel()
	evs := bigRun()
	if len(evs) != 10000 {
		t.Fatalf("bigRun has %d events, want 10000", len(evs))
	}
	st, err := Fold(evs)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != StatusSucceeded || st.LastSeq != 10000 {
		t.Errorf("status %s, last seq %d", st.Status, st.LastSeq)
	}
}

// BenchmarkFold10k folds a 10,000-event run, as `drorch resume`, reports and
// the web UI do for a long run.
func BenchmarkFold10k(b *testing.B) {
	evs := bigRun()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Fold(evs); err != nil {
			b.Fatal(err)
		}
	}
}
