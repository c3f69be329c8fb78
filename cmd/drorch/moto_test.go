package main

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"drorch/journal"
	"drorch/report"
)

// drorch against moto, an AWS emulator nobody at drorch wrote, through the
// command line: validate, plan and run of payloads whose references moto
// resolves (ListExports over several pages, SSM String and SecureString
// parameters), RemoveFromGlobalCluster and PromoteReadReplica. moto does
// not model the end of those two operations (the detached cluster keeps
// its GlobalClusterIdentifier, the promoted replica its source), so the
// runs end the way drorch ends any operation that never finishes: the call
// made once, then the resource failing at its deadline (the payload's
// "timeout") with the last state seen.

// motoUnplanned is README payload 2 with the global cluster's id read from
// SSM and a short deadline.
const motoUnplanned = `{"StatePayload": [{"layer": 1, "resources": [{
  "resourceType": "UnPlannedFailoverAurora",
  "resourceName": "Performing unplanned failover for Amazon Aurora global databases (MySQL)",
  "timeout": "3s",
  "parameters": {
    "GlobalClusterIdentifier": "resolve:ssm:/dr-orchestrator/demo/global-cluster-id",
    "DBClusterIdentifier": "!Import dr-globaldb-cluster-mysql-cluster-identifier",
    "ClusterRegion": "!Import dr-globaldb-cluster-mysql-cluster-region"
  }}]}]}`

// motoPromote is the RDS half of README payload 4, its target ARN kept in
// an SSM SecureString, with a short deadline.
const motoPromote = `{"StatePayload": [{"layer": 1, "resources": [{
  "resourceType": "PromoteRDSReadReplica",
  "resourceName": "Promote RDS for MySQL Read Replica",
  "timeout": "3s",
  "parameters": {
    "RDSInstanceIdentifier": "!Import rds-mysql-instance-identifier",
    "TargetClusterIdentifier": "resolve:ssm:/dr-orchestrator/demo/replica-arn"
  }}]}]}`

// planJSON is the part of `plan -o json` these tests read.
type planJSON struct {
	Blocked bool
	Layers  []struct {
		Resources []struct {
			Region     string
			Parameters []report.Parameter
			State      []string
			Blockers   []string
			Steps      []struct {
				Status string
				Calls  []struct{ Action, Region string }
			}
		}
	}
}

// param is a plan resource's parameter by name.
func param(ps []report.Parameter, name string) (report.Parameter, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p, true
		}
	}
	return report.Parameter{}, false
}

func parsePlan(t *testing.T, r result) planJSON {
	t.Helper()
	var p planJSON
	if r.code != 0 {
		t.Fatalf("plan: want exit 0\n%s", r)
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || len(p.Layers) != 1 || len(p.Layers[0].Resources) != 1 {
		t.Fatalf("plan -o json: %v\n%s", err, r)
	}
	return p
}

// actionsIn lists "Action region" of requests, sorted and deduplicated.
func actionsIn(reqs []url.Values) []string {
	seen := map[string]bool{}
	for _, f := range reqs {
		seen[f.Get("Action")+" "+f.Get("X-Region")] = true
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func requestsIn(reqs []url.Values, region string) int {
	n := 0
	for _, f := range reqs {
		if f.Get("X-Region") == region {
			n++
		}
	}
	return n
}

func TestDrorchAgainstMoto(t *testing.T) {
	t.Parallel()
	wire, endpoint := startMoto(t)
	d := newCLI(t, endpoint, motoHome)
	unplanned := writeFile(t, "unplanned.json", []byte(motoUnplanned))
	promote := writeFile(t, "promote.json", []byte(motoPromote))

	t.Run("validate", func(t *testing.T) {
		before := wire.count()
		for _, p := range []string{unplanned, promote, seedPayload("2-unplanned-failover.json")} {
			if r := d.run("validate", p); r.code != 0 || !strings.Contains(r.stdout, "valid: 1 layer, 1 resource") {
				t.Errorf("want exit 0\n%s", r)
			}
		}
		if n := wire.count() - before; n != 0 {
			t.Errorf("validate made %d calls to moto", n)
		}
	})

	t.Run("plan README payload 2 verbatim", func(t *testing.T) {
		before := wire.count()
		p := parsePlan(t, d.run("plan", "-o", "json", seedPayload("2-unplanned-failover.json")))
		res := p.Layers[0].Resources[0]
		want := map[string]string{"GlobalClusterIdentifier": motoGlobal, "DBClusterIdentifier": motoSecondary, "ClusterRegion": motoHome}
		for k, v := range want {
			if p, _ := param(res.Parameters, k); p.Value != v || !strings.HasPrefix(p.Ref, "!Import ") {
				t.Errorf("%s = %q (from %q), want %q from its export", k, p.Value, p.Ref, v)
			}
		}
		if p.Blocked || len(res.Steps) != 1 || res.Steps[0].Status != "next" || len(res.Steps[0].Calls) != 1 ||
			res.Steps[0].Calls[0] != (struct{ Action, Region string }{"RemoveFromGlobalCluster", motoHome}) {
			t.Errorf("plan: blocked %v, steps %+v; want RemoveFromGlobalCluster in %s next", p.Blocked, res.Steps, motoHome)
		}
		if !strings.Contains(strings.Join(res.State, "\n"), "member of global cluster "+motoGlobal) {
			t.Errorf("plan state does not show the cluster in its global cluster: %q", res.State)
		}
		reqs := wire.since(before)
		var pages []url.Values
		for _, f := range reqs {
			if f.Get("Action") == "ListExports" {
				pages = append(pages, f)
			}
		}
		if len(pages) < 2 || pages[0].Get("NextToken") != "" || pages[1].Get("NextToken") == "" {
			t.Errorf("ListExports requests %v: want the first page, then the next with its token", pages)
		}
		if n := requestsIn(reqs, motoPrimary); n != 0 {
			t.Errorf("planning an unplanned failover made %d calls to %s, the region it escapes: %v", n, motoPrimary, actionsIn(reqs))
		}
		for _, a := range actionsIn(reqs) {
			if !strings.HasPrefix(a, "Describe") && !strings.HasPrefix(a, "List") && !strings.HasPrefix(a, "Get") {
				t.Errorf("plan made %s, which is not a read", a)
			}
		}
	})

	t.Run("plan with an SSM String", func(t *testing.T) {
		res := parsePlan(t, d.run("plan", "-o", "json", unplanned)).Layers[0].Resources[0]
		if p, _ := param(res.Parameters, "GlobalClusterIdentifier"); p.Value != motoGlobal || p.Ref != "resolve:ssm:/dr-orchestrator/demo/global-cluster-id" || p.Secret {
			t.Errorf("GlobalClusterIdentifier = %+v, want %s from SSM", p, motoGlobal)
		}
	})

	t.Run("plan with an SSM SecureString", func(t *testing.T) {
		before := wire.count()
		js := d.run("plan", "-o", "json", promote)
		res := parsePlan(t, js).Layers[0].Resources[0]
		if p, _ := param(res.Parameters, "RDSInstanceIdentifier"); p.Value != "rds-mysql-instance" || res.Region != motoHome {
			t.Errorf("RDSInstanceIdentifier = %q, region %s", p.Value, res.Region)
		}
		if p, ok := param(res.Parameters, "TargetClusterIdentifier"); !ok || p.Value != "" || !p.Secret ||
			p.Ref != "resolve:ssm:/dr-orchestrator/demo/replica-arn" {
			t.Errorf("TargetClusterIdentifier = %+v: want it marked secret and its value left out", p)
		}
		if len(res.Blockers) != 0 || len(res.Steps) != 1 || res.Steps[0].Calls[0].Action != "PromoteReadReplica" {
			t.Errorf("plan: blockers %q, steps %+v", res.Blockers, res.Steps)
		}
		text := d.run("plan", promote)
		if text.code != 0 || !strings.Contains(text.stdout, "TargetClusterIdentifier = (secret)") {
			t.Errorf("plan does not show the secret parameter as (secret)\n%s", text)
		}
		for _, r := range []result{js, text} {
			if strings.Contains(r.stdout+r.stderr, motoReplicaARN) {
				t.Errorf("plan printed the SecureString's value\n%s", r)
			}
		}
		if got := actionsIn(wire.since(before)); !contains(got, "GetParameter "+motoHome) {
			t.Errorf("plan did not read the parameter in %s: %v", motoHome, got)
		}
	})

	t.Run("runs", func(t *testing.T) {
		// Run both at once, each with its own journal.
		t.Run("UnPlannedFailoverAurora", func(t *testing.T) {
			t.Parallel()
			runUnplannedOnMoto(t, wire, newCLI(t, endpoint, motoHome), unplanned, endpoint)
		})
		t.Run("PromoteRDSReadReplica", func(t *testing.T) {
			t.Parallel()
			runPromoteOnMoto(t, wire, newCLI(t, endpoint, motoHome), promote)
		})
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// wantDeadline checks a run that failed at its resource's deadline after
// making its call once: exit 1, the deadline and the last state seen in
// the output and the journal.
func wantDeadline(t *testing.T, d *cli, r result, lastSeen string) report.Resource {
	t.Helper()
	if r.code != exitFailed {
		t.Fatalf("want exit 1 (the run failed)\n%s", r)
	}
	want := "the resource's deadline of 3s passed (last seen: " + lastSeen
	if !strings.Contains(r.stdout, want) || !strings.Contains(r.stderr, "failed") {
		t.Errorf("output lacks %q\n%s", want, r)
	}
	sr := showJSON(t, d, runID(t, r))
	res := sr.Layers[0].Resources[0]
	if sr.Run.Status != string(journal.StatusFailed) || res.Status != string(journal.StatusFailed) || !strings.Contains(res.Error, want) {
		t.Errorf("journal: run %s, resource %s: %q; want failed with %q", sr.Run.Status, res.Status, res.Error, want)
	}
	if cs := calls(sr); len(cs) != 1 || cs[0].Status != string(journal.CallStatusIssued) {
		t.Errorf("journaled calls = %+v, want one, issued", cs)
	}
	return res
}

func runUnplannedOnMoto(t *testing.T, wire *wireLog, d *cli, payload, endpoint string) {
	before := wire.count()
	r := d.run(append(append([]string{"run", "--yes"}, fastPoll...), payload)...)
	wantDeadline(t, d, r, "dbcluster-01 (us-east-1) is leaving global cluster "+motoGlobal)

	reqs := wire.since(before)
	var detach []url.Values
	for _, f := range reqs {
		if f.Get("Action") == "RemoveFromGlobalCluster" {
			detach = append(detach, f)
		}
	}
	if len(detach) != 1 || detach[0].Get("X-Region") != motoHome || detach[0].Get("GlobalClusterIdentifier") != motoGlobal ||
		detach[0].Get("DbClusterIdentifier") != motoSecondary {
		t.Errorf("RemoveFromGlobalCluster requests = %v, want one for %s in %s", detach, motoSecondary, motoHome)
	}
	if n := requestsIn(reqs, motoPrimary); n != 0 {
		t.Errorf("the unplanned failover made %d calls to %s, the region it escapes: %v", n, motoPrimary, actionsIn(reqs))
	}
	// moto did detach it: only the writer is left in the global cluster.
	gcs, err := rds.NewFromConfig(motoConfig(motoHome), func(o *rds.Options) { o.BaseEndpoint = aws.String(endpoint) }).
		DescribeGlobalClusters(context.Background(), &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(motoGlobal)})
	if err != nil || len(gcs.GlobalClusters) != 1 {
		t.Fatalf("describe global cluster: %v", err)
	}
	var members []string
	for _, m := range gcs.GlobalClusters[0].GlobalClusterMembers {
		members = append(members, aws.ToString(m.DBClusterArn))
	}
	if len(members) != 1 || members[0] != motoWriter {
		t.Errorf("moto's global cluster members after the detach = %v, want only %s", members, motoWriter)
	}
}

func runPromoteOnMoto(t *testing.T, wire *wireLog, d *cli, payload string) {
	before := wire.count()
	r := d.run(append(append([]string{"run", "--yes"}, fastPoll...), payload)...)
	// TargetClusterIdentifier is a SecureString holding the replica's ARN:
	// its resource id is hidden wherever drorch shows it.
	wantDeadline(t, d, r, "call accepted, waiting for AWS to show the operation: (secret) (us-east-1) is an available read replica of "+
		strings.ReplaceAll(motoSourceARN, "rds-mysql-instance", "(secret)"))

	var promotes []url.Values
	for _, f := range wire.since(before) {
		if f.Get("Action") == "PromoteReadReplica" {
			promotes = append(promotes, f)
		}
	}
	if len(promotes) != 1 || promotes[0].Get("X-Region") != motoHome || promotes[0].Get("DBInstanceIdentifier") != "rds-mysql-instance" {
		t.Errorf("PromoteReadReplica requests = %v, want one for rds-mysql-instance in %s", promotes, motoHome)
	}
	// The SecureString's value is in no output and nowhere in the journal.
	events := d.run("show", "--events", "-o", "json", runID(t, r))
	for _, out := range []result{r, events, d.run("show", runID(t, r))} {
		if strings.Contains(out.stdout+out.stderr, motoReplicaARN) {
			t.Errorf("the SecureString's value was printed or journaled\n%s", out)
		}
	}
}
