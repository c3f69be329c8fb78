package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"drorch/cloud"
	"drorch/engine"
	"drorch/journal"
	"drorch/manifest"
	"drorch/ref"
	"drorch/resource"
	"drorch/resource/all"
)

// drorchRunner runs payloads as `drorch run --yes --region R FILE` does:
// validate, resolve every reference once, bind, preview (read-only), then
// the engine with its default polling, on the simulator's clock, with a
// SQLite journal.
type drorchRunner struct {
	w     *world
	store journal.Store
	// settings are the engine's (zero: `drorch run`'s defaults).
	settings engine.Settings
}

// run runs one payload in region and returns its trace.
func (d *drorchRunner) run(ctx context.Context, runID, region string, payload []byte) (runTrace, error) {
	wallStart := time.Now()
	start := d.w.sim.Now()
	reg := all.Registry()
	p, problems := manifest.Load(payload, reg)
	if len(problems) > 0 {
		return runTrace{}, fmt.Errorf("validate %s: %w", runID, problems)
	}
	cl, err := d.w.clients(ctx, region)
	if err != nil {
		return runTrace{}, err
	}
	res, problems, err := (&ref.Resolver{Exports: cl.Refs(), Parameters: cl.Refs(), Region: region}).Resolve(ctx, p, reg)
	if err != nil {
		return runTrace{}, fmt.Errorf("resolve references of %s in %s: %w", runID, region, err)
	}
	if len(problems) > 0 {
		return runTrace{}, fmt.Errorf("resolve references of %s in %s: %w", runID, region, problems)
	}
	account, err := cl.AccountID(ctx, region)
	if err != nil {
		return runTrace{}, fmt.Errorf("account of %s: %w", runID, err)
	}
	plan, problems := engine.Bind(res, reg, resource.Context{HomeRegion: region, Account: account}, journal.RunSpec{Command: "run", Region: region})
	if len(problems) > 0 {
		return runTrace{}, fmt.Errorf("bind %s: %w", runID, problems)
	}
	reads := &roundCounter{BatchReader: cl.Reads(), clock: d.w.clock()}
	e := &engine.Engine{
		Store:    d.store,
		Clock:    d.w.clock(),
		Reader:   cl.Reads(),
		Batch:    reads,
		Executor: cl.Calls(),
		Identity: cl.Identity(),
		Process:  journal.Process{Owner: "bench:" + runID, Host: "bench", PID: os.Getpid()},
		Settings: d.settings,
	}
	pv, err := e.Preview(ctx, plan)
	if err != nil {
		return runTrace{}, fmt.Errorf("preview %s: %w", runID, err)
	}
	if pv.Blocked {
		return runTrace{}, fmt.Errorf("preview %s: the plan is blocked", runID)
	}
	st, err := e.Start(ctx, runID, plan)
	if err != nil {
		return runTrace{}, fmt.Errorf("run %s: %w", runID, err)
	}
	if st.Status != journal.StatusSucceeded {
		return runTrace{}, fmt.Errorf("run %s ended %s", runID, st.Status)
	}
	t := runTrace{Label: runID, Start: start, End: d.w.sim.Now(), Wall: time.Since(wallStart)}
	t.Rounds, t.Served = reads.counts()
	evs, err := d.store.Events(ctx, runID, 0)
	if err != nil {
		return runTrace{}, fmt.Errorf("read the journal of %s: %w", runID, err)
	}
	if t.Resources, err = journalTrace(plan, evs); err != nil {
		return runTrace{}, fmt.Errorf("trace %s: %w", runID, err)
	}
	return t, nil
}

// journalTrace reads what drorch did for each resource from its journal:
// when each resource started and finished, the calls it made, and the
// moments it moved on (steps finished or skipped, calls about to be made).
func journalTrace(plan *engine.Plan, evs []journal.Event) ([]resTrace, error) {
	type pos struct{ layer, res int }
	index := map[pos]int{}
	var out []resTrace
	for li, l := range plan.Layers {
		for ri, r := range l.Resources {
			index[pos{li, ri}] = len(out)
			out = append(out, resTrace{Layer: li, Name: r.Spec.Name})
		}
	}
	for _, ev := range evs {
		i, ok := index[pos{ev.Layer, ev.Resource}]
		if !ok {
			continue // run- and layer-level events
		}
		r := &out[i]
		switch ev.Kind {
		case journal.ResourceStarted:
			r.Start = ev.Time
		case journal.ResourceFinished:
			r.End = ev.Time
			r.Marks = append(r.Marks, ev.Time)
		case journal.StepFinished, journal.StepSkipped:
			r.Marks = append(r.Marks, ev.Time)
		case journal.CallIntent:
			var c journal.Call
			if err := json.Unmarshal(ev.Data, &c); err != nil {
				return nil, fmt.Errorf("call of %s: %w", r.Name, err)
			}
			ids := slices.Sorted(maps.Values(c.Args))
			r.Calls = append(r.Calls, callRec{Action: c.Action, Region: c.Region, IDs: ids, At: ev.Time})
			r.Marks = append(r.Marks, ev.Time)
		}
	}
	for _, r := range out {
		if r.Start.IsZero() || r.End.IsZero() {
			return nil, errors.New("resource " + r.Name + " has no start or end in the journal")
		}
	}
	return out, nil
}

// roundCounter counts drorch's rounds of batched reads as the moments (on
// the world's clock) at which it read, and the keys it read then: a
// round's reads, one per kind and region, all start at the same virtual
// moment on a stepped clock. It needs nothing of the engine but its
// BatchReader, so that the same count applies to any version of drorch.
type roundCounter struct {
	cloud.BatchReader
	clock simClock

	mu   sync.Mutex
	keys map[time.Time]int
}

func (r *roundCounter) ReadBatch(ctx context.Context, kind cloud.Kind, region string, ids []string) (map[string]any, error) {
	r.mu.Lock()
	if r.keys == nil {
		r.keys = map[time.Time]int{}
	}
	r.keys[r.clock.Now()] += len(ids)
	r.mu.Unlock()
	return r.BatchReader.ReadBatch(ctx, kind, region, ids)
}

// counts returns the rounds and the keys they read in all.
func (r *roundCounter) counts() (rounds, keys int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.keys {
		keys += n
	}
	return len(r.keys), keys
}
