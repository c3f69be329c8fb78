package bench

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"time"

	"drorch/examples"
	"drorch/sim"
)

// A workload is a starting world and the payloads run on it, in order.
type workload struct {
	name     string
	scenario func() *sim.Scenario
	steps    []step
}

// step is one payload run of a workload.
type step struct {
	label   string // shown in the per-run table
	region  string // --region
	payload []byte
	// before changes the world first (an outage, its end).
	before func(*sim.Sim) error
}

// strategy runs payloads: drorch's engine or the original's waits.
type strategy interface {
	run(ctx context.Context, runID, region string, payload []byte) (runTrace, error)
}

// seedWorkload is the demo's story with the README's payloads: a drill
// there and back, an outage of us-east-1 with the unplanned payloads run
// from us-west-2, then the failback from us-east-1 with the third payload's
// `vps` typo corrected.
func seedWorkload() (workload, error) {
	read := func(name string) ([]byte, error) {
		b, err := examples.Seed.ReadFile("seed/" + name)
		if err != nil {
			return nil, fmt.Errorf("seed payload %s: %w", name, err)
		}
		return b, nil
	}
	var steps []step
	for _, s := range []struct {
		file, region string
		before       func(*sim.Sim) error
	}{
		{"1-planned-switchover.json", "us-west-2", nil},
		{"1-planned-switchover.json", "us-east-1", nil},
		{"2-unplanned-failover.json", "us-west-2", func(s *sim.Sim) error {
			_, err := s.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: "us-east-1", Mode: sim.ModeRefuse})
			return err
		}},
		{"4-rds-and-elasticache.json", "us-west-2", nil},
		{"3-create-secondary-cluster.json", "us-east-1", func(s *sim.Sim) error { s.ClearFaults(); return nil }},
		{"1-planned-switchover.json", "us-east-1", nil},
	} {
		b, err := read(s.file)
		if err != nil {
			return workload{}, err
		}
		b = bytes.ReplaceAll(b, []byte("-vps-security-group-ids"), []byte("-vpc-security-group-ids"))
		steps = append(steps, step{label: s.file[:len(s.file)-len(".json")] + " in " + s.region, region: s.region, payload: b, before: s.before})
	}
	return workload{name: "README payloads", scenario: sim.SeedScenario, steps: steps}, nil
}

// stepResult is one run of a workload with its figures.
type stepResult struct {
	step  step
	trace runTrace
	m     measures
}

// runWorkload runs every step of wl with st on w, settling the world after
// each run so that every operation a run started has ended before the
// next one starts and before it is measured.
func runWorkload(ctx context.Context, w *world, wl workload, st strategy) ([]stepResult, error) {
	var out []stepResult
	for i, s := range wl.steps {
		if s.before != nil {
			if err := s.before(w.sim); err != nil {
				return nil, fmt.Errorf("%s: set the world up for %s: %w", wl.name, s.label, err)
			}
		}
		w.sim.ResetCalls()
		t, err := st.run(ctx, fmt.Sprintf("run-%02d", i+1), s.region, s.payload)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", wl.name, s.label, err)
		}
		t.Calls = w.sim.Calls()
		t.Peaks = peaks(w.sim, t.Calls)
		if err := w.settle(ctx, 6*time.Hour); err != nil {
			return nil, fmt.Errorf("%s: after %s: %w", wl.name, s.label, err)
		}
		for _, op := range w.sim.Ops() {
			if !op.Start.Before(t.Start) {
				t.Ops = append(t.Ops, op)
			}
		}
		out = append(out, stepResult{step: s, trace: t, m: measure(t)})
	}
	return out, nil
}

// total adds up the figures of a workload's runs.
func total(rs []stepResult) measures {
	var m measures
	for _, r := range rs {
		m = m.add(r.m)
	}
	return m
}

// peaks returns, per service and region that calls went to, the most
// calls the simulator counted in one second.
func peaks(s *sim.Sim, calls []sim.CallCount) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		k := c.Service + " " + c.Region
		if _, done := out[k]; done {
			continue
		}
		out[k] = 0
		for _, sc := range s.CallsPerSecond(c.Region, c.Service) {
			out[k] = max(out[k], sc.Count)
		}
	}
	return out
}

// jittered returns wl with every operation's duration lengthened by a
// seeded random 0 to 15 s (seed 0: wl as it is): real operations end at
// any moment, not on the simulator's round numbers, which are multiples of
// the original's 15 s polling interval. The same seed gives the same
// durations, so that runs reproduce.
func (wl workload) jittered(seed uint64) workload {
	if seed == 0 {
		return wl
	}
	base := wl.scenario
	wl.scenario = func() *sim.Scenario {
		sc := base()
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		d := reflect.ValueOf(&sc.Durations).Elem()
		def := reflect.ValueOf(sim.DefaultDurations())
		for i := range d.NumField() {
			f := d.Field(i)
			if f.Float() <= 0 {
				f.SetFloat(def.Field(i).Float())
			}
			// Whole milliseconds, so that the figures print cleanly.
			f.SetFloat(f.Float() + float64(rng.IntN(15000))/1000)
		}
		return sc
	}
	return wl
}
