package sim_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"drorch/sim"
)

// Conformance through aws-sdk-go-v2: typed outputs with every list item
// present, and typed errors.

func TestSDKDescribeGlobalClustersSeed(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	for _, region := range []string{east, west} {
		out, err := h.rds(region).DescribeGlobalClusters(context.Background(), &rds.DescribeGlobalClustersInput{})
		if err != nil {
			t.Fatalf("%s: %v", region, err)
		}
		if len(out.GlobalClusters) != 1 {
			t.Fatalf("%s: %d global clusters, want 1", region, len(out.GlobalClusters))
		}
		g := out.GlobalClusters[0]
		if aws.ToString(g.GlobalClusterIdentifier) != seedGC || aws.ToString(g.Status) != "available" ||
			aws.ToString(g.Engine) != "aurora-mysql" || aws.ToString(g.EngineVersion) != "8.0.mysql_aurora.3.05.2" ||
			!aws.ToBool(g.StorageEncrypted) || g.FailoverState != nil || out.Marker != nil {
			t.Errorf("%s: global cluster = %+v", region, g)
		}
		if aws.ToString(g.GlobalClusterArn) != "arn:aws:rds::123456789012:global-cluster:"+seedGC {
			t.Errorf("arn = %s", aws.ToString(g.GlobalClusterArn))
		}
		if len(g.GlobalClusterMembers) != 2 {
			t.Fatalf("members = %+v", g.GlobalClusterMembers)
		}
		w, r := g.GlobalClusterMembers[0], g.GlobalClusterMembers[1]
		if aws.ToString(w.DBClusterArn) != arnEast01 || !aws.ToBool(w.IsWriter) || !slices.Equal(w.Readers, []string{arnWest02}) ||
			w.SynchronizationStatus != rdstypes.GlobalClusterMemberSynchronizationStatusConnected {
			t.Errorf("writer member = %+v", w)
		}
		if aws.ToString(r.DBClusterArn) != arnWest02 || aws.ToBool(r.IsWriter) || len(r.Readers) != 0 ||
			r.GlobalWriteForwardingStatus != rdstypes.WriteForwardingStatusDisabled {
			t.Errorf("secondary member = %+v", r)
		}
	}
}

func TestSDKRDSErrors(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	c := h.rds(west)
	_, err := c.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String("nope")})
	var gcnf *rdstypes.GlobalClusterNotFoundFault
	if !errors.As(err, &gcnf) {
		t.Errorf("unknown global cluster: %T %v", err, err)
	}
	_, err = c.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(arnEast01)})
	var cnf *rdstypes.DBClusterNotFoundFault
	if !errors.As(err, &cnf) {
		t.Errorf("other region's cluster ARN: %T %v", err, err)
	}
	_, err = c.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nope")})
	var inf *rdstypes.DBInstanceNotFoundFault
	if !errors.As(err, &inf) || inf.ErrorMessage() != "DBInstance nope not found." {
		t.Errorf("unknown instance: %T %v", err, err)
	}
	_, err = c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnEast01)})
	var igs *rdstypes.InvalidGlobalClusterStateFault
	if !errors.As(err, &igs) {
		t.Errorf("switchover to the writer: %T %v", err, err)
	}
	_, err = c.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC),
		TargetDbClusterIdentifier: aws.String(arnWest02), AllowDataLoss: aws.Bool(true), Switchover: aws.Bool(true)})
	if apiCode(err) != "InvalidParameterCombination" {
		t.Errorf("AllowDataLoss+Switchover: %v", err)
	}
	_, err = c.PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String("dbcluster-02-usw2-instance-2")})
	var iis *rdstypes.InvalidDBInstanceStateFault
	if !errors.As(err, &iis) || iis.ErrorMessage() != "DB Instance is not a read replica." {
		t.Errorf("promote a non-replica: %T %v", err, err)
	}
	_, err = c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("dbcluster-02-usw2-instance-2"),
		DBInstanceClass: aws.String("db.r5.large"), Engine: aws.String("aurora-mysql"), DBClusterIdentifier: aws.String("dbcluster-02")})
	var iae *rdstypes.DBInstanceAlreadyExistsFault
	if !errors.As(err, &iae) {
		t.Errorf("instance id taken: %T %v", err, err)
	}
	_, err = c.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String("dbcluster-02"), SkipFinalSnapshot: aws.Bool(true)})
	if !errors.As(err, &igs) {
		t.Errorf("delete a global member: %T %v", err, err)
	}
	if n := len(h.sim.Ops()); n != 0 {
		t.Errorf("rejected calls started %d operations", n)
	}
}

func TestSDKDescribeDBClustersAndInstances(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	c := h.rds(west)
	out, err := c.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{Filters: []rdstypes.Filter{{Name: aws.String("engine"), Values: []string{"aurora-mysql"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.DBClusters) != 1 {
		t.Fatalf("clusters = %d", len(out.DBClusters))
	}
	cl := out.DBClusters[0]
	if aws.ToString(cl.DBClusterIdentifier) != "dbcluster-02" || aws.ToString(cl.DBClusterArn) != arnWest02 ||
		aws.ToString(cl.Status) != "available" || aws.ToInt32(cl.Port) != 3787 || aws.ToString(cl.GlobalClusterIdentifier) != seedGC ||
		len(cl.DBClusterMembers) != 1 || aws.ToBool(cl.DBClusterMembers[0].IsClusterWriter) ||
		aws.ToString(cl.DBClusterMembers[0].DBInstanceIdentifier) != "dbcluster-02-usw2-instance-2" ||
		len(cl.VpcSecurityGroups) != 1 || aws.ToString(cl.VpcSecurityGroups[0].VpcSecurityGroupId) != "sg-0a1b2c3d4e5f60002" ||
		len(cl.AvailabilityZones) != 3 || cl.ClusterCreateTime == nil || !aws.ToBool(cl.StorageEncrypted) {
		t.Errorf("cluster = %+v", cl)
	}
	none, err := c.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{Filters: []rdstypes.Filter{{Name: aws.String("engine"), Values: []string{"docdb"}}}})
	if err != nil || len(none.DBClusters) != 0 {
		t.Errorf("docdb filter: %v %d", err, len(none.DBClusters))
	}
	ins, err := c.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: aws.String("db-instance-id"), Values: []string{"rds-mysql-instance"}}}})
	if err != nil || len(ins.DBInstances) != 1 {
		t.Fatalf("replica: %v", err)
	}
	r := ins.DBInstances[0]
	if aws.ToString(r.ReadReplicaSourceDBInstanceIdentifier) != "arn:aws:rds:us-east-1:123456789012:db:rds-mysql-instance" ||
		len(r.StatusInfos) != 1 || aws.ToString(r.StatusInfos[0].Status) != "replicating" || aws.ToString(r.StatusInfos[0].StatusType) != "read replication" ||
		!aws.ToBool(r.StatusInfos[0].Normal) || r.Endpoint == nil || aws.ToInt32(r.Endpoint.Port) != 3788 || aws.ToString(r.DBInstanceStatus) != "available" {
		t.Errorf("replica = %+v", r)
	}
	src, err := h.rds(east).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("arn:aws:rds:us-east-1:123456789012:db:rds-mysql-instance")})
	if err != nil {
		t.Fatal(err)
	}
	if got := src.DBInstances[0].ReadReplicaDBInstanceIdentifiers; !slices.Equal(got, []string{"arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance"}) {
		t.Errorf("source replicas = %v", got)
	}
	members, err := h.rds(east).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: aws.String("db-cluster-id"), Values: []string{arnEast01}}}})
	if err != nil || len(members.DBInstances) != 1 || aws.ToString(members.DBInstances[0].DBClusterIdentifier) != "dbcluster-01" {
		t.Errorf("db-cluster-id filter: %v %+v", err, members)
	}
}

// bigScenario has n stand-alone Aurora clusters in us-east-1 and n global
// clusters over us-east-1/us-west-2.
func bigScenario(n int) *sim.Scenario {
	sc := sim.NewScenario("big", east, west)
	for i := range n {
		sc.AddAuroraCluster(fmt.Sprintf("cl-%04d", i), east)
		sc.AddAuroraGlobal(fmt.Sprintf("gdb-%04d", i), east, west)
	}
	return sc
}

func TestSDKPaginators(t *testing.T) {
	t.Parallel()
	h := newHarness(t, bigScenario(45))
	ctx := context.Background()
	var ids []string
	pages := 0
	p := rds.NewDescribeDBClustersPaginator(h.rds(east), &rds.DescribeDBClustersInput{MaxRecords: aws.Int32(20)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, c := range out.DBClusters {
			ids = append(ids, aws.ToString(c.DBClusterIdentifier))
		}
	}
	if pages != 5 || len(ids) != 90 || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != 90 {
		t.Errorf("DescribeDBClusters: %d pages, %d clusters", pages, len(ids))
	}
	var gcs int
	gp := rds.NewDescribeGlobalClustersPaginator(h.rds(west), &rds.DescribeGlobalClustersInput{MaxRecords: aws.Int32(20)})
	for gp.HasMorePages() {
		out, err := gp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		gcs += len(out.GlobalClusters)
	}
	if gcs != 45 {
		t.Errorf("DescribeGlobalClusters: %d", gcs)
	}
	_, err := h.rds(east).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{MaxRecords: aws.Int32(5)})
	if apiCode(err) != "InvalidParameterValue" {
		t.Errorf("MaxRecords 5: %v", err)
	}
}

func TestSDKSwitchoverTimeline(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	out, err := h.rds(east).SwitchoverGlobalCluster(context.Background(), &rds.SwitchoverGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02)})
	if err != nil {
		t.Fatal(err)
	}
	g := out.GlobalCluster
	if aws.ToString(g.Status) != "switching-over" || g.FailoverState == nil || g.FailoverState.Status != "pending" ||
		aws.ToString(g.FailoverState.FromDbClusterArn) != arnEast01 || aws.ToString(g.FailoverState.ToDbClusterArn) != arnWest02 ||
		aws.ToBool(g.FailoverState.IsDataLossAllowed) {
		t.Errorf("response = %+v %+v", g, g.FailoverState)
	}
	steps := []struct {
		after                    time.Duration
		status, failover, writer string
	}{
		{5 * time.Second, "switching-over", "pending", arnEast01},
		{2 * time.Second, "switching-over", "switching-over", arnEast01},
		{52 * time.Second, "switching-over", "switching-over", arnEast01},
		{time.Second, "available", "", arnWest02},
	}
	for _, s := range steps {
		h.advance(s.after)
		v := h.globalCluster(seedGC)
		if v.status != s.status || v.failover != s.failover || v.writer != s.writer {
			t.Errorf("at +%v: %+v, want %s/%s/%s", h.sim.Now().Sub(t0), v, s.status, s.failover, s.writer)
		}
	}
	v := h.globalCluster(seedGC)
	if !slices.Equal(v.readers, []string{arnEast01}) {
		t.Errorf("readers = %v", v.readers)
	}
	cl, err := h.rds(west).DescribeDBClusters(context.Background(), &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("dbcluster-02")})
	if err != nil || !aws.ToBool(cl.DBClusters[0].DBClusterMembers[0].IsClusterWriter) {
		t.Errorf("new writer's instance is not the cluster writer: %v", err)
	}
	ops := h.sim.Ops()
	if len(ops) != 1 || ops[0].Outcome != "succeeded" || ops[0].End.Sub(ops[0].Start) != time.Minute || ops[0].Region != east {
		t.Errorf("ops = %+v", ops)
	}
}

// The snapshot describes page like every RDS describe: 25 final snapshots
// of stand-alone clusters and 25 of instances, in pages of 20.
func TestSDKSnapshotPaginators(t *testing.T) {
	t.Parallel()
	sc := sim.NewScenario("snaps", east)
	for i := range 25 {
		sc.Clusters = append(sc.Clusters, sim.ScenarioCluster{ID: fmt.Sprintf("c-%02d", i), Region: east, Engine: "aurora-mysql"})
		sc.Instances = append(sc.Instances, sim.ScenarioInstance{ID: fmt.Sprintf("i-%02d", i), Region: east, Engine: "mysql"})
	}
	h := newHarness(t, sc)
	ctx := context.Background()
	c := h.rds(east)
	for i := range 25 {
		if _, err := c.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String(fmt.Sprintf("c-%02d", i)), FinalDBSnapshotIdentifier: aws.String(fmt.Sprintf("cs-%02d", i))}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(fmt.Sprintf("i-%02d", i)), FinalDBSnapshotIdentifier: aws.String(fmt.Sprintf("ds-%02d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	h.advance(time.Hour)
	var clusterSnaps, dbSnaps []string
	cp := rds.NewDescribeDBClusterSnapshotsPaginator(c, &rds.DescribeDBClusterSnapshotsInput{MaxRecords: aws.Int32(20)})
	for cp.HasMorePages() {
		out, err := cp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.DBClusterSnapshots {
			clusterSnaps = append(clusterSnaps, aws.ToString(s.DBClusterSnapshotIdentifier)+"="+aws.ToString(s.Status))
		}
	}
	dp := rds.NewDescribeDBSnapshotsPaginator(c, &rds.DescribeDBSnapshotsInput{MaxRecords: aws.Int32(20)})
	for dp.HasMorePages() {
		out, err := dp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.DBSnapshots {
			dbSnaps = append(dbSnaps, aws.ToString(s.DBSnapshotIdentifier)+"="+aws.ToString(s.Status))
		}
	}
	if len(clusterSnaps) != 25 || clusterSnaps[0] != "cs-00=available" || clusterSnaps[24] != "cs-24=available" {
		t.Errorf("cluster snapshots: %v", clusterSnaps)
	}
	if len(dbSnaps) != 25 || dbSnaps[0] != "ds-00=available" || dbSnaps[24] != "ds-24=available" {
		t.Errorf("DB snapshots: %v", dbSnaps)
	}
	one, err := c.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{Filters: []rdstypes.Filter{{Name: aws.String("db-instance-id"), Values: []string{"i-07", "i-09"}}}})
	if err != nil || len(one.DBSnapshots) != 2 || aws.ToString(one.DBSnapshots[1].DBSnapshotIdentifier) != "ds-09" {
		t.Errorf("db-instance-id filter: %v %+v", err, one)
	}
}
