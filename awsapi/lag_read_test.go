package awsapi_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/sim"
)

// The replication lag of a region's replicas is one readable kind: a batch
// of them costs one GetMetricData call, a replica without data is a state
// (not a missing resource), and the window ends at the clock given.
func TestReplicationLagKindThroughTheSimulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSim(t, nil, nil)
	reads := e.c.Reads()
	reads.Now = e.clk.Now
	keys := []cloud.Key{
		cloud.LagKey(west, cloud.LagAurora, "dbcluster-02"),
		cloud.LagKey(west, cloud.LagRDS, "rds-mysql-instance"),
		cloud.LagKey(west, cloud.LagElastiCache, "demo-redis-cluster"),
		cloud.LagKey(west, cloud.LagAurora, "no-such-cluster"),
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	e.fault(t, sim.Fault{Kind: sim.FaultLag, Region: west, Seconds: 42})
	e.advance(2 * time.Minute)
	before := e.sim.CallCount(west, "monitoring", "GetMetricData")
	found, err := reads.ReadBatch(ctx, cloud.ReplicationLags.Name, west, ids)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.sim.CallCount(west, "monitoring", "GetMetricData") - before; n != 1 {
		t.Errorf("a batch of %d replicas took %d GetMetricData calls, want 1", len(ids), n)
	}
	wantMetric := []string{"AuroraGlobalDBRPOLag", "ReplicaLag", "GlobalDatastoreReplicationLag"}
	for i, k := range keys[:3] {
		l, ok := found[k.ID].(*cloud.ReplicationLag)
		if !ok || !l.Known() || math.Abs(l.Seconds-42) > 42*0.03+0.01 || l.Metric != wantMetric[i] ||
			!l.At.Equal(t0.Add(2*time.Minute)) || l.Region != west {
			t.Errorf("%s under a 42 s lag fault: %+v", k.ID, found[k.ID])
		}
	}
	if l, ok := found[keys[3].ID].(*cloud.ReplicationLag); !ok || l.HasData || l.Known() || l.Duration() != 0 {
		t.Errorf("a replica CloudWatch knows nothing of: %+v, want a state without data", found[keys[3].ID])
	}

	// One key alone, through the typed read.
	l, err := cloud.ReplicationLags.Get(ctx, reads, west, keys[1].ID)
	if err != nil || !l.Known() || l.Duration() < 40*time.Second {
		t.Errorf("Get: %+v, %v", l, err)
	}
	// A key LagKey did not make names nothing.
	if _, err := cloud.ReplicationLags.Get(ctx, reads, west, "dynamodb/x"); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("a key of an unknown family: %v, want not found", err)
	}
	// The window ends at Reads.Now: a minute before the fault, the newest
	// point is the normal sub-second lag.
	reads.Now = func() time.Time { return t0.Add(-time.Minute) }
	if l, err := cloud.ReplicationLags.Get(ctx, reads, west, keys[0].ID); err != nil || !l.Known() || l.Seconds >= 1 {
		t.Errorf("at t0: %+v, %v, want the sub-second lag before the fault", l, err)
	}
}

// Parameter groups named in a scenario reach the domain state, and the
// defaults are AWS's default.<family>.
func TestParameterGroupsFromTheScenario(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sc := sim.SeedScenario()
	sc.Clusters[1].ParameterGroup = "dr-aurora-mysql8"
	sc.Clusters[1].Instances[0].ParameterGroup = "dr-aurora-mysql8-instance"
	e := newSim(t, sc, nil)
	reads := e.c.Reads()
	cl, err := cloud.DBClusters.Get(ctx, reads, west, "dbcluster-02")
	if err != nil || cl.ParameterGroup != "dr-aurora-mysql8" {
		t.Errorf("secondary cluster: %+v, %v", cl, err)
	}
	in, err := cloud.DBInstances.Get(ctx, reads, west, "dbcluster-02-usw2-instance-2")
	if err != nil || in.ParameterGroup != "dr-aurora-mysql8-instance" || in.EngineVersion != "8.0.mysql_aurora.3.05.2" {
		t.Errorf("secondary instance: %+v, %v", in, err)
	}
	primary, err := cloud.DBClusters.Get(ctx, reads, "us-east-1", "dbcluster-01")
	if err != nil || primary.ParameterGroup != "default.aurora-mysql8.0" {
		t.Errorf("primary cluster: %+v, %v", primary, err)
	}
	replica, err := cloud.DBInstances.Get(ctx, reads, west, "rds-mysql-instance")
	if err != nil || replica.ParameterGroup != "default.mysql8.0" || replica.EngineVersion != "8.0.35" {
		t.Errorf("read replica: %+v, %v", replica, err)
	}
}
