package resourcetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"drorch/cloud"
	"drorch/resource"
)

// The fake must hold to world.md where handlers rely on it: regional
// visibility, outages, injected faults, immediate and final effects.
func TestCloud(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(c *Cloud, v *resource.View) error
		want func(err error) bool
	}{
		{"a cluster is visible in its region by ARN", func(c *Cloud, v *resource.View) error {
			_, err := cloud.DBClusters.Get(ctx, v.Read, DR, Cluster2ARN)
			return err
		}, func(err error) bool { return err == nil }},
		{"a cluster is not visible from another region", func(c *Cloud, v *resource.View) error {
			_, err := cloud.DBClusters.Get(ctx, v.Read, Primary, Cluster2ARN)
			return err
		}, func(err error) bool { return errors.Is(err, cloud.ErrNotFound) }},
		{"a global cluster is visible from every region", func(c *Cloud, v *resource.View) error {
			_, err := cloud.GlobalClusters.Get(ctx, v.Read, DR, GlobalClusterID)
			return err
		}, func(err error) bool { return err == nil }},
		{"a down region is unreachable", func(c *Cloud, v *resource.View) error {
			c.SetDown(Primary, true)
			_, err := cloud.DBInstances.Get(ctx, v.Read, Primary, RDSInstance)
			return err
		}, func(err error) bool { return cloud.IsKind(err, cloud.KindUnreachable) && cloud.Retryable(err) }},
		{"an injected fault", func(c *Cloud, v *resource.View) error {
			c.FailOn("PromoteReadReplica", DR, errors.New("boom"))
			return exec(c, cloud.NewCall("rds", "PromoteReadReplica", DR, "DBInstanceIdentifier", RDSInstance))
		}, func(err error) bool { return err != nil && err.Error() == "boom" }},
		{"a switchover shows at once and finishes on Settle", func(c *Cloud, v *resource.View) error {
			if err := exec(c, cloud.NewCall("rds", "SwitchoverGlobalCluster", Primary, "GlobalClusterIdentifier", GlobalClusterID, "TargetDbClusterIdentifier", Cluster2ARN)); err != nil {
				return err
			}
			if g := c.GlobalClusterState(GlobalClusterID); g.Status != "switching-over" || g.Failover == nil || g.Failover.Status != "pending" {
				return errors.New("no switching-over state after the call")
			}
			c.Settle()
			g := c.GlobalClusterState(GlobalClusterID)
			w, _ := g.Writer()
			_, writable := c.ClusterState(DR, Cluster2).Writer()
			if g.Status != "available" || g.Failover != nil || w.ClusterARN != Cluster2ARN || !writable || c.Pending() != 0 {
				return errors.New("switchover did not finish")
			}
			return nil
		}, func(err error) bool { return err == nil }},
		{"a switchover refuses a down member", func(c *Cloud, v *resource.View) error {
			c.SetDown(DR, true)
			return exec(c, cloud.NewCall("rds", "SwitchoverGlobalCluster", Primary, "GlobalClusterIdentifier", GlobalClusterID, "TargetDbClusterIdentifier", Cluster2ARN))
		}, func(err error) bool { return cloud.IsKind(err, cloud.KindInvalidState) }},
		{"a switchover outside the writer's region is refused", func(c *Cloud, v *resource.View) error {
			return exec(c, cloud.NewCall("rds", "SwitchoverGlobalCluster", DR, "GlobalClusterIdentifier", GlobalClusterID, "TargetDbClusterIdentifier", Cluster2ARN))
		}, func(err error) bool {
			return cloud.IsKind(err, cloud.KindInvalidInput) && strings.Contains(err.Error(), "must be called in us-east-1")
		}},
		{"a data-loss failover outside the target's region is refused", func(c *Cloud, v *resource.View) error {
			return exec(c, cloud.NewCall("rds", "FailoverGlobalCluster", Primary, "GlobalClusterIdentifier", GlobalClusterID, "TargetDbClusterIdentifier", Cluster2ARN, "AllowDataLoss", "true"))
		}, func(err error) bool {
			return cloud.IsKind(err, cloud.KindInvalidInput) && strings.Contains(err.Error(), "must be called in us-west-2")
		}},
		{"FailoverGlobalCluster as a switchover is accepted in any region", func(c *Cloud, v *resource.View) error {
			return exec(c, cloud.NewCall("rds", "FailoverGlobalCluster", DR, "GlobalClusterIdentifier", GlobalClusterID, "TargetDbClusterIdentifier", Cluster2ARN))
		}, func(err error) bool { return err == nil }},
		{"RemoveFromGlobalCluster is asynchronous", func(c *Cloud, v *resource.View) error {
			call := cloud.NewCall("rds", "RemoveFromGlobalCluster", DR, "GlobalClusterIdentifier", GlobalClusterID, "DbClusterIdentifier", Cluster2ARN)
			if err := exec(c, call); err != nil {
				return err
			}
			m, member := c.GlobalClusterState(GlobalClusterID).Member(Cluster2ARN)
			if cl := c.ClusterState(DR, Cluster2); !member || m.IsWriter || cl.Status != "promoting" || cl.GlobalClusterID == "" {
				return fmt.Errorf("right after the call: member %v %+v, cluster %+v", member, m, cl)
			}
			if err := exec(c, call); !cloud.IsKind(err, cloud.KindInvalidState) {
				return fmt.Errorf("a second removal: %v, want refused", err)
			}
			c.Settle()
			if _, member := c.GlobalClusterState(GlobalClusterID).Member(Cluster2ARN); member || c.ClusterState(DR, Cluster2).Status != "promoting" {
				return errors.New("after the first Settle: still a member, or no longer promoting")
			}
			c.Settle()
			cl := c.ClusterState(DR, Cluster2)
			if _, writable := cl.Writer(); cl.Status != "available" || cl.GlobalClusterID != "" || !writable {
				return fmt.Errorf("after the second Settle: %+v", cl)
			}
			return nil
		}, func(err error) bool { return err == nil }},
		{"a final cluster snapshot keeps the cluster available, then it is deleting", func(c *Cloud, v *resource.View) error {
			cl := c.ClusterState(DR, Cluster2)
			cl.GlobalClusterID, cl.Members = "", nil
			c.PutCluster(*cl)
			if err := exec(c, cloud.NewCall("rds", "DeleteDBCluster", DR, "DBClusterIdentifier", Cluster2, "FinalDBSnapshotIdentifier", "final-1")); err != nil {
				return err
			}
			if s := c.ClusterSnapshotState(DR, "final-1"); s == nil || s.Status != "creating" || c.ClusterState(DR, Cluster2).Status != "available" {
				return errors.New("while the snapshot is taken: want it creating and the cluster available")
			}
			if err := exec(c, cloud.NewCall("rds", "CreateDBInstance", DR, "DBInstanceIdentifier", "x", "DBClusterIdentifier", Cluster2)); !cloud.IsKind(err, cloud.KindInvalidState) {
				return fmt.Errorf("an instance added to a cluster being deleted: %v", err)
			}
			c.Settle()
			if c.ClusterSnapshotState(DR, "final-1").Status != "available" || c.ClusterState(DR, Cluster2).Status != "deleting" {
				return errors.New("after the snapshot: want it available and the cluster deleting")
			}
			c.Settle()
			if c.ClusterState(DR, Cluster2) != nil {
				return errors.New("the cluster is still there")
			}
			return nil
		}, func(err error) bool { return err == nil }},
		{"a promotion is allowed while the datastore is modifying", func(c *Cloud, v *resource.View) error {
			g := c.GlobalReplicationGroupState(GlobalDatastoreID)
			g.Status = "modifying"
			c.PutGlobalReplicationGroup(*g)
			if err := exec(c, cloud.NewCall("elasticache", "FailoverGlobalReplicationGroup", DR, "GlobalReplicationGroupId", GlobalDatastoreID,
				"PrimaryRegion", DR, "PrimaryReplicationGroupId", ReplicationGroupID)); err != nil {
				return err
			}
			c.Settle()
			g = c.GlobalReplicationGroupState(GlobalDatastoreID)
			if m, _ := g.Member(DR); g.Status != "available" || m.Role != "PRIMARY" {
				return fmt.Errorf("after the promotion: %+v", g)
			}
			return nil
		}, func(err error) bool { return err == nil }},
		{"a replica of a source without backups is refused", func(c *Cloud, v *resource.View) error {
			src := c.InstanceState(DR, RDSInstance)
			src.ReplicaSource, src.BackupRetentionPeriod = "", 0
			c.PutInstance(*src)
			c.Delete(Primary, RDSInstance)
			return exec(c, cloud.NewCall("rds", "CreateDBInstanceReadReplica", Primary, "DBInstanceIdentifier", RDSInstance,
				"SourceDBInstanceIdentifier", RDSReplicaARN, "KmsKeyId", KMSKeyPrimary))
		}, func(err error) bool {
			return cloud.IsKind(err, cloud.KindInvalidState) && strings.Contains(err.Error(), "Automated backups")
		}},
		{"removing the writer with secondaries is refused", func(c *Cloud, v *resource.View) error {
			return exec(c, cloud.NewCall("rds", "RemoveFromGlobalCluster", Primary, "GlobalClusterIdentifier", GlobalClusterID, "DbClusterIdentifier", Cluster1ARN))
		}, func(err error) bool { return cloud.IsKind(err, cloud.KindInvalidState) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := NewSeed()
			if err := tt.run(c, c.View()); !tt.want(err) {
				t.Errorf("got %v", err)
			}
		})
	}
}

// exec makes one mutating call on c.
func exec(c *Cloud, call cloud.Call) error {
	_, err := c.Execute(context.Background(), call)
	return err
}

func TestExecuteRefusesAnUnknownAction(t *testing.T) {
	t.Parallel()
	err := exec(NewSeed(), cloud.NewCall("rds", "RebootDBCluster", DR, "DBClusterIdentifier", Cluster2))
	if !cloud.IsKind(err, cloud.KindInvalidInput) {
		t.Fatalf("err = %v, want an invalid-input refusal", err)
	}
}
