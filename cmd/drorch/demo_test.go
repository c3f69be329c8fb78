package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// drorch demo, in-process at its default speed, as a new user runs it (with
// --state, so that its journal can be read afterwards): the whole story
// ends with exit 0 and every part of it is on screen.
func TestDemo(t *testing.T) {
	t.Parallel()
	d := newCLI(t, "", "")
	started := time.Now()
	r := d.run("demo")
	t.Logf("drorch demo took %s", time.Since(started).Round(100*time.Millisecond))
	if r.code != 0 {
		t.Fatalf("demo: want exit 0\n%s", r)
	}
	out := r.stdout

	// Act 2: with us-east-1 down, the planned switchover is blocked.
	for _, want := range []string{
		"$ drorch plan --region us-west-2 examples/seed/1-planned-switchover.json",
		"BLOCKED a planned switchover needs both regions; us-east-1 is unreachable",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks the blocked plan: %q", want)
		}
	}
	// Act 3: the corrected payload ships beside the verbatim one, and the
	// demo shows the command that runs it, as it runs it.
	if !strings.Contains(out, "$ drorch run --region us-east-1 --yes examples/seed/3-create-secondary-cluster-fixed.json\n") {
		t.Errorf("the demo does not show the command that runs the corrected payload")
	}
	verbatim, fixed := readFile(t, seedPayload("3-create-secondary-cluster.json")), readFile(t, seedPayload("3-create-secondary-cluster-fixed.json"))
	if !bytes.Contains(verbatim, []byte("-vps-security-group-ids")) ||
		!bytes.Equal(fixed, bytes.ReplaceAll(verbatim, []byte("-vps-security-group-ids"), []byte("-vpc-security-group-ids"))) {
		t.Errorf("examples/seed: want the verbatim payload with its vps typo, and beside it the same payload corrected")
	}
	// Act 3: the README's vps typo is caught, with the fix.
	if !strings.Contains(out, `VpcSecurityGroupIds: !Import dr-globaldb-cluster-mysql-vps-security-group-ids: no such CloudFormation export in us-east-1; did you mean dr-globaldb-cluster-mysql-vpc-security-group-ids?`) {
		t.Errorf("demo output lacks the vps -> vpc suggestion")
	}

	// Seven runs, each with its result: six succeeded, with an RTO for a
	// failover and a duration for the rebuild, in simulated time, and
	// the last with nothing to do (and no time at all).
	ids := regexp.MustCompile(`(?m)^Run ([0-9a-f]{10})(?: succeeded: (RTO|duration) \S+ \(simulated AWS time, 120x\)|: nothing to do: )`).FindAllStringSubmatch(out, -1)
	if len(ids) != 7 {
		t.Fatalf("%d run results, want one for each of the demo's 7 runs\n%s", len(ids), out)
	}
	var kinds []string
	for _, id := range ids {
		kinds = append(kinds, id[2])
	}
	if got := strings.Join(kinds, ","); got != "RTO,RTO,RTO,RTO,duration,RTO," {
		t.Errorf("run results give %s, want RTOs for the failovers, a duration for the rebuild, nothing for the no-op", got)
	}
	summary := out[strings.Index(out, "━━ 4. Summary"):]
	for _, id := range ids {
		if !strings.Contains(summary, id[1]) {
			t.Errorf("run %s is missing from the summary", id[1])
		}
	}
	if !regexp.MustCompile(`\d+ AWS API calls in all, 13 of them mutating\.`).MatchString(summary) {
		t.Errorf("the summary does not count 13 mutating calls:\n%s", summary)
	}

	// The rebuild keeps the old primary's data: its deletion names a final
	// snapshot after the run, waited for, and the story says so.
	rebuild := ids[4][1]
	snap := "drorch-" + rebuild + "-dbcluster-01"
	for _, want := range []string{
		"rds DeleteDBCluster in us-east-1 (DBClusterIdentifier=dbcluster-01, FinalDBSnapshotIdentifier=" + snap + ")",
		"delete-old-cluster: the final snapshot " + snap + " of old cluster dbcluster-01 (us-east-1) is creating",
		"was deleted only once its final snapshot " + snap + " was available",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// Each switchover is made in the writer's region: us-east-1 first,
	// then us-west-2 when the writer comes home, and again at the end.
	calls := regexp.MustCompile(`switchover: calling rds SwitchoverGlobalCluster in (us-[a-z]+-\d)`).FindAllStringSubmatch(out, -1)
	if len(calls) != 3 || calls[0][1] != "us-east-1" || calls[1][1] != "us-west-2" || calls[2][1] != "us-west-2" {
		t.Errorf("switchover calls made in %v, want us-east-1, us-west-2, us-west-2 (the writer's region each time)", calls)
	}

	// It ends with the re-run that has nothing to do.
	lastRTO := out[strings.LastIndex(out, "$ drorch run"):]
	if !strings.Contains(lastRTO[:strings.Index(lastRTO, "━━ 4. Summary")], "nothing to do: every resource was already in its desired state; no change was made.") {
		t.Errorf("the last run does not say there was nothing to do:\n%s", lastRTO)
	}
	if !regexp.MustCompile(`(?m)^  ` + ids[6][1] + `\s+us-east-1\s+nothing to do\s+-\s+1-planned-switchover$`).MatchString(summary) {
		t.Errorf("the summary's last row is not the no-op switchover:\n%s", summary)
	}
	if !strings.Contains(out, "Look at any run again with: drorch show RUN --state "+d.state) {
		t.Errorf("the demo does not say where its journal is")
	}
	if strings.Contains(out+r.stderr, seedSecret) {
		t.Errorf("the demo printed the SecureString value")
	}

	// The journal outlives the demo and drorch runs reads it.
	rr := d.run("runs", "-o", "json")
	var doc struct {
		Runs []struct{ ID, Status, Payload string }
	}
	if err := json.Unmarshal([]byte(rr.stdout), &doc); err != nil || rr.code != 0 {
		t.Fatalf("runs -o json: %v\n%s", err, rr)
	}
	rows := doc.Runs
	if len(rows) != 7 {
		t.Fatalf("%d runs in the demo's journal, want 7: %+v", len(rows), rows)
	}
	for _, row := range rows {
		if row.Status != "succeeded" || !strings.HasPrefix(row.Payload, "examples/seed/") || !strings.Contains(summary, row.ID) {
			t.Errorf("journaled demo run %+v", row)
		}
	}
}
