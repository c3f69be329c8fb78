package all_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"drorch/cloud"
	"drorch/resource"
	"drorch/resource/all"
	rt "drorch/resource/resourcetest"
)

// The payloads of the original framework name these types; drorch adds
// ManagedFailoverAurora and ManualApproval.
var wantTypes = []string{
	"CreateAuroraSecondaryDBCluster", "CreateRDSReadReplica", "FailoverElastiCacheCluster",
	"ManagedFailoverAurora", "ManualApproval", "PlannedFailoverAurora", "PromoteRDSReadReplica", "UnPlannedFailoverAurora",
}

// exampleParams fills every parameter with its spec's example (or default),
// which the specs keep consistent with each other.
func exampleParams(t resource.Type) resource.Params {
	p := resource.Params{}
	for _, ps := range t.Spec().Params {
		p[ps.Name] = ps.Example
		if ps.Example == "" {
			p[ps.Name] = ps.Default
		}
	}
	return p
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	if got := all.Registry().Names(); !slices.Equal(got, wantTypes) {
		t.Fatalf("types = %v, want %v", got, wantTypes)
	}
}

func TestSpecsConsistent(t *testing.T) {
	t.Parallel()
	reg := all.Registry()
	for _, name := range reg.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			typ, _ := reg.Type(name)
			spec := typ.Spec()
			seen := map[string]bool{}
			for _, p := range spec.Params {
				if seen[p.Name] || p.Doc == "" || p.Example == "" {
					t.Errorf("parameter %s: duplicate, or without doc or example", p.Name)
				}
				seen[p.Name] = true
			}
			ctx := resource.Context{HomeRegion: "us-east-1", AllowDataLoss: true, Account: "123456789012"}
			r, probs := typ.Bind(exampleParams(typ), ctx)
			if len(probs) > 0 {
				t.Fatalf("the spec's own examples do not bind: %v", probs)
			}
			// A type that touches no AWS resource (it needs no
			// permission: ManualApproval) has nothing to lock or watch.
			touchesAWS := len(r.Permissions()) > 0
			if r.Region() == "" || r.Timeout() <= 0 || touchesAWS != (len(r.Locks()) > 0) || touchesAWS != (len(r.Watch()) > 0) {
				t.Errorf("region %q, timeout %v, locks %v, watch %v", r.Region(), r.Timeout(), r.Locks(), r.Watch())
			}
			allowed := map[string]bool{}
			for _, p := range r.Permissions() {
				if len(p.Actions) == 0 || len(p.Resources) == 0 {
					t.Errorf("permission %+v is empty", p)
				}
				for _, a := range p.Actions {
					allowed[a] = true
				}
				for _, res := range p.Resources {
					if res != "*" && !strings.HasPrefix(res, "arn:") {
						t.Errorf("permission resource %q is not an ARN", res)
					}
				}
			}
			steps := r.Steps()
			if len(steps) == 0 {
				t.Fatal("no steps")
			}
			names := map[string]bool{}
			for _, s := range steps {
				if s.Name() == "" || names[s.Name()] {
					t.Errorf("step name %q empty or not unique", s.Name())
				}
				names[s.Name()] = true
				// On the seed topology every step can say what it would
				// call (some steps have nothing to do there and say so
				// with no call): each call must be one the fake cloud,
				// like AWS, knows, made in a region, and allowed by the
				// type's permissions.
				calls, err := s.Calls(context.Background(), rt.NewSeed().View())
				if err != nil {
					t.Errorf("step %s: calls on the seed topology: %v", s.Name(), err)
				}
				for _, c := range calls {
					if c.Region == "" {
						t.Errorf("step %s: call %s has no region", s.Name(), c.Action)
					}
					if !allowed[c.Service+":"+c.Action] {
						t.Errorf("step %s calls %s but Permissions do not allow %s:%s", s.Name(), c.Action, c.Service, c.Action)
					}
					if _, err := rt.NewSeed().Execute(context.Background(), c); cloud.IsKind(err, cloud.KindInvalidInput) && strings.Contains(err.Error(), "does not implement") {
						t.Errorf("step %s: %v", s.Name(), err)
					}
				}
			}
			for _, k := range r.Watch() {
				if k.Kind == "" || k.Region == "" || k.ID == "" {
					t.Errorf("watch key %+v incomplete", k)
				}
			}
		})
	}
}

// Failovers are recoveries (their duration is an RTO); rebuilds are not.
func TestRecoveries(t *testing.T) {
	t.Parallel()
	reg := all.Registry()
	for name, want := range map[string]bool{
		"PlannedFailoverAurora": true, "UnPlannedFailoverAurora": true, "ManagedFailoverAurora": true,
		"PromoteRDSReadReplica": true, "FailoverElastiCacheCluster": true,
		"CreateAuroraSecondaryDBCluster": false, "CreateRDSReadReplica": false, "ManualApproval": false,
	} {
		typ, ok := reg.Type(name)
		if !ok || resource.IsRecovery(typ) != want {
			t.Errorf("%s: recovery = %v, want %v", name, ok && resource.IsRecovery(typ), want)
		}
	}
}
