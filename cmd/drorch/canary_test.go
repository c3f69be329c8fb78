package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"drorch/sim"
)

// The identifiers of the seed world's databases, each held by an SSM
// SecureString in mixed case: none may reach any output of drorch, in any
// case, whole or as the resource id of an ARN (AWS answers them back
// lower-cased, and drorch shows ARNs as "id (region)").
var canaries = map[string]string{
	"/canary/global":    "DR-GlobalDB-Cluster-MySQL",
	"/canary/target":    "arn:aws:rds:us-west-2:123456789012:cluster:DBCluster-02",
	"/canary/replica":   "RDS-MySQL-Instance",
	"/canary/datastore": "LDGNF-Demo-Redis-Global-Datastore",
	"/canary/group":     "Demo-Redis-Cluster",
}

var canaryRE = regexp.MustCompile(`(?i)dr-globaldb-cluster-mysql|dbcluster-02|rds-mysql-instance|ldgnf-demo-redis-global-datastore|demo-redis-cluster`)

// logBuffer collects the simulator's log.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func TestSecretsLeaveNoTrace(t *testing.T) {
	t.Parallel()
	sc := sim.SeedScenario()
	for name, v := range canaries {
		sc.Parameters = append(sc.Parameters, sim.ScenarioParameter{Name: name, Type: "SecureString", Value: v})
	}
	simLog := &logBuffer{}
	s, err := sim.New(sim.Config{Scenario: sc, Speed: 200, Logger: slog.New(slog.NewTextHandler(simLog, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	t.Cleanup(func() { s.Close(); cancel(); <-served })
	d := newCLI(t, "http://"+ln.Addr().String(), "us-west-2")

	switchover := writeFile(t, "switchover.json", []byte(`{"StatePayload": [{"layer": 1, "resources": [{
  "resourceType": "PlannedFailoverAurora", "resourceName": "Switchover",
  "parameters": {"GlobalClusterIdentifier": "resolve:ssm:/canary/global", "DBClusterIdentifier": "resolve:ssm:/canary/target"}}]}]}`))
	unplanned := writeFile(t, "unplanned.json", []byte(`{"StatePayload": [{"layer": 1, "resources": [
  {"resourceType": "PromoteRDSReadReplica", "resourceName": "Promote", "parameters": {"RDSInstanceIdentifier": "resolve:ssm:/canary/replica"}},
  {"resourceType": "FailoverElastiCacheCluster", "resourceName": "Cache", "parameters": {
     "GlobalReplicationGroupId": "resolve:ssm:/canary/datastore", "TargetRegion": "us-west-2", "TargetReplicationGroupId": "resolve:ssm:/canary/group"}}]}]}`))

	var outputs []result
	must := func(code int, args ...string) result {
		t.Helper()
		r := d.run(args...)
		if r.code != code {
			t.Fatalf("want exit %d\n%s", code, r)
		}
		outputs = append(outputs, r)
		return r
	}
	for _, p := range []string{switchover, unplanned} {
		must(0, "plan", p)
		must(0, "plan", "-o", "json", p)
		must(0, "iam-policy", p)
		r := must(0, append(append([]string{"run", "--yes"}, fastPoll...), p)...)
		id := runID(t, r)
		must(0, "show", id)
		must(0, "show", "-o", "json", id)
		must(0, "show", "--events", id)
		must(0, "show", "--events", "-o", "json", id)
		for _, f := range []string{"json", "md", "html", "junit"} {
			must(0, "report", id, "--format", f)
		}
		// Once done, the run again does nothing: the goal read back from
		// AWS must not show the secret either.
		must(0, append(append([]string{"run", "--yes"}, fastPoll...), p)...)
	}
	must(0, "runs")
	must(0, "runs", "-o", "json")

	for _, r := range outputs {
		if m := canaryRE.FindString(r.stdout + r.stderr); m != "" {
			t.Errorf("%q leaked into the output of drorch %v:\n%s", m, r.args, r)
		}
	}
	files, _ := filepath.Glob(d.state + "*")
	if len(files) == 0 {
		t.Fatal("no journal files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := canaryRE.Find(b); m != nil {
			t.Errorf("%q is in the journal file %s", m, filepath.Base(f))
		}
	}
	simLog.mu.Lock()
	defer simLog.mu.Unlock()
	if simLog.b.Len() == 0 {
		t.Fatal("the simulator logged nothing: the check of its log proves nothing")
	}
	if m := canaryRE.Find(simLog.b.Bytes()); m != nil {
		t.Errorf("%q is in the simulator's log", m)
	}
}
