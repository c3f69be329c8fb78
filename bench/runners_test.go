package bench

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// End to end on stepped worlds, where virtual time is exact: the original
// strategy's figures can be worked out by hand from its fixed waits and
// the modelled 100 ms per call, and drorch's run must at least be traced
// completely.

func readmeSteps(t *testing.T, idx ...int) workload {
	t.Helper()
	wl, err := seedWorkload()
	if err != nil {
		t.Fatal(err)
	}
	var steps []step
	for _, i := range idx {
		steps = append(steps, wl.steps[i])
	}
	wl.steps = steps
	return wl
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestOriginalStrategyFiguresWorkedOutByHand(t *testing.T) {
	t.Parallel()
	// Payload 1 in us-west-2, then payload 4 there (no outage needed).
	wl := readmeSteps(t, 0, 3)
	w := newWorld(t, wl.scenario(), 0)
	rs, err := runWorkload(context.Background(), w, wl, &originalRunner{w: w, limit: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	want := []measures{{
		// ListExports 0-100 ms; the switchover call 100-200 ms, reaching
		// the simulator at 150 ms (the switchover runs 150 ms-60.15 s);
		// 60 s of sleep; one DescribeDBClusters 60.2-60.3 s, which sees
		// `available` and ends the resource.
		Runs: 1, Resources: 1, Ops: 1, Latencies: []time.Duration{ms(150)}, Reads: 2, Describes: 1, Writes: 1,
		WaitMinutes: 60.3 / 60, RTO: ms(60300), CriticalPath: 60 * time.Second, Overhead: ms(300), Before: ms(100), Layers: 1,
	}, {
		// The promotion (150 ms-90.15 s) is looked at 60.2-60.3 s
		// (modifying), 75.3-75.4 s (rebooting) and 90.4-90.5 s
		// (available). The ElastiCache Lambda does not sleep: its
		// failover (150 ms-60.15 s) is looked at from 0.2-0.3 s every
		// 15.1 s, and seen available at 60.6-60.7 s.
		Runs: 1, Resources: 2, Ops: 2, Latencies: []time.Duration{ms(350), ms(550)}, Reads: 10, Describes: 8, Writes: 2,
		WaitMinutes: (90.5 + 60.7) / 60, RTO: ms(90500), CriticalPath: 90 * time.Second, Overhead: ms(500), Before: ms(100), Layers: 1,
	}}
	for i, r := range rs {
		got := r.m
		got.Wall = 0
		if d := got.WaitMinutes - want[i].WaitMinutes; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s: wait minutes = %v, want %v", r.step.label, got.WaitMinutes, want[i].WaitMinutes)
		}
		got.WaitMinutes = want[i].WaitMinutes
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("%s:\n got %+v\nwant %+v", r.step.label, got, want[i])
		}
	}
}

func TestDrorchRunsAreTracedCompletely(t *testing.T) {
	t.Parallel()
	wl := readmeSteps(t, 0, 3)
	w := newWorld(t, wl.scenario(), 0)
	rs, err := runWorkload(context.Background(), w, wl, &drorchRunner{w: w, store: openJournal(t, w)})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		m, ops := r.m, []int{1, 2}[i]
		if m.Ops != ops || m.Writes != ops || m.Unmatched != 0 || m.Racy != 0 || len(m.Latencies) != ops {
			t.Errorf("%s: %d ops, %d writes, %d unmatched, %d racy, %d latencies; want %d ops, each written once and noticed",
				r.step.label, m.Ops, m.Writes, m.Unmatched, m.Racy, len(m.Latencies), ops)
		}
		for _, l := range m.Latencies {
			if l < 0 || l > m.RTO {
				t.Errorf("%s: latency %s outside the run (RTO %s)", r.step.label, l, m.RTO)
			}
		}
		if want := []time.Duration{60 * time.Second, 90 * time.Second}[i]; m.CriticalPath != want || m.RTO < want {
			t.Errorf("%s: operations' own time %s and RTO %s, want %s and at least that", r.step.label, m.CriticalPath, m.RTO, want)
		}
		exports := 0
		for _, c := range r.trace.Calls {
			if c.Action == "ListExports" {
				exports += c.Count
			}
		}
		if exports != 1 {
			t.Errorf("%s: %d ListExports calls, want 1 (references are resolved once per run)", r.step.label, exports)
		}
		for _, res := range r.trace.Resources {
			if !res.Start.Before(res.End) || len(res.Calls) == 0 {
				t.Errorf("%s: resource %q traced from %s to %s with %d calls", r.step.label, res.Name, res.Start, res.End, len(res.Calls))
			}
		}
	}
}

// On a generated world whose switchovers take 67 s, the original's check
// (the target cluster's status, `available` throughout a switchover) ends
// each switchover's resource 60.3 s after it started: every switchover is
// racy. drorch waits for the end state.
func TestGeneratedWorldShowsTheOriginalsRacyCompletion(t *testing.T) {
	t.Parallel()
	wl, err := generatedWorkload(20, 4, 7*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		st   func(*world) strategy
		racy int
	}{
		{stratOriginal, func(w *world) strategy { return &originalRunner{w: w, limit: time.Hour} }, 8},
		{stratDrorch, func(w *world) strategy { return &drorchRunner{w: w, store: openJournal(t, w)} }, 0},
	} {
		w := newWorld(t, wl.scenario(), 0)
		rs, err := runWorkload(context.Background(), w, wl, tc.st(w))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		m := rs[0].m
		if m.Resources != 20 || m.Ops != 20 || m.Unmatched != 0 || m.Racy != tc.racy || len(m.Latencies) != 20-tc.racy {
			t.Errorf("%s: %d resources, %d ops, %d unmatched, %d racy, %d latencies; want 20, 20, 0, %d, %d",
				tc.name, m.Resources, m.Ops, m.Unmatched, m.Racy, len(m.Latencies), tc.racy, 20-tc.racy)
		}
		layers := map[int]int{}
		for _, r := range rs[0].trace.Resources {
			layers[r.Layer]++
		}
		if !reflect.DeepEqual(layers, map[int]int{0: 5, 1: 5, 2: 5, 3: 5}) {
			t.Errorf("%s: resources per layer %v, want 5 in each of 4", tc.name, layers)
		}
	}
}

// Both strategies run the whole README workload (the benchmark's first):
// every step ends, every operation it starts is explained by one of its
// calls, and the failback's old cluster is deleted once its asynchronous
// detach lets it.
func TestBothStrategiesRunTheREADMEWorkload(t *testing.T) {
	t.Parallel()
	wl, err := seedWorkload()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		st   func(*world) strategy
	}{
		{stratOriginal, func(w *world) strategy { return &originalRunner{w: w, limit: time.Hour} }},
		{stratDrorch, func(w *world) strategy { return &drorchRunner{w: w, store: openJournal(t, w)} }},
	} {
		w := newWorld(t, wl.scenario(), 0)
		rs, err := runWorkload(context.Background(), w, wl, tc.st(w))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(rs) != len(wl.steps) {
			t.Fatalf("%s: %d steps run, want %d", tc.name, len(rs), len(wl.steps))
		}
		for _, r := range rs {
			if r.m.Ops == 0 || r.m.Unmatched != 0 {
				t.Errorf("%s, %s: %d operations, %d no call explains", tc.name, r.step.label, r.m.Ops, r.m.Unmatched)
			}
		}
		deletes := 0
		for _, c := range rs[4].trace.Calls {
			if c.Action == "DeleteDBCluster" {
				deletes += c.Count
			}
		}
		if deletes == 0 {
			t.Errorf("%s, %s: the old cluster was never deleted", tc.name, rs[4].step.label)
		}
	}
}
