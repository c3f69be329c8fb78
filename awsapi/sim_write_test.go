package awsapi_test

import (
	"context"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/sim"
)

// Each mutating call against the seed world, and its effect as drorch reads
// it: the statuses AWS shows on the way and the end state.

func TestSimSwitchover(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil, nil)
	ctx := context.Background()
	from, to := clusterARN(east, "dbcluster-01"), clusterARN(west, "dbcluster-02")

	ok(t, e.c.SwitchoverGlobalCluster(ctx, east, "dr-globaldb-cluster-mysql", to))
	gc := res(e.c.GlobalCluster(ctx, west, "dr-globaldb-cluster-mysql")).must(t)
	want := cloud.FailoverState{Status: "pending", FromClusterARN: from, ToClusterARN: to}
	if gc.Status != "switching-over" || gc.Failover == nil || *gc.Failover != want {
		t.Fatalf("after the call: status %q, failover %+v; want switching-over, %+v", gc.Status, gc.Failover, want)
	}
	e.advance(61 * time.Second)
	gc = res(e.c.GlobalCluster(ctx, west, "dr-globaldb-cluster-mysql")).must(t)
	w, _ := gc.Writer()
	if gc.Status != "available" || gc.Failover != nil || w.ClusterARN != to || len(w.Readers) != 1 || w.Readers[0] != from {
		t.Fatalf("after 61s: %+v", gc)
	}
	cl := res(e.c.DBCluster(ctx, west, "dbcluster-02")).must(t)
	if wi, found := cl.Writer(); !found || wi.InstanceID != "dbcluster-02-usw2-instance-2" {
		t.Errorf("dbcluster-02 has no writer instance: %+v", cl.Members)
	}

	// Switching over to the writer again is refused, as AWS does.
	err := e.c.SwitchoverGlobalCluster(ctx, west, "dr-globaldb-cluster-mysql", to)
	wantKind(t, err, cloud.KindInvalidState, "InvalidGlobalClusterStateFault")
}

func TestSimDataLossFailoverWithPrimaryDown(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil, nil)
	ctx := context.Background()
	from, to := clusterARN(east, "dbcluster-01"), clusterARN(west, "dbcluster-02")
	e.fault(t, sim.Fault{Kind: sim.FaultOutage, Region: east})

	ok(t, e.c.FailoverGlobalCluster(ctx, west, "dr-globaldb-cluster-mysql", to))
	gc := res(e.c.GlobalCluster(ctx, west, "dr-globaldb-cluster-mysql")).must(t)
	if gc.Status != "failing-over" || gc.Failover == nil || !gc.Failover.DataLossAllowed || gc.Failover.ToClusterARN != to {
		t.Fatalf("after the call: %+v %+v", gc, gc.Failover)
	}
	e.advance(46 * time.Second)
	gc = res(e.c.GlobalCluster(ctx, west, "dr-globaldb-cluster-mysql")).must(t)
	w, _ := gc.Writer()
	old, _ := gc.Member(from)
	if gc.Status != "available" || w.ClusterARN != to || old.IsWriter || old.SyncStatus != "pending-resync" {
		t.Fatalf("after 46s: %+v", gc)
	}
}

func TestSimDetachAndFailback(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil, nil)
	ctx := context.Background()
	const gcID = "dr-globaldb-cluster-mysql"
	c01, c02 := clusterARN(east, "dbcluster-01"), clusterARN(west, "dbcluster-02")

	// Unplanned: detach dbcluster-02, which is promoted to a stand-alone
	// writer. RemoveFromGlobalCluster is asynchronous (CLI reference
	// example remove-from-global-cluster): right after the call the
	// cluster is still listed, IsWriter false, and promoting; a second
	// removal meanwhile is refused.
	ok(t, e.c.RemoveFromGlobalCluster(ctx, west, gcID, c02))
	cl := res(e.c.DBCluster(ctx, west, "dbcluster-02")).must(t)
	gc := res(e.c.GlobalCluster(ctx, west, gcID)).must(t)
	if m, member := gc.Member(c02); cl.Status != "promoting" || cl.GlobalClusterID != gcID || !member || m.IsWriter {
		t.Fatalf("right after the call: cluster %+v, member %v %+v", cl, member, m)
	}
	wantKind(t, e.c.RemoveFromGlobalCluster(ctx, west, gcID, c02), cloud.KindInvalidState, "InvalidDBClusterStateFault")
	e.advance(21 * time.Second)
	cl = res(e.c.DBCluster(ctx, west, "dbcluster-02")).must(t)
	gc = res(e.c.GlobalCluster(ctx, west, gcID)).must(t)
	if _, member := gc.Member(c02); member || cl.GlobalClusterID != "" || cl.Status != "promoting" {
		t.Fatalf("after 21s: cluster %+v, still a member %v", cl, member)
	}
	e.advance(10 * time.Second)
	cl = res(e.c.DBCluster(ctx, west, "dbcluster-02")).must(t)
	if _, found := cl.Writer(); cl.Status != "available" || !found {
		t.Fatalf("promoted cluster: %+v", cl)
	}

	// Failback preparation, as CreateAuroraSecondaryDBCluster does it:
	// remove the stale primary, rebuild the global database from dbcluster-02.
	ok(t, e.c.RemoveFromGlobalCluster(ctx, east, gcID, c01))
	// Still a member for a while: the global cluster cannot go yet.
	wantKind(t, e.c.DeleteGlobalCluster(ctx, east, gcID), cloud.KindInvalidState, "InvalidGlobalClusterStateFault")
	e.advance(31 * time.Second)
	ok(t, e.c.DeleteGlobalCluster(ctx, east, gcID))
	ok(t, e.c.DeleteDBInstance(ctx, east, "dbcluster-01-use1-instance-1", ""))
	e.advance(121 * time.Second)
	ok(t, e.c.DeleteDBCluster(ctx, east, "dbcluster-01"))
	e.advance(181 * time.Second)
	_, err := e.c.DBCluster(ctx, east, "dbcluster-01")
	wantKind(t, err, cloud.KindNotFound, "DBClusterNotFoundFault")
	_, err = e.c.GlobalCluster(ctx, east, gcID)
	wantKind(t, err, cloud.KindNotFound, "GlobalClusterNotFoundFault")

	ok(t, e.c.CreateGlobalCluster(ctx, west, gcID, c02))
	err = e.c.CreateGlobalCluster(ctx, west, gcID, c02)
	wantKind(t, err, cloud.KindAlreadyExists, "GlobalClusterAlreadyExistsFault")
	e.advance(6 * time.Second)
	ok(t, e.c.Call(ctx, cloud.NewCall("rds", "CreateDBCluster", east,
		"DBClusterIdentifier", "dbcluster-01", "GlobalClusterIdentifier", gcID, "Engine", "aurora-mysql", "EngineVersion", "8.0.mysql_aurora.3.05.2",
		"Port", "3787", "DBSubnetGroupName", "dr-globaldb-subnet-group", "VpcSecurityGroupIds", "sg-0a1b2c3d4e5f60001",
		"KmsKeyId", "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "SourceRegion", west,
		"BackupRetentionPeriod", "7", "StorageEncrypted", "true", "CopyTagsToSnapshot", "true")))
	ok(t, e.c.Call(ctx, cloud.NewCall("rds", "CreateDBInstance", east,
		"DBInstanceIdentifier", "dbcluster-01-use1-instance-1", "DBClusterIdentifier", "dbcluster-01", "DBInstanceClass", "db.r5.large", "Engine", "aurora-mysql",
		"MonitoringInterval", "60", "MonitoringRoleArn", "arn:aws:iam::123456789012:role/rds-monitoring-role", "AutoMinorVersionUpgrade", "true")))
	cl = res(e.c.DBCluster(ctx, east, c01)).must(t)
	if cl.Status != "creating" || cl.GlobalClusterID != gcID || cl.Port != 3787 || len(cl.Members) != 1 {
		t.Fatalf("new secondary: %+v", cl)
	}
	gc = res(e.c.GlobalCluster(ctx, east, gcID)).must(t)
	if w, _ := gc.Writer(); w.ClusterARN != c02 || len(gc.Members) != 2 {
		t.Fatalf("rebuilt global cluster: %+v", gc)
	}
	e.advance(601 * time.Second)
	cl = res(e.c.DBCluster(ctx, east, c01)).must(t)
	in := res(e.c.DBInstance(ctx, east, "dbcluster-01-use1-instance-1")).must(t)
	if cl.Status != "available" || in.Status != "available" || in.ClusterID != "dbcluster-01" {
		t.Errorf("after creation: cluster %q, instance %q in %q", cl.Status, in.Status, in.ClusterID)
	}
}

func TestSimPromoteAndRecreateReplica(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil, nil)
	ctx := context.Background()
	src := dbARN(east, "rds-mysql-instance")

	ok(t, e.c.PromoteReadReplica(ctx, west, "rds-mysql-instance"))
	in := res(e.c.DBInstance(ctx, west, "rds-mysql-instance")).must(t)
	if in.Status != "modifying" || in.ReplicaSource != src {
		t.Fatalf("promoting: %+v", in)
	}
	e.advance(91 * time.Second)
	in = res(e.c.DBInstance(ctx, west, "rds-mysql-instance")).must(t)
	if in.Status != "available" || in.ReplicaSource != "" || in.ReplicationStatus != "" {
		t.Fatalf("promoted: %+v", in)
	}
	err := e.c.PromoteReadReplica(ctx, west, "rds-mysql-instance")
	wantKind(t, err, cloud.KindInvalidState, "InvalidDBInstanceState")

	// Failback: replace the old us-east-1 instance by a replica of
	// us-west-2. The instance is deleting at once while its final snapshot
	// is taken (creating, then available), and gone after the deletion.
	const snap = "backup-rds-mysql-instance20250101120000"
	ok(t, e.c.DeleteDBInstance(ctx, east, "rds-mysql-instance", snap))
	if in := res(e.c.DBInstance(ctx, east, "rds-mysql-instance")).must(t); in.Status != "deleting" {
		t.Fatalf("deleted with a final snapshot: %+v", in)
	}
	if s := res(cloud.DBSnapshots.Get(ctx, e.c.Reads(), east, snap)).must(t); s.Status != "creating" || s.InstanceID != "rds-mysql-instance" || !s.Encrypted {
		t.Fatalf("final snapshot while taken: %+v", s)
	}
	e.advance(421 * time.Second)
	if s := res(cloud.DBSnapshots.Get(ctx, e.c.Reads(), east, snap)).must(t); s.Status != "available" {
		t.Fatalf("final snapshot after the deletion: %+v", s)
	}
	// The source is encrypted: a cross-region replica needs a key of its
	// own region, and is refused without one.
	replica := []string{"DBInstanceIdentifier", "rds-mysql-instance", "SourceDBInstanceIdentifier", dbARN(west, "rds-mysql-instance"), "SourceRegion", west,
		"DBInstanceClass", "db.r5.large", "Port", "3788", "AutoMinorVersionUpgrade", "true", "CopyTagsToSnapshot", "true"}
	wantKind(t, e.c.Call(ctx, cloud.NewCall("rds", "CreateDBInstanceReadReplica", east, replica...)), cloud.KindInvalidInput, "InvalidParameterCombination")
	ok(t, e.c.Call(ctx, cloud.NewCall("rds", "CreateDBInstanceReadReplica", east,
		append(replica, "KmsKeyId", "arn:aws:kms:us-east-1:123456789012:key/mrk-5f0c1e2d3a4b4c6d8e9fa0b1c2d3e4f5")...)))
	err = e.c.Call(ctx, cloud.NewCall("rds", "CreateDBInstanceReadReplica", east,
		"DBInstanceIdentifier", "rds-mysql-instance", "SourceDBInstanceIdentifier", dbARN(west, "rds-mysql-instance"), "SourceRegion", west, "DBInstanceClass", "db.r5.large"))
	wantKind(t, err, cloud.KindAlreadyExists, "DBInstanceAlreadyExists")
	e.advance(901 * time.Second)
	rep := res(e.c.DBInstance(ctx, east, "rds-mysql-instance")).must(t)
	if rep.Status != "available" || rep.ReplicaSource != dbARN(west, "rds-mysql-instance") || rep.ReplicationStatus != "replicating" || rep.Port != 3788 {
		t.Fatalf("new replica: %+v", rep)
	}
	source := res(e.c.DBInstance(ctx, west, "rds-mysql-instance")).must(t)
	if len(source.Replicas) != 1 || source.Replicas[0] != dbARN(east, "rds-mysql-instance") {
		t.Errorf("source lists replicas %v", source.Replicas)
	}
}

func TestSimElastiCacheFailoverAndPublish(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil, nil)
	ctx := context.Background()
	const grgID = "ldgnf-demo-redis-global-datastore"

	ok(t, e.c.FailoverGlobalReplicationGroup(ctx, west, grgID, west, "demo-redis-cluster"))
	grg := res(e.c.GlobalReplicationGroup(ctx, west, grgID)).must(t)
	if grg.Status != "modifying" {
		t.Fatalf("during failover: %+v", grg)
	}
	e.advance(61 * time.Second)
	grg = res(e.c.GlobalReplicationGroup(ctx, east, grgID)).must(t)
	m, _ := grg.Member(west)
	if grg.Status != "available" || m.Role != "PRIMARY" || m.ReplicationGroupID != "demo-redis-cluster" {
		t.Fatalf("after failover: %+v", grg)
	}
	err := e.c.FailoverGlobalReplicationGroup(ctx, west, grgID, west, "demo-redis-cluster")
	wantKind(t, err, cloud.KindInvalidInput, "InvalidParameterValue")

	topic := "arn:aws:sns:us-west-2:123456789012:dr-orchestrator-notifications"
	ok(t, e.c.Publish(ctx, west, topic, "drorch: failover done", `{"run":"r-1","status":"succeeded"}`))
	msgs := e.sim.Messages()
	if len(msgs) != 1 || msgs[0].TopicARN != topic || msgs[0].Region != west ||
		msgs[0].Subject != "drorch: failover done" || msgs[0].Message != `{"run":"r-1","status":"succeeded"}` {
		t.Fatalf("published %+v", msgs)
	}
	err = e.c.Publish(ctx, west, "arn:aws:sns:us-west-2:123456789012:no-such-topic", "", "x")
	wantKind(t, err, cloud.KindNotFound, "NotFound")
}
