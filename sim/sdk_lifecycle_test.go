package sim_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// The failback path of the original framework, through the SDK: detach,
// delete the old cluster and its instance, re-create the global cluster,
// join a new secondary with an instance.
func TestSDKFailbackLifecycle(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	rw, re := h.rds(west), h.rds(east)

	// Detach dbcluster-02 (us-west-2) from the global cluster.
	rm, err := rw.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), DbClusterIdentifier: aws.String(arnWest02)})
	if err != nil {
		t.Fatal(err)
	}
	// The removal is asynchronous: the answer still lists the cluster.
	if len(rm.GlobalCluster.GlobalClusterMembers) != 2 || aws.ToBool(rm.GlobalCluster.GlobalClusterMembers[1].IsWriter) {
		t.Errorf("right after detach: %+v", rm.GlobalCluster.GlobalClusterMembers)
	}
	cl := describeCluster(t, rw, "dbcluster-02")
	if aws.ToString(cl.Status) != "promoting" || aws.ToString(cl.GlobalClusterIdentifier) != seedGC || aws.ToBool(cl.DBClusterMembers[0].IsClusterWriter) {
		t.Errorf("detached cluster at once: %s %v", aws.ToString(cl.Status), cl.GlobalClusterIdentifier)
	}
	h.advance(20 * time.Second)
	if cl = describeCluster(t, rw, "dbcluster-02"); aws.ToString(cl.Status) != "promoting" || cl.GlobalClusterIdentifier != nil {
		t.Errorf("detached cluster after 20s: %s %v", aws.ToString(cl.Status), cl.GlobalClusterIdentifier)
	}
	h.advance(10 * time.Second)
	cl = describeCluster(t, rw, "dbcluster-02")
	if aws.ToString(cl.Status) != "available" || !aws.ToBool(cl.DBClusterMembers[0].IsClusterWriter) {
		t.Errorf("detached cluster after 30s: %s writer=%v", aws.ToString(cl.Status), aws.ToBool(cl.DBClusterMembers[0].IsClusterWriter))
	}

	// Tear down the old primary: instance (no final snapshot for Aurora
	// members), then cluster, then the emptied global cluster.
	_, err = re.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("dbcluster-01-use1-instance-1"), FinalDBSnapshotIdentifier: aws.String("snap")})
	if apiCode(err) != "InvalidParameterCombination" {
		t.Errorf("final snapshot of an Aurora member: %v", err)
	}
	_, err = re.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String("dbcluster-01"), SkipFinalSnapshot: aws.Bool(true)})
	var igs *rdstypes.InvalidGlobalClusterStateFault
	if !errors.As(err, &igs) {
		t.Errorf("delete a global member: %v", err)
	}
	if _, err := re.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), DbClusterIdentifier: aws.String(arnEast01)}); err != nil {
		t.Fatal(err)
	}
	h.advance(20 * time.Second) // dbcluster-01 leaves the member list
	_, err = re.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String("dbcluster-01"), SkipFinalSnapshot: aws.Bool(true)})
	var ics *rdstypes.InvalidDBClusterStateFault
	if !errors.As(err, &ics) {
		t.Errorf("delete a cluster with a live instance: %v", err)
	}
	del, err := re.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("dbcluster-01-use1-instance-1"), SkipFinalSnapshot: aws.Bool(true)})
	if err != nil || aws.ToString(del.DBInstance.DBInstanceStatus) != "deleting" {
		t.Fatalf("delete instance: %v", err)
	}
	h.advance(10 * time.Second) // the detach of dbcluster-01 ends
	if _, err := re.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String("dbcluster-01"), SkipFinalSnapshot: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	gd, err := re.DeleteGlobalCluster(ctx, &rds.DeleteGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC)})
	if err != nil || aws.ToString(gd.GlobalCluster.Status) != "deleting" {
		t.Fatalf("delete global cluster: %v", err)
	}
	h.advance(180 * time.Second)
	_, err = re.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("dbcluster-01")})
	var cnf *rdstypes.DBClusterNotFoundFault
	if !errors.As(err, &cnf) {
		t.Errorf("deleted cluster: %v", err)
	}
	_, err = re.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("dbcluster-01-use1-instance-1")})
	var inf *rdstypes.DBInstanceNotFoundFault
	if !errors.As(err, &inf) {
		t.Errorf("deleted instance: %v", err)
	}

	// Re-create: global cluster from dbcluster-02, a secondary in us-east-1.
	cg, err := rw.CreateGlobalCluster(ctx, &rds.CreateGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), SourceDBClusterIdentifier: aws.String(arnWest02)})
	if err != nil || aws.ToString(cg.GlobalCluster.Status) != "creating" {
		t.Fatalf("create global cluster: %v", err)
	}
	_, err = re.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("dbcluster-01"), Engine: aws.String("aurora-mysql"),
		GlobalClusterIdentifier: aws.String(seedGC)})
	if !errors.As(err, &igs) {
		t.Errorf("join a creating global cluster: %v", err)
	}
	h.advance(5 * time.Second)
	_, err = re.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("dbcluster-01"), Engine: aws.String("aurora-postgresql"),
		GlobalClusterIdentifier: aws.String(seedGC)})
	if apiCode(err) != "InvalidParameterCombination" {
		t.Errorf("wrong engine: %v", err)
	}
	cc, err := re.CreateDBCluster(ctx, &rds.CreateDBClusterInput{
		DBClusterIdentifier: aws.String("dbcluster-01"), Engine: aws.String("aurora-mysql"), EngineVersion: aws.String("8.0.mysql_aurora.3.05.2"),
		GlobalClusterIdentifier: aws.String(seedGC), Port: aws.Int32(3787), DBSubnetGroupName: aws.String("dr-globaldb-subnet-group"),
		VpcSecurityGroupIds: []string{"sg-0a1b2c3d4e5f60001"}, KmsKeyId: aws.String("arn:aws:kms:us-east-1:123456789012:key/k"),
		SourceRegion: aws.String(west), BackupRetentionPeriod: aws.Int32(7), StorageEncrypted: aws.Bool(true),
		EnableIAMDatabaseAuthentication: aws.Bool(true), DeletionProtection: aws.Bool(true), CopyTagsToSnapshot: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("create secondary cluster: %v", err)
	}
	if c := cc.DBCluster; aws.ToString(c.Status) != "creating" || aws.ToInt32(c.Port) != 3787 || !aws.ToBool(c.DeletionProtection) ||
		aws.ToInt32(c.BackupRetentionPeriod) != 7 || !slices.Equal(sgIDs(c.VpcSecurityGroups), []string{"sg-0a1b2c3d4e5f60001"}) {
		t.Errorf("created cluster = %+v", c)
	}
	v := h.globalCluster(seedGC)
	if v.writer != arnWest02 || !slices.Equal(v.readers, []string{arnEast01}) {
		t.Errorf("global cluster after join: %+v", v)
	}
	ci, err := re.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("dbcluster-01-use1-instance-1"),
		DBInstanceClass: aws.String("db.r5.large"), Engine: aws.String("aurora-mysql"), DBClusterIdentifier: aws.String("dbcluster-01"),
		MonitoringInterval: aws.Int32(60), MonitoringRoleArn: aws.String("arn:aws:iam::123456789012:role/rds-monitoring-role"), AutoMinorVersionUpgrade: aws.Bool(true)})
	if err != nil || aws.ToString(ci.DBInstance.DBInstanceStatus) != "creating" || aws.ToInt32(ci.DBInstance.MonitoringInterval) != 60 {
		t.Fatalf("create instance: %v", err)
	}
	cl = describeCluster(t, re, "dbcluster-01")
	if len(cl.DBClusterMembers) != 1 || aws.ToBool(cl.DBClusterMembers[0].IsClusterWriter) {
		t.Errorf("a secondary's new instance must be a reader: %+v", cl.DBClusterMembers)
	}
	h.advance(600 * time.Second)
	if cl = describeCluster(t, re, "dbcluster-01"); aws.ToString(cl.Status) != "available" {
		t.Errorf("secondary after 600s: %s", aws.ToString(cl.Status))
	}
	ops := h.sim.Ops()
	for _, op := range ops {
		if op.Outcome != "succeeded" {
			t.Errorf("op %+v", op)
		}
	}
}

func describeCluster(t *testing.T, c *rds.Client, id string) rdstypes.DBCluster {
	t.Helper()
	out, err := c.DescribeDBClusters(context.Background(), &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
	if err != nil {
		t.Fatalf("describe cluster %s: %v", id, err)
	}
	return out.DBClusters[0]
}

func describeInstance(t *testing.T, c *rds.Client, id string) rdstypes.DBInstance {
	t.Helper()
	out, err := c.DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if err != nil {
		t.Fatalf("describe instance %s: %v", id, err)
	}
	return out.DBInstances[0]
}

func sgIDs(gs []rdstypes.VpcSecurityGroupMembership) []string {
	var out []string
	for _, g := range gs {
		out = append(out, aws.ToString(g.VpcSecurityGroupId))
	}
	return out
}

// Promote the seed's replica, then re-create it in the other direction with
// a final snapshot of the old stand-alone instance.
func TestSDKReplicaPromoteAndRecreate(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	rw, re := h.rds(west), h.rds(east)
	out, err := rw.PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String("rds-mysql-instance")})
	if err != nil {
		t.Fatal(err)
	}
	if in := out.DBInstance; aws.ToString(in.DBInstanceStatus) != "modifying" || in.ReadReplicaSourceDBInstanceIdentifier == nil {
		t.Errorf("promote response: %s %v", aws.ToString(in.DBInstanceStatus), in.ReadReplicaSourceDBInstanceIdentifier)
	}
	for _, s := range []struct {
		after  time.Duration
		status string
		source bool
	}{{62 * time.Second, "modifying", true}, {time.Second, "rebooting", true}, {27 * time.Second, "available", false}} {
		h.advance(s.after)
		in := describeInstance(t, rw, "rds-mysql-instance")
		if aws.ToString(in.DBInstanceStatus) != s.status || (in.ReadReplicaSourceDBInstanceIdentifier != nil) != s.source || (len(in.StatusInfos) > 0) != s.source {
			t.Errorf("+%v: %s source=%v", h.sim.Now().Sub(t0), aws.ToString(in.DBInstanceStatus), in.ReadReplicaSourceDBInstanceIdentifier)
		}
	}
	if src := describeInstance(t, re, "rds-mysql-instance"); len(src.ReadReplicaDBInstanceIdentifiers) != 0 {
		t.Errorf("source still lists %v", src.ReadReplicaDBInstanceIdentifiers)
	}
	// Fail back: the old source becomes a replica of the promoted instance.
	_, err = re.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("rds-mysql-instance")})
	if apiCode(err) != "InvalidParameterCombination" {
		t.Errorf("delete without snapshot choice: %v", err)
	}
	if _, err := re.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("rds-mysql-instance"), FinalDBSnapshotIdentifier: aws.String("backup-rds-mysql-instance")}); err != nil {
		t.Fatal(err)
	}
	h.advance(420 * time.Second) // the final snapshot (120 s), then the deletion (300 s)
	rr, err := re.CreateDBInstanceReadReplica(ctx, &rds.CreateDBInstanceReadReplicaInput{
		DBInstanceIdentifier: aws.String("rds-mysql-instance"), SourceDBInstanceIdentifier: aws.String("arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance"),
		SourceRegion: aws.String("us-west-2"), DBInstanceClass: aws.String("db.r5.large"), MultiAZ: aws.Bool(true), Port: aws.Int32(3788),
		KmsKeyId: aws.String("arn:aws:kms:us-east-1:123456789012:key/k"), VpcSecurityGroupIds: []string{"sg-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if in := rr.DBInstance; aws.ToString(in.DBInstanceStatus) != "creating" || aws.ToString(in.ReadReplicaSourceDBInstanceIdentifier) != "arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance" || !aws.ToBool(in.MultiAZ) {
		t.Errorf("replica = %+v", in)
	}
	h.advance(900 * time.Second)
	if in := describeInstance(t, re, "rds-mysql-instance"); aws.ToString(in.DBInstanceStatus) != "available" || len(in.StatusInfos) != 1 {
		t.Errorf("replica after 900s: %s %+v", aws.ToString(in.DBInstanceStatus), in.StatusInfos)
	}
	if src := describeInstance(t, rw, "rds-mysql-instance"); !slices.Equal(src.ReadReplicaDBInstanceIdentifiers, []string{"arn:aws:rds:us-east-1:123456789012:db:rds-mysql-instance"}) {
		t.Errorf("new source lists %v", src.ReadReplicaDBInstanceIdentifiers)
	}
	if snaps := h.sim.State().Snapshots; len(snaps) != 1 || snaps[0].ID != "backup-rds-mysql-instance" || snaps[0].Status != "available" || snaps[0].SourceKind != "instance" {
		t.Errorf("snapshots = %+v", snaps)
	}
}
