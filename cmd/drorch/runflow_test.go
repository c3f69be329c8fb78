package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"drorch/journal"
	"drorch/report"
	"drorch/sim"
)

// calls lists a run report's calls, in order.
func calls(r *report.Report) []report.Call {
	var out []report.Call
	for _, l := range r.Layers {
		for _, res := range l.Resources {
			for _, st := range res.Steps {
				out = append(out, st.Calls...)
			}
		}
	}
	return out
}

// showJSON is `drorch show -o json`: the run report.
func showJSON(t *testing.T, d *cli, id string) *report.Report {
	t.Helper()
	r := d.run("show", "-o", "json", id)
	if r.code != 0 {
		t.Fatalf("show -o json: want exit 0\n%s", r)
	}
	var s report.Report
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("show -o json is not a run report: %v\n%s", err, r)
	}
	return &s
}

// mutations lists the simulator's mutating calls as "Action region status".
func mutations(s *sim.Sim) []string {
	var out []string
	for _, c := range s.MutatingCalls() {
		out = append(out, c.Action+" "+c.Region+" "+strconv.Itoa(c.Status))
	}
	return out
}

// A planned switchover from start to finish, then everything an operator
// does afterwards: list the runs, show the run (text, JSON, events),
// resume it (nothing to do) and run the payload again (a no-op).
func TestRunThenRunsShowResume(t *testing.T) {
	t.Parallel()
	s, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	payload := seedPayload("1-planned-switchover.json")

	r := d.run(append(append([]string{"run", "--yes"}, fastPoll...), payload)...)
	if r.code != 0 {
		t.Fatalf("run: want exit 0\n%s", r)
	}
	id := runID(t, r)
	if !regexp.MustCompile(`^[0-9a-f]{10}$`).MatchString(id) {
		t.Errorf("run id %q is not 10 hex digits", id)
	}
	// The plan and the progress go to the terminal (stderr); stdout has
	// the result only, timed on the simulator's clock.
	for _, want := range []string{"Plan for " + payload + " in us-west-2", "step 1/1 switchover: calling rds SwitchoverGlobalCluster"} {
		if !strings.Contains(r.stderr, want) || strings.Contains(r.stdout, want) {
			t.Errorf("%q is not on stderr alone\n%s", want, r)
		}
	}
	for _, want := range []string{"Run " + id + " succeeded: RTO ", "(simulated AWS time, 200x)", "✓  1"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run output lacks %q\n%s", want, r)
		}
	}
	// SwitchoverGlobalCluster goes to the current writer's region
	// (docs/aws-global-operations.md), though the run acts from us-west-2.
	if got := strings.Join(mutations(s), "; "); got != "SwitchoverGlobalCluster us-east-1 200" {
		t.Fatalf("mutating calls = %s, want one switchover in us-east-1, the writer's region", got)
	}
	gc, _ := s.State().GlobalCluster("dr-globaldb-cluster-mysql")
	for _, m := range gc.Members {
		if m.IsWriter != strings.HasSuffix(m.ClusterARN, ":cluster:dbcluster-02") {
			t.Errorf("after the run, member %s writer=%v", m.ClusterARN, m.IsWriter)
		}
	}

	t.Run("runs", func(t *testing.T) {
		r := d.run("runs")
		row := regexp.MustCompile(`(?m)^` + id + `\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+succeeded\s+us-west-2\s+1\s+\S+\s+` + regexp.QuoteMeta(payload) + `$`)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "RUN ") || !row.MatchString(r.stdout) {
			t.Errorf("runs: want a header and the run's row\n%s", r)
		}
		r = d.run("runs", "-o", "json")
		var doc struct {
			Kind, Journal string
			Runs          []struct {
				ID, Status, Region, Payload string
				Resources                   int
				Duration                    *report.Duration
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != 0 {
			t.Fatalf("runs -o json: %v\n%s", err, r)
		}
		rows := doc.Runs
		if doc.Kind != "runs" || doc.Journal != d.state || len(rows) != 1 || rows[0].Duration == nil || rows[0].Duration.Seconds < 60 || rows[0].ID != id || rows[0].Status != "succeeded" || rows[0].Region != "us-west-2" || rows[0].Resources != 1 || rows[0].Payload != payload {
			t.Errorf("runs -o json = %+v", rows)
		}
	})

	t.Run("show", func(t *testing.T) {
		r := d.run("show", id[:4]) // a unique prefix is enough
		for _, want := range []string{"Run " + id + "  SUCCEEDED", "region us-west-2, payload " + payload,
			"PlannedFailoverAurora in us-west-2: succeeded", "- switchover", "rds SwitchoverGlobalCluster in us-east-1: issued at "} {
			if r.code != 0 || !strings.Contains(r.stdout, want) {
				t.Errorf("show lacks %q\n%s", want, r)
			}
		}
		sr := showJSON(t, d, id)
		if sr.Run.ID != id || sr.Run.Status != string(journal.StatusSucceeded) || !sr.Run.Finished || sr.Run.Region != "us-west-2" || sr.Run.RTO == nil {
			t.Errorf("show -o json: %+v", sr.Run)
		}
		cs := calls(sr)
		if len(cs) != 1 || cs[0].Action != "SwitchoverGlobalCluster" || cs[0].Status != string(journal.CallStatusIssued) || cs[0].Region != "us-east-1" ||
			cs[0].Args["TargetDbClusterIdentifier"] != "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02" || cs[0].RequestID == "" {
			t.Errorf("journaled calls = %+v, want the one switchover, issued in us-east-1, with its request id", cs)
		}
		// The AWS request id of the successful call, in show's text too.
		if want := "request id " + cs[0].RequestID; !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q\n%s", want, r)
		}
		r = d.run("show", "--events", id)
		for _, kind := range []string{"run.created", "call.intent", "call.issued", "run.finished"} {
			if r.code != 0 || !strings.Contains(r.stdout, kind) {
				t.Errorf("show --events lacks %s\n%s", kind, r)
			}
		}
	})

	t.Run("resume a finished run", func(t *testing.T) {
		r := d.run(append(append([]string{"resume"}, fastPoll...), id)...)
		if r.code != 0 || !strings.Contains(r.stderr, "run "+id+" already succeeded; nothing to resume") || !strings.Contains(r.stdout, "Run "+id+" succeeded") {
			t.Errorf("want exit 0 and nothing to resume\n%s", r)
		}
		if n := len(s.MutatingCalls()); n != 1 {
			t.Errorf("resume made %d more mutating calls", n-1)
		}
	})

	t.Run("run again", func(t *testing.T) {
		r := d.run(append(append([]string{"run", "--yes"}, fastPoll...), payload)...)
		if r.code != 0 || !strings.Contains(r.stdout, "nothing to do: every resource was already in its desired state; no change was made.") ||
			strings.Contains(r.stdout, "RTO") || strings.Contains(r.stdout, "duration") {
			t.Errorf("a second run of a finished switchover: want exit 0 and nothing to do\n%s", r)
		}
		if n := len(s.MutatingCalls()); n != 1 {
			t.Errorf("the second run made %d mutating calls", n-1)
		}
	})
}

// Without --yes, run asks on a terminal and refuses anywhere else: a
// script that forgot --yes must not fail anything over.
func TestRunWithoutYesRefusesWithoutATerminal(t *testing.T) {
	t.Parallel()
	devnull, err := os.Open(os.DevNull) // a file, but not a terminal
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { devnull.Close() })
	s, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	for _, r := range []result{
		d.run(append([]string{"run"}, seedPayload("1-planned-switchover.json"))...),
		d.runIn(devnull, "run", seedPayload("1-planned-switchover.json")),
		d.runIn(strings.NewReader("yes\n"), "run", seedPayload("1-planned-switchover.json")),
	} {
		if r.code != exitBadInput || !strings.Contains(r.stderr, "refusing to change anything without confirmation: pass --yes") {
			t.Errorf("want exit 2 and a request for --yes\n%s", r)
		}
		if !strings.Contains(r.stderr, "Plan for ") {
			t.Errorf("the plan is shown before refusing, so the operator sees what --yes would do\n%s", r)
		}
	}
	noMutations(t, s, "run without --yes")
	if r := d.run("runs"); !strings.Contains(r.stdout, "no runs yet") {
		t.Errorf("run without --yes created a run\n%s", r)
	}
}
