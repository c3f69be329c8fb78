package aurora_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"drorch/cloud"
	"drorch/resource"
	"drorch/resource/aurora"
	rt "drorch/resource/resourcetest"
)

// "finalSnapshot": false deletes the old cluster without a snapshot, and
// the plan says what that loses.
func TestSecondaryWithoutFinalSnapshot(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	afterUnplanned(c)
	r := rt.Bind(t, aurora.SecondaryCluster{}, failbackParams(), resource.Context{SkipFinalSnapshot: true})
	pf, err := r.Preflight(ctx, c.View())
	if err != nil || len(pf.Blockers) > 0 || !containsAll(pf.Warnings, "finalSnapshot is false", "lost for good") {
		t.Fatalf("preflight = %+v, %v", pf, err)
	}
	if _, err := rt.Drive(ctx, r, c); err != nil {
		t.Fatalf("Drive: %v", err)
	}
	var del map[string]string
	for _, m := range c.Mutations() {
		if m.Action == "DeleteDBCluster" {
			del = m.Args
		}
	}
	if want := map[string]string{"DBClusterIdentifier": rt.Cluster1, "SkipFinalSnapshot": "true"}; !maps.Equal(del, want) {
		t.Errorf("DeleteDBCluster args = %v, want %v", del, want)
	}
	if s := c.ClusterSnapshotState(rt.Primary, "drorch-"+rt.RunID+"-"+rt.Cluster1); s != nil {
		t.Errorf("a snapshot was taken: %+v", s)
	}
	for _, p := range r.Permissions() {
		if slices.Contains(p.Actions, "rds:CreateDBClusterSnapshot") {
			t.Errorf("rds:CreateDBClusterSnapshot asked for without a snapshot")
		}
	}
}

// Every case here would fail half-way on AWS: the old cluster removed,
// its instances and maybe the cluster deleted, then a refusal. The
// preflight, reading the live state whatever the payload says, blocks each
// before the first change with the reason and the fix; driving the same
// resource without it shows the destructive calls it prevents.
func TestSecondaryPreflightCatchesWhatWouldFailHalfway(t *testing.T) {
	t.Parallel()
	unencryptedSource := func(c *rt.Cloud) {
		afterUnplanned(c)
		withCluster2(func(cl *cloud.DBCluster) { cl.StorageEncrypted, cl.KmsKeyID = false, "" })(c)
	}
	tests := []struct {
		name    string
		params  resource.Params
		setup   func(c *rt.Cloud)
		blocker []string
	}{
		{"encrypted source, no KmsKeyId (StorageEncrypted False in the payload)",
			with(failbackParams(), "StorageEncrypted", "False", "KmsKeyId", ""), afterUnplanned,
			[]string{"dbcluster-02 (us-west-2) is encrypted", "set KmsKeyId to a key of us-east-1"}},
		{"unencrypted source, KmsKeyId given", failbackParams(), unencryptedSource,
			[]string{"is not encrypted, so its secondary cannot be", "set StorageEncrypted to False and remove KmsKeyId"}},
		{"a second member in ClusterRegion", failbackParams(), func(c *rt.Cloud) {
			// The global cluster already has the source as writer and a
			// secondary in us-east-1 by another name; the old cluster is
			// stand-alone there.
			afterUnplanned(c)
			other := "arn:aws:rds:us-east-1:123456789012:cluster:dbcluster-03"
			c.PutGlobalCluster(cloud.GlobalCluster{ID: rt.GlobalClusterID, Status: "available", Engine: rt.AuroraEngine, StorageEncrypted: true,
				Members: []cloud.GlobalClusterMember{{ClusterARN: rt.Cluster2ARN, IsWriter: true, Readers: []string{other}}, {ClusterARN: other}}})
			withCluster2(func(cl *cloud.DBCluster) { cl.GlobalClusterID = rt.GlobalClusterID })(c)
			c.PutCluster(cloud.DBCluster{ID: "dbcluster-03", ARN: other, Region: rt.Primary, Status: "available", Engine: rt.AuroraEngine, GlobalClusterID: rt.GlobalClusterID})
			cl := c.ClusterState(rt.Primary, rt.Cluster1)
			cl.GlobalClusterID = ""
			c.PutCluster(*cl)
		}, []string{"already has a member in us-east-1, dbcluster-03 (us-east-1)", "one cluster per region"}},
		{"the final snapshot's name is taken", failbackParams(), func(c *rt.Cloud) {
			afterUnplanned(c)
			c.PutClusterSnapshot(cloud.DBClusterSnapshot{ID: "drorch-r-test-dbcluster-01", Region: rt.Primary, ClusterID: "another-cluster", Status: "available"})
		}, []string{"DB cluster snapshot named drorch-r-test-dbcluster-01 already exists", "another --run-id"}},
		{"the instance name is taken by another cluster", failbackParams(), func(c *rt.Cloud) {
			afterUnplanned(c)
			in := c.InstanceState(rt.Primary, rt.Instance1)
			in.ClusterID = "another-cluster"
			c.PutInstance(*in)
			cl := c.ClusterState(rt.Primary, rt.Cluster1)
			cl.Members = nil
			c.PutCluster(*cl)
		}, []string{"an instance named dbcluster-01-use1-instance-1 already exists", "choose another DBInstanceIdentifier"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			tt.setup(c)
			r := rt.Bind(t, aurora.SecondaryCluster{}, tt.params, resource.Context{})
			pf, err := r.Preflight(ctx, c.View())
			if err != nil {
				t.Fatal(err)
			}
			if !containsAll(pf.Blockers, tt.blocker...) {
				t.Fatalf("blockers = %q, want one saying %q", pf.Blockers, tt.blocker)
			}
			if len(c.Mutations()) > 0 {
				t.Fatalf("preflight made changes: %v", actions(c.Mutations()))
			}
			// Without the preflight, the run stops half-way.
			res, err := rt.Drive(ctx, r, c)
			if err == nil {
				t.Fatalf("the run succeeded: the case does not fail on AWS\n%s", strings.Join(res.Trace, "\n"))
			}
			destructive := slices.ContainsFunc(c.Mutations(), func(m rt.Call) bool {
				return strings.HasPrefix(m.Action, "Delete") || m.Action == "RemoveFromGlobalCluster"
			})
			if !destructive {
				t.Errorf("the run failed (%v) before any destructive call (%v): the case does not show what the preflight prevents", err, actions(c.Mutations()))
			}
		})
	}
}

// A stale cluster that is a member of another global cluster than
// GlobalClusterIdentifier is never taken out of it: blocked in the plan and
// in the run.
func TestSecondaryOldClusterOfAnotherGlobalCluster(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	afterUnplanned(c)
	withGlobal(func(g *cloud.GlobalCluster) { g.Members = nil })(c)
	cl := c.ClusterState(rt.Primary, rt.Cluster1)
	cl.GlobalClusterID = "other-gc"
	c.PutCluster(*cl)
	c.PutGlobalCluster(cloud.GlobalCluster{ID: "other-gc", Status: "available", Members: []cloud.GlobalClusterMember{{ClusterARN: rt.Cluster1ARN, IsWriter: true}}})
	r := rt.Bind(t, aurora.SecondaryCluster{}, failbackParams(), resource.Context{})
	pf, err := r.Preflight(ctx, c.View())
	if err != nil || !containsAll(pf.Blockers, "member of global cluster other-gc", "check DBClusterIdentifier and GlobalClusterIdentifier") {
		t.Fatalf("preflight = %+v, %v", pf, err)
	}
	if _, err := rt.Drive(ctx, r, c); err == nil || len(c.Mutations()) > 0 {
		t.Errorf("run: %v, mutations %v; want blocked before any change", err, actions(c.Mutations()))
	}
}
