package sim

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// DefaultAccount is the account id of a scenario that names none.
const DefaultAccount = "123456789012"

// Validate checks a scenario's references: every resource in a listed
// region, unique identifiers, global clusters with exactly one writer,
// replicas whose source exists, global datastores with one PRIMARY. It
// reports every problem at once.
func (sc *Scenario) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(sc.Regions) == 0 {
		bad("scenario %q: regions: at least one region is required", sc.Name)
	}
	if sc.DefaultRegion != "" && !slices.Contains(sc.Regions, sc.DefaultRegion) {
		bad("defaultRegion %s is not one of regions %v", sc.DefaultRegion, sc.Regions)
	}
	region := func(what, r string) {
		if !slices.Contains(sc.Regions, r) {
			bad("%s: region %q is not one of regions %v", what, r, sc.Regions)
		}
	}
	seen := map[string]bool{}
	unique := func(kind, region, id string) {
		k := kind + "/" + region + "/" + strings.ToLower(id)
		if id == "" {
			bad("%s in %s: id is required", kind, region)
		} else if seen[k] {
			bad("%s %s in %s: defined twice", kind, id, region)
		}
		seen[k] = true
	}
	gcs := map[string]bool{}
	for _, g := range sc.GlobalClusters {
		unique("global cluster", "", g.ID)
		gcs[strings.ToLower(g.ID)] = true
	}
	writers := map[string]int{}
	for _, c := range sc.Clusters {
		what := "cluster " + c.ID
		region(what, c.Region)
		unique("cluster", c.Region, c.ID)
		if c.GlobalCluster != "" && !gcs[strings.ToLower(c.GlobalCluster)] {
			bad("%s: global cluster %q is not defined", what, c.GlobalCluster)
		}
		if c.Writer {
			if c.GlobalCluster == "" {
				bad("%s: writer is only meaningful with globalCluster", what)
			}
			writers[strings.ToLower(c.GlobalCluster)]++
		}
		for _, in := range c.Instances {
			unique("instance", c.Region, in.ID)
			if in.Region != "" && in.Region != c.Region {
				bad("instance %s: region %s differs from its cluster's %s", in.ID, in.Region, c.Region)
			}
		}
	}
	for _, c := range sc.Clusters {
		if c.GlobalCluster != "" && writers[strings.ToLower(c.GlobalCluster)] != 1 {
			bad("global cluster %s: exactly one member cluster must be writer (found %d)", c.GlobalCluster, writers[strings.ToLower(c.GlobalCluster)])
			writers[strings.ToLower(c.GlobalCluster)] = 1 // report once
		}
	}
	for _, in := range sc.Instances {
		region("instance "+in.ID, in.Region)
		unique("instance", in.Region, in.ID)
	}
	for _, in := range sc.Instances {
		if in.ReplicaOf == "" {
			continue
		}
		srcRegion, srcID := in.Region, in.ReplicaOf
		if a, ok := parseARN(in.ReplicaOf); ok && a.kind == "db" {
			srcRegion, srcID = a.region, a.id
		}
		if !seen["instance/"+srcRegion+"/"+strings.ToLower(srcID)] {
			bad("instance %s in %s: replicaOf %s: no such instance", in.ID, in.Region, in.ReplicaOf)
		}
	}
	sc.checkStorage(bad)
	grgs := map[string]bool{}
	for _, g := range sc.GlobalReplicationGroups {
		unique("global replication group", "", g.ID)
		grgs[g.ID] = true
	}
	primaries := map[string]int{}
	for _, rg := range sc.ReplicationGroups {
		region("replication group "+rg.ID, rg.Region)
		unique("replication group", rg.Region, rg.ID)
		if rg.GlobalReplicationGroup == "" {
			continue
		}
		if !grgs[rg.GlobalReplicationGroup] {
			bad("replication group %s: global replication group %q is not defined", rg.ID, rg.GlobalReplicationGroup)
		}
		switch rg.Role {
		case "PRIMARY":
			primaries[rg.GlobalReplicationGroup]++
		case "SECONDARY":
		default:
			bad("replication group %s: role must be PRIMARY or SECONDARY, not %q", rg.ID, rg.Role)
		}
	}
	for _, g := range sc.GlobalReplicationGroups {
		if primaries[g.ID] != 1 {
			bad("global replication group %s: exactly one PRIMARY member is required (found %d)", g.ID, primaries[g.ID])
		}
	}
	for r := range sc.Exports {
		region("exports", r)
	}
	for _, p := range sc.Parameters {
		if p.Region != "" {
			region("parameter "+p.Name, p.Region)
		}
		switch p.Type {
		case "", "String", "StringList", "SecureString":
		default:
			bad("parameter %s: type must be String, StringList or SecureString, not %q", p.Name, p.Type)
		}
		if p.Name == "" {
			bad("parameter: name is required")
		}
	}
	for _, t := range sc.Topics {
		if t == "" || strings.Contains(t, ":") {
			bad("topic %q: give the topic name, not an ARN", t)
		}
	}
	for _, t := range sc.Tables {
		what := "table " + t.Name
		region(what, t.Region)
		if seen["table/"+t.Region+"/"+t.Name] {
			bad("%s in %s: defined twice", what, t.Region)
		}
		seen["table/"+t.Region+"/"+t.Name] = true
		if aerr := checkTableName(t.Name); aerr != nil {
			bad("%s: %s", what, aerr.Message)
		}
		if t.PartitionKey == "" {
			bad("%s: partitionKey is required", what)
		}
		for _, kt := range []string{t.PartitionKeyType, t.SortKeyType} {
			if kt != "" && kt != "S" && kt != "N" && kt != "B" {
				bad("%s: key type %q must be S, N or B", what, kt)
			}
		}
		if (t.ReadCapacity > 0) != (t.WriteCapacity > 0) || t.ReadCapacity < 0 || t.WriteCapacity < 0 {
			bad("%s: give both readCapacity and writeCapacity (positive), or neither for on-demand", what)
		}
	}
	if err := sc.validatePrincipals(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("scenario %q: %w", sc.Name, errors.Join(errs...))
	}
	return nil
}

// checkStorage checks encryption and backups the way AWS would have let
// the world come to be: a global cluster is encrypted as its members are,
// a KMS key belongs to its resource's Region, a replica's source keeps
// automated backups, and a cross-Region replica of an encrypted source
// names a key of its own Region (see encryption.go for the sources).
func (sc *Scenario) checkStorage(bad func(string, ...any)) {
	key := func(what, region, keyID string, encrypted bool) {
		switch {
		case keyID != "" && !encrypted:
			bad("%s: kmsKeyId needs storageEncrypted: true", what)
		case kmsKeyElsewhere(keyID, region) != "":
			bad("%s: kmsKeyId %s is a key of %s; a resource in %s needs a key of its own Region", what, keyID, kmsKeyElsewhere(keyID, region), region)
		}
	}
	retention := func(what string, v *int) {
		if v != nil && (*v < 0 || *v > 35) {
			bad("%s: backupRetentionPeriod %d must be between 0 and 35 days", what, *v)
		}
	}
	encrypted := map[string]bool{}
	for _, g := range sc.GlobalClusters {
		encrypted[strings.ToLower(g.ID)] = g.StorageEncrypted
	}
	for _, c := range sc.Clusters {
		what := "cluster " + c.ID
		key(what, c.Region, c.KmsKeyID, c.StorageEncrypted)
		retention(what, c.BackupRetentionPeriod)
		if enc, ok := encrypted[strings.ToLower(c.GlobalCluster)]; ok && c.GlobalCluster != "" && enc != c.StorageEncrypted {
			bad("%s: storageEncrypted is %v but global cluster %s's is %v; a global cluster is encrypted exactly when its members are", what, c.StorageEncrypted, c.GlobalCluster, enc)
		}
	}
	byKey := map[string]ScenarioInstance{}
	for _, in := range sc.Instances {
		byKey[in.Region+"/"+strings.ToLower(in.ID)] = in
	}
	for _, in := range sc.Instances {
		what := "instance " + in.ID + " in " + in.Region
		key(what, in.Region, in.KmsKeyID, in.StorageEncrypted)
		retention(what, in.BackupRetentionPeriod)
		if in.ReplicaOf == "" {
			continue
		}
		srcRegion, srcID := in.Region, in.ReplicaOf
		if a, ok := parseARN(in.ReplicaOf); ok {
			srcRegion, srcID = a.region, a.id
		}
		src, ok := byKey[srcRegion+"/"+strings.ToLower(srcID)]
		if !ok {
			continue // reported with the references
		}
		switch {
		case src.BackupRetentionPeriod != nil && *src.BackupRetentionPeriod == 0:
			bad("%s: its source %s has backupRetentionPeriod 0; a source of read replicas needs automated backups", what, in.ReplicaOf)
		case src.StorageEncrypted != in.StorageEncrypted:
			bad("%s: storageEncrypted is %v but its source's is %v; a read replica is encrypted exactly when its source is", what, in.StorageEncrypted, src.StorageEncrypted)
		case src.StorageEncrypted && srcRegion != in.Region && in.KmsKeyID == "":
			bad("%s: a cross-Region replica of an encrypted source needs kmsKeyId, a key of %s", what, in.Region)
		}
	}
}

// NewScenario starts an empty scenario over regions (the first is the
// primary and the default region); add resources with the Add methods or
// by appending to the fields.
func NewScenario(name string, regions ...string) *Scenario {
	sc := &Scenario{Name: name, Account: DefaultAccount, Regions: regions, Exports: map[string]map[string]string{}}
	if len(regions) > 0 {
		sc.DefaultRegion = regions[0]
	}
	return sc
}

// AddAuroraGlobal adds an Aurora MySQL global cluster id with a writer
// cluster "<id>-<primary>" in primary and a secondary cluster
// "<id>-<region>" in each other region, each with one instance
// "<cluster>-1".
func (sc *Scenario) AddAuroraGlobal(id, primary string, secondaries ...string) {
	sc.GlobalClusters = append(sc.GlobalClusters, ScenarioGlobalCluster{
		ID: id, Engine: "aurora-mysql", EngineVersion: "8.0.mysql_aurora.3.05.2", StorageEncrypted: true,
	})
	for i, r := range append([]string{primary}, secondaries...) {
		cid := id + "-" + r
		sc.Clusters = append(sc.Clusters, ScenarioCluster{
			ID: cid, Region: r, Engine: "aurora-mysql", EngineVersion: "8.0.mysql_aurora.3.05.2",
			GlobalCluster: id, Writer: i == 0, StorageEncrypted: true,
			Instances: []ScenarioInstance{{ID: cid + "-1", Class: "db.r5.large"}},
		})
	}
}

// AddAuroraCluster adds a stand-alone Aurora MySQL cluster with one instance.
func (sc *Scenario) AddAuroraCluster(id, region string) {
	sc.Clusters = append(sc.Clusters, ScenarioCluster{
		ID: id, Region: region, Engine: "aurora-mysql", EngineVersion: "8.0.mysql_aurora.3.05.2",
		Instances: []ScenarioInstance{{ID: id + "-1", Class: "db.r5.large"}},
	})
}

// AddReplicaPair adds an RDS MySQL instance id in source and a cross-region
// read replica with the same id in replica.
func (sc *Scenario) AddReplicaPair(id, source, replica string) {
	sc.Instances = append(sc.Instances,
		ScenarioInstance{ID: id, Region: source, Engine: "mysql", EngineVersion: "8.0.35", Class: "db.r5.large"},
		ScenarioInstance{ID: id, Region: replica, Engine: "mysql", EngineVersion: "8.0.35", Class: "db.r5.large",
			ReplicaOf: arnOf(sc.account(), source, "db", id)},
	)
}

// AddRedisGlobal adds an ElastiCache Redis global datastore id whose member
// replication groups are all called rgID: PRIMARY in primary, SECONDARY in
// the others.
func (sc *Scenario) AddRedisGlobal(id, rgID, primary string, secondaries ...string) {
	sc.GlobalReplicationGroups = append(sc.GlobalReplicationGroups, ScenarioGlobalRG{ID: id, Engine: "redis", EngineVersion: "7.1"})
	for i, r := range append([]string{primary}, secondaries...) {
		role := "SECONDARY"
		if i == 0 {
			role = "PRIMARY"
		}
		sc.ReplicationGroups = append(sc.ReplicationGroups, ScenarioRG{ID: rgID, Region: r, GlobalReplicationGroup: id, Role: role})
	}
}

func (sc *Scenario) account() string {
	if sc.Account == "" {
		return DefaultAccount
	}
	return sc.Account
}
