package sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// CallsPerSecond counts calls per second of virtual time, per service and
// region: what a client's request budget is checked against.
func TestCallsPerSecond(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	describe := func(region string, n int) {
		for range n {
			if _, err := h.rds(region).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.sim.ResetCalls()
	describe(west, 3)
	describe(east, 1)
	h.advance(1500 * time.Millisecond)
	describe(west, 2)
	h.advance(10 * time.Second)
	describe(west, 1)
	got := h.sim.CallsPerSecond(west, "rds")
	if len(got) != 3 || got[0].Count != 3 || got[1].Count != 2 || got[2].Count != 1 {
		t.Fatalf("per second in %s: %+v, want 3, 2 and 1 in three seconds", west, got)
	}
	if !got[0].Second.Before(got[1].Second) || got[2].Second.Sub(got[1].Second) != 10*time.Second {
		t.Errorf("seconds out of order or misplaced: %+v", got)
	}
	if e := h.sim.CallsPerSecond(east, "rds"); len(e) != 1 || e[0].Count != 1 {
		t.Errorf("per second in %s: %+v, want one call", east, e)
	}
	if n := h.sim.CallsPerSecond(west, "elasticache"); len(n) != 0 {
		t.Errorf("ElastiCache counted calls it never got: %+v", n)
	}
	h.sim.ResetCalls()
	if n := h.sim.CallsPerSecond(west, "rds"); len(n) != 0 {
		t.Errorf("ResetCalls kept %+v", n)
	}
}
