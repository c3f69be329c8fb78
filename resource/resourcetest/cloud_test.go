package resourcetest

import (
	"context"
	"errors"
	"testing"

	"drorch/resource"
)

// The fake must hold to world.md where handlers rely on it: regional
// visibility, outages, injected faults, immediate and final effects.
func TestCloud(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(c *Cloud, env *resource.Env) error
		want func(err error) bool
	}{
		{"a cluster is visible in its region by ARN", func(c *Cloud, env *resource.Env) error {
			_, err := env.Read.DBCluster(ctx, DR, Cluster2ARN)
			return err
		}, func(err error) bool { return err == nil }},
		{"a cluster is not visible from another region", func(c *Cloud, env *resource.Env) error {
			_, err := env.Read.DBCluster(ctx, Primary, Cluster2ARN)
			return err
		}, func(err error) bool { return errors.Is(err, resource.ErrNotFound) }},
		{"a global cluster is visible from every region", func(c *Cloud, env *resource.Env) error {
			_, err := env.Read.GlobalCluster(ctx, DR, GlobalClusterID)
			return err
		}, func(err error) bool { return err == nil }},
		{"a down region is unreachable", func(c *Cloud, env *resource.Env) error {
			c.SetDown(Primary, true)
			_, err := env.Read.DBInstance(ctx, Primary, RDSInstance)
			return err
		}, func(err error) bool { return resource.IsKind(err, resource.KindUnreachable) && resource.Retryable(err) }},
		{"an injected fault", func(c *Cloud, env *resource.Env) error {
			c.FailOn("PromoteReadReplica", DR, errors.New("boom"))
			return env.Instances.PromoteReadReplica(ctx, DR, RDSInstance)
		}, func(err error) bool { return err != nil && err.Error() == "boom" }},
		{"a switchover shows at once and finishes on Settle", func(c *Cloud, env *resource.Env) error {
			if err := env.GlobalClusters.SwitchoverGlobalCluster(ctx, DR, GlobalClusterID, Cluster2ARN); err != nil {
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
		{"a switchover refuses a down member", func(c *Cloud, env *resource.Env) error {
			c.SetDown(Primary, true)
			return env.GlobalClusters.SwitchoverGlobalCluster(ctx, DR, GlobalClusterID, Cluster2ARN)
		}, func(err error) bool { return resource.IsKind(err, resource.KindInvalidState) }},
		{"removing the writer with secondaries is refused", func(c *Cloud, env *resource.Env) error {
			return env.GlobalClusters.RemoveFromGlobalCluster(ctx, Primary, GlobalClusterID, Cluster1ARN)
		}, func(err error) bool { return resource.IsKind(err, resource.KindInvalidState) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := NewSeed()
			if err := tt.run(c, c.Env()); !tt.want(err) {
				t.Errorf("got %v", err)
			}
		})
	}
}
