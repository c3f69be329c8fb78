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

// result is one workload run with one strategy.
type result struct {
	workload, strategy string
	speed              float64 // 0: stepped
	runs               []stepResult
	total              measures
	mem                memStats
	// journal appends and the real time they took (drorch only).
	appends int
	spent   time.Duration
	dir     string
	step    stepStats // the stepped clock's own work
}

// BenchmarkFailover runs the README payloads (in the demo's order, with
// its outage) and a generated payload of 500 resources in 10 layers (with
// the simulator's default durations, then with its operations 7 s longer),
// with drorch and with the original framework's waits, on the simulator,
// and prints the figures as Markdown tables:
//
//	go test -run '^$' -bench . -benchtime 1x ./bench/
func BenchmarkFailover(b *testing.B) {
	seed, err := seedWorkload()
	if err != nil {
		b.Fatal(err)
	}
	gen, err := generatedWorkload(500, 10, 0)
	if err != nil {
		b.Fatal(err)
	}
	offGrid, err := generatedWorkload(500, 10, 7*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	var results []result
	for _, wl := range []struct {
		slug string
		w    workload
	}{{"readme", seed}, {"generated-500", gen}, {"generated-500-plus7s", offGrid}} {
		for _, strat := range []string{stratDrorch, stratOriginal} {
			b.Run(wl.slug+"/"+strat, func(b *testing.B) {
				var r result
				for b.Loop() {
					r = benchWorkload(b, wl.w, strat)
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

// benchWorkload runs wl with one strategy on a fresh world.
func benchWorkload(b *testing.B, wl workload, strat string) result {
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
	mem := startMem(2 * time.Millisecond)
	runs, err := runWorkload(ctx, w, wl, st)
	ms := mem.stop()
	if w.step != nil {
		w.step.Stop() // the stats are the driver's until it has stopped
	}
	if err != nil {
		b.Fatal(err)
	}
	r := result{workload: wl.name, strategy: strat, speed: w.speed, runs: runs, total: total(runs), mem: ms}
	if w.step != nil {
		r.step = w.step.stats
	}
	if store != nil {
		r.appends, r.spent = store.counts()
		r.dir = store.dir
	}
	if r.total.Unmatched > 0 {
		b.Errorf("%s with %s: %d operations matched no call of the run", wl.name, strat, r.total.Unmatched)
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
	b.ReportMetric(m.Overhead.Seconds(), "overhead-s")
	b.ReportMetric(m.OverheadPct(), "overhead-%")
	b.ReportMetric(m.RTO.Seconds(), "rto-s")
	b.ReportMetric(float64(m.Racy), "racy-ops")
	b.ReportMetric(float64(r.mem.PeakHeap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(r.mem.MaxRSS)/(1<<20), "max-rss-MiB")
}
