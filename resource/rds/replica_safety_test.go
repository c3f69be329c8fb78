package rds_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"drorch/cloud"
	"drorch/resource"
	"drorch/resource/rds"
	rt "drorch/resource/resourcetest"
)

func withParams(kv ...string) resource.Params {
	p := failbackParams()
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

func TestReplicaBindKeyOfAnotherRegion(t *testing.T) {
	t.Parallel()
	_, probs := rds.ReadReplica{}.Bind(withParams("KmsKeyId", rt.KMSKeyDR), home)
	if len(probs) != 1 || probs[0].Field != "KmsKeyId" || !strings.Contains(probs[0].Error(), "a key of us-west-2, not of us-east-1") {
		t.Fatalf("problems = %v, want one on KmsKeyId", probs)
	}
}

// "finalSnapshot": false deletes the stale instance without a snapshot.
func TestReplicaWithoutFinalSnapshot(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	afterPromotion(c)
	r := rt.Bind(t, rds.ReadReplica{}, failbackParams(), resource.Context{HomeRegion: rt.Primary, SkipFinalSnapshot: true})
	pf, err := r.Preflight(ctx, c.View())
	if err != nil || len(pf.Blockers) > 0 || !slices.ContainsFunc(pf.Warnings, func(w string) bool { return strings.Contains(w, "without a final snapshot") }) {
		t.Fatalf("preflight = %+v, %v", pf, err)
	}
	if _, err := rt.Drive(ctx, r, c); err != nil {
		t.Fatalf("Drive: %v", err)
	}
	if del := c.Mutations()[0]; !maps.Equal(del.Args, map[string]string{"DBInstanceIdentifier": rt.RDSInstance, "SkipFinalSnapshot": "true"}) {
		t.Errorf("DeleteDBInstance args = %v", del.Args)
	}
	for _, p := range r.Permissions() {
		if slices.Contains(p.Actions, "rds:CreateDBSnapshot") {
			t.Errorf("rds:CreateDBSnapshot asked for without a snapshot")
		}
	}
}

// Each case would fail half-way on AWS: the stale us-east-1 instance
// deleted, then CreateDBInstanceReadReplica refused. The preflight reads
// the source as it is, whatever the payload says, and blocks first.
func TestReplicaPreflightCatchesWhatWouldFailHalfway(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		params  resource.Params
		setup   func(c *rt.Cloud)
		blocker []string
	}{
		{"a source without automated backups", failbackParams(),
			withInstance(rt.DR, func(in *cloud.DBInstance) { in.BackupRetentionPeriod = 0 }),
			[]string{"keeps no automated backups", "--backup-retention-period 7"}},
		{"an encrypted source, no KmsKeyId", withParams("KmsKeyId", ""), func(*rt.Cloud) {},
			[]string{"is encrypted", "needs a KMS key of us-east-1: set KmsKeyId"}},
		{"an unencrypted source, KmsKeyId given", failbackParams(),
			withInstance(rt.DR, func(in *cloud.DBInstance) { in.StorageEncrypted, in.KmsKeyID = false, "" }),
			[]string{"is not encrypted", "remove KmsKeyId"}},
		{"the final snapshot's name is taken", failbackParams(), func(c *rt.Cloud) {
			c.PutDBSnapshot(cloud.DBSnapshot{ID: "drorch-" + rt.RunID + "-" + rt.RDSInstance, Region: rt.Primary, InstanceID: "another", Status: "available"})
		}, []string{"DB snapshot named drorch-r-test-rds-mysql-instance already exists", "another --run-id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			afterPromotion(c)
			tt.setup(c)
			r := rt.Bind(t, rds.ReadReplica{}, tt.params, home)
			pf, err := r.Preflight(ctx, c.View())
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(pf.Blockers, func(b string) bool {
				for _, w := range tt.blocker {
					if !strings.Contains(b, w) {
						return false
					}
				}
				return true
			}) {
				t.Fatalf("blockers = %q, want one saying %q", pf.Blockers, tt.blocker)
			}
			if len(c.Mutations()) > 0 {
				t.Fatalf("preflight made changes: %v", actions(c.Mutations()))
			}
			// The steps refuse too, once they see it; without the
			// preflight the stale instance would be gone by then.
			if _, err := rt.Drive(ctx, r, c); err == nil {
				t.Fatal("the run succeeded: the case does not fail on AWS")
			}
		})
	}
}
