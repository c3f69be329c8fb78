package elasticache_test

import (
	"strings"
	"testing"
	"time"

	"drorch/internal/simtest"
	rt "drorch/resource/resourcetest"
	"drorch/sim"
)

// FailoverElastiCacheCluster on the simulator, through aws-sdk-go-v2 and
// the step machine with its real start grace.

// threeRegions is the seed scenario with a third member of the global
// datastore, in eu-west-1, and promotions that take dur seconds.
func threeRegions(dur float64) *sim.Scenario {
	sc := sim.SeedScenario()
	sc.Regions = append(sc.Regions, "eu-west-1")
	sc.ReplicationGroups = append(sc.ReplicationGroups, sim.ScenarioRG{ID: rt.ReplicationGroupID, Region: "eu-west-1",
		Description: "demo Redis cluster", Port: 3789, GlobalReplicationGroup: rt.GlobalDatastoreID, Role: "SECONDARY"})
	sc.Durations.ElastiCacheFailover = dur
	return sc
}

// "Promotion is allowed anytime, even if other modifications are in
// progress" (ElastiCache User Guide): while another promotion (to
// eu-west-1) is modifying the datastore, drorch promotes us-west-2 at once
// instead of waiting for the datastore to be available, and the datastore
// resolves to us-west-2, the last promotion asked.
func TestSimPromotesDuringAModification(t *testing.T) {
	t.Parallel()
	const dur = 300 // longer than the start grace
	e := simtest.New(t, threeRegions(dur))
	if err := e.API.FailoverGlobalReplicationGroup(ctx, "eu-west-1", rt.GlobalDatastoreID, "eu-west-1", rt.ReplicationGroupID); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(10 * time.Second)
	res, err := e.Drive(ctx, bound(t, params), "r-1", time.Hour)
	if err != nil {
		t.Fatalf("Drive: %v\n%s", err, res)
	}
	if len(res.Calls) != 1 || res.Calls[0].Region != rt.DR {
		t.Fatalf("calls = %v, want one promotion in us-west-2", res.Calls)
	}
	if !strings.Contains(res.Trace[0], "a promotion is allowed during a modification") {
		t.Errorf("the promotion was not made at once, during the modification:\n%s", res)
	}
	g, err := e.API.GlobalReplicationGroup(ctx, rt.DR, rt.GlobalDatastoreID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range g.Members {
		if want := map[bool]string{true: "PRIMARY", false: "SECONDARY"}[m.Region == rt.DR]; m.Role != want {
			t.Errorf("member in %s is %s, want %s", m.Region, m.Role, want)
		}
	}
	if g.Status != "available" || res.Took >= 2*dur*time.Second {
		t.Errorf("datastore %s after %s; want available, sooner than two promotions one after the other", g.Status, res.Took)
	}
}

// A promotion that takes longer than the start grace is waited for: the
// datastore modifying with the target still a secondary is the promotion
// under way once asked, not an operation that never started.
func TestSimSlowPromotionOutlastsTheStartGrace(t *testing.T) {
	t.Parallel()
	e := simtest.New(t, threeRegions(600))
	res, err := e.Drive(ctx, bound(t, params), "r-1", time.Hour)
	if err != nil {
		t.Fatalf("Drive: %v\n%s", err, res)
	}
	if len(res.Calls) != 1 || res.Took < 600*time.Second {
		t.Errorf("calls %v, took %s; want one promotion, waited for to its end", res.Calls, res.Took)
	}
}
