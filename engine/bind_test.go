package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"drorch/journal"
	"drorch/manifest"
	"drorch/ref"
	"drorch/resource"
	"drorch/resource/all"
	"drorch/resource/rds"
)

func TestBindJournalsNoSecretAndLocatesProblems(t *testing.T) {
	t.Parallel()
	res := &ref.Result{Region: "us-west-2", Layers: []ref.Layer{{Number: 5, Index: 1, Resources: []ref.Resource{
		{Index: 0, Name: "promote", Type: "PromoteRDSReadReplica",
			Params: map[string]string{"RDSInstanceIdentifier": "hunter2"},
			Refs:   map[string]string{"RDSInstanceIdentifier": "resolve:ssm:/pw"}, Secret: map[string]bool{"RDSInstanceIdentifier": true}},
		{Index: 1, Name: "bad", Type: "PromoteRDSReadReplica", Params: map[string]string{"RDSInstanceIdentifier": "a",
			"TargetClusterIdentifier": "arn:aws:rds:us-west-2:123456789012:db:b"}},
	}}}}
	p, problems := Bind(res, all.Registry(), resource.Context{HomeRegion: "us-west-2"}, journal.RunSpec{Region: "us-west-2"})
	if len(problems) != 1 || problems[0].Layer != 5 || problems[0].LayerIndex != 1 || problems[0].ResourceIndex != 1 || problems[0].ResourceName != "bad" {
		t.Fatalf("problems = %+v, want one located at layer 5, resource 1 (bad)", problems)
	}
	if len(p.Layers) != 1 || len(p.Layers[0].Resources) != 1 {
		t.Fatalf("plan = %+v, want the good resource only", p.Layers)
	}
	spec := p.Spec.Layers[0].Resources[0]
	if spec.Params["RDSInstanceIdentifier"] != "" || len(spec.Secret) != 1 || spec.Refs["RDSInstanceIdentifier"] != "resolve:ssm:/pw" {
		t.Errorf("journaled spec = %+v, want the secret left out and named", spec)
	}
	if len(p.Secrets) != 1 || p.Secrets[0] != "hunter2" {
		t.Errorf("secrets = %v", p.Secrets)
	}
	if spec.Region != "us-west-2" || spec.Timeout != time.Hour || len(spec.Steps) != 1 || spec.Steps[0] != "promote" {
		t.Errorf("spec = %+v, want region, the type's default timeout and its steps", spec)
	}
}

// contextType records the Context its resources were bound with.
type contextType struct {
	resource.Type
	got *[]resource.Context
}

func (c contextType) Bind(p resource.Params, rc resource.Context) (resource.Resource, []manifest.Problem) {
	*c.got = append(*c.got, rc)
	return c.Type.Bind(p, rc)
}

// "finalSnapshot": false is the resource's own: it reaches its type's
// Bind, and the journal, for that resource only.
func TestBindCarriesFinalSnapshotPerResource(t *testing.T) {
	t.Parallel()
	var got []resource.Context
	reg := resource.NewRegistry(contextType{Type: rds.Promote{}, got: &got})
	params := func(id string) map[string]string { return map[string]string{"RDSInstanceIdentifier": id} }
	res := &ref.Result{Region: "us-west-2", Layers: []ref.Layer{{Number: 1, Resources: []ref.Resource{
		{Index: 0, Name: "keep", Type: "PromoteRDSReadReplica", Params: params("a")},
		{Index: 1, Name: "skip", Type: "PromoteRDSReadReplica", Params: params("b"), SkipFinalSnapshot: true},
	}}}}
	p, problems := Bind(res, reg, resource.Context{HomeRegion: "us-west-2"}, journal.RunSpec{})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if len(got) != 2 || got[0].SkipFinalSnapshot || !got[1].SkipFinalSnapshot || got[1].HomeRegion != "us-west-2" {
		t.Fatalf("contexts = %+v", got)
	}
	specs := p.Spec.Layers[0].Resources
	if specs[0].SkipFinalSnapshot || !specs[1].SkipFinalSnapshot {
		t.Errorf("journaled specs = %+v", specs)
	}
}

// Two resources of one layer on one database would run at once and race:
// they are bad input, named together, even spelled in another case. In two
// layers they run in order, and the plan says so.
func TestBindRefusesTwoResourcesOfALayerOnOneDatabase(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"
	planned := func(i int, name, global string) ref.Resource {
		return ref.Resource{Index: i, Name: name, Type: "PlannedFailoverAurora",
			Params: map[string]string{"GlobalClusterIdentifier": global, "DBClusterIdentifier": arn}}
	}
	unplanned := func(i int, name string) ref.Resource {
		return ref.Resource{Index: i, Name: name, Type: "UnPlannedFailoverAurora",
			Params: map[string]string{"GlobalClusterIdentifier": "dr-db", "DBClusterIdentifier": arn, "ClusterRegion": "us-west-2"}}
	}
	promote := func(i int, name, id string) ref.Resource {
		return ref.Resource{Index: i, Name: name, Type: "PromoteRDSReadReplica", Params: map[string]string{"RDSInstanceIdentifier": id}}
	}
	rctx := resource.Context{HomeRegion: "us-west-2", AllowDataLoss: true}

	for name, layer := range map[string][]ref.Resource{
		"planned and unplanned on one global cluster": {planned(0, "switch", "dr-db"), unplanned(1, "detach")},
		"one replica promoted twice, spelled twice":   {promote(0, "first", "rds-mysql-instance"), promote(1, "second", "RDS-MySQL-Instance")},
	} {
		res := &ref.Result{Region: "us-west-2", Layers: []ref.Layer{{Number: 1, Resources: layer}}}
		_, problems := Bind(res, all.Registry(), rctx, journal.RunSpec{})
		if len(problems) != 1 || problems[0].ResourceIndex != 1 ||
			!strings.Contains(problems[0].Error(), fmt.Sprintf("resource 0 (%q)", layer[0].Name)) ||
			!strings.Contains(problems[0].Error(), "move one of them to a later layer") {
			t.Errorf("%s: problems = %v, want one naming both resources and the fix", name, problems)
		}
	}

	res := &ref.Result{Region: "us-west-2", Layers: []ref.Layer{
		{Number: 1, Resources: []ref.Resource{planned(0, "switch", "dr-db")}},
		{Number: 2, Index: 1, Resources: []ref.Resource{unplanned(0, "detach")}},
	}}
	p, problems := Bind(res, all.Registry(), rctx, journal.RunSpec{})
	if len(problems) != 0 {
		t.Fatalf("two layers: %v", problems)
	}
	if got := p.SharedWith(1, 0); len(got) != 1 || got[0] != "switch (layer 1)" {
		t.Errorf("SharedWith = %v, want the switchover of layer 1", got)
	}
}
