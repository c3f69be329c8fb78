package sim_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"drorch/internal/clock"
	"drorch/sim"
)

// The seed scenario holds world.md's demo topology: every export the
// README's four payloads import, in both regions, except the vps typo.
func TestSeedScenario(t *testing.T) {
	t.Parallel()
	st := newSeedSim(t).State()
	imports := []string{ // every !Import of the README's payloads, typo fixed
		"dr-globaldb-cluster-mysql-global-identifier", "dr-globaldb-cluster-mysql-cluster-identifier",
		"dr-globaldb-cluster-mysql-cluster-region", "dr-globaldb-cluster-mysql-cluster-name",
		"dr-globaldb-cluster-mysql-source-cluster-identifier", "dr-globaldb-cluster-mysql-instance-identifier",
		"dr-globaldb-cluster-mysql-port", "dr-globaldb-cluster-mysql-instance-class",
		"dr-globaldb-cluster-mysql-subnet-group-name", "dr-globaldb-cluster-mysql-vpc-security-group-ids",
		"dr-globaldb-cluster-mysql-engine", "dr-globaldb-cluster-mysql-engine-version", "dr-globaldb-cluster-mysql-KmsKeyId",
		"dr-globaldb-cluster-mysql-source-region", "rds-mysql-instance-RDSMonitoringRole",
		"rds-mysql-instance-identifier", "rds-mysql-instance-global-arn",
		"demo-redis-cluster-global-replication-group-id", "demo-redis-cluster-target-region",
		"demo-redis-cluster-target-replication-group-id",
	}
	for _, region := range []string{east, west} {
		var names []string
		values := map[string]string{}
		for _, e := range st.Exports[region] {
			names = append(names, e.Name)
			values[e.Name] = e.Value
			if !strings.HasPrefix(e.StackID, "arn:aws:cloudformation:"+region+":123456789012:stack/App-Stack/") {
				t.Errorf("%s: stack id %s", region, e.StackID)
			}
		}
		for _, want := range imports {
			if !slices.Contains(names, want) {
				t.Errorf("%s: export %s missing", region, want)
			}
		}
		if slices.Contains(names, "dr-globaldb-cluster-mysql-vps-security-group-ids") {
			t.Errorf("%s serves the vps typo", region)
		}
		if values["demo-redis-cluster-target-region"] != region || values["dr-globaldb-cluster-mysql-cluster-region"] != region {
			t.Errorf("%s: a payload run there must target it: %v", region, values)
		}
	}
	g, ok := st.GlobalCluster("dr-globaldb-cluster-mysql")
	if !ok || len(g.Members) != 2 || !g.Members[0].IsWriter || g.Members[0].ClusterARN != arnEast01 {
		t.Errorf("global cluster = %+v", g)
	}
	if c, _ := st.Cluster(west, "dbcluster-02"); c.Port != 3787 || c.DBSubnetGroup != "dr-globaldb-subnet-group" || c.Members[0].InstanceID != "dbcluster-02-usw2-instance-2" {
		t.Errorf("dbcluster-02 = %+v", c)
	}
	if in, _ := st.Instance(west, "rds-mysql-instance"); in.Port != 3788 || in.ReplicaSource == "" || in.Engine != "mysql" {
		t.Errorf("replica = %+v", in)
	}
	// Encrypted, with 7 days of backups, as the framework's App-Stack makes
	// them: the primary Aurora cluster with the account's aws/rds key (its
	// stack names none), the others with the stacks' keys of their Region.
	for _, c := range st.Clusters {
		if !c.StorageEncrypted || c.BackupRetentionPeriod != 7 || !strings.HasPrefix(c.KmsKeyID, "arn:aws:kms:"+c.Region+":") {
			t.Errorf("cluster %s: encrypted=%v key=%s retention=%d", c.ID, c.StorageEncrypted, c.KmsKeyID, c.BackupRetentionPeriod)
		}
	}
	if c, _ := st.Cluster(east, "dbcluster-01"); c.KmsKeyID == values(st, east)["dr-globaldb-cluster-mysql-KmsKeyId"] {
		t.Errorf("dbcluster-01 uses the exported key; its stack gives it none (aws/rds)")
	}
	if c, _ := st.Cluster(west, "dbcluster-02"); c.KmsKeyID != values(st, west)["dr-globaldb-cluster-mysql-KmsKeyId"] {
		t.Errorf("dbcluster-02 key %s is not the exported one", c.KmsKeyID)
	}
	for _, in := range st.Instances {
		if !in.StorageEncrypted || in.BackupRetentionPeriod != 7 || !strings.HasPrefix(in.KmsKeyID, "arn:aws:kms:"+in.Region+":") {
			t.Errorf("instance %s in %s: encrypted=%v key=%s retention=%d", in.ID, in.Region, in.StorageEncrypted, in.KmsKeyID, in.BackupRetentionPeriod)
		}
	}
	if rg, _ := st.ReplicationGroup(west, "demo-redis-cluster"); rg.Port != 3789 {
		t.Errorf("redis = %+v", rg)
	}
	var secure int
	for _, p := range st.Parameters {
		if p.Type == "SecureString" {
			secure++
			if strings.Contains(p.Value, "s3cr3t") {
				t.Errorf("state shows the secret of %s", p.Name)
			}
		}
	}
	if secure != 2 || len(st.Topics) != 2 {
		t.Errorf("%d secure parameters, topics %v", secure, st.Topics)
	}
}

func values(st sim.State, region string) map[string]string {
	out := map[string]string{}
	for _, e := range st.Exports[region] {
		out[e.Name] = e.Value
	}
	return out
}

func TestScenarioFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"name":"mine","regions":["eu-west-1","eu-central-1"],
		"globalClusters":[{"id":"g","engine":"aurora-postgresql"}],
		"clusters":[{"id":"a","region":"eu-west-1","engine":"aurora-postgresql","globalCluster":"g","writer":true,"instances":[{"id":"a-1"}]},
		            {"id":"b","region":"eu-central-1","engine":"aurora-postgresql","globalCluster":"g","instances":[{"id":"b-1"}]}],
		"durations":{"switchover":10},
		"parameters":[{"name":"/p","value":"v"}],
		"exports":{"eu-west-1":{"x":"1"}}}`)
	sc, err := sim.LoadScenario(good)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(sim.Config{Scenario: sc, Clock: clock.NewFake(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := s.State()
	if c, _ := st.Cluster("eu-west-1", "a"); c.Port != 5432 || c.EngineVersion != "15.4" || !c.Members[0].IsWriter {
		t.Errorf("defaults not filled: %+v", c)
	}
	if c, _ := st.Cluster("eu-central-1", "b"); c.Members[0].IsWriter {
		t.Errorf("a secondary's instance must not be a writer")
	}
	if len(st.Parameters) != 2 || s.DefaultRegion() != "eu-west-1" {
		t.Errorf("parameters %v, default region %s", st.Parameters, s.DefaultRegion())
	}

	bad := []struct{ body, want string }{
		{"name: x\nregions: [us-east-1]\nclusterz: []\n", "clusterz"},
		{"name: x\n", "at least one region"},
		{"", "empty"},
		{"name: x\nregions: [us-east-1]\nclusters: [{id: a, region: eu-west-1}]\n", `region "eu-west-1" is not one of`},
		{"name: x\nregions: [us-east-1]\nglobalClusters: [{id: g}]\nclusters: [{id: a, region: us-east-1, globalCluster: g}, {id: b, region: us-east-1, globalCluster: g}]\n", "exactly one member cluster must be writer"},
		{"name: x\nregions: [us-east-1]\ninstances: [{id: r, region: us-east-1, replicaOf: nope}]\n", "replicaOf nope: no such instance"},
		{"name: x\nregions: [us-east-1]\ninstances: [{id: r, region: us-east-1}, {id: R, region: us-east-1}]\n", "defined twice"},
		{"name: x\nregions: [us-east-1]\nglobalReplicationGroups: [{id: g}]\nreplicationGroups: [{id: a, region: us-east-1, globalReplicationGroup: g, role: primary}]\n", "role must be PRIMARY or SECONDARY"},
		{"name: x\nregions: [us-east-1]\nparameters: [{name: /p, type: Secret}]\n", "type must be"},
		{"name: x\nregions: [us-east-1]\ntopics: ['arn:aws:sns:us-east-1:1:t']\n", "give the topic name"},
		{"name: x\nregions: [us-east-1]\nclusters: [{id: a, region: us-east-1, kmsKeyId: k}]\n", "kmsKeyId needs storageEncrypted: true"},
		{"name: x\nregions: [us-east-1]\nclusters: [{id: a, region: us-east-1, storageEncrypted: true, kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k'}]\n", "is a key of eu-west-1"},
		{"name: x\nregions: [us-east-1]\nglobalClusters: [{id: g, storageEncrypted: true}]\nclusters: [{id: a, region: us-east-1, globalCluster: g, writer: true}]\n", "a global cluster is encrypted exactly when its members are"},
		{"name: x\nregions: [us-east-1]\ninstances: [{id: s, region: us-east-1, backupRetentionPeriod: 0}, {id: r, region: us-east-1, replicaOf: s}]\n", "needs automated backups"},
		{"name: x\nregions: [us-east-1, us-west-2]\ninstances: [{id: s, region: us-east-1, storageEncrypted: true}, {id: r, region: us-west-2, storageEncrypted: true, replicaOf: 'arn:aws:rds:us-east-1:123456789012:db:s'}]\n", "needs kmsKeyId, a key of us-west-2"},
		{"name: x\nregions: [us-east-1]\ninstances: [{id: s, region: us-east-1, storageEncrypted: true}, {id: r, region: us-east-1, replicaOf: s}]\n", "a read replica is encrypted exactly when its source is"},
		{"name: x\nregions: [us-east-1]\ninstances: [{id: s, region: us-east-1, backupRetentionPeriod: 36}]\n", "between 0 and 35"},
	}
	for i, b := range bad {
		_, err := sim.LoadScenario(write("bad"+string(rune('a'+i))+".yaml", b.body))
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%q: %v, want %q", b.body, err, b.want)
		}
	}
	if _, err := sim.LoadScenario(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "built-in scenarios: seed") {
		t.Errorf("missing file: %v", err)
	}
}

func TestScenarioBuilders(t *testing.T) {
	t.Parallel()
	sc := sim.NewScenario("built", east, west, "eu-west-1")
	sc.AddAuroraGlobal("gdb", east, west, "eu-west-1")
	sc.AddReplicaPair("db", east, west)
	sc.AddRedisGlobal("cache-global", "cache", east, west)
	sc.AddAuroraCluster("solo", west)
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(sim.Config{Scenario: sc, Clock: clock.NewFake(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := s.State()
	g, _ := st.GlobalCluster("gdb")
	if len(g.Members) != 3 || g.Members[0].ClusterARN != "arn:aws:rds:us-east-1:123456789012:cluster:gdb-us-east-1" {
		t.Errorf("global = %+v", g)
	}
	if src, _ := st.Instance(east, "db"); !slices.Equal(src.Replicas, []string{"arn:aws:rds:us-west-2:123456789012:db:db"}) {
		t.Errorf("source replicas = %v", src.Replicas)
	}
	if grg, _ := st.GlobalReplicationGroup("cache-global"); len(grg.Members) != 2 || grg.Members[0].Role != "PRIMARY" {
		t.Errorf("datastore = %+v", grg)
	}
	if len(st.Clusters) != 4 || len(st.Instances) != 6 {
		t.Errorf("%d clusters, %d instances", len(st.Clusters), len(st.Instances))
	}
}
