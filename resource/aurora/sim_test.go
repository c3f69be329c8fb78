package aurora_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/internal/simtest"
	"drorch/resource"
	"drorch/resource/aurora"
	rt "drorch/resource/resourcetest"
	"drorch/sim"
)

// The Aurora types on the simulator, through aws-sdk-go-v2 and the step
// machine with its real 2-minute start grace, where the simulator behaves
// as AWS documents it (docs/aws-global-operations.md).

// slowScenario is the seed scenario with the asynchronous parts of a
// detach and a final snapshot lasting longer than the machine's start
// grace: a handler that took "still listed" or "still available" after its
// call for "nothing started" would fail here.
func slowScenario() *sim.Scenario {
	sc := sim.SeedScenario()
	sc.Durations.DetachDelay, sc.Durations.Detach = 200, 300
	sc.Durations.ClusterSnapshot = 400
	return sc
}

func outage(t *testing.T, e *simtest.Env, region string) {
	t.Helper()
	if _, err := e.Sim.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: region, Mode: sim.ModeRefuse}); err != nil {
		t.Fatal(err)
	}
}

// unplanned detaches dbcluster-02 with us-east-1 down, as test case #2.
func unplanned(t *testing.T, e *simtest.Env) simtest.Result {
	t.Helper()
	r := rt.Bind(t, aurora.UnplannedFailover{}, unplannedParams, resource.Context{})
	res, err := e.Drive(ctx, r, "r-unplanned", time.Hour)
	if err != nil {
		t.Fatalf("unplanned failover: %v\n%s", err, res)
	}
	return res
}

// RemoveFromGlobalCluster is asynchronous: the cluster stays listed,
// IsWriter false, for longer than the start grace. The detach is seen as
// under way, the call made once, and us-east-1 never called.
func TestSimUnplannedDetachIsAsynchronous(t *testing.T) {
	t.Parallel()
	e := simtest.New(t, slowScenario())
	outage(t, e, rt.Primary)
	res := unplanned(t, e)
	if len(res.Calls) != 1 || res.Calls[0].Action != "RemoveFromGlobalCluster" || res.Calls[0].Region != rt.DR {
		t.Fatalf("calls = %v, want one RemoveFromGlobalCluster in us-west-2", res.Calls)
	}
	if !strings.Contains(res.String(), "still listed as a member while it is promoting") || res.Took < 300*time.Second {
		t.Errorf("the detach was not seen under way, or ended before AWS finished it (took %s):\n%s", res.Took, res)
	}
	if n := e.Sim.CallCount(rt.Primary, "", ""); n != 0 {
		t.Errorf("%d calls to the failed region, want none", n)
	}
	cl := res2(t)(e.API.DBCluster(ctx, rt.DR, rt.Cluster2))
	if _, writable := cl.Writer(); cl.Status != "available" || cl.GlobalClusterID != "" || !writable {
		t.Errorf("dbcluster-02 after the run: %+v", cl)
	}
}

func res2(t *testing.T) func(*cloud.DBCluster, error) *cloud.DBCluster {
	return func(cl *cloud.DBCluster, err error) *cloud.DBCluster {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
}

// The failback after an unplanned failover keeps the old primary's data:
// a final snapshot named after the run, taken while the cluster stays
// available (longer than the start grace here), and available before the
// rebuild goes on.
func TestSimSecondaryRebuildKeepsTheOldPrimarysData(t *testing.T) {
	t.Parallel()
	e := simtest.New(t, slowScenario())
	outage(t, e, rt.Primary)
	unplanned(t, e)
	e.Sim.ClearFaults()

	r := rt.Bind(t, aurora.SecondaryCluster{}, failbackParams(), resource.Context{})
	pf, err := r.Preflight(ctx, e.View("r-failback"))
	if err != nil || len(pf.Blockers) > 0 || !containsAll(pf.Warnings, "after a final snapshot drorch-r-failback-dbcluster-01") {
		t.Fatalf("preflight = %+v, %v", pf, err)
	}
	res, err := e.Drive(ctx, r, "r-failback", 4*time.Hour)
	if err != nil {
		t.Fatalf("rebuild: %v\n%s", err, res)
	}
	var got []string
	for _, c := range res.Calls {
		got = append(got, c.Action+"@"+c.Region)
	}
	want := []string{"RemoveFromGlobalCluster@us-east-1", "DeleteDBInstance@us-east-1", "DeleteDBCluster@us-east-1",
		"DeleteGlobalCluster@us-east-1", "CreateGlobalCluster@us-west-2", "CreateDBCluster@us-east-1", "CreateDBInstance@us-east-1"}
	if !slices.Equal(got, want) {
		t.Fatalf("calls = %v\nwant %v\n%s", got, want, res)
	}
	if snap := res.Calls[2].Args["FinalDBSnapshotIdentifier"]; snap != "drorch-r-failback-dbcluster-01" {
		t.Errorf("DeleteDBCluster's final snapshot = %q", snap)
	}
	s, err := cloud.DBClusterSnapshots.Get(ctx, e.API.Reads(), rt.Primary, "drorch-r-failback-dbcluster-01")
	if err != nil || s.Status != "available" || s.ClusterID != rt.Cluster1 || !s.StorageEncrypted {
		t.Errorf("final snapshot = %+v, %v", s, err)
	}
	for _, line := range []string{"stays available until it is taken", "still listed as a member while it is promoting"} {
		if !strings.Contains(res.String(), line) {
			t.Errorf("the run never saw %q:\n%s", line, res)
		}
	}
	g, err := e.API.GlobalCluster(ctx, rt.Primary, rt.GlobalClusterID)
	if w, _ := g.Writer(); err != nil || w.ClusterARN != rt.Cluster2ARN || len(g.Members) != 2 || !g.StorageEncrypted {
		t.Errorf("global cluster after the rebuild: %+v, %v", g, err)
	}
	// The new secondary carries ReplicationSourceIdentifier (the writer),
	// as AWS reports it: the goal is judged from membership, not from it.
	cl := res2(t)(e.API.DBCluster(ctx, rt.Primary, rt.Cluster1))
	if cl.ReplicationSource != rt.Cluster2ARN {
		t.Errorf("the simulator shows ReplicationSource %q on the new secondary, want the writer", cl.ReplicationSource)
	}
	if again, err := e.Drive(ctx, r, "r-again", time.Hour); err != nil || !again.AlreadyDone {
		t.Errorf("a second run: %+v, %v; want already done", again, err)
	}
}

// SwitchoverGlobalCluster is made in the region of the current writer,
// whichever way the payload switches; the simulator refuses it elsewhere.
func TestSimPlannedSwitchoverInTheWritersRegion(t *testing.T) {
	t.Parallel()
	e := simtest.New(t, nil)
	for _, leg := range []struct{ target, callRegion string }{{rt.Cluster2ARN, rt.Primary}, {rt.Cluster1ARN, rt.DR}} {
		p := resource.Params{"GlobalClusterIdentifier": rt.GlobalClusterID, "DBClusterIdentifier": leg.target}
		res, err := e.Drive(ctx, rt.Bind(t, aurora.PlannedFailover{}, p, resource.Context{}), "r-switch", time.Hour)
		if err != nil {
			t.Fatalf("switchover to %s: %v\n%s", leg.target, err, res)
		}
		if len(res.Calls) != 1 || res.Calls[0].Region != leg.callRegion {
			t.Fatalf("switchover to %s: calls %v, want one in %s", leg.target, res.Calls, leg.callRegion)
		}
		g, err := e.API.GlobalCluster(ctx, rt.DR, rt.GlobalClusterID)
		if w, _ := g.Writer(); err != nil || w.ClusterARN != leg.target {
			t.Fatalf("writer after the switchover = %+v, %v", g, err)
		}
	}
}

// The data-loss failover is made in the target's region and never needs
// the failed one.
func TestSimManagedFailoverInTheTargetsRegion(t *testing.T) {
	t.Parallel()
	e := simtest.New(t, nil)
	outage(t, e, rt.Primary)
	r := rt.Bind(t, aurora.ManagedFailover{}, switchParams, resource.Context{AllowDataLoss: true})
	res, err := e.Drive(ctx, r, "r-managed", time.Hour)
	if err != nil {
		t.Fatalf("managed failover: %v\n%s", err, res)
	}
	if len(res.Calls) != 1 || res.Calls[0].Region != rt.DR || res.Calls[0].Args["AllowDataLoss"] != "true" {
		t.Fatalf("calls = %v", res.Calls)
	}
	if n := e.Sim.CallCount(rt.Primary, "", ""); n != 0 {
		t.Errorf("%d calls to the failed region, want none", n)
	}
}

// A global secondary carries ReplicationSourceIdentifier on AWS (and on
// the simulator): the handlers judge it a secondary all the same.
func TestSimGlobalSecondaryWithReplicationSource(t *testing.T) {
	t.Parallel()
	e := simtest.New(t, nil)
	cl := res2(t)(e.API.DBCluster(ctx, rt.DR, rt.Cluster2))
	if cl.ReplicationSource != rt.Cluster1ARN {
		t.Fatalf("dbcluster-02 shows ReplicationSource %q, want the writer's ARN", cl.ReplicationSource)
	}
	v := e.View("")
	for _, c := range []struct {
		typ    resource.Type
		params resource.Params
		want   resource.State
		says   string
	}{
		{aurora.PlannedFailover{}, switchParams, resource.Ready, "is a secondary"},
		{aurora.UnplannedFailover{}, unplannedParams, resource.Ready, "is a secondary of global cluster"},
	} {
		verdict, err := only(t, rt.Bind(t, c.typ, c.params, resource.Context{})).Check(ctx, v)
		rt.WantVerdict(t, verdict, err, c.want, c.says)
	}
}

// The plan of a rebuild that AWS would refuse half-way is blocked on the
// simulator's live state: the source is encrypted while the payload says
// StorageEncrypted False with no key. Without the preflight, the run
// removes and deletes the old cluster, then CreateDBCluster is refused.
func TestSimSecondaryPreconditionBlocksThePlan(t *testing.T) {
	t.Parallel()
	e := simtest.New(t, nil)
	outage(t, e, rt.Primary)
	unplanned(t, e)
	e.Sim.ClearFaults()
	r := rt.Bind(t, aurora.SecondaryCluster{}, with(failbackParams(), "StorageEncrypted", "False", "KmsKeyId", ""), resource.Context{})
	pf, err := r.Preflight(ctx, e.View("r-1"))
	if err != nil || !containsAll(pf.Blockers, "is encrypted", "set KmsKeyId to a key of us-east-1") {
		t.Fatalf("preflight = %+v, %v", pf, err)
	}
	res, err := e.Drive(ctx, r, "r-1", 4*time.Hour)
	if err == nil || !strings.Contains(err.Error(), "CreateDBCluster") || !strings.Contains(err.Error(), "kmsKeyId should be explicitly specified") {
		t.Fatalf("run without the preflight: %v\n%s", err, res)
	}
	if !slices.ContainsFunc(res.Calls, func(c cloud.Call) bool { return c.Action == "DeleteDBCluster" }) {
		t.Errorf("the run stopped before deleting anything: %v", res.Calls)
	}
}

// A run that starts (or resumes) while a detach it did not see is under
// way, such as after drorch was killed once the call reached AWS, waits
// for that detach and never asks for it again: AWS would refuse a second
// removal.
func TestSimDetachUnderWayIsNotRepeated(t *testing.T) {
	t.Parallel()
	e := simtest.New(t, slowScenario())
	outage(t, e, rt.Primary)
	if err := e.API.RemoveFromGlobalCluster(ctx, rt.DR, rt.GlobalClusterID, rt.Cluster2ARN); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(5 * time.Second)
	res := unplanned(t, e)
	if len(res.Calls) != 0 {
		t.Errorf("the run made %v, want no call: the detach was under way", res.Calls)
	}
	if !strings.Contains(res.String(), "still listed as a member while it is promoting") {
		t.Errorf("the run did not see the detach under way:\n%s", res)
	}
}
