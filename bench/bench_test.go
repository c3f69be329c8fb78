package bench

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// speedEnv runs the benchmark on a simulator sped up by its value (e.g.
// 500) instead of a stepped one, to see how much of the figures the test
// machine's own speed then makes up.
const speedEnv = "DRORCH_BENCH_SPEED"

// benchSpeed is the worlds' speed: 0 (stepped) unless speedEnv says.
func benchSpeed(b *testing.B) float64 {
	v := os.Getenv(speedEnv)
	if v == "" {
		return 0
	}
	s, err := strconv.ParseFloat(v, 64)
	if err != nil || s < 1 {
		b.Fatalf("%s=%q: want a speed of at least 1", speedEnv, v)
	}
	return s
}

// The two strategies measured.
const (
	stratDrorch   = "drorch"
	stratOriginal = "original"
)

// repsEnv overrides how many times each workload runs (e.g. 1 for a
// quick look).
const repsEnv = "DRORCH_BENCH_REPS"

// result is one workload run with one strategy, several times.
type result struct {
	workload, strategy string
	speed              float64 // 0: stepped
	runs               []stepResult
	total              measures
	perRep             []measures // each repetition's total, for the spread
	mem                memStats
	cpu                time.Duration // the process's CPU time, simulator included
	// journal appends and the real time they took (drorch only).
	appends int
	spent   time.Duration
	dir     string
	step    stepStats // the stepped clock's own work
}

// BenchmarkFailover runs the README payloads (in the demo's order, with
// its outage) and generated payloads of 500 and 1,000 resources in 10
// layers, with drorch and with the original framework's strategy, on the
// simulator, several times each: the first time with the simulator's
// default operation durations, then with each operation's duration
// lengthened by a seeded random 0-15 s (the same seeds every time, so the
// figures reproduce). It prints the figures as Markdown tables:
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 60m ./bench/
func BenchmarkFailover(b *testing.B) {
	seed, err := seedWorkload()
	if err != nil {
		b.Fatal(err)
	}
	gen, err := generatedWorkload(500, 10, 0)
	if err != nil {
		b.Fatal(err)
	}
	big, err := generatedWorkload(1000, 10, 0)
	if err != nil {
		b.Fatal(err)
	}
	var results []result
	for _, wl := range []struct {
		slug string
		w    workload
		reps int
	}{{"readme", seed, 5}, {"generated-500", gen, 3}, {"generated-1000", big, 2}} {
		reps := benchReps(b, wl.reps)
		for _, strat := range []string{stratDrorch, stratOriginal} {
			b.Run(wl.slug+"/"+strat, func(b *testing.B) {
				var r result
				for b.Loop() {
					r = benchWorkload(b, wl.w, strat, reps)
				}
				reportMetrics(b, r)
				results = append(results, r)
			})
		}
	}
	if len(results) > 0 {
		printReport(os.Stdout, results)
	}
}

// benchReps is reps unless repsEnv says otherwise.
func benchReps(b *testing.B, reps int) int {
	v := os.Getenv(repsEnv)
	if v == "" {
		return reps
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a number of runs of at least 1", repsEnv, v)
	}
	return n
}

// benchWorkload runs wl reps times with one strategy, each on a fresh
// world whose durations are jittered by the repetition's seed.
func benchWorkload(b *testing.B, wl workload, strat string, reps int) result {
	r := result{workload: wl.name, strategy: strat, speed: benchSpeed(b)}
	mem := startMem(2 * time.Millisecond)
	cpu0 := cpuTime()
	for rep := range reps {
		one := benchOnce(b, wl.jittered(uint64(rep)), strat)
		r.runs = append(r.runs, one.runs...)
		r.perRep = append(r.perRep, total(one.runs))
		r.appends += one.appends
		r.spent += one.spent
		r.dir = one.dir
		r.step.Fires += one.step.Fires
		r.step.Hints += one.step.Hints
		r.step.Dumps += one.step.Dumps
		r.step.DumpTime += one.step.DumpTime
	}
	r.cpu = cpuTime() - cpu0
	r.mem = mem.stop()
	r.total = total(r.runs)
	return r
}

// benchOnce runs wl once with one strategy on a fresh world.
func benchOnce(b *testing.B, wl workload, strat string) result {
	ctx := context.Background()
	w := newWorld(b, wl.scenario(), benchSpeed(b))
	var st strategy
	var store *countingStore
	if strat == stratDrorch {
		store = openJournal(b, w)
		st = &drorchRunner{w: w, store: store}
	} else {
		st = &originalRunner{w: w, limit: 6 * time.Hour}
	}
	runs, err := runWorkload(ctx, w, wl, st)
	if w.step != nil {
		w.step.Stop() // the stats are the driver's until it has stopped
	}
	if err != nil {
		b.Fatal(err)
	}
	r := result{workload: wl.name, strategy: strat, speed: w.speed, runs: runs}
	if w.step != nil {
		r.step = w.step.stats
	}
	if store != nil {
		r.appends, r.spent = store.counts()
		r.dir = store.dir
	}
	if m := total(runs); m.Unmatched > 0 {
		b.Errorf("%s with %s: %d operations matched no call of the run", wl.name, strat, m.Unmatched)
	}
	return r
}

// reportMetrics reports the main figures to the testing framework.
func reportMetrics(b *testing.B, r result) {
	m := r.total
	b.ReportMetric(percentile(m.Latencies, 50).Seconds(), "detect-p50-s")
	b.ReportMetric(percentile(m.Latencies, 95).Seconds(), "detect-p95-s")
	b.ReportMetric(percentile(m.Latencies, 100).Seconds(), "detect-max-s")
	b.ReportMetric(m.DescribeRate(), "describes/res/min")
	b.ReportMetric(m.LayerOverhead().Seconds(), "overhead/layer-s")
	b.ReportMetric((m.Before / time.Duration(max(m.Runs, 1))).Seconds(), "before-layer-1-s")
	b.ReportMetric(float64(m.Racy), "racy-ops")
	b.ReportMetric(r.cpu.Seconds(), "cpu-s")
	b.ReportMetric(float64(r.mem.MaxRSS)/(1<<20), "max-rss-MiB")
}
