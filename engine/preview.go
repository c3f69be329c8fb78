package engine

import (
	"context"
	"fmt"

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
}

// StepPreview says whether a step would run and the calls it would make.
type StepPreview struct {
	Name   string          `json:"name"`
	Status string          `json:"status"` // done (its goal holds), next, later
	Reason string          `json:"reason,omitempty"`
	Calls  []resource.Call `json:"calls"`
}

// Preview reads the current state of every resource of p, with one batched
// read per kind and region, and says what a run would do. It makes no
// mutating call.
func (e *Engine) Preview(ctx context.Context, p *Plan) (*Preview, error) {
	var keys []resource.Key
	for _, l := range p.Layers {
		for _, r := range l.Resources {
			keys = append(keys, r.Resource.Watch()...)
		}
	}
	snap := newSnapshot(e.Env.Read)
	snap.fetch(ctx, e.Batch, keys)
	env := e.Env
	env.Read = reader{snap}
	env.Now = e.Clock.Now
	env.GlobalClusters, env.Clusters, env.Instances, env.Datastores = nil, nil, nil, nil

	red := newRedactor(p.Secrets)
	out := &Preview{NothingToDo: true}
	for _, l := range p.Layers {
		lp := LayerPreview{Number: l.Number}
		for _, r := range l.Resources {
			rp, err := previewResource(ctx, &env, r)
			if err != nil {
				return nil, red.err(err)
			}
			red.preview(&rp)
			out.Blocked = out.Blocked || len(rp.Blockers) > 0
			out.NothingToDo = out.NothingToDo && rp.AlreadyDone
			lp.Resources = append(lp.Resources, rp)
		}
		out.Layers = append(out.Layers, lp)
	}
	return out, nil
}

func previewResource(ctx context.Context, env *resource.Env, r PlanResource) (ResourcePreview, error) {
	spec := r.Spec
	timeout := spec.Timeout
	if timeout <= 0 {
		timeout = r.Resource.Timeout()
	}
	rp := ResourcePreview{Name: spec.Name, Type: spec.Type, Region: spec.Region, Params: spec.Params, Refs: spec.Refs,
		Secret: spec.Secret, ContinueOnError: spec.ContinueOnError, Timeout: timeout.String()}
	pf, err := r.Resource.Preflight(ctx, env)
	if err != nil {
		if ctx.Err() != nil {
			return rp, fmt.Errorf("preflight of %s: %w", spec.Name, err)
		}
		rp.Blockers = append(rp.Blockers, "cannot assess the current state: "+err.Error())
	}
	rp.State, rp.Warnings, rp.AlreadyDone = pf.State, pf.Warnings, pf.AlreadyDone
	rp.Blockers = append(rp.Blockers, pf.Blockers...)

	next := false
	for _, st := range r.Resource.Steps() {
		sp := StepPreview{Name: st.Name(), Calls: st.Calls(), Status: "later"}
		switch {
		case rp.AlreadyDone:
			sp.Status = "done"
		case !next:
			v, err := st.Check(ctx, env)
			switch {
			case err != nil:
				sp.Status, sp.Reason, next = "next", "state unknown: "+err.Error(), true
			case v.State == resource.Done:
				sp.Status, sp.Reason = "done", v.Reason
			case v.State == resource.Blocked || v.State == resource.Failed:
				sp.Status, sp.Reason, next = "next", v.Reason, true
				rp.Blockers = appendOnce(rp.Blockers, fmt.Sprintf("step %s: %s", st.Name(), v.Reason))
			default:
				sp.Status, sp.Reason, next = "next", v.Reason, true
			}
		}
		rp.Steps = append(rp.Steps, sp)
	}
	if !rp.AlreadyDone && !next {
		// Every step's goal holds although the resource's does not yet:
		// the last step is still converging.
		rp.State = append(rp.State, "every step has been made; waiting for the end state")
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

// Resources lists the journaled description of every resource, in run order.
func (p *Plan) Resources() []journal.ResourceSpec {
	var out []journal.ResourceSpec
	for _, l := range p.Layers {
		for _, r := range l.Resources {
			out = append(out, r.Spec)
		}
	}
	return out
}
