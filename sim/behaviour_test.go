package sim_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"drorch/sim"
)

// Behaviours where AWS differs from a naive simulator, each on the virtual
// clock, each with the documentation it follows cited in the simulator's
// code.

// ElastiCache: promotion is allowed anytime, even while the datastore is
// modifying, and the datastore resolves to the promotion last asked for.
func TestElastiCachePromotionWhileModifying(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	promote := func(region string) *elasticache.FailoverGlobalReplicationGroupOutput {
		t.Helper()
		out, err := h.ec(region).FailoverGlobalReplicationGroup(ctx, &elasticache.FailoverGlobalReplicationGroupInput{
			GlobalReplicationGroupId: aws.String(seedGRG), PrimaryRegion: aws.String(region), PrimaryReplicationGroupId: aws.String("demo-redis-cluster")})
		if err != nil {
			t.Fatalf("promote %s: %v", region, err)
		}
		return out
	}
	roles := func() (status string, primary string) {
		g, _ := h.sim.State().GlobalReplicationGroup(seedGRG)
		for _, m := range g.Members {
			if m.Role == "PRIMARY" {
				primary = m.Region
			}
		}
		return g.Status, primary
	}
	promote(west) // t=0, would end at 60 s
	h.advance(10 * time.Second)
	// The current primary may be asked for again: the first promotion is
	// superseded.
	if out := promote(east); aws.ToString(out.GlobalReplicationGroup.Status) != "modifying" {
		t.Errorf("second promotion answer: %s", aws.ToString(out.GlobalReplicationGroup.Status))
	}
	h.advance(50 * time.Second) // t=60: the first promotion's time is up
	if st, p := roles(); st != "modifying" || p != east {
		t.Errorf("at 60 s: %s, primary %s; want modifying, primary unchanged", st, p)
	}
	if rg, _ := h.sim.State().ReplicationGroup(west, "demo-redis-cluster"); rg.Status != "modifying" {
		t.Errorf("member replication group at 60 s: %s", rg.Status)
	}
	h.advance(10*time.Second - time.Millisecond)
	if st, _ := roles(); st != "modifying" {
		t.Errorf("just before the last promotion ends: %s", st)
	}
	h.advance(time.Millisecond) // t=70: the last promotion ends
	if st, p := roles(); st != "available" || p != east {
		t.Errorf("at 70 s: %s, primary %s; want available, primary the one last asked for (%s)", st, p, east)
	}
	// And the other way: the last asked is a real change.
	promote(west)
	h.advance(20 * time.Second)
	promote(east)
	h.advance(20 * time.Second)
	promote(west)
	h.advance(time.Minute)
	if st, p := roles(); st != "available" || p != west {
		t.Errorf("after three promotions: %s, primary %s; want %s", st, p, west)
	}
	if rg, _ := h.sim.State().ReplicationGroup(east, "demo-redis-cluster"); rg.Status != "available" {
		t.Errorf("member replication group after: %s", rg.Status)
	}
}

// RemoveFromGlobalCluster is asynchronous: the cluster is listed, not the
// writer, for DetachDelay; promoting until Detach; then stand-alone and
// writable.
func TestRemoveFromGlobalClusterIsAsynchronous(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		delay float64 // Durations.DetachDelay, 0 = default
		leave time.Duration
	}{{"default", 0, 20 * time.Second}, {"scenario setting", 5, 5 * time.Second}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := sim.SeedScenario()
			sc.Durations.DetachDelay = tc.delay
			h := newHarness(t, sc)
			ctx := context.Background()
			rw := h.rds(west)
			out, err := rw.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), DbClusterIdentifier: aws.String(arnWest02)})
			if err != nil {
				t.Fatal(err)
			}
			g := out.GlobalCluster
			if aws.ToString(g.Status) != "available" || len(g.GlobalClusterMembers) != 2 || aws.ToBool(g.GlobalClusterMembers[1].IsWriter) ||
				!slices.Equal(g.GlobalClusterMembers[0].Readers, []string{arnWest02}) {
				t.Errorf("answer: %+v", g)
			}
			_, err = rw.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), DbClusterIdentifier: aws.String(arnWest02)})
			var ics *rdstypes.InvalidDBClusterStateFault
			if !errors.As(err, &ics) {
				t.Errorf("a second removal meanwhile: %v", err)
			}
			_, err = rw.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String("dbcluster-02"), SkipFinalSnapshot: aws.Bool(true)})
			var igs *rdstypes.InvalidGlobalClusterStateFault
			if !errors.As(err, &igs) {
				t.Errorf("delete while still a member: %v", err)
			}
			check := func(when string, member bool, status string, writer bool) {
				t.Helper()
				v := h.globalCluster(seedGC)
				listed := slices.ContainsFunc(v.sync, func(s string) bool { return strings.HasPrefix(s, arnWest02+"=") })
				cl := describeCluster(t, rw, "dbcluster-02")
				if listed != member || (cl.GlobalClusterIdentifier != nil) != member || aws.ToString(cl.Status) != status ||
					aws.ToBool(cl.DBClusterMembers[0].IsClusterWriter) != writer {
					t.Errorf("%s: listed=%v global=%v status=%s writer=%v; want listed=%v status=%s writer=%v", when, listed,
						cl.GlobalClusterIdentifier, aws.ToString(cl.Status), aws.ToBool(cl.DBClusterMembers[0].IsClusterWriter), member, status, writer)
				}
			}
			check("at once", true, "promoting", false)
			h.advance(tc.leave - time.Millisecond)
			check("just before the delay", true, "promoting", false)
			h.advance(time.Millisecond)
			check("at the delay", false, "promoting", false)
			// Still promoting: AWS refuses a final snapshot then.
			if _, err := rw.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("dbcluster-02-usw2-instance-2"), SkipFinalSnapshot: aws.Bool(true)}); err != nil {
				t.Fatal(err)
			}
			_, err = rw.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String("dbcluster-02"), FinalDBSnapshotIdentifier: aws.String("f")})
			if !errors.As(err, &ics) || !strings.Contains(ics.ErrorMessage(), "isn't currently in the available state") {
				t.Errorf("final snapshot while promoting: %v", err)
			}
			h.advance(30*time.Second - tc.leave)
			check("at 30 s", false, "available", true)
		})
	}
}

// Preconditions AWS enforces, each refused with AWS's code, changing
// nothing; the same calls done right succeed.
func TestPreconditionsAWSEnforces(t *testing.T) {
	t.Parallel()
	eastKey := "arn:aws:kms:us-east-1:123456789012:key/k-east"
	westKey := "arn:aws:kms:us-west-2:123456789012:key/k-west"
	zero := 0
	sc := sim.SeedScenario()
	sc.Instances = append(sc.Instances, sim.ScenarioInstance{ID: "nobackups", Region: east, Engine: "mysql", BackupRetentionPeriod: &zero},
		sim.ScenarioInstance{ID: "plain", Region: east, Engine: "mysql"})
	sc.GlobalClusters = append(sc.GlobalClusters, sim.ScenarioGlobalCluster{ID: "docs", Engine: "docdb"})
	sc.Clusters = append(sc.Clusters, sim.ScenarioCluster{ID: "docs-east", Region: east, Engine: "docdb", GlobalCluster: "docs", Writer: true})
	ctx := context.Background()
	// A secondary joining the (encrypted) seed global cluster in us-east-1,
	// once the old primary is out of the way.
	joinEast := func(h *harness, in *rds.CreateDBClusterInput) error {
		_, err := h.rds(east).CreateDBCluster(ctx, in)
		return err
	}
	detachedSeed := func(t *testing.T) *harness {
		h := newHarness(t, sc)
		rw, re := h.rds(west), h.rds(east)
		if _, err := re.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02)}); err != nil {
			t.Fatal(err)
		}
		h.advance(time.Minute)
		if _, err := re.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), DbClusterIdentifier: aws.String(arnEast01)}); err != nil {
			t.Fatal(err)
		}
		h.advance(time.Minute)
		_ = rw
		return h
	}
	newCluster := func(id string) *rds.CreateDBClusterInput {
		return &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String(id), Engine: aws.String("aurora-mysql"), GlobalClusterIdentifier: aws.String(seedGC)}
	}
	cases := []struct {
		name string
		call func(h *harness) error
		code string
		msg  string
	}{
		{"secondary of an encrypted global cluster without SourceRegion", func(h *harness) error {
			in := newCluster("joiner")
			in.KmsKeyId = aws.String(eastKey)
			return joinEast(h, in)
		}, "InvalidParameterCombination", "pre-signed URL has to be specified"},
		{"secondary of an encrypted global cluster without KmsKeyId", func(h *harness) error {
			in := newCluster("joiner")
			in.SourceRegion = aws.String(west)
			return joinEast(h, in)
		}, "InvalidParameterCombination", "kmsKeyId should be explicitly specified"},
		{"secondary with another Region's key", func(h *harness) error {
			in := newCluster("joiner")
			in.SourceRegion, in.KmsKeyId = aws.String(west), aws.String(westKey)
			return joinEast(h, in)
		}, "KMSKeyNotAccessibleFault", "us-west-2"},
		{"second member in one Region", func(h *harness) error {
			in := newCluster("twin")
			in.SourceRegion, in.KmsKeyId = aws.String(east), aws.String(westKey)
			_, err := h.rds(west).CreateDBCluster(ctx, in)
			return err
		}, "InvalidParameterCombination", "must be in a different AWS Region"},
		{"replica of a source without automated backups", func(h *harness) error {
			_, err := h.rds(west).CreateDBInstanceReadReplica(ctx, &rds.CreateDBInstanceReadReplicaInput{DBInstanceIdentifier: aws.String("r"),
				SourceDBInstanceIdentifier: aws.String("arn:aws:rds:us-east-1:123456789012:db:nobackups"), SourceRegion: aws.String(east)})
			return err
		}, "InvalidDBInstanceState", "Automated backups are not enabled for this database instance"},
		{"cross-Region replica of an encrypted source without KmsKeyId", func(h *harness) error {
			_, err := h.rds(west).CreateDBInstanceReadReplica(ctx, &rds.CreateDBInstanceReadReplicaInput{DBInstanceIdentifier: aws.String("r"),
				SourceDBInstanceIdentifier: aws.String("arn:aws:rds:us-east-1:123456789012:db:rds-mysql-instance"), SourceRegion: aws.String(east)})
			return err
		}, "InvalidParameterCombination", "Cannot create a cross region unencrypted read replica from encrypted source."},
		{"encrypted replica of an unencrypted source", func(h *harness) error {
			_, err := h.rds(west).CreateDBInstanceReadReplica(ctx, &rds.CreateDBInstanceReadReplicaInput{DBInstanceIdentifier: aws.String("r"),
				SourceDBInstanceIdentifier: aws.String("arn:aws:rds:us-east-1:123456789012:db:plain"), SourceRegion: aws.String(east), KmsKeyId: aws.String(westKey)})
			return err
		}, "InvalidParameterCombination", "unencrypted source"},
		{"encrypted secondary of an unencrypted global cluster", func(h *harness) error {
			in := &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("joiner"), Engine: aws.String("docdb"), GlobalClusterIdentifier: aws.String("docs"),
				StorageEncrypted: aws.Bool(true), KmsKeyId: aws.String(westKey), SourceRegion: aws.String(east)}
			_, err := h.rds(west).CreateDBCluster(ctx, in)
			return err
		}, "InvalidParameterCombination", "is not encrypted"},
		{"read replica deleted with a final snapshot", func(h *harness) error {
			_, err := h.rds(west).DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("rds-mysql-instance"), FinalDBSnapshotIdentifier: aws.String("s")})
			return err
		}, "InvalidParameterCombination", "read replica"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := detachedSeed(t)
			before := h.sim.State()
			err := tc.call(h)
			if apiCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("%v; want %s with %q", err, tc.code, tc.msg)
			}
			after := h.sim.State()
			if len(after.Clusters) != len(before.Clusters) || len(after.Instances) != len(before.Instances) || len(after.Ops) != len(before.Ops) {
				t.Errorf("a refused call changed the world")
			}
		})
	}

	// Done right, the secondary is created encrypted with its own key.
	h := detachedSeed(t)
	in := newCluster("joiner")
	in.SourceRegion, in.KmsKeyId = aws.String(west), aws.String(eastKey)
	out, err := h.rds(east).CreateDBCluster(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if c := out.DBCluster; !aws.ToBool(c.StorageEncrypted) || aws.ToString(c.KmsKeyId) != eastKey {
		t.Errorf("secondary of an encrypted global cluster: encrypted=%v key=%s", aws.ToBool(c.StorageEncrypted), aws.ToString(c.KmsKeyId))
	}
	rr, err := h.rds(west).CreateDBInstanceReadReplica(ctx, &rds.CreateDBInstanceReadReplicaInput{DBInstanceIdentifier: aws.String("r"),
		SourceDBInstanceIdentifier: aws.String("arn:aws:rds:us-east-1:123456789012:db:plain"), SourceRegion: aws.String(east)})
	if err != nil || aws.ToBool(rr.DBInstance.StorageEncrypted) {
		t.Errorf("replica of an unencrypted source: %v", err)
	}
}

// Fields AWS returns: cluster endpoints while creating, a global
// secondary's ReplicationSourceIdentifier, FailoverState switching-over.
func TestFieldsAWSReturns(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	re, rw := h.rds(east), h.rds(west)
	out, err := re.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("fresh"), Engine: aws.String("aurora-mysql")})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []rdstypes.DBCluster{*out.DBCluster, describeCluster(t, re, "fresh")} {
		if aws.ToString(c.Status) != "creating" || !strings.HasPrefix(aws.ToString(c.Endpoint), "fresh.cluster-") ||
			!strings.HasPrefix(aws.ToString(c.ReaderEndpoint), "fresh.cluster-ro-") {
			t.Errorf("creating cluster: status %s endpoint %q reader %q", aws.ToString(c.Status), aws.ToString(c.Endpoint), aws.ToString(c.ReaderEndpoint))
		}
	}
	source := func() (east01, west02 string) {
		return aws.ToString(describeCluster(t, re, "dbcluster-01").ReplicationSourceIdentifier),
			aws.ToString(describeCluster(t, rw, "dbcluster-02").ReplicationSourceIdentifier)
	}
	if e, w := source(); e != "" || w != arnEast01 {
		t.Errorf("seed: writer's source %q, secondary's %q (want the writer's ARN)", e, w)
	}
	if _, err := re.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02)}); err != nil {
		t.Fatal(err)
	}
	if v := h.globalCluster(seedGC); v.failover != "pending" {
		t.Errorf("failover state at once: %q", v.failover)
	}
	h.advance(6 * time.Second)
	if v := h.globalCluster(seedGC); v.failover != "switching-over" {
		t.Errorf("failover state during the switchover: %q, want switching-over (API reference, FailoverState)", v.failover)
	}
	h.advance(time.Minute)
	if e, w := source(); e != arnWest02 || w != "" {
		t.Errorf("after switchover: old writer's source %q, new writer's %q", e, w)
	}
}

// A cluster deleted with a final snapshot stays available while the
// snapshot is taken, then is deleting; an instance is deleting at once.
// Both snapshots are described, creating then available.
func TestFinalSnapshots(t *testing.T) {
	t.Parallel()
	sc := sim.SeedScenario()
	sc.AddAuroraCluster("solo", east)
	h := newHarness(t, sc)
	ctx := context.Background()
	re := h.rds(east)
	if _, err := re.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("solo-1"), SkipFinalSnapshot: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	del, err := re.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String("solo"), FinalDBSnapshotIdentifier: aws.String("Solo-Final")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(del.DBCluster.Status) != "available" {
		t.Errorf("answer: %s, want available while the snapshot is taken", aws.ToString(del.DBCluster.Status))
	}
	_, err = re.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String("solo"), SkipFinalSnapshot: aws.Bool(true)})
	var ics *rdstypes.InvalidDBClusterStateFault
	if !errors.As(err, &ics) {
		t.Errorf("a second deletion: %v", err)
	}
	clusterSnap := func(in *rds.DescribeDBClusterSnapshotsInput) []string {
		t.Helper()
		out, err := re.DescribeDBClusterSnapshots(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range out.DBClusterSnapshots {
			got = append(got, aws.ToString(s.DBClusterSnapshotIdentifier)+"="+aws.ToString(s.Status))
		}
		return got
	}
	byID := &rds.DescribeDBClusterSnapshotsInput{DBClusterSnapshotIdentifier: aws.String("solo-final")}
	byCluster := &rds.DescribeDBClusterSnapshotsInput{DBClusterIdentifier: aws.String("arn:aws:rds:us-east-1:123456789012:cluster:solo")}
	if got := clusterSnap(byID); !slices.Equal(got, []string{"solo-final=creating"}) {
		t.Errorf("at once: %v", got)
	}
	h.advance(2*time.Minute - time.Millisecond)
	if cl := describeCluster(t, re, "solo"); aws.ToString(cl.Status) != "available" {
		t.Errorf("just before the snapshot ends: %s", aws.ToString(cl.Status))
	}
	h.advance(time.Millisecond)
	if got := clusterSnap(byCluster); !slices.Equal(got, []string{"solo-final=available"}) {
		t.Errorf("at 120 s: %v", got)
	}
	if cl := describeCluster(t, re, "solo"); aws.ToString(cl.Status) != "deleting" {
		t.Errorf("at 120 s the cluster is %s, want deleting", aws.ToString(cl.Status))
	}
	h.advance(3 * time.Minute)
	if _, err := re.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("solo")}); apiCode(err) != "DBClusterNotFoundFault" {
		t.Errorf("after the deletion: %v", err)
	}
	if got := clusterSnap(&rds.DescribeDBClusterSnapshotsInput{SnapshotType: aws.String("manual")}); !slices.Equal(got, []string{"solo-final=available"}) {
		t.Errorf("the snapshot outlives its cluster: %v", got)
	}
	if _, err := re.DescribeDBClusterSnapshots(ctx, &rds.DescribeDBClusterSnapshotsInput{DBClusterSnapshotIdentifier: aws.String("nope")}); apiCode(err) != "DBClusterSnapshotNotFoundFault" {
		t.Errorf("unknown snapshot: %v", err)
	}

	// An instance: deleting at once, its snapshot creating, then available,
	// then the instance is gone.
	sc2 := sim.SeedScenario()
	sc2.Instances = append(sc2.Instances, sim.ScenarioInstance{ID: "other", Region: east, Engine: "mysql"})
	h2 := newHarness(t, sc2)
	re2 := h2.rds(east)
	// The seed's source has a replica: promote it first so that the source
	// is a plain instance.
	if _, err := h2.rds(west).PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String("rds-mysql-instance")}); err != nil {
		t.Fatal(err)
	}
	h2.advance(2 * time.Minute)
	out, err := re2.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("rds-mysql-instance"), FinalDBSnapshotIdentifier: aws.String("backup")})
	if err != nil || aws.ToString(out.DBInstance.DBInstanceStatus) != "deleting" {
		t.Fatalf("delete with a final snapshot: %v", err)
	}
	_, err = re2.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("nope"), FinalDBSnapshotIdentifier: aws.String("backup")})
	if apiCode(err) != "DBInstanceNotFound" {
		t.Errorf("unknown instance: %v", err)
	}
	dbSnap := func() string {
		t.Helper()
		out, err := re2.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBInstanceIdentifier: aws.String("rds-mysql-instance")})
		if err != nil || len(out.DBSnapshots) != 1 {
			t.Fatalf("describe snapshots: %v", err)
		}
		s := out.DBSnapshots[0]
		if !aws.ToBool(s.Encrypted) || aws.ToString(s.KmsKeyId) == "" || aws.ToString(s.DBSnapshotArn) != "arn:aws:rds:us-east-1:123456789012:snapshot:backup" {
			t.Errorf("snapshot = %+v", s)
		}
		return aws.ToString(s.Status)
	}
	if got := dbSnap(); got != "creating" {
		t.Errorf("instance snapshot at once: %s", got)
	}
	h2.advance(2 * time.Minute)
	if got := dbSnap(); got != "available" {
		t.Errorf("instance snapshot at 120 s: %s", got)
	}
	if in := describeInstance(t, re2, "rds-mysql-instance"); aws.ToString(in.DBInstanceStatus) != "deleting" {
		t.Errorf("instance at 120 s: %s", aws.ToString(in.DBInstanceStatus))
	}
	h2.advance(5*time.Minute - time.Millisecond)
	describeInstance(t, re2, "rds-mysql-instance")
	h2.advance(time.Millisecond)
	if _, err := re2.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("rds-mysql-instance")}); apiCode(err) != "DBInstanceNotFound" {
		t.Errorf("after 420 s: %v", err)
	}
	// A snapshot name is taken once per Region and kind.
	if _, err := re2.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("other"), FinalDBSnapshotIdentifier: aws.String("BACKUP")}); apiCode(err) != "DBSnapshotAlreadyExists" {
		t.Errorf("a taken snapshot name: %v", err)
	}
	if _, err := re2.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("dbcluster-01-use1-instance-1"), FinalDBSnapshotIdentifier: aws.String("backup2")}); apiCode(err) != "InvalidParameterCombination" {
		t.Errorf("an Aurora member takes no final snapshot: %v", err)
	}
}

// Each global operation is accepted in the Region AWS documents for it,
// and only there; where AWS documents no Region, anywhere
// (docs/aws-global-operations.md).
func TestGlobalOperationRegions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	solo := "arn:aws:rds:us-east-1:123456789012:cluster:solo"
	cases := []struct {
		name, region string
		call         func(c *rds.Client, h *harness) error
		code         string // "" = accepted
	}{
		{"switchover in the primary's Region", east, func(c *rds.Client, _ *harness) error {
			_, err := c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02)})
			return err
		}, ""},
		{"switchover in the target's Region", west, func(c *rds.Client, _ *harness) error {
			_, err := c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02)})
			return err
		}, "InvalidParameterValue"},
		{"switchover in a third Region", "eu-west-1", func(c *rds.Client, _ *harness) error {
			_, err := c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02)})
			return err
		}, "InvalidParameterValue"},
		{"FailoverGlobalCluster as a switchover in the primary's Region", east, func(c *rds.Client, _ *harness) error {
			_, err := c.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02), Switchover: aws.Bool(true)})
			return err
		}, ""},
		{"FailoverGlobalCluster as a switchover in the target's Region", west, func(c *rds.Client, _ *harness) error {
			_, err := c.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02)})
			return err
		}, ""},
		{"data-loss failover in the target's Region", west, func(c *rds.Client, _ *harness) error {
			_, err := c.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02), AllowDataLoss: aws.Bool(true)})
			return err
		}, ""},
		{"data-loss failover in the primary's Region", east, func(c *rds.Client, _ *harness) error {
			_, err := c.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02), AllowDataLoss: aws.Bool(true)})
			return err
		}, "InvalidParameterValue"},
		{"detach in the cluster's Region", west, func(c *rds.Client, _ *harness) error {
			_, err := c.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), DbClusterIdentifier: aws.String(arnWest02)})
			return err
		}, ""},
		{"detach in another Region", east, func(c *rds.Client, _ *harness) error {
			_, err := c.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), DbClusterIdentifier: aws.String(arnWest02)})
			return err
		}, "InvalidParameterValue"},
		{"create a global cluster from another Region", west, func(c *rds.Client, _ *harness) error {
			_, err := c.CreateGlobalCluster(ctx, &rds.CreateGlobalClusterInput{GlobalClusterIdentifier: aws.String("g2"), SourceDBClusterIdentifier: aws.String(solo)})
			return err
		}, ""},
		{"delete a global cluster from any Region", "eu-west-1", func(c *rds.Client, h *harness) error {
			if _, err := h.rds(east).CreateGlobalCluster(ctx, &rds.CreateGlobalClusterInput{GlobalClusterIdentifier: aws.String("g3"), Engine: aws.String("aurora-mysql")}); err != nil {
				return err
			}
			h.advance(time.Minute)
			_, err := c.DeleteGlobalCluster(ctx, &rds.DeleteGlobalClusterInput{GlobalClusterIdentifier: aws.String("g3")})
			return err
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := sim.SeedScenario()
			sc.Regions = append(sc.Regions, "eu-west-1")
			sc.AddAuroraCluster("solo", east)
			h := newHarness(t, sc)
			err := tc.call(h.rds(tc.region), h)
			if apiCode(err) != tc.code || (tc.code == "" && err != nil) {
				t.Fatalf("%v, want %q", err, tc.code)
			}
			if tc.code != "" {
				if !strings.Contains(err.Error(), "must be called in") || len(h.sim.Ops()) != 0 {
					t.Errorf("refusal %v, ops %+v", err, h.sim.Ops())
				}
			}
		})
	}
	// ElastiCache documents no Region for FailoverGlobalReplicationGroup.
	for _, region := range []string{east, west, "eu-west-1"} {
		h := seedHarness(t)
		if _, err := h.ec(region).FailoverGlobalReplicationGroup(ctx, &elasticache.FailoverGlobalReplicationGroupInput{GlobalReplicationGroupId: aws.String(seedGRG),
			PrimaryRegion: aws.String(west), PrimaryReplicationGroupId: aws.String("demo-redis-cluster")}); err != nil {
			t.Errorf("datastore failover called in %s: %v", region, err)
		}
	}
}
