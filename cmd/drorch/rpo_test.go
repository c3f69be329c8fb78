package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// During an injected lag, the plan of an unplanned failover shows the writes
// at risk and when they were measured; --max-rpo blocks it, and only
// --override-max-rpo runs past the limit.
func TestPlanShowsWritesAtRiskAndMaxRPOBlocks(t *testing.T) {
	t.Parallel()
	s, clk, endpoint := startClockedSim(t, nil, 5*time.Minute)
	c := newCLI(t, endpoint, "us-west-2")
	if r := c.run("sim", "fault", "lag", "--seconds", "30"); r.code != 0 {
		t.Fatalf("set the lag fault\n%s", r)
	}
	clk.Advance(2 * time.Minute)
	at := s.Now().UTC().Format(time.RFC3339)
	payload := seedPayload("2-unplanned-failover.json")
	risk := regexp.MustCompile(`rpo     writes at risk: about (29|30|31) s \(AuroraGlobalDBRPOLag of dbcluster-02 in us-west-2, measured ` + regexp.QuoteMeta(at) + `\)`)

	r := c.run("plan", payload)
	if r.code != exitOK || !risk.MatchString(r.stdout) {
		t.Fatalf("want exit 0 and the writes at risk\n%s", r)
	}
	// The fault's lag is 30 s ± 3%.
	blocked := regexp.MustCompile(`BLOCKED writes at risk: about (29|30|31) s \(replication lag of dbcluster-02 in us-west-2 at ` + regexp.QuoteMeta(at) + `\), above --max-rpo 5s`)
	r = c.run("plan", "--max-rpo", "5s", payload)
	if r.code != exitFailed || !risk.MatchString(r.stdout) || !blocked.MatchString(r.stdout) ||
		!strings.Contains(r.stdout, "pass --override-max-rpo to accept the loss") {
		t.Errorf("--max-rpo 5s: want the plan blocked by the lag\n%s", r)
	}
	r = c.run("plan", "--max-rpo", "5s", "--override-max-rpo", payload)
	if r.code != exitOK || !regexp.MustCompile(`warning writes at risk: about (29|30|31) s`).MatchString(r.stdout) || !strings.Contains(r.stdout, "--override-max-rpo runs it anyway") {
		t.Errorf("--override-max-rpo: want a warning and exit 0\n%s", r)
	}
	if r := c.run("plan", "--max-rpo", "1m", payload); r.code != exitOK {
		t.Errorf("--max-rpo 1m: want exit 0\n%s", r)
	}
	js := c.run("plan", "-o", "json", "--max-rpo", "5s", payload)
	var pv struct {
		Blocked bool
		Layers  []struct {
			Resources []struct {
				RPO struct {
					Replica, Region, Metric string
					Known                   bool
					Lag                     struct{ Seconds float64 }
					MeasuredAt              time.Time
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(js.stdout), &pv); err != nil || js.code != exitFailed {
		t.Fatalf("plan -o json: %v\n%s", err, js)
	}
	rpo := pv.Layers[0].Resources[0].RPO
	if !pv.Blocked || !rpo.Known || rpo.Replica != "dbcluster-02" || rpo.Region != "us-west-2" || rpo.Lag.Seconds < 29 || rpo.Lag.Seconds > 31 ||
		rpo.Metric != "AuroraGlobalDBRPOLag" || rpo.MeasuredAt.Format(time.RFC3339) != at {
		t.Errorf("JSON rpo: %+v (blocked %v)", rpo, pv.Blocked)
	}
	// A planned switchover loses no writes: it shows no writes at risk.
	if r := c.run("plan", "--max-rpo", "5s", seedPayload("1-planned-switchover.json")); r.code != exitOK || strings.Contains(r.stdout, "writes at risk") {
		t.Errorf("switchover under --max-rpo: want exit 0 and no RPO\n%s", r)
	}
	for _, bad := range [][]string{{"--max-rpo", "-5s"}, {"--override-max-rpo"}} {
		if r := c.run(append(append([]string{"plan"}, bad...), payload)...); r.code != exitBadInput {
			t.Errorf("%v: want exit 2\n%s", bad, r)
		}
	}
	noMutations(t, s, "plan")
}

// With no lag figure at all (CloudWatch has no recent point), the plan
// warns, and --max-rpo blocks it: no figure is not "no lag".
func TestPlanWithoutLagData(t *testing.T) {
	t.Parallel()
	// The simulator's history ends an hour before drorch's clock: nothing
	// in the window it reads.
	_, _, endpoint := startClockedSim(t, nil, time.Hour)
	endpoint = withoutSimTime(t, endpoint)
	c := newCLI(t, endpoint, "us-west-2")
	payload := seedPayload("4-rds-and-elasticache.json")
	r := c.run("plan", payload)
	if r.code != exitOK || !strings.Contains(r.stdout, "rpo     writes at risk: unknown (no replication lag figure for rds-mysql-instance in us-west-2)") ||
		!strings.Contains(r.stdout, "warning writes at risk unknown: CloudWatch in us-west-2 has no recent replication lag for rds-mysql-instance") {
		t.Errorf("want a warning without --max-rpo\n%s", r)
	}
	r = c.run("plan", "--max-rpo", "5s", payload)
	if r.code != exitFailed || !strings.Contains(r.stdout, "BLOCKED --max-rpo 5s is set but the writes at risk are unknown") {
		t.Errorf("want blocked under --max-rpo\n%s", r)
	}
	if r := c.run("plan", "--max-rpo", "5s", "--override-max-rpo", payload); r.code != exitOK {
		t.Errorf("want exit 0 with --override-max-rpo\n%s", r)
	}
}

// A run journals the writes at risk its plan measured; show and the report
// tell them.
func TestRunJournalsTheRPO(t *testing.T) {
	t.Parallel()
	_, endpoint := startTestSim(t)
	c := newCLI(t, endpoint, "us-west-2")
	r := c.run(append([]string{"run", "--yes", "--max-rpo", "1m"}, append(fastPoll, seedPayload("2-unplanned-failover.json"))...)...)
	if r.code != exitOK {
		t.Fatalf("want the run to succeed\n%s", r)
	}
	id := runID(t, r)
	show := c.run("show", "-o", "json", id)
	var st struct {
		Run struct {
			MaxRPO *struct{ Seconds float64 } `json:"maxRpo"`
		}
		Layers []struct {
			Resources []struct {
				RPO *struct {
					Replica string
					Known   bool
					Lag     *struct{ Seconds float64 }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(show.stdout), &st); err != nil {
		t.Fatalf("show -o json: %v\n%s", err, show)
	}
	if st.Run.MaxRPO == nil || st.Run.MaxRPO.Seconds != 60 {
		t.Errorf("journaled --max-rpo: %+v", st.Run.MaxRPO)
	}
	rpo := st.Layers[0].Resources[0].RPO
	if rpo == nil || rpo.Replica != "dbcluster-02" || !rpo.Known || rpo.Lag == nil || rpo.Lag.Seconds <= 0 || rpo.Lag.Seconds >= 1 {
		t.Errorf("journaled RPO: %+v", rpo)
	}
	md := c.run("report", id)
	if md.code != exitOK || !regexp.MustCompile(`Writes at risk \(RPO\):\*\* about \d+ms \(AuroraGlobalDBRPOLag of dbcluster-02 in us-west-2 at `).MatchString(md.stdout) {
		t.Errorf("the report does not show the RPO\n%s", md)
	}
}
