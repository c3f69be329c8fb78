package e2e

import (
	"strings"
	"testing"

	"drorch/sim"
)

// TestUSEast1Outage takes us-east-1 down (connections refused, or hung until
// drorch gives up): the planned switchover is blocked before any change with
// the reason and the way out, and the unplanned payloads run from us-west-2
// without a single call to us-east-1.
func TestUSEast1Outage(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{sim.ModeRefuse, sim.ModeHang} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldConfig{speed: 500})
			if _, err := w.sim.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: useast, Mode: mode}); err != nil {
				t.Fatal(err)
			}

			// In hang mode this waits for drorch's per-call timeout (30 s).
			r := w.drorch("plan", "--region", uswest, seedPayload("1-planned-switchover.json"))
			out := r.stdout + r.stderr
			for _, want := range []string{
				"BLOCKED a planned switchover needs both regions; us-east-1 is unreachable",
				"for an unplanned failover use UnPlannedFailoverAurora",
				"nothing was changed",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("plan output lacks %q", want)
				}
			}
			if r.code != 1 || t.Failed() {
				t.Fatalf("plan of the planned switchover with us-east-1 down (%s): want exit 1 and the reason:\n%s", mode, r)
			}
			if n := len(w.sim.MutatingCalls()); n != 0 {
				t.Errorf("plan made %d mutating calls", n)
			}

			east := w.sim.CallCount(useast, "", "")
			for _, p := range []string{"2-unplanned-failover.json", "4-rds-and-elasticache.json"} {
				w.mustRun(0, append([]string{"run", "--region", uswest, "--yes"}, append(pollFlags, seedPayload(p))...)...)
				if n := w.sim.CallCount(useast, "", ""); n != east {
					t.Errorf("%s made %d calls to us-east-1, want none", p, n-east)
				}
			}
			var p problems
			p.auroraWriter(w.sim.State(), cluster01ARN, cluster01ARN)
			if c, ok := w.sim.State().Cluster(uswest, "dbcluster-02"); !ok || c.Status != "available" || c.GlobalClusterID != "" {
				p.addf("dbcluster-02 should be stand-alone and available: %+v", c)
			}
			p.replicaPromoted(w.sim.State())
			p.redisPrimary(w.sim.State(), uswest)
			if len(p) > 0 {
				t.Errorf("the world after the unplanned payloads:\n%s", p)
			}
			if p := callProblems(w.sim.MutatingCalls(), []string{"FailoverGlobalReplicationGroup", "PromoteReadReplica", "RemoveFromGlobalCluster"}); len(p) > 0 {
				t.Errorf("mutating calls:\n%s", p)
			}
		})
	}
}
