package resourcetest

import (
	"context"
	"errors"
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
			if err := exec(c, cloud.NewCall("rds", "SwitchoverGlobalCluster", DR, "GlobalClusterIdentifier", GlobalClusterID, "TargetDbClusterIdentifier", Cluster2ARN)); err != nil {
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
			c.SetDown(Primary, true)
			return exec(c, cloud.NewCall("rds", "SwitchoverGlobalCluster", DR, "GlobalClusterIdentifier", GlobalClusterID, "TargetDbClusterIdentifier", Cluster2ARN))
		}, func(err error) bool { return cloud.IsKind(err, cloud.KindInvalidState) }},
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
