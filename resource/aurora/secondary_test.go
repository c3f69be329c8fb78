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

const (
	keyUSE1 = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	role    = "arn:aws:iam::123456789012:role/rds-monitoring-role"
)

// failbackParams is the README's test case 3 with its imports resolved in
// us-east-1: rebuild dbcluster-01 as a secondary of dbcluster-02.
func failbackParams() resource.Params {
	return resource.Params{
		"GlobalClusterIdentifier": rt.GlobalClusterID, "DBClusterIdentifier": rt.Cluster1ARN,
		"DBClusterName": rt.Cluster1, "SourceDBClusterIdentifier": rt.Cluster2ARN,
		"DBInstanceIdentifier": rt.Instance1, "Port": "3787", "DBInstanceClass": "db.r5.large",
		"DBSubnetGroupName": "dr-globaldb-subnet-group", "VpcSecurityGroupIds": "sg-0a1b2c3d4e5f60001",
		"Engine": rt.AuroraEngine, "EngineVersion": rt.AuroraVersion, "KmsKeyId": keyUSE1,
		"SourceRegion": rt.DR, "ClusterRegion": rt.Primary, "BackupRetentionPeriod": "7",
		"MonitoringInterval": "60", "StorageEncrypted": "True", "EnableIAMDatabaseAuthentication": "True",
		"DeletionProtection": "True", "CopyTagsToSnapshot": "True", "AutoMinorVersionUpgrade": "True",
		"MonitoringRoleArn": role,
	}
}

func with(p resource.Params, kv ...string) resource.Params {
	out := maps.Clone(p)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// afterUnplanned is the world after an unplanned failover to us-west-2 and
// the return of us-east-1: dbcluster-02 is a stand-alone writer, the stale
// dbcluster-01 is still the writer of the global cluster, alone in it.
func afterUnplanned(c *rt.Cloud) {
	withGlobal(func(g *cloud.GlobalCluster) {
		g.Members = g.Members[:1]
		g.Members[0].Readers = []string{}
	})(c)
	withCluster2(func(cl *cloud.DBCluster) {
		cl.GlobalClusterID = ""
		cl.Members[0].IsWriter = true
	})(c)
}

func TestSecondaryBind(t *testing.T) {
	t.Parallel()
	west := "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-01"
	tests := []struct {
		name   string
		params resource.Params
		field  string
		want   string
	}{
		{"old cluster in another region", with(failbackParams(), "DBClusterIdentifier", west), "ClusterRegion", "set ClusterRegion to us-west-2"},
		{"source in another region", with(failbackParams(), "SourceRegion", "eu-west-1"), "SourceRegion", "set SourceRegion to us-west-2"},
		{"same regions", with(failbackParams(), "DBClusterIdentifier", west, "ClusterRegion", rt.DR, "KmsKeyId", ""), "SourceRegion", "both us-west-2"},
		{"monitoring without role", with(failbackParams(), "MonitoringRoleArn", ""), "MonitoringRoleArn", "Enhanced Monitoring needs a role"},
		{"encrypted without key", with(failbackParams(), "KmsKeyId", ""), "KmsKeyId", "needs a KMS key of us-east-1"},
		{"key of the wrong region", with(failbackParams(), "KmsKeyId", "arn:aws:kms:us-west-2:123456789012:key/1a2b"), "KmsKeyId", "a key of us-west-2, not of ClusterRegion us-east-1"},
		{"source not an ARN", with(failbackParams(), "SourceDBClusterIdentifier", "dbcluster-02"), "SourceDBClusterIdentifier", "not an Aurora cluster ARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, probs := aurora.SecondaryCluster{}.Bind(tt.params, resource.Context{})
			if len(probs) == 0 {
				t.Fatalf("no problem, want one on %s", tt.field)
			}
			found := false
			for _, p := range probs {
				found = found || (p.Field == tt.field && strings.Contains(p.Error(), tt.want))
			}
			if !found {
				t.Errorf("problems = %v, want %q on %s", probs, tt.want, tt.field)
			}
		})
	}
	if _, probs := (aurora.SecondaryCluster{}).Bind(with(failbackParams(), "StorageEncrypted", "False", "KmsKeyId", "", "MonitoringInterval", "0", "MonitoringRoleArn", ""), resource.Context{}); len(probs) != 0 {
		t.Errorf("unencrypted, unmonitored: problems %v", probs)
	}
}

func TestSecondaryRun(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	afterUnplanned(c)
	r := rt.Bind(t, aurora.SecondaryCluster{}, failbackParams(), resource.Context{})
	if _, err := rt.Drive(ctx, r, c); err != nil {
		t.Fatalf("Drive: %v", err)
	}
	want := []string{
		"RemoveFromGlobalCluster@us-east-1", "DeleteDBInstance@us-east-1", "DeleteDBCluster@us-east-1",
		"DeleteGlobalCluster@us-east-1", "CreateGlobalCluster@us-west-2", "CreateDBCluster@us-east-1", "CreateDBInstance@us-east-1",
	}
	muts := c.Mutations()
	if got := actions(muts); !slices.Equal(got, want) {
		t.Fatalf("mutations = %v\nwant %v", got, want)
	}
	wantCluster := map[string]string{
		"DBClusterIdentifier": rt.Cluster1, "GlobalClusterIdentifier": rt.GlobalClusterID, "Engine": rt.AuroraEngine,
		"EngineVersion": rt.AuroraVersion, "Port": "3787", "DBSubnetGroupName": "dr-globaldb-subnet-group",
		"VpcSecurityGroupIds": "sg-0a1b2c3d4e5f60001", "KmsKeyId": keyUSE1, "SourceRegion": rt.DR,
		"BackupRetentionPeriod": "7", "StorageEncrypted": "true", "EnableIAMDatabaseAuthentication": "true",
		"DeletionProtection": "true", "CopyTagsToSnapshot": "true",
	}
	if !maps.Equal(muts[5].Args, wantCluster) {
		t.Errorf("CreateDBCluster args = %v\nwant %v", muts[5].Args, wantCluster)
	}
	wantInstance := map[string]string{
		"DBInstanceIdentifier": rt.Instance1, "DBClusterIdentifier": rt.Cluster1, "DBInstanceClass": "db.r5.large",
		"Engine": rt.AuroraEngine, "MonitoringInterval": "60", "MonitoringRoleArn": role, "AutoMinorVersionUpgrade": "true",
	}
	if !maps.Equal(muts[6].Args, wantInstance) {
		t.Errorf("CreateDBInstance args = %v\nwant %v", muts[6].Args, wantInstance)
	}
	if muts[1].Args["DBInstanceIdentifier"] != rt.Instance1 || muts[1].Args["SkipFinalSnapshot"] != "true" {
		t.Errorf("DeleteDBInstance args = %v", muts[1].Args)
	}
	// The old primary's data is kept: a final snapshot named after the
	// run, available before the rebuild went on.
	snapID := "drorch-" + rt.RunID + "-" + rt.Cluster1
	if want := map[string]string{"DBClusterIdentifier": rt.Cluster1, "FinalDBSnapshotIdentifier": snapID}; !maps.Equal(muts[2].Args, want) {
		t.Errorf("DeleteDBCluster args = %v, want %v", muts[2].Args, want)
	}
	if s := c.ClusterSnapshotState(rt.Primary, snapID); s == nil || s.Status != "available" || s.ClusterID != rt.Cluster1 || !s.StorageEncrypted {
		t.Errorf("final snapshot after the run: %+v", s)
	}
	g := c.GlobalClusterState(rt.GlobalClusterID)
	if w, _ := g.Writer(); w.ClusterARN != rt.Cluster2ARN || len(g.Members) != 2 {
		t.Errorf("global cluster after the run: %+v", g)
	}
	res, err := rt.Drive(ctx, r, c)
	if err != nil || !res.AlreadyDone || len(c.Mutations()) != len(want) {
		t.Errorf("re-run = %+v, %v; want already done and no call", res, err)
	}
}

// A run after a partial one must not take the new secondary, which has
// the old one's name, for the stale cluster.
func TestSecondaryRerunKeepsNewCluster(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	afterUnplanned(c)
	r := rt.Bind(t, aurora.SecondaryCluster{}, failbackParams(), resource.Context{})
	if _, err := rt.Drive(ctx, r, c); err != nil {
		t.Fatal(err)
	}
	c.Delete(rt.Primary, rt.Instance1)
	cl := c.ClusterState(rt.Primary, rt.Cluster1)
	cl.Members = nil
	c.PutCluster(*cl)
	before := len(c.Mutations())
	res, err := rt.Drive(ctx, r, c)
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(c.Mutations()[before:]); !slices.Equal(got, []string{"CreateDBInstance@us-east-1"}) {
		t.Errorf("second run made %v, want only the instance", got)
	}
	wantSkipped := []string{"detach-old", "delete-old-instances", "delete-old-cluster", "delete-old-global-cluster", "create-global-cluster", "create-cluster"}
	if !slices.Equal(res.Skipped, wantSkipped) {
		t.Errorf("skipped %v, want %v", res.Skipped, wantSkipped)
	}
}

// After a managed failover the old primary is already a secondary of the
// global cluster whose writer is the source: nothing to do.
func TestSecondaryAfterManagedFailover(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	swapped(c)
	r := rt.Bind(t, aurora.SecondaryCluster{}, failbackParams(), resource.Context{})
	res, err := rt.Drive(ctx, r, c)
	if err != nil || !res.AlreadyDone {
		t.Fatalf("Drive = %+v, %v; want already done", res, err)
	}
}

func TestSecondaryDeleteInstancesOnlyWhatRemains(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	afterUnplanned(c)
	cl := c.ClusterState(rt.Primary, rt.Cluster1)
	cl.GlobalClusterID = ""
	cl.Members = append(cl.Members, cloud.DBClusterMember{InstanceID: "dbcluster-01-use1-instance-2"})
	c.PutCluster(*cl)
	c.PutInstance(cloud.DBInstance{ID: "dbcluster-01-use1-instance-2", Region: rt.Primary, Status: "deleting", ClusterID: rt.Cluster1})
	r := rt.Bind(t, aurora.SecondaryCluster{}, failbackParams(), resource.Context{})
	s := rt.Step(t, r, "delete-old-instances")
	v, err := s.Check(ctx, c.View())
	rt.WantVerdict(t, v, err, resource.Ready, rt.Instance1)
	if err := rt.Do(ctx, s, c); err != nil {
		t.Fatal(err)
	}
	if got := actions(c.Mutations()); !slices.Equal(got, []string{"DeleteDBInstance@us-east-1"}) || c.Mutations()[0].Args["DBInstanceIdentifier"] != rt.Instance1 {
		t.Fatalf("mutations = %v, want one delete of %s", got, rt.Instance1)
	}
	// Every instance deleting is enough: the cluster's deletion may start.
	v, err = s.Check(ctx, c.View())
	rt.WantVerdict(t, v, err, resource.Done, "deleting")
	// A second Do (a retry) finds nothing left to delete.
	if err := rt.Do(ctx, s, c); err != nil || len(c.Mutations()) != 1 {
		t.Fatalf("second Do: %v, %d mutations", err, len(c.Mutations()))
	}
	c.Settle()
	c.Delete(rt.Primary, "dbcluster-01-use1-instance-2")
	cl = c.ClusterState(rt.Primary, rt.Cluster1)
	cl.Members = nil
	c.PutCluster(*cl)
	v, err = s.Check(ctx, c.View())
	rt.WantVerdict(t, v, err, resource.Done, "no instances")
}

func TestSecondaryStepChecks(t *testing.T) {
	t.Parallel()
	oldAlone := func(c *rt.Cloud) { // old cluster detached, instances gone
		afterUnplanned(c)
		withGlobal(func(g *cloud.GlobalCluster) { g.Members = nil })(c)
		cl := c.ClusterState(rt.Primary, rt.Cluster1)
		cl.GlobalClusterID, cl.Members = "", nil
		c.PutCluster(*cl)
		c.Delete(rt.Primary, rt.Instance1)
	}
	tests := []struct {
		name  string
		step  string
		setup func(c *rt.Cloud)
		state resource.State
		want  []string
	}{
		{"detach the stale writer", "detach-old", afterUnplanned, resource.Ready, []string{"dbcluster-01 (us-east-1)", "writer"}},
		{"never detach the live primary", "detach-old", func(*rt.Cloud) {}, resource.Blocked, []string{"live primary"}},
		{"old cluster gone", "detach-old", func(c *rt.Cloud) { c.Delete(rt.Primary, rt.Cluster1) }, resource.Done, []string{"does not exist"}},
		{"old cluster promoting", "detach-old", func(c *rt.Cloud) {
			cl := c.ClusterState(rt.Primary, rt.Cluster1)
			cl.GlobalClusterID, cl.Status = "", "promoting"
			c.PutCluster(*cl)
		}, resource.InProgress, []string{"promoting"}},
		{"protected instance", "delete-old-instances", func(c *rt.Cloud) {
			in := c.InstanceState(rt.Primary, rt.Instance1)
			in.DeletionProtection = true
			c.PutInstance(*in)
		}, resource.Blocked, []string{"--no-deletion-protection"}},
		{"protected cluster", "delete-old-cluster", func(c *rt.Cloud) {
			oldAlone(c)
			cl := c.ClusterState(rt.Primary, rt.Cluster1)
			cl.DeletionProtection = true
			c.PutCluster(*cl)
		}, resource.Blocked, []string{"aws rds modify-db-cluster --region us-east-1 --db-cluster-identifier dbcluster-01 --no-deletion-protection --apply-immediately"}},
		{"delete the old cluster", "delete-old-cluster", oldAlone, resource.Ready, []string{"after a final snapshot drorch-r-test-dbcluster-01"}},
		{"old cluster still promoting after its detach", "delete-old-cluster", func(c *rt.Cloud) {
			oldAlone(c)
			cl := c.ClusterState(rt.Primary, rt.Cluster1)
			cl.Status = "promoting"
			c.PutCluster(*cl)
		}, resource.InProgress, []string{"waiting for available to take its final snapshot"}},
		// AWS keeps the cluster available while its final snapshot is
		// taken: the deletion is under way, not undone nor unstarted.
		{"final snapshot being taken, cluster available", "delete-old-cluster", func(c *rt.Cloud) {
			oldAlone(c)
			c.PutClusterSnapshot(cloud.DBClusterSnapshot{ID: "drorch-r-test-dbcluster-01", Region: rt.Primary, ClusterID: rt.Cluster1, Status: "creating"})
		}, resource.InProgress, []string{"final snapshot drorch-r-test-dbcluster-01", "creating", "stays available"}},
		{"old cluster gone, snapshot still creating", "delete-old-cluster", func(c *rt.Cloud) {
			c.Delete(rt.Primary, rt.Cluster1)
			c.PutClusterSnapshot(cloud.DBClusterSnapshot{ID: "drorch-r-test-dbcluster-01", Region: rt.Primary, ClusterID: rt.Cluster1, Status: "creating"})
		}, resource.InProgress, []string{"waiting for its final snapshot"}},
		{"old cluster gone, snapshot available", "delete-old-cluster", func(c *rt.Cloud) {
			c.Delete(rt.Primary, rt.Cluster1)
			c.PutClusterSnapshot(cloud.DBClusterSnapshot{ID: "drorch-r-test-dbcluster-01", Region: rt.Primary, ClusterID: rt.Cluster1, Status: "available"})
		}, resource.Done, []string{"final snapshot drorch-r-test-dbcluster-01 is available"}},
		{"old cluster gone, snapshot failed", "delete-old-cluster", func(c *rt.Cloud) {
			c.Delete(rt.Primary, rt.Cluster1)
			c.PutClusterSnapshot(cloud.DBClusterSnapshot{ID: "drorch-r-test-dbcluster-01", Region: rt.Primary, ClusterID: rt.Cluster1, Status: "failed"})
		}, resource.Failed, []string{"failed"}},
		{"snapshot name taken by another cluster", "delete-old-cluster", func(c *rt.Cloud) {
			oldAlone(c)
			c.PutClusterSnapshot(cloud.DBClusterSnapshot{ID: "drorch-r-test-dbcluster-01", Region: rt.Primary, ClusterID: "other", Status: "available"})
		}, resource.Blocked, []string{"already exists", "of cluster other"}},
		{"detach under way, still listed", "detach-old", func(c *rt.Cloud) {
			afterUnplanned(c)
			cl := c.ClusterState(rt.Primary, rt.Cluster1)
			cl.Status = "promoting"
			c.PutCluster(*cl)
		}, resource.InProgress, []string{"being removed from global cluster", "still listed"}},
		{"old cluster in another global cluster", "detach-old", func(c *rt.Cloud) {
			afterUnplanned(c)
			cl := c.ClusterState(rt.Primary, rt.Cluster1)
			cl.GlobalClusterID = "other-gc"
			c.PutCluster(*cl)
			c.PutGlobalCluster(cloud.GlobalCluster{ID: "other-gc", Status: "available", Members: []cloud.GlobalClusterMember{{ClusterARN: rt.Cluster1ARN, IsWriter: true}}})
		}, resource.Blocked, []string{"member of global cluster other-gc, not of dr-globaldb-cluster-mysql"}},
		{"old cluster deleting", "delete-old-cluster", func(c *rt.Cloud) {
			oldAlone(c)
			cl := c.ClusterState(rt.Primary, rt.Cluster1)
			cl.Status = "deleting"
			c.PutCluster(*cl)
		}, resource.InProgress, []string{"deleting"}},
		{"empty global cluster", "delete-old-global-cluster", oldAlone, resource.Ready, []string{"empty"}},
		{"global cluster with other members", "delete-old-global-cluster", func(c *rt.Cloud) {
			withGlobal(func(g *cloud.GlobalCluster) { g.Members = g.Members[1:] })(c)
		}, resource.Blocked, []string{"still has members", "dbcluster-02 (us-west-2)"}},
		{"global cluster reused", "delete-old-global-cluster", swapped, resource.Done, []string{"reused"}},
		{"no global cluster", "delete-old-global-cluster", func(c *rt.Cloud) { c.Delete("", rt.GlobalClusterID) }, resource.Done, []string{"does not exist"}},
		{"create the global cluster", "create-global-cluster", func(c *rt.Cloud) {
			oldAlone(c)
			c.Delete("", rt.GlobalClusterID)
		}, resource.Ready, []string{"from dbcluster-02 (us-west-2)"}},
		{"old global cluster still deleting", "create-global-cluster", func(c *rt.Cloud) {
			oldAlone(c)
			withGlobal(func(g *cloud.GlobalCluster) { g.Status = "deleting" })(c)
		}, resource.InProgress, []string{"deleted"}},
		{"source in another global cluster", "create-global-cluster", func(c *rt.Cloud) {
			c.Delete("", rt.GlobalClusterID)
			withCluster2(func(cl *cloud.DBCluster) { cl.GlobalClusterID = "other-gc" })(c)
		}, resource.Blocked, []string{"other-gc"}},
		{"global cluster creating", "create-global-cluster", func(c *rt.Cloud) {
			swapped(c)
			withGlobal(func(g *cloud.GlobalCluster) { g.Status = "creating" })(c)
		}, resource.InProgress, []string{"creating"}},
		{"name taken outside the global cluster", "create-cluster", func(c *rt.Cloud) {
			swapped(c)
			cl := c.ClusterState(rt.Primary, rt.Cluster1)
			cl.GlobalClusterID = ""
			c.PutCluster(*cl)
		}, resource.Blocked, []string{"already exists in us-east-1 outside global cluster"}},
		{"new cluster creating counts as done", "create-cluster", func(c *rt.Cloud) {
			swapped(c)
			cl := c.ClusterState(rt.Primary, rt.Cluster1)
			cl.Status = "creating"
			c.PutCluster(*cl)
		}, resource.Done, []string{"creating"}},
		{"instance creating", "create-instance", func(c *rt.Cloud) {
			in := c.InstanceState(rt.Primary, rt.Instance1)
			in.Status = "creating"
			c.PutInstance(*in)
		}, resource.InProgress, []string{"creating"}},
		{"instance failed", "create-instance", func(c *rt.Cloud) {
			in := c.InstanceState(rt.Primary, rt.Instance1)
			in.Status = "failed"
			c.PutInstance(*in)
		}, resource.Failed, []string{"failed"}},
		{"instance name taken", "create-instance", func(c *rt.Cloud) {
			in := c.InstanceState(rt.Primary, rt.Instance1)
			in.ClusterID = "another"
			c.PutInstance(*in)
		}, resource.Blocked, []string{"choose another DBInstanceIdentifier"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			tt.setup(c)
			r := rt.Bind(t, aurora.SecondaryCluster{}, failbackParams(), resource.Context{})
			v, err := rt.Step(t, r, tt.step).Check(ctx, c.View())
			rt.WantVerdict(t, v, err, tt.state, tt.want...)
		})
	}
}

func TestSecondaryPreflight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		setup       func(c *rt.Cloud)
		blocker     string
		warning     string
		alreadyDone bool
	}{
		{"stale old cluster", afterUnplanned, "", "deletes the old cluster dbcluster-01 (us-east-1) and its instances (dbcluster-01-use1-instance-1) after a final snapshot drorch-r-test-dbcluster-01", false},
		{"protected old cluster", func(c *rt.Cloud) {
			afterUnplanned(c)
			cl := c.ClusterState(rt.Primary, rt.Cluster1)
			cl.DeletionProtection = true
			c.PutCluster(*cl)
		}, "the run would detach it and delete its instances, then stop", "", false},
		{"source region down", func(c *rt.Cloud) {
			afterUnplanned(c)
			c.SetDown(rt.DR, true)
		}, "SourceRegion us-west-2 is unreachable", "", false},
		{"ClusterRegion down", func(c *rt.Cloud) { c.SetDown(rt.Primary, true) }, "cannot read ClusterRegion us-east-1", "", false},
		{"engine differs", func(c *rt.Cloud) {
			afterUnplanned(c)
			withCluster2(func(cl *cloud.DBCluster) { cl.Engine = "aurora-postgresql" })(c)
		}, "runs aurora-postgresql", "", false},
		{"old cluster is the live primary", func(*rt.Cloud) {}, "live primary", "", false},
		{"already a secondary", swapped, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			tt.setup(c)
			pf, err := rt.Bind(t, aurora.SecondaryCluster{}, failbackParams(), resource.Context{}).Preflight(ctx, c.View())
			if err != nil {
				t.Fatal(err)
			}
			if pf.AlreadyDone != tt.alreadyDone {
				t.Errorf("already done = %v", pf.AlreadyDone)
			}
			if (tt.blocker == "") != (len(pf.Blockers) == 0) || !containsAll(append(pf.Blockers, ""), tt.blocker) {
				t.Errorf("blockers = %q, want %q", pf.Blockers, tt.blocker)
			}
			if tt.warning != "" && !containsAll(pf.Warnings, tt.warning) {
				t.Errorf("warnings = %q, want %q", pf.Warnings, tt.warning)
			}
			if len(c.Mutations()) > 0 {
				t.Errorf("preflight made changes: %v", actions(c.Mutations()))
			}
		})
	}
}

func TestSecondaryPermissions(t *testing.T) {
	t.Parallel()
	r := rt.Bind(t, aurora.SecondaryCluster{}, failbackParams(), resource.Context{})
	byAction := map[string][]string{}
	for _, p := range r.Permissions() {
		for _, a := range p.Actions {
			byAction[a] = append(byAction[a], p.Resources...)
		}
	}
	want := map[string]string{
		"rds:CreateGlobalCluster": rt.Cluster2ARN,
		"rds:CreateDBCluster":     "arn:aws:rds:us-east-1:123456789012:subgrp:dr-globaldb-subnet-group",
		"rds:DeleteDBCluster":     rt.Cluster1ARN,
		// The final snapshot DeleteDBCluster takes.
		"rds:CreateDBClusterSnapshot":    "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:drorch-*-dbcluster-01",
		"rds:DescribeDBClusterSnapshots": "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:drorch-*-dbcluster-01",
		"kms:CreateGrant":                keyUSE1,
		"kms:DescribeKey":                keyUSE1,
		"iam:PassRole":                   role,
		"rds:DeleteGlobalCluster":        "arn:aws:rds::123456789012:global-cluster:dr-globaldb-cluster-mysql",
	}
	for action, res := range want {
		if !slices.Contains(byAction[action], res) {
			t.Errorf("%s on %v, want %s among them", action, byAction[action], res)
		}
	}
	unmonitored := rt.Bind(t, aurora.SecondaryCluster{}, with(failbackParams(), "MonitoringInterval", "0"), resource.Context{})
	for _, p := range unmonitored.Permissions() {
		if slices.Contains(p.Actions, "iam:PassRole") {
			t.Errorf("iam:PassRole asked for without monitoring")
		}
	}
	if r.Region() != rt.Primary || r.Timeout().Hours() != 3 {
		t.Errorf("region %s, timeout %v", r.Region(), r.Timeout())
	}
}
