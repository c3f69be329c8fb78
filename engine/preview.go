package engine

import (
	"context"
	"fmt"

	"drorch/cloud"
	"drorch/engine/machine"
	"drorch/journal"
	"drorch/resource"
)

// Preview is the read-only answer to "what would this run do now?".
type Preview struct {
	Layers []LayerPreview `json:"layers"`
	// Blocked is true when any resource has a blocker: the run would not start.
	Blocked bool `json:"blocked"`
	// NothingToDo is true when every resource's goal already holds.
	NothingToDo bool `json:"nothingToDo"`
}

// LayerPreview is one layer of a Preview.
type LayerPreview struct {
	Number    int               `json:"number"`
	Resources []ResourcePreview `json:"resources"`
}

// ResourcePreview is one resource of a Preview.
type ResourcePreview struct {
	Name            string            `json:"name"`
	Type            string            `json:"type"`
	Region          string            `json:"region"`
	Params          map[string]string `json:"params"`
	Refs            map[string]string `json:"refs,omitempty"`
	Secret          []string          `json:"secret,omitempty"`
	ContinueOnError bool              `json:"continueOnError,omitempty"`
	Timeout         string            `json:"timeout"`
	State           []string          `json:"state,omitempty"`
	Blockers        []string          `json:"blockers,omitempty"`
	Warnings        []string          `json:"warnings,omitempty"`
	AlreadyDone     bool              `json:"alreadyDone"`
	Steps           []StepPreview     `json:"steps"`

	// RPO is the writes at risk of an operation that may lose the writes
	// not yet replicated: the replica's last measured replication lag.
	RPO *journal.RPO `json:"rpo,omitempty"`
}

// StepPreview says where a step stands and the calls it would make.
type StepPreview struct {
	Name string `json:"name"`
	// Status is done (its goal holds), next (its calls are made first),
	// under-way (an operation is already running: the run takes it over and
	// makes no call), blocked, or later (after the steps before it).
	Status string       `json:"status"`
	Reason string       `json:"reason,omitempty"`
	Calls  []cloud.Call `json:"calls"`
}

// The statuses of a step in a preview.
const (
	StepDone     = "done"
	StepNext     = "next"
	StepUnderWay = "under-way"
	StepBlocked  = "blocked"
	StepLater    = "later"
)

// Preview reads the current state of every resource of p, with one batched
// read per kind and region (and per 100 ids), what the resources' Preflight
// and first decisions read beyond their watched keys batched the same way,
// and says what a run would do now, through the
// same step machine a run uses. It makes no mutating call.
//
// For an operation that may lose writes it also reads the replica's last
// replication lag (the writes at risk), holds it to p.Spec.MaxRPO, and
// records it on p, so that a run started from p journals what was shown.
func (e *Engine) Preview(ctx context.Context, p *Plan) (*Preview, error) {
	var keys []cloud.Key
	for _, l := range p.Layers {
		for _, r := range l.Resources {
			keys = append(keys, r.Resource.Watch()...)
			keys = append(keys, rpoKeys(r.Resource)...)
		}
	}
	snap := newSnapshot(e.Reader)
	snap.fetch(ctx, e.Batch, keys)
	ms := e.Settings.WithDefaults().machine()
	prefetch(ctx, snap, e.Batch, func(rd cloud.Reader) {
		v := &resource.View{Read: rd, Identity: e.Identity, Now: e.Clock.Now, RunID: p.RunID}
		for _, l := range p.Layers {
			for _, r := range l.Resources {
				_, _ = previewResource(ctx, v, r, ms) // only its reads matter here
			}
		}
	})
	v := &resource.View{Read: reader{snap}, Identity: e.Identity, Now: e.Clock.Now, RunID: p.RunID}

	red := newRedactor(p.Secrets)
	out := &Preview{NothingToDo: true}
	shared := p.Shared()
	for li, l := range p.Layers {
		lp := LayerPreview{Number: l.Number}
		for ri, r := range l.Resources {
			rp, err := previewResource(ctx, v, r, ms)
			if err != nil {
				return nil, red.err(err)
			}
			for _, before := range shared[li][ri] {
				rp.State = append(rp.State, "runs after "+before+", which acts on the same database")
			}
			if !rp.AlreadyDone {
				rp.RPO = rpoOf(ctx, v, r.Resource)
				limitRPO(&rp, p.Spec.MaxRPO, p.Spec.OverrideMaxRPO)
			}
			red.preview(&rp)
			out.Blocked = out.Blocked || len(rp.Blockers) > 0
			out.NothingToDo = out.NothingToDo && rp.AlreadyDone
			lp.Resources = append(lp.Resources, rp)
		}
		out.Layers = append(out.Layers, lp)
	}
	recordRPO(p, out)
	return out, nil
}

func previewResource(ctx context.Context, v *resource.View, r PlanResource, ms machine.Settings) (ResourcePreview, error) {
	spec := r.Spec
	timeout := spec.Timeout
	if timeout <= 0 {
		timeout = r.Resource.Timeout()
	}
	rp := ResourcePreview{Name: spec.Name, Type: spec.Type, Region: spec.Region, Params: spec.Params, Refs: spec.Refs,
		Secret: spec.Secret, ContinueOnError: spec.ContinueOnError, Timeout: timeout.String()}
	pf, err := r.Resource.Preflight(ctx, v)
	if err != nil {
		if ctx.Err() != nil {
			return rp, fmt.Errorf("preflight of %s: %w", spec.Name, err)
		}
		rp.Blockers = append(rp.Blockers, "cannot assess the current state: "+err.Error())
	}
	rp.State, rp.Warnings, rp.AlreadyDone = pf.State, pf.Warnings, pf.AlreadyDone
	rp.Blockers = append(rp.Blockers, pf.Blockers...)

	steps := r.Resource.Steps()
	rp.Steps = make([]StepPreview, len(steps))
	for i, st := range steps {
		rp.Steps[i] = StepPreview{Name: st.Name(), Status: StepLater}
	}
	if rp.AlreadyDone {
		for i := range rp.Steps {
			rp.Steps[i].Status = StepDone
		}
		return rp, nil
	}
	// Walk the step machine on the current state, as a run's first looks
	// would: steps whose goal holds are skipped, and the first that is not
	// says what the run does first.
	m := machine.Begin(v.Now(), 0)
	for range len(steps) + 2 {
		d, next := machine.Next(ctx, r.Resource, m, v, v.Now(), ms)
		i := next.Step
		if i >= len(steps) || d.Action == machine.Skip || d.Action == machine.StepDone {
			i = m.Step
		}
		switch d.Action {
		case machine.AlreadyDone:
			for i := range rp.Steps {
				rp.Steps[i].Status = StepDone
			}
			rp.AlreadyDone = true
			return rp, nil
		case machine.Skip, machine.StepDone:
			rp.Steps[i].Status, rp.Steps[i].Reason = StepDone, d.Reason
			m = next
			continue
		case machine.Done:
			// Every step's goal holds although the resource's does not
			// yet: the last step is still converging.
			rp.State = append(rp.State, "every step has been made; waiting for the end state")
		case machine.Call:
			rp.Steps[i].Status, rp.Steps[i].Reason, rp.Steps[i].Calls = StepNext, d.Reason, d.Calls
		case machine.Wait:
			if d.Err != nil {
				rp.Steps[i].Status, rp.Steps[i].Reason = StepNext, "state unknown: "+d.Err.Error()
			} else {
				rp.Steps[i].Status, rp.Steps[i].Reason = StepUnderWay, next.Observed
			}
		case machine.Failed:
			rp.Steps[i].Status, rp.Steps[i].Reason = StepBlocked, d.Err.Error()
			blocker := d.Err.Error()
			if d.Step != "" {
				blocker = "step " + blocker
			}
			rp.Blockers = appendOnce(rp.Blockers, blocker)
		}
		// The later steps' calls as today's state predicts them; each is
		// judged again when its turn comes.
		for j := i + 1; j < len(steps); j++ {
			if calls, err := steps[j].Calls(ctx, v); err == nil {
				rp.Steps[j].Calls = calls
			}
		}
		return rp, nil
	}
	return rp, nil
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
