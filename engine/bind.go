package engine

import (
	"fmt"

	"drorch/cloud"
	"drorch/journal"
	"drorch/manifest"
	"drorch/ref"
	"drorch/resource"
)

// Bind binds every resolved resource of res to its type in reg and builds
// the plan the engine runs, with the RunSpec the journal records: secret
// values are removed from it and kept apart in Plan.Secrets. spec gives the
// run-level fields; its layers are filled here. Problems (cross-field rules
// of the types) are located at their layer and resource.
func Bind(res *ref.Result, reg *resource.Registry, rctx resource.Context, spec journal.RunSpec) (*Plan, manifest.Problems) {
	p := &Plan{Secrets: SecretValues(res)}
	var problems manifest.Problems
	for li, l := range res.Layers {
		pl := PlanLayer{Number: l.Number}
		ls := journal.LayerSpec{Number: l.Number}
		for _, r := range l.Resources {
			typ, ok := reg.Type(r.Type)
			if !ok { // validation rejects unknown types first
				problems = append(problems, manifest.Problem{LayerIndex: l.Index, Layer: l.Number, ResourceIndex: r.Index,
					ResourceName: r.Name, Field: "resourceType", Message: fmt.Sprintf("unknown resource type %q", r.Type)})
				continue
			}
			canonical(typ.Spec(), r.Params)
			rc := rctx
			rc.SkipFinalSnapshot = r.SkipFinalSnapshot
			rc.Layer, rc.Index = li, len(pl.Resources)
			bound, probs := typ.Bind(resource.Params(r.Params), rc)
			for _, pr := range probs {
				pr.LayerIndex, pr.Layer, pr.ResourceIndex, pr.ResourceName = l.Index, l.Number, r.Index, r.Name
				problems = append(problems, pr)
			}
			if len(probs) > 0 {
				continue
			}
			red := r.Redacted()
			timeout := r.Timeout
			if timeout <= 0 {
				timeout = bound.Timeout()
			}
			steps := make([]string, 0, len(bound.Steps()))
			for _, st := range bound.Steps() {
				steps = append(steps, st.Name())
			}
			rs := journal.ResourceSpec{Index: r.Index, Name: r.Name, Type: r.Type, Region: bound.Region(), Params: red.Params,
				Refs: red.Refs, Secret: red.Secret, ContinueOnError: r.ContinueOnError, SkipFinalSnapshot: r.SkipFinalSnapshot,
				Timeout: timeout, Steps: steps}
			var secrets map[string]string
			for k, secret := range r.Secret {
				if secret {
					if secrets == nil {
						secrets = map[string]string{}
					}
					secrets[k] = r.Params[k]
				}
			}
			pl.Resources = append(pl.Resources, PlanResource{Spec: rs, Resource: bound, secrets: secrets})
			ls.Resources = append(ls.Resources, rs)
		}
		problems = append(problems, sameDatabase(l, pl)...)
		p.Layers = append(p.Layers, pl)
		spec.Layers = append(spec.Layers, ls)
	}
	p.Spec = spec
	return p, problems
}

// sameDatabase refuses two resources of one layer that act on one database
// (they share a lock key): they would run at once and race, as two
// promotions of one replica, or a switchover and a detach of one global
// cluster, would. In different layers they run in order; the plan says so
// (Plan.SharedWith).
func sameDatabase(l ref.Layer, pl PlanLayer) manifest.Problems {
	var problems manifest.Problems
	first := map[string]int{} // lock key -> index in pl of the first resource holding it
	for i, r := range pl.Resources {
		for _, k := range r.Resource.Locks() {
			j, seen := first[k]
			if !seen {
				first[k] = i
				continue
			}
			other := pl.Resources[j].Spec
			problems = append(problems, manifest.Problem{LayerIndex: l.Index, Layer: l.Number, ResourceIndex: r.Spec.Index,
				ResourceName: r.Spec.Name,
				Message: fmt.Sprintf("acts on the same database as resource %d (%q) of this layer (%s): the resources of a layer run at once, and two operations on one database would race",
					other.Index, other.Name, k),
				Fix: "move one of them to a later layer, or remove it"})
			break
		}
	}
	return problems
}

// canonical binds the identifiers of params to the form AWS compares them
// in (cloud.ID), in place: from here on, comparisons, lock keys, plans and
// the journal all see that form.
func canonical(spec manifest.TypeSpec, params map[string]string) {
	for k, v := range params {
		if ps, ok := spec.Param(k); ok && ps.CaseInsensitive() {
			params[k] = cloud.ID(v)
		}
	}
}

// SecretValues returns the values of every secret parameter of res.
func SecretValues(res *ref.Result) []string {
	var out []string
	for _, l := range res.Layers {
		for _, r := range l.Resources {
			for k, secret := range r.Secret {
				if v := r.Params[k]; secret && v != "" {
					out = append(out, v)
				}
			}
		}
	}
	return out
}
