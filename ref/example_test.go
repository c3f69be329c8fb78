package ref_test

import (
	"context"
	"fmt"

	"drorch/manifest"
	"drorch/ref"
	"drorch/resource/aurora"
	"drorch/resource/rds"
)

// exportsOf is a one-page export listing.
type exportsOf []ref.Export

func (e exportsOf) ListExports(ctx context.Context, region, token string) ([]ref.Export, string, error) {
	return e, "", nil
}

// secrets is an SSM holding one SecureString.
type secrets map[string]string

func (s secrets) GetParameter(ctx context.Context, region, name string, decrypt bool) (ref.Parameter, error) {
	return ref.Parameter{Name: name, Type: ref.TypeSecureString, Value: s[name], Version: 1}, nil
}

// The engine's path from payload bytes to what it runs and journals: Load
// (decode and validate, no AWS), Resolve (read-only lookups), then per
// resource the resolved Params for the handler and the Redacted view for
// the journal.
func Example() {
	payload := []byte(`
StatePayload:
  - layer: 2
    resources:
      - resourceType: PromoteRDSReadReplica
        resourceName: Promote the RDS replica
        parameters:
          RDSInstanceIdentifier: !Import rds-mysql-instance-identifier
  - layer: 1
    resources:
      - resourceType: PlannedFailoverAurora
        resourceName: Switchover
        parameters:
          GlobalClusterIdentifier: resolve:ssm:/dr/global-cluster
          DBClusterIdentifier: arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02
`)
	catalog := manifest.NewCatalog(aurora.PlannedSpec(), rds.PromoteSpec())
	p, problems := manifest.Load(payload, catalog)
	if len(problems) > 0 {
		fmt.Println(problems) // exit code 2, nothing run
		return
	}
	r := &ref.Resolver{
		Exports:    exportsOf{{Name: "rds-mysql-instance-identifier", Value: "rds-mysql-instance"}},
		Parameters: secrets{"/dr/global-cluster": "dr-globaldb-cluster-mysql"},
		Region:     "us-west-2",
	}
	res, problems, err := r.Resolve(context.Background(), p, catalog)
	if err != nil || len(problems) > 0 {
		fmt.Println(err, problems)
		return
	}
	for _, l := range res.Layers { // in run order
		for _, rr := range l.Resources {
			red := rr.Redacted() // journal.ResourceSpec{Index: rr.Index, Params: red.Params, Refs: red.Refs, Secret: red.Secret, ...}
			fmt.Printf("layer %d (StatePayload[%d]) resource %d %s: journaled %v, secret %v\n", l.Number, l.Index, rr.Index, rr.Type, red.Params, red.Secret)
		}
	}
	fmt.Println(res.Layers[0].Resources[0].Params["GlobalClusterIdentifier"] != "") // the handler gets the value
	// Output:
	// layer 1 (StatePayload[1]) resource 0 PlannedFailoverAurora: journaled map[DBClusterIdentifier:arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02 GlobalClusterIdentifier:], secret [GlobalClusterIdentifier]
	// layer 2 (StatePayload[0]) resource 0 PromoteRDSReadReplica: journaled map[RDSInstanceIdentifier:rds-mysql-instance], secret []
	// true
}
