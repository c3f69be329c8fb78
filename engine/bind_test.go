package engine

import (
	"testing"
	"time"

	"drorch/journal"
	"drorch/ref"
	"drorch/resource"
	"drorch/resource/all"
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
