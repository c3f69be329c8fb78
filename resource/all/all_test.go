package all_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"drorch/resource"
	"drorch/resource/all"
)

// The payloads of the original framework name these types; drorch adds
// ManagedFailoverAurora.
var wantTypes = []string{
	"CreateAuroraSecondaryDBCluster", "CreateRDSReadReplica", "FailoverElastiCacheCluster",
	"ManagedFailoverAurora", "PlannedFailoverAurora", "PromoteRDSReadReplica", "UnPlannedFailoverAurora",
}

// realActions are the AWS actions the handlers may call: the methods of
// resource's cloud interfaces are named after them.
func realActions() map[string]string {
	out := map[string]string{}
	for iface, service := range map[reflect.Type]string{
		reflect.TypeFor[resource.GlobalClusterAPI](): "rds",
		reflect.TypeFor[resource.ClusterAPI]():       "rds",
		reflect.TypeFor[resource.InstanceAPI]():      "rds",
		reflect.TypeFor[resource.DatastoreAPI]():     "elasticache",
	} {
		for i := range iface.NumMethod() {
			out[iface.Method(i).Name] = service
		}
	}
	return out
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
	actions := realActions()
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
			if r.Region() == "" || r.Timeout() <= 0 || len(r.Locks()) == 0 || len(r.Watch()) == 0 {
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
				if len(s.Calls()) == 0 {
					t.Errorf("step %s declares no call", s.Name())
				}
				for _, c := range s.Calls() {
					if service, ok := actions[c.Action]; !ok || service != c.Service {
						t.Errorf("step %s calls %s:%s, not a real action", s.Name(), c.Service, c.Action)
					}
					if c.Region == "" {
						t.Errorf("step %s: call %s has no region", s.Name(), c.Action)
					}
					if !allowed[c.Service+":"+c.Action] {
						t.Errorf("step %s calls %s but Permissions do not allow %s:%s", s.Name(), c.Action, c.Service, c.Action)
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
