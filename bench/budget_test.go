package bench

import (
	"context"
	"testing"
	"time"

	"drorch/awsapi"
)

// TestRequestBudgetHoldsAtAThousandResources runs 1,000 resources (two
// layers of 500, so that a layer's calls alone exceed the burst) and checks
// the simulator's call log: no window of RDS requests in us-west-2 holds
// more than the default budget's token bucket allows (its burst plus its
// rate over the window), whether of one second, ten or sixty.
func TestRequestBudgetHoldsAtAThousandResources(t *testing.T) {
	t.Parallel()
	wl, err := generatedWorkload(1000, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, wl.scenario(), 0)
	rs, err := runWorkload(context.Background(), w, wl, &drorchRunner{w: w, store: openJournal(t, w)})
	if err != nil {
		t.Fatal(err)
	}
	m := rs[0].m
	if m.Resources != 1000 || m.Ops != 1000 || m.Racy != 0 || len(m.Latencies) != 1000 {
		t.Fatalf("%d resources, %d ops, %d racy, %d latencies; want 1000 of each, none racy", m.Resources, m.Ops, m.Racy, len(m.Latencies))
	}
	// runWorkload read the per-second counts before the next run; they
	// are still the simulator's.
	secs := w.sim.CallsPerSecond(genDR, "rds")
	if len(secs) == 0 {
		t.Fatal("the simulator counted no RDS request in us-west-2")
	}
	rate, burst := awsapi.DefaultAPIRate, awsapi.DefaultAPIRate*awsapi.BurstSeconds
	total := 0
	for _, win := range []int{1, 10, 60} {
		most, at := 0, time.Time{}
		for i, s := range secs {
			n := 0
			for _, x := range secs[i:] {
				if x.Second.Sub(s.Second) >= time.Duration(win)*time.Second {
					break
				}
				n += x.Count
			}
			if n > most {
				most, at = n, s.Second
			}
		}
		if limit := int(burst + rate*float64(win)); most > limit {
			t.Errorf("%d RDS requests in the %d s from %s, more than the budget allows (%d)", most, win, at.Format(time.TimeOnly), limit)
		}
	}
	for _, s := range secs {
		total += s.Count
	}
	if want := 700; total < want { // 400 switchovers and 300 promotions at least
		t.Errorf("%d RDS requests in all, fewer than the %d calls the run must make: is the log complete?", total, want)
	}
}
