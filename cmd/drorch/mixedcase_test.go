package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"drorch/sim"
)

// AWS compares RDS, Aurora and ElastiCache identifiers without regard to
// case and answers them lower-cased, so a payload that spells them in
// capitals must be the same failover as one in lower case: the same plan,
// the same calls and the same end world. Each resource type is run here in
// both spellings, through the CLI against the simulator, along the README's
// story.

// caseSim is a fast simulator for a whole story of runs.
func caseSim(t *testing.T) (*sim.Sim, string) {
	t.Helper()
	s, err := sim.New(sim.Config{Speed: 1000})
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
	return s, "http://" + ln.Addr().String()
}

// resourceDoc is one resource of a generated payload.
type resourceDoc struct {
	Type, Name string
	Params     map[string]string
}

func payloadDoc(t *testing.T, rs ...resourceDoc) []byte {
	t.Helper()
	var res []map[string]any
	for _, r := range rs {
		res = append(res, map[string]any{"resourceType": r.Type, "resourceName": r.Name, "parameters": r.Params})
	}
	b, err := json.Marshal(map[string]any{"StatePayload": []any{map[string]any{"layer": 1, "resources": res}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// spell returns the identifier as lower case or as written (mixed).
type spell func(string) string

var (
	lower spell = strings.ToLower
	mixed spell = func(s string) string { return s }
)

// caseStep is one run of the story: a payload from a region, or a fault.
type caseStep struct {
	region   string
	payload  func(sp spell) []resourceDoc
	outage   bool // take us-east-1 down before this step
	recover  bool // bring us-east-1 back before this step
	dataLoss bool
}

const acct = "123456789012"

func planned(target string) func(spell) []resourceDoc {
	return func(sp spell) []resourceDoc {
		return []resourceDoc{{"PlannedFailoverAurora", "switchover", map[string]string{
			"GlobalClusterIdentifier": sp("DR-GlobalDB-Cluster-MySQL"), "DBClusterIdentifier": sp(target)}}}
	}
}

// theStory is the README's test cases in order, every identifier a literal
// the spelling applies to; the other values are the README's imports.
var theStory = []caseStep{
	{region: "us-west-2", payload: planned("arn:aws:rds:us-west-2:" + acct + ":cluster:DBCluster-02")},
	{region: "us-east-1", payload: planned("arn:aws:rds:us-east-1:" + acct + ":cluster:DBCLUSTER-01")},
	{region: "us-west-2", outage: true, payload: func(sp spell) []resourceDoc {
		return []resourceDoc{{"UnPlannedFailoverAurora", "detach", map[string]string{
			"GlobalClusterIdentifier": sp("DR-GLOBALDB-CLUSTER-MYSQL"), "DBClusterIdentifier": sp("arn:aws:rds:us-west-2:" + acct + ":cluster:DbCluster-02"),
			"ClusterRegion": "!Import dr-globaldb-cluster-mysql-cluster-region"}}}
	}},
	{region: "us-west-2", payload: func(sp spell) []resourceDoc {
		return []resourceDoc{
			{"PromoteRDSReadReplica", "promote", map[string]string{"RDSInstanceIdentifier": sp("RDS-MySQL-Instance"),
				"TargetClusterIdentifier": sp("arn:aws:rds:us-west-2:" + acct + ":db:Rds-MySql-Instance")}},
			{"FailoverElastiCacheCluster", "cache", map[string]string{"GlobalReplicationGroupId": sp("LDGNF-Demo-Redis-Global-Datastore"),
				"TargetRegion": "!Import demo-redis-cluster-target-region", "TargetReplicationGroupId": sp("Demo-Redis-CLUSTER")}},
		}
	}},
	{region: "us-east-1", recover: true, payload: func(sp spell) []resourceDoc {
		return []resourceDoc{{"CreateAuroraSecondaryDBCluster", "rebuild", secondaryParams(sp)}}
	}},
	{region: "us-east-1", payload: func(sp spell) []resourceDoc {
		return []resourceDoc{{"CreateRDSReadReplica", "replica", map[string]string{
			"RDSInstanceIdentifier": sp("RDS-MySQL-Instance"), "SourceRDSInstanceIdentifier": sp("rds-MYSQL-instance"),
			"SourceRegion": "us-west-2", "DBInstanceClass": "db.r5.large", "DBSubnetGroup": sp("RDS-MySQL-Subnet-Group"),
			"KmsKeyId": "arn:aws:kms:us-east-1:" + acct + ":key/mrk-5f0c1e2d3a4b4c6d8e9fa0b1c2d3e4f5"}}}
	}},
	{region: "us-east-1", payload: planned("arn:aws:rds:us-east-1:" + acct + ":cluster:DBCluster-01")},
}

// secondaryParams is test case #3 (with its vpc import corrected), the
// identifiers spelled.
func secondaryParams(sp spell) map[string]string {
	p := map[string]string{}
	for k, v := range map[string]string{
		"Port": "dr-globaldb-cluster-mysql-port", "DBInstanceClass": "dr-globaldb-cluster-mysql-instance-class",
		"VpcSecurityGroupIds": "dr-globaldb-cluster-mysql-vpc-security-group-ids", "Engine": "dr-globaldb-cluster-mysql-engine",
		"EngineVersion": "dr-globaldb-cluster-mysql-engine-version", "KmsKeyId": "dr-globaldb-cluster-mysql-KmsKeyId",
		"SourceRegion": "dr-globaldb-cluster-mysql-source-region", "ClusterRegion": "dr-globaldb-cluster-mysql-cluster-region",
		"MonitoringRoleArn": "rds-mysql-instance-RDSMonitoringRole",
	} {
		p[k] = "!Import " + v
	}
	for k, v := range map[string]string{
		"GlobalClusterIdentifier": "DR-GLOBALDB-CLUSTER-MYSQL", "DBClusterIdentifier": "arn:aws:rds:us-east-1:" + acct + ":cluster:DBCluster-01",
		"DBClusterName": "DBCluster-01", "SourceDBClusterIdentifier": "arn:aws:rds:us-west-2:" + acct + ":cluster:DBCluster-02",
		"DBInstanceIdentifier": "DBCluster-01-USE1-Instance-1", "DBSubnetGroupName": "DR-GlobalDB-Subnet-Group",
	} {
		p[k] = sp(v)
	}
	for k, v := range map[string]string{"BackupRetentionPeriod": "7", "MonitoringInterval": "60", "StorageEncrypted": "True",
		"EnableIAMDatabaseAuthentication": "True", "DeletionProtection": "True", "CopyTagsToSnapshot": "True", "AutoMinorVersionUpgrade": "True"} {
		p[k] = v
	}
	return p
}

// caseWorld is what one spelling of the story produced.
type caseWorld struct {
	plans []string // plan -o json of each step, before its run
	calls []string // the mutating calls the simulator saw
	world string   // the end world, as drorch's decisions see it
}

func runStory(t *testing.T, story []caseStep, sp spell) caseWorld {
	t.Helper()
	s, endpoint := caseSim(t)
	var out caseWorld
	for i, st := range story {
		switch {
		case st.outage:
			if _, err := s.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: "us-east-1", Mode: sim.ModeRefuse}); err != nil {
				t.Fatal(err)
			}
		case st.recover:
			s.ClearFaults()
		}
		path := writeFile(t, fmt.Sprintf("step-%d.json", i), payloadDoc(t, st.payload(sp)...))
		d := newCLI(t, endpoint, st.region)
		extra := []string{}
		if st.dataLoss {
			extra = append(extra, "--allow-data-loss")
		}
		p := d.run(append(append([]string{"plan", "-o", "json"}, extra...), path)...)
		if p.code != 0 {
			t.Fatalf("step %d: plan\n%s", i, p)
		}
		// The payload's path and the simulator's port are the test's, not
		// the plan's.
		plan := strings.ReplaceAll(strings.ReplaceAll(p.stdout, path, "PAYLOAD"), strings.TrimPrefix(endpoint, "http://"), "ENDPOINT")
		out.plans = append(out.plans, maskLag(t, plan))
		r := d.run(append(append(append([]string{"run", "--yes", "--run-id", fmt.Sprintf("case-%d", i)}, fastPoll...), extra...), path)...)
		if r.code != 0 {
			t.Fatalf("step %d: run\n%s", i, r)
		}
		out.calls = append(out.calls, newCalls(s, len(out.calls))...)
	}
	out.world = endWorld(s.State())
	return out
}

// maskLag blanks the figures of the writes at risk in a JSON plan: the lag
// and when it was measured are the simulator's clock and noise, not the
// spelling's; which replica, region and metric stay compared.
func maskLag(t *testing.T, plan string) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(plan), &doc); err != nil {
		t.Fatalf("plan -o json: %v\n%s", err, plan)
	}
	layers, _ := doc["layers"].([]any)
	for _, l := range layers {
		rs, _ := l.(map[string]any)["resources"].([]any)
		for _, r := range rs {
			if rpo, ok := r.(map[string]any)["rpo"].(map[string]any); ok {
				for _, k := range []string{"lag", "measuredAt", "display"} {
					rpo[k] = "MASKED"
				}
			}
		}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// newCalls are the mutating calls the simulator saw after the first
// seen, in a stable order: the resources of a layer run at once.
func newCalls(s *sim.Sim, seen int) []string {
	var out []string
	for _, c := range s.MutatingCalls()[seen:] {
		out = append(out, fmt.Sprintf("%s %s %s target=%s %d %s", c.Region, c.Service, c.Action, c.Target, c.Status, c.Code))
	}
	slices.Sort(out)
	return out
}

// endWorld is the simulator's world without what the clock and the order
// of events decide (times, generated resource ids): who is a member of
// what, who writes, statuses, encryption, replication, snapshots.
func endWorld(st sim.State) string {
	var lines []string
	add := func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) }
	for _, g := range st.GlobalClusters {
		for _, m := range g.Members {
			add("global cluster %s %s: member %s writer=%v %s", g.ID, g.Status, m.ClusterARN, m.IsWriter, m.SyncStatus)
		}
		add("global cluster %s %s encrypted=%v members=%d", g.ID, g.Status, g.StorageEncrypted, len(g.Members))
	}
	for _, c := range st.Clusters {
		add("cluster %s/%s %s global=%q encrypted=%v key=%s protected=%v members=%v", c.Region, c.ID, c.Status, c.GlobalClusterID,
			c.StorageEncrypted, c.KmsKeyID, c.DeletionProtection, c.Members)
	}
	for _, in := range st.Instances {
		add("instance %s/%s %s cluster=%q source=%q replicas=%v encrypted=%v key=%s backups=%d", in.Region, in.ID, in.Status, in.ClusterID,
			in.ReplicaSource, in.Replicas, in.StorageEncrypted, in.KmsKeyID, in.BackupRetentionPeriod)
	}
	for _, g := range st.GlobalReplicationGroups {
		for _, m := range g.Members {
			add("datastore %s %s: %s/%s %s", g.ID, g.Status, m.Region, m.ReplicationGroupID, m.Role)
		}
	}
	for _, s := range st.Snapshots {
		add("snapshot %s/%s of %s %s %s encrypted=%v", s.Region, s.ID, s.SourceKind, s.SourceID, s.Status, s.StorageEncrypted)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func compareWorlds(t *testing.T, lowerW, mixedW caseWorld, plans bool) {
	t.Helper()
	if plans {
		for i := range lowerW.plans {
			if lowerW.plans[i] != mixedW.plans[i] {
				t.Errorf("step %d: the plans differ\nlower case:\n%s\nmixed case:\n%s", i, lowerW.plans[i], mixedW.plans[i])
			}
		}
	}
	if l, m := strings.Join(lowerW.calls, "\n"), strings.Join(mixedW.calls, "\n"); l != m {
		t.Errorf("the calls differ\nlower case:\n%s\nmixed case:\n%s", l, m)
	}
	if lowerW.world != mixedW.world {
		t.Errorf("the end worlds differ\nlower case:\n%s\nmixed case:\n%s", lowerW.world, mixedW.world)
	}
}

// Every resource type of the README's story (and the replica rebuild),
// spelled in capitals and in lower case: the same plans, the same calls,
// the same world.
func TestMixedCaseStoryRunsAsLowerCase(t *testing.T) {
	t.Parallel()
	worlds := make([]caseWorld, 2)
	done := make(chan struct{}, 2)
	for i, sp := range []spell{lower, mixed} {
		go func() {
			defer func() { done <- struct{}{} }()
			worlds[i] = runStory(t, theStory, sp)
		}()
	}
	<-done
	<-done
	if t.Failed() {
		return
	}
	compareWorlds(t, worlds[0], worlds[1], true)
	// The story did what it says: 15 calls, each accepted and naming its
	// target lower-cased.
	if n := len(worlds[1].calls); n != 15 {
		t.Errorf("%d mutating calls, want 15:\n%s", n, strings.Join(worlds[1].calls, "\n"))
	}
	for _, c := range worlds[1].calls {
		if _, target, _ := strings.Cut(c, "target="); target != strings.ToLower(target) || !strings.Contains(c, " 200 ") {
			t.Errorf("call with capitals or not accepted: %s", c)
		}
	}
	if !strings.Contains(worlds[1].world, "snapshot us-east-1/drorch-case-4-dbcluster-01 of cluster dbcluster-01 available") {
		t.Errorf("the rebuild's final snapshot is missing:\n%s", worlds[1].world)
	}
}

// The data-loss failover, spelled both ways, with the primary down.
func TestMixedCaseManagedFailoverRunsAsLowerCase(t *testing.T) {
	t.Parallel()
	story := []caseStep{{region: "us-west-2", outage: true, dataLoss: true, payload: func(sp spell) []resourceDoc {
		return []resourceDoc{{"ManagedFailoverAurora", "managed", map[string]string{
			"GlobalClusterIdentifier": sp("Dr-GlobalDb-Cluster-MySql"), "DBClusterIdentifier": sp("arn:aws:rds:us-west-2:" + acct + ":cluster:DBCluster-02")}}}
	}}}
	compareWorlds(t, runStory(t, story, lower), runStory(t, story, mixed), true)
}

// The defect once reported: after test case #2, test case #3 (vpc import
// corrected) with "GlobalClusterIdentifier": "DR-GLOBALDB-CLUSTER-MYSQL",
// run with --region us-east-1, made six calls then failed half-way. It now
// runs as the README's own payload does: the same steps and calls, the
// same world.
func TestMixedCaseGlobalClusterAfterUnplannedFailover(t *testing.T) {
	t.Parallel()
	fixed := bytes.ReplaceAll(readFile(t, seedPayload("3-create-secondary-cluster.json")), []byte("-vps-"), []byte("-vpc-"))
	shouted := bytes.Replace(fixed, []byte(`"GlobalClusterIdentifier": "!Import dr-globaldb-cluster-mysql-global-identifier"`),
		[]byte(`"GlobalClusterIdentifier": "DR-GLOBALDB-CLUSTER-MYSQL"`), 1)
	if bytes.Equal(fixed, shouted) {
		t.Fatal("the payload's GlobalClusterIdentifier was not replaced")
	}
	story := func(p3 []byte) caseWorld {
		s, endpoint := caseSim(t)
		if _, err := s.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: "us-east-1", Mode: sim.ModeRefuse}); err != nil {
			t.Fatal(err)
		}
		if r := newCLI(t, endpoint, "us-west-2").run(append(append([]string{"run", "--yes", "--run-id", "case-2"}, fastPoll...), seedPayload("2-unplanned-failover.json"))...); r.code != 0 {
			t.Fatalf("test case #2\n%s", r)
		}
		w := caseWorld{calls: newCalls(s, 0)}
		s.ClearFaults()
		d := newCLI(t, endpoint, "us-east-1")
		path := writeFile(t, "3.json", p3)
		p := d.run("plan", "-o", "json", path)
		r := d.run(append(append([]string{"run", "--yes", "--run-id", "case-3"}, fastPoll...), path)...)
		if p.code != 0 || r.code != 0 {
			t.Fatalf("test case #3\n%s\n%s", p, r)
		}
		w.plans, w.world = []string{stepsOf(t, p.stdout)}, endWorld(s.State())
		// The rebuild's calls in the order made: one resource, one step
		// after the other.
		for _, c := range s.MutatingCalls()[len(w.calls):] {
			w.calls = append(w.calls, fmt.Sprintf("%s %s %s target=%s %d %s", c.Region, c.Service, c.Action, c.Target, c.Status, c.Code))
		}
		return w
	}
	var readme, defect caseWorld
	done := make(chan struct{}, 2)
	go func() { defer func() { done <- struct{}{} }(); readme = story(fixed) }()
	go func() { defer func() { done <- struct{}{} }(); defect = story(shouted) }()
	<-done
	<-done
	if t.Failed() {
		return
	}
	// The plans differ only where a reference was written: the steps and
	// their calls are the same.
	compareWorlds(t, readme, defect, true)
	if n := len(defect.calls); n != 8 { // the unplanned detach, then the seven calls of the rebuild
		t.Errorf("%d calls, want 8:\n%s", n, strings.Join(defect.calls, "\n"))
	}
}

// stepsOf keeps, of a plan in JSON, what each step would do and why.
func stepsOf(t *testing.T, planJSON string) string {
	t.Helper()
	var pv struct {
		Blocked bool `json:"blocked"`
		Layers  []struct {
			Resources []struct {
				Blockers []string `json:"blockers"`
				Steps    []any    `json:"steps"`
			} `json:"resources"`
		} `json:"layers"`
	}
	if err := json.Unmarshal([]byte(planJSON), &pv); err != nil {
		t.Fatalf("plan -o json: %v\n%s", err, planJSON)
	}
	b, _ := json.MarshalIndent(pv, "", "  ")
	return string(b)
}
