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
	smithy "github.com/aws/smithy-go"

	"drorch/sim"
)

func setFault(t *testing.T, h *harness, f sim.Fault) sim.Fault {
	t.Helper()
	f, err := h.sim.SetFault(f)
	if err != nil {
		t.Fatalf("set fault: %v", err)
	}
	return f
}

// waitFor polls cond (the simulator runs in other goroutines) until it
// holds; it fails the test after 10 s of real time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestOutageRefuse(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	setFault(t, h, sim.Fault{Kind: sim.FaultOutage, Region: east})
	ctx := context.Background()
	_, err := h.rds(east).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{})
	var ae smithy.APIError
	if err == nil || errors.As(err, &ae) {
		t.Fatalf("refused call: %v (want a connection error, no AWS answer)", err)
	}
	_, err = h.rds(east).PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String("rds-mysql-instance")})
	if err == nil || errors.As(err, &ae) {
		t.Fatalf("refused mutating call: %v", err)
	}
	if _, err := h.rds(west).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{}); err != nil {
		t.Errorf("the healthy region must answer: %v", err)
	}
	if n := h.sim.CallCount(east, "rds", ""); n != 2 {
		t.Errorf("refused calls counted = %d, want 2", n)
	}
	mc := h.sim.MutatingCalls()
	if len(mc) != 1 || mc[0].Code != "RegionOutage:refuse" || mc[0].Status != 0 || mc[0].Target != "rds-mysql-instance" {
		t.Errorf("mutating log = %+v", mc)
	}
	if st := h.sim.State(); !slices.Contains(st.Regions, sim.RegionState{Name: east, Down: true}) {
		t.Errorf("regions = %+v", st.Regions)
	}
}

func TestOutageHang(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	f := setFault(t, h, sim.Fault{Kind: sim.FaultOutage, Region: east, Mode: sim.ModeHang})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := h.rds(east).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung call: %v, want the client's deadline", err)
	}
	waitFor(t, "the handler to let go of the abandoned call", func() bool { return h.sim.Held() == 0 })

	// A held call goes through once the outage ends.
	done := make(chan error, 1)
	go func() {
		_, err := h.rds(east).DescribeDBClusters(context.Background(), &rds.DescribeDBClustersInput{})
		done <- err
	}()
	waitFor(t, "the call to be held", func() bool { return h.sim.Held() == 1 })
	if err := h.sim.ClearFault(f.ID); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("released call: %v", err)
	}

	// Close releases held calls (a shutting-down server must not hang).
	setFault(t, h, sim.Fault{Kind: sim.FaultOutage, Region: east, Mode: sim.ModeHang})
	go func() {
		_, err := h.rds(east).DescribeDBClusters(context.Background(), &rds.DescribeDBClustersInput{})
		done <- err
	}()
	waitFor(t, "the call to be held", func() bool { return h.sim.Held() == 1 })
	h.sim.Close()
	if err := <-done; err == nil {
		t.Errorf("a call dropped at close must fail")
	}
}

// With the primary region down, a switchover fails (it is made in the
// primary's Region, which refuses connections; the healthy Region refuses
// it), a data-loss failover and a detach made from the healthy region
// work, and the old writer resyncs 30 s after its region returns.
func TestOutagePrimaryRegion(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	f := setFault(t, h, sim.Fault{Kind: sim.FaultOutage, Region: east})
	c := h.rds(west)
	_, err := c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02)})
	if apiCode(err) != "InvalidParameterValue" || !strings.Contains(err.Error(), "must be called in us-east-1") {
		t.Fatalf("switchover from the healthy region: %v", err)
	}
	_, err = h.rds(east).SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02)})
	var ae smithy.APIError
	if err == nil || errors.As(err, &ae) {
		t.Fatalf("switchover in the down region: %v (want a connection error)", err)
	}
	out, err := c.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC),
		TargetDbClusterIdentifier: aws.String(arnWest02), AllowDataLoss: aws.Bool(true)})
	if err != nil {
		t.Fatalf("data-loss failover: %v", err)
	}
	if aws.ToString(out.GlobalCluster.Status) != "failing-over" || !aws.ToBool(out.GlobalCluster.FailoverState.IsDataLossAllowed) {
		t.Errorf("failover response: %+v", out.GlobalCluster)
	}
	h.advance(5 * time.Second)
	if v := h.globalCluster(seedGC); v.failover != "failing-over" {
		t.Errorf("at +5s failover state = %q", v.failover)
	}
	h.advance(40 * time.Second)
	v := h.globalCluster(seedGC)
	if v.status != "available" || v.writer != arnWest02 || !slices.Contains(v.sync, arnEast01+"=pending-resync") {
		t.Errorf("after failover: %+v", v)
	}
	h.advance(10 * time.Minute) // still down: still pending-resync
	if v := h.globalCluster(seedGC); !slices.Contains(v.sync, arnEast01+"=pending-resync") {
		t.Errorf("while down: %v", v.sync)
	}
	if err := h.sim.ClearFault(f.ID); err != nil {
		t.Fatal(err)
	}
	h.advance(29 * time.Second)
	if v := h.globalCluster(seedGC); !slices.Contains(v.sync, arnEast01+"=pending-resync") {
		t.Errorf("29s after return: %v", v.sync)
	}
	h.advance(time.Second)
	if v := h.globalCluster(seedGC); !slices.Contains(v.sync, arnEast01+"=connected") {
		t.Errorf("30s after return: %v", v.sync)
	}
	if cl := describeCluster(t, h.rds(east), "dbcluster-01"); aws.ToBool(cl.DBClusterMembers[0].IsClusterWriter) {
		t.Errorf("the old writer's instance is still the writer")
	}
}

func TestOutageDetachAndPromote(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	f := setFault(t, h, sim.Fault{Kind: sim.FaultOutage, Region: east})
	c := h.rds(west)
	if _, err := c.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), DbClusterIdentifier: aws.String(arnWest02)}); err != nil {
		t.Fatalf("detach with the primary down: %v", err)
	}
	if _, err := c.PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String("rds-mysql-instance")}); err != nil {
		t.Fatalf("promote with the source down: %v", err)
	}
	h.advance(90 * time.Second)
	if cl := describeCluster(t, c, "dbcluster-02"); aws.ToString(cl.Status) != "available" || !aws.ToBool(cl.DBClusterMembers[0].IsClusterWriter) {
		t.Errorf("detached cluster: %s", aws.ToString(cl.Status))
	}
	if in := describeInstance(t, c, "rds-mysql-instance"); in.ReadReplicaSourceDBInstanceIdentifier != nil {
		t.Errorf("promoted replica still has a source")
	}
	src, _ := h.sim.State().Instance(east, "rds-mysql-instance")
	if len(src.Replicas) != 1 {
		t.Errorf("the down source must not hear of the promotion yet: %v", src.Replicas)
	}
	if err := h.sim.ClearFault(f.ID); err != nil {
		t.Fatal(err)
	}
	if src := describeInstance(t, h.rds(east), "rds-mysql-instance"); len(src.ReadReplicaDBInstanceIdentifiers) != 0 {
		t.Errorf("after the region returned the source still lists %v", src.ReadReplicaDBInstanceIdentifiers)
	}
}

// An operation under way in a region that goes down freezes and resumes,
// shifted, when the region returns.
func TestOutageFreezesOperations(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	if _, err := h.rds(east).SwitchoverGlobalCluster(context.Background(), &rds.SwitchoverGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02)}); err != nil {
		t.Fatal(err)
	}
	h.advance(20 * time.Second)
	f := setFault(t, h, sim.Fault{Kind: sim.FaultOutage, Region: east})
	h.advance(5 * time.Minute)
	if v := h.globalCluster(seedGC); v.status != "switching-over" || v.writer != arnEast01 {
		t.Errorf("frozen switchover moved on: %+v", v)
	}
	if ops := h.sim.Ops(); !ops[0].Frozen {
		t.Errorf("op not frozen: %+v", ops[0])
	}
	if err := h.sim.ClearFault(f.ID); err != nil {
		t.Fatal(err)
	}
	h.advance(39 * time.Second)
	if v := h.globalCluster(seedGC); v.writer != arnEast01 {
		t.Errorf("finished early: %+v", v)
	}
	h.advance(time.Second)
	if v := h.globalCluster(seedGC); v.writer != arnWest02 || v.status != "available" {
		t.Errorf("did not resume: %+v", v)
	}
	op := h.sim.Ops()[0]
	if got := op.End.Sub(op.Start); got != 6*time.Minute {
		t.Errorf("operation took %v, want 6m (1m of work + 5m frozen)", got)
	}
}

func TestThrottleRate(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	setFault(t, h, sim.Fault{Kind: sim.FaultThrottle, Region: west, Service: "rds", Action: "DescribeDBClusters", Rate: 0.5})
	c := h.rds(west)
	throttled := 0
	const n = 200
	for range n {
		_, err := c.DescribeDBClusters(context.Background(), &rds.DescribeDBClustersInput{})
		switch apiCode(err) {
		case "":
		case "Throttling":
			throttled++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if throttled < n/4 || throttled > 3*n/4 {
		t.Errorf("%d of %d calls throttled at rate 0.5", throttled, n)
	}
	if _, err := c.DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{}); err != nil {
		t.Errorf("another action must not be throttled: %v", err)
	}
}

// A 5xx fault answers before the operation is applied.
func TestErrorFault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		code   string
	}{{500, "InternalFailure"}, {503, "ServiceUnavailable"}} {
		h := seedHarness(t)
		h.attempts = 2
		setFault(t, h, sim.Fault{Kind: sim.FaultError, Region: east, Status: tc.status})
		_, err := h.rds(east).SwitchoverGlobalCluster(context.Background(), &rds.SwitchoverGlobalClusterInput{
			GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02)})
		var re interface{ HTTPStatusCode() int }
		if apiCode(err) != tc.code || !errors.As(err, &re) || re.HTTPStatusCode() != tc.status {
			t.Errorf("%d: %v", tc.status, err)
		}
		if n := h.sim.CallCount(east, "rds", "SwitchoverGlobalCluster"); n != 2 {
			t.Errorf("%d: %d attempts, want 2 (5xx is retried)", tc.status, n)
		}
		if v := h.globalCluster(seedGC); v.status != "available" || len(h.sim.Ops()) != 0 {
			t.Errorf("%d: the operation was applied: %+v", tc.status, v)
		}
		mc := h.sim.MutatingCalls()
		if len(mc) != 2 || mc[0].Status != tc.status || mc[0].Code != tc.code {
			t.Errorf("%d: mutating log %+v", tc.status, mc)
		}
	}
}

func TestHalfwayFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		action string
		call   func(h *harness) error
		check  func(t *testing.T, h *harness)
	}{
		{"SwitchoverGlobalCluster", func(h *harness) error {
			_, err := h.rds(east).SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02)})
			return err
		}, func(t *testing.T, h *harness) {
			if v := h.globalCluster(seedGC); v.status != "available" || v.failover != "" || v.writer != arnEast01 {
				t.Errorf("rolled-back switchover: %+v", v)
			}
		}},
		{"FailoverGlobalCluster", func(h *harness) error {
			_, err := h.rds(west).FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), TargetDbClusterIdentifier: aws.String(arnWest02), AllowDataLoss: aws.Bool(true)})
			return err
		}, func(t *testing.T, h *harness) {
			if v := h.globalCluster(seedGC); v.status != "available" || v.writer != arnEast01 {
				t.Errorf("rolled-back failover: %+v", v)
			}
		}},
		{"PromoteReadReplica", func(h *harness) error {
			_, err := h.rds(west).PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String("rds-mysql-instance")})
			return err
		}, func(t *testing.T, h *harness) {
			if in := describeInstance(t, h.rds(west), "rds-mysql-instance"); aws.ToString(in.DBInstanceStatus) != "available" || in.ReadReplicaSourceDBInstanceIdentifier == nil {
				t.Errorf("rolled-back promote: %s %v", aws.ToString(in.DBInstanceStatus), in.ReadReplicaSourceDBInstanceIdentifier)
			}
		}},
		{"CreateDBInstance", func(h *harness) error {
			_, err := h.rds(west).CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("extra"), DBInstanceClass: aws.String("db.r5.large"),
				Engine: aws.String("aurora-mysql"), DBClusterIdentifier: aws.String("dbcluster-02")})
			return err
		}, func(t *testing.T, h *harness) {
			if in := describeInstance(t, h.rds(west), "extra"); aws.ToString(in.DBInstanceStatus) != "failed" {
				t.Errorf("failed create: %s", aws.ToString(in.DBInstanceStatus))
			}
		}},
		{"RemoveFromGlobalCluster", func(h *harness) error {
			_, err := h.rds(west).RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), DbClusterIdentifier: aws.String(arnWest02)})
			return err
		}, func(t *testing.T, h *harness) {
			g, _ := h.sim.State().GlobalCluster(seedGC)
			if cl := describeCluster(t, h.rds(west), "dbcluster-02"); aws.ToString(cl.Status) != "available" || len(g.Members) != 2 || g.Members[1].Leaving {
				t.Errorf("rolled-back detach: %s %+v", aws.ToString(cl.Status), g.Members)
			}
		}},
		{"DeleteDBInstance", func(h *harness) error {
			_, err := h.rds(east).DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("rds-mysql-instance"), FinalDBSnapshotIdentifier: aws.String("snap")})
			return err
		}, func(t *testing.T, h *harness) {
			st := h.sim.State()
			if in, _ := st.Instance(east, "rds-mysql-instance"); in.Status != "available" || len(st.Snapshots) != 1 || st.Snapshots[0].Status != "available" {
				t.Errorf("rolled-back deletion after its snapshot: %s %+v", in.Status, st.Snapshots)
			}
		}},
		{"FailoverGlobalReplicationGroup", func(h *harness) error {
			_, err := h.ec(west).FailoverGlobalReplicationGroup(ctx, &elasticache.FailoverGlobalReplicationGroupInput{GlobalReplicationGroupId: aws.String(seedGRG),
				PrimaryRegion: aws.String(west), PrimaryReplicationGroupId: aws.String("demo-redis-cluster")})
			return err
		}, func(t *testing.T, h *harness) {
			g, _ := h.sim.State().GlobalReplicationGroup(seedGRG)
			if g.Status != "available" || g.Members[0].Role != "PRIMARY" || g.Members[0].Region != east {
				t.Errorf("rolled-back datastore failover: %+v", g)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.action, func(t *testing.T) {
			t.Parallel()
			h := seedHarness(t)
			setFault(t, h, sim.Fault{Kind: sim.FaultHalfway, Action: tc.action})
			if err := tc.call(h); err != nil {
				t.Fatalf("the call is accepted: %v", err)
			}
			if len(h.sim.Faults()) != 0 {
				t.Errorf("the halfway fault was not used up")
			}
			h.advance(20 * time.Minute)
			tc.check(t, h)
			if ops := h.sim.Ops(); len(ops) != 1 || (ops[0].Outcome != "rolled-back" && ops[0].Outcome != "failed") {
				t.Errorf("ops = %+v", ops)
			}
		})
	}
}

// Faults never touch the admin API.
func TestFaultsSpareAdmin(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	setFault(t, h, sim.Fault{Kind: sim.FaultError})
	setFault(t, h, sim.Fault{Kind: sim.FaultOutage, Region: east})
	c := sim.NewClient(h.url)
	if _, err := c.State(context.Background()); err != nil {
		t.Errorf("state under faults: %v", err)
	}
	for _, bad := range []sim.Fault{{Kind: "flood"}, {Kind: sim.FaultOutage}, {Kind: sim.FaultHalfway}, {Kind: sim.FaultError, Status: 404},
		{Kind: sim.FaultThrottle, Rate: 2}, {Kind: sim.FaultOutage, Region: east, Mode: "slow"}, {Kind: sim.FaultThrottle, Service: "s3"}} {
		if _, err := h.sim.SetFault(bad); err == nil {
			t.Errorf("fault %+v accepted", bad)
		}
	}
}
