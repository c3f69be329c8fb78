package runner

import (
	"context"
	"slices"
	"testing"
	"time"

	"drorch/journal"
	"drorch/resource/all"
	rt "drorch/resource/resourcetest"
)

// A resumed run deletes as the run it continues would have: the journaled
// "finalSnapshot": false binds the resource again without its snapshot,
// and a run that took one takes one again.
func TestRebindKeepsTheFinalSnapshotChoice(t *testing.T) {
	t.Parallel()
	params := map[string]string{"RDSInstanceIdentifier": "rds-mysql-instance", "SourceRDSInstanceIdentifier": "rds-mysql-instance",
		"SourceRegion": "us-west-2", "DBInstanceClass": "db.r5.large", "KmsKeyId": "alias/aws/rds"}
	spec := func(skip bool) journal.RunSpec {
		return journal.RunSpec{Command: "run", Region: "us-east-1", Layers: []journal.LayerSpec{{Number: 1, Resources: []journal.ResourceSpec{{
			Index: 0, Name: "replica", Type: "CreateRDSReadReplica", Region: "us-east-1", Params: params,
			SkipFinalSnapshot: skip, Timeout: time.Hour, Steps: []string{"delete-stale", "create-replica"}}}}}}
	}
	fake := rt.NewSeed()
	c := Cloud{Region: "us-east-1", Reader: fake, Identity: fake}
	for _, skip := range []bool{false, true} {
		p, err := Rebind(context.Background(), c, all.Registry(), spec(skip))
		if err != nil {
			t.Fatalf("skip %v: %v", skip, err)
		}
		r := p.Layers[0].Resources[0]
		takes := false
		for _, perm := range r.Resource.Permissions() {
			takes = takes || slices.Contains(perm.Actions, "rds:CreateDBSnapshot")
		}
		if takes == skip || r.Spec.SkipFinalSnapshot != skip {
			t.Errorf("journaled finalSnapshot false = %v: rebound resource takes a snapshot = %v, spec %+v", skip, takes, r.Spec)
		}
	}
}
