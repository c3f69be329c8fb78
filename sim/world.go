package sim

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// key identifies a regional resource.
type key struct{ region, id string }

// world is the simulated AWS account. Every method expects the Sim's lock
// to be held. Regional resources live in maps keyed by (region, id) with a
// sorted id list per region, so that describes page in a stable order
// without sorting on every call.
type world struct {
	account       string
	regions       []string
	defaultRegion string
	dur           Durations
	exportStack   string

	gcs      map[string]*GlobalCluster
	gcOrder  []string
	clusters map[key]*DBCluster
	clOrder  map[string][]string
	insts    map[key]*DBInstance
	inOrder  map[string][]string
	grgs     map[string]*GlobalReplicationGroup
	grgOrder []string
	rgs      map[key]*ReplicationGroup
	rgOrder  map[string][]string

	exports   map[string][]Export // sorted by name
	params    map[key]*Parameter
	topics    map[string]bool   // topic ARNs
	tables    map[key]*ddbTable // DynamoDB, by region and name
	messages  []Message         // see keepMessage
	published int               // messages ever published

	// Final snapshots: DB cluster snapshots and DB snapshots are separate
	// namespaces of one region, each with its sorted id list for paging.
	clusterSnaps map[key]*Snapshot
	csOrder      map[string][]string
	dbSnaps      map[key]*Snapshot
	dsOrder      map[string][]string

	// promotions holds each global datastore's latest promotion request:
	// the datastore resolves to that one (ElastiCache guide).
	promotions map[string]*promotion
	// deleting holds the deletion under way of each cluster being deleted
	// (with a final snapshot, the cluster is still available meanwhile).
	deleting map[*DBCluster]*operation

	hostNames map[string]regionNames // cache of names(region)

	// down holds the regions under a region-wide outage.
	down map[string]bool
	// lag records replication modes for the CloudWatch metrics (lag.go).
	lag *lagModel
	// iam holds the principals and the caller (iam.go).
	iam *iamState
	// now is the virtual time the world has been advanced to.
	now time.Time
	// ops is the operation log; active holds those with steps left.
	ops    []*operation
	opSeq  int // operations ever started
	active []*operation
}

func newWorld(sc *Scenario, start time.Time) (*world, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	w := &world{
		account: sc.account(), regions: slices.Clone(sc.Regions), defaultRegion: sc.DefaultRegion,
		dur: sc.Durations.withDefaults(), exportStack: sc.ExportStack,
		gcs: map[string]*GlobalCluster{}, clusters: map[key]*DBCluster{}, clOrder: map[string][]string{},
		insts: map[key]*DBInstance{}, inOrder: map[string][]string{},
		grgs: map[string]*GlobalReplicationGroup{}, rgs: map[key]*ReplicationGroup{}, rgOrder: map[string][]string{},
		exports: map[string][]Export{}, params: map[key]*Parameter{}, topics: map[string]bool{},
		down: map[string]bool{}, now: start, hostNames: map[string]regionNames{}, tables: map[key]*ddbTable{},
		clusterSnaps: map[key]*Snapshot{}, csOrder: map[string][]string{},
		dbSnaps: map[key]*Snapshot{}, dsOrder: map[string][]string{}, promotions: map[string]*promotion{},
		deleting: map[*DBCluster]*operation{},
	}
	if w.defaultRegion == "" {
		w.defaultRegion = w.regions[0]
	}
	if w.exportStack == "" {
		w.exportStack = "App-Stack"
	}
	for _, g := range sc.GlobalClusters {
		w.putGlobalCluster(&GlobalCluster{
			ID: strings.ToLower(g.ID), Status: "available", Engine: g.Engine, EngineVersion: g.EngineVersion,
			StorageEncrypted: g.StorageEncrypted, DeletionProtection: g.DeletionProtection, DatabaseName: g.DatabaseName,
		})
	}
	// Writers first so that the writer is the first member listed.
	for _, writers := range []bool{true, false} {
		for _, c := range sc.Clusters {
			if c.Writer == writers {
				w.addScenarioCluster(c)
			}
		}
	}
	for _, in := range sc.Instances {
		w.putInstance(w.scenarioInstance(in, in.Region, ""))
	}
	for _, in := range w.allInstances() {
		if in.ReplicaSource != "" {
			w.linkReplica(in)
		}
	}
	for _, g := range sc.GlobalReplicationGroups {
		w.putGRG(&GlobalReplicationGroup{
			ID: g.ID, ARN: fmt.Sprintf("arn:aws:elasticache::%s:globalreplicationgroup:%s", w.account, g.ID),
			Description: g.Description, Status: "available", Engine: def(g.Engine, "redis"),
			EngineVersion: def(g.EngineVersion, "7.1"), CacheNodeType: def(g.CacheNodeType, "cache.r6g.large"),
		})
	}
	for _, rg := range sc.ReplicationGroups {
		w.addScenarioRG(rg)
	}
	for region, exps := range sc.Exports {
		stack := fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", region, w.account, w.exportStack, stableUUID(region, w.exportStack))
		for name, value := range exps {
			w.exports[region] = append(w.exports[region], Export{Name: name, Value: value, StackID: stack})
		}
		sort.Slice(w.exports[region], func(i, j int) bool { return w.exports[region][i].Name < w.exports[region][j].Name })
	}
	for _, p := range sc.Parameters {
		regions := w.regions
		if p.Region != "" {
			regions = []string{p.Region}
		}
		for _, r := range regions {
			w.params[key{r, p.Name}] = &Parameter{Region: r, Name: p.Name, Type: def(p.Type, "String"), Value: p.Value, Version: 1, LastModified: start}
		}
	}
	for _, t := range sc.Tables {
		w.addScenarioTable(t)
	}
	for _, t := range sc.Topics {
		for _, r := range w.regions {
			w.topics[fmt.Sprintf("arn:aws:sns:%s:%s:%s", r, w.account, t)] = true
		}
	}
	return w, nil
}

func (w *world) addScenarioCluster(c ScenarioCluster) {
	cl := &DBCluster{
		ID: strings.ToLower(c.ID), Region: c.Region, Status: def(c.Status, "available"),
		Engine: def(c.Engine, "aurora-mysql"), EngineVersion: c.EngineVersion, Port: c.Port,
		DBSubnetGroup: c.DBSubnetGroup, VpcSecurityGroupIDs: slices.Clone(c.VpcSecurityGroups), KmsKeyID: c.KmsKeyID,
		StorageEncrypted: c.StorageEncrypted, DeletionProtection: c.DeletionProtection,
		BackupRetentionPeriod: intOr(c.BackupRetentionPeriod, 1),
		GlobalClusterID:       strings.ToLower(c.GlobalCluster), CreateTime: w.now, MasterUsername: "admin",
		ParameterGroup: c.ParameterGroup,
	}
	w.fillClusterDefaults(cl)
	w.putCluster(cl)
	if g := w.gcs[cl.GlobalClusterID]; g != nil {
		g.Members = append(g.Members, GlobalClusterMember{ClusterARN: cl.ARN, IsWriter: c.Writer, SyncStatus: "connected"})
		if g.EngineVersion == "" {
			g.EngineVersion = cl.EngineVersion
		}
	}
	secondary := cl.GlobalClusterID != "" && !c.Writer
	for i, in := range c.Instances {
		if in.Engine == "" {
			in.Engine = cl.Engine
		}
		if in.EngineVersion == "" {
			in.EngineVersion = cl.EngineVersion
		}
		if in.Port == 0 {
			in.Port = cl.Port
		}
		// An Aurora instance's storage is its cluster's volume: it shows the
		// cluster's encryption, key and backup retention.
		in.StorageEncrypted, in.KmsKeyID = cl.StorageEncrypted, cl.KmsKeyID
		in.BackupRetentionPeriod = &cl.BackupRetentionPeriod
		inst := w.scenarioInstance(in, c.Region, cl.ID)
		w.putInstance(inst)
		cl.Members = append(cl.Members, DBClusterMember{InstanceID: inst.ID, IsWriter: i == 0 && !secondary})
	}
}

func (w *world) scenarioInstance(in ScenarioInstance, region, clusterID string) *DBInstance {
	inst := &DBInstance{
		ID: strings.ToLower(in.ID), Region: region, Status: def(in.Status, "available"),
		Engine: def(in.Engine, "mysql"), EngineVersion: in.EngineVersion, Class: def(in.Class, "db.r5.large"),
		Port: in.Port, ClusterID: clusterID, DBSubnetGroup: in.DBSubnetGroup,
		VpcSecurityGroupIDs: slices.Clone(in.VpcSecurityGroups), KmsKeyID: in.KmsKeyID, StorageEncrypted: in.StorageEncrypted,
		MultiAZ: in.MultiAZ, DeletionProtection: in.DeletionProtection, AutoMinorVersionUpgrade: true,
		BackupRetentionPeriod: intOr(in.BackupRetentionPeriod, 1), CreateTime: w.now, ParameterGroup: in.ParameterGroup,
	}
	if in.ReplicaOf != "" {
		inst.ReplicaSource = in.ReplicaOf
		if a, ok := parseARN(in.ReplicaOf); ok && a.region == region {
			inst.ReplicaSource = a.id // same-region sources are named by id
		}
		inst.ReplicationStatus = "replicating"
		inst.BackupRetentionPeriod = intOr(in.BackupRetentionPeriod, 0)
	}
	w.fillInstanceDefaults(inst)
	return inst
}

// linkReplica lists replica in its source's ReadReplicaDBInstanceIdentifiers.
func (w *world) linkReplica(replica *DBInstance) {
	src := w.replicaSource(replica)
	if src == nil {
		return
	}
	name := replica.ID
	if src.Region != replica.Region {
		name = replica.ARN
	}
	if !slices.Contains(src.Replicas, name) {
		src.Replicas = append(src.Replicas, name)
	}
}

// unlinkReplica drops replica from its source's replica list.
func (w *world) unlinkReplica(src *DBInstance, replica *DBInstance) {
	src.Replicas = slices.DeleteFunc(src.Replicas, func(s string) bool { return s == replica.ID || s == replica.ARN })
}

// replicaSource finds the source instance of a replica (nil if gone).
func (w *world) replicaSource(replica *DBInstance) *DBInstance {
	if replica.ReplicaSource == "" {
		return nil
	}
	if a, ok := parseARN(replica.ReplicaSource); ok {
		return w.insts[key{a.region, strings.ToLower(a.id)}]
	}
	return w.insts[key{replica.Region, strings.ToLower(replica.ReplicaSource)}]
}

func (w *world) addScenarioRG(s ScenarioRG) {
	g := w.grgs[s.GlobalReplicationGroup]
	rg := &ReplicationGroup{
		ID: s.ID, Region: s.Region, Description: s.Description, Status: "available", Port: def0(s.Port, 6379),
		Nodes: def0(s.Nodes, 2), CacheNodeType: s.CacheNodeType, Engine: "redis", EngineVersion: "7.1",
		GlobalGroupID: s.GlobalReplicationGroup, CreateTime: w.now, AtRestEncrypted: true,
	}
	if g != nil {
		rg.Engine, rg.EngineVersion = g.Engine, g.EngineVersion
		if rg.CacheNodeType == "" {
			rg.CacheNodeType = g.CacheNodeType
		}
		g.Members = append(g.Members, GlobalReplicationGroupMember{ReplicationGroupID: s.ID, Region: s.Region, Role: s.Role, Status: "associated"})
	}
	if rg.CacheNodeType == "" {
		rg.CacheNodeType = "cache.r6g.large"
	}
	rg.ARN = fmt.Sprintf("arn:aws:elasticache:%s:%s:replicationgroup:%s", rg.Region, w.account, rg.ID)
	w.rgs[key{rg.Region, rg.ID}] = rg
	w.rgOrder[rg.Region] = insertSorted(w.rgOrder[rg.Region], rg.ID)
}

func (w *world) fillClusterDefaults(cl *DBCluster) {
	cl.ARN = arnOf(w.account, cl.Region, "cluster", cl.ID)
	cl.ResourceID = resourceID("cluster-", cl.Region, cl.ID, cl.CreateTime.String())
	if cl.StorageEncrypted && cl.KmsKeyID == "" {
		cl.KmsKeyID = defaultKMSKey(w.account, cl.Region)
	}
	if cl.Port == 0 {
		cl.Port = defaultPort(cl.Engine)
	}
	if cl.EngineVersion == "" {
		cl.EngineVersion = defaultVersion(cl.Engine)
	}
	if cl.ParameterGroup == "" {
		cl.ParameterGroup = defaultParameterGroup(cl.Engine, cl.EngineVersion)
	}
}

func (w *world) fillInstanceDefaults(in *DBInstance) {
	in.ARN = arnOf(w.account, in.Region, "db", in.ID)
	in.ResourceID = resourceID("db-", in.Region, in.ID, in.CreateTime.String())
	in.AvailabilityZone = in.Region + "a"
	if in.StorageEncrypted && in.KmsKeyID == "" {
		in.KmsKeyID = defaultKMSKey(w.account, in.Region)
	}
	if in.Port == 0 {
		in.Port = defaultPort(in.Engine)
	}
	if in.EngineVersion == "" {
		in.EngineVersion = defaultVersion(in.Engine)
	}
	if in.ParameterGroup == "" {
		in.ParameterGroup = defaultParameterGroup(in.Engine, in.EngineVersion)
	}
}

// defaultParameterGroup is the name of the default parameter group AWS
// gives a cluster or instance: default.<family>, the family being the
// engine and its major version (default.aurora-mysql8.0, default.mysql8.0,
// default.aurora-postgresql15).
func defaultParameterGroup(engine, version string) string {
	return "default." + engine + majorVersion(engine, version)
}

func defaultPort(engine string) int {
	switch {
	case strings.Contains(engine, "postgres"):
		return 5432
	case engine == "docdb":
		return 27017
	default:
		return 3306
	}
}

func defaultVersion(engine string) string {
	switch engine {
	case "aurora-mysql":
		return "8.0.mysql_aurora.3.05.2"
	case "aurora-postgresql":
		return "15.4"
	case "docdb":
		return "5.0.0"
	case "postgres":
		return "16.3"
	default:
		return "8.0.35"
	}
}

func def(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func intOr(v *int, d int) int {
	if v == nil {
		return d
	}
	return *v
}

func def0(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

// The store: put/remove keep the sorted id lists in step with the maps.

func (w *world) putGlobalCluster(g *GlobalCluster) {
	g.ARN = fmt.Sprintf("arn:aws:rds::%s:global-cluster:%s", w.account, g.ID)
	g.ResourceID = resourceID("cluster-", "global", g.ID)
	w.gcs[g.ID] = g
	w.gcOrder = insertSorted(w.gcOrder, g.ID)
}

func (w *world) removeGlobalCluster(id string) {
	delete(w.gcs, id)
	w.gcOrder = removeSorted(w.gcOrder, id)
}

func (w *world) putCluster(c *DBCluster) {
	w.clusters[key{c.Region, c.ID}] = c
	w.clOrder[c.Region] = insertSorted(w.clOrder[c.Region], c.ID)
}

func (w *world) removeCluster(c *DBCluster) {
	delete(w.deleting, c)
	delete(w.clusters, key{c.Region, c.ID})
	w.clOrder[c.Region] = removeSorted(w.clOrder[c.Region], c.ID)
}

func (w *world) putInstance(in *DBInstance) {
	w.insts[key{in.Region, in.ID}] = in
	w.inOrder[in.Region] = insertSorted(w.inOrder[in.Region], in.ID)
}

func (w *world) removeInstance(in *DBInstance) {
	delete(w.insts, key{in.Region, in.ID})
	w.inOrder[in.Region] = removeSorted(w.inOrder[in.Region], in.ID)
}

func (w *world) putGRG(g *GlobalReplicationGroup) {
	w.grgs[g.ID] = g
	w.grgOrder = insertSorted(w.grgOrder, g.ID)
}

func (w *world) allInstances() []*DBInstance {
	var out []*DBInstance
	for _, r := range w.sortedRegions(w.inOrder) {
		for _, id := range w.inOrder[r] {
			out = append(out, w.insts[key{r, id}])
		}
	}
	return out
}

// sortedRegions returns the regions of an order map, sorted.
func (w *world) sortedRegions(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for r := range m {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

func insertSorted(s []string, id string) []string {
	i, found := slices.BinarySearch(s, id)
	if found {
		return s
	}
	return slices.Insert(s, i, id)
}

func removeSorted(s []string, id string) []string {
	i, found := slices.BinarySearch(s, id)
	if !found {
		return s
	}
	return slices.Delete(s, i, i+1)
}

// Lookups. Identifiers are case-insensitive; an ARN must name the region
// the call is made in, except where a global operation takes any ARN.

// cluster finds a cluster by id or ARN as seen from region.
func (w *world) cluster(region, idOrARN string) *DBCluster {
	if a, ok := parseARN(idOrARN); ok {
		if a.kind != "cluster" || a.region != region {
			return nil
		}
		idOrARN = a.id
	}
	return w.clusters[key{region, strings.ToLower(idOrARN)}]
}

// clusterByARN finds a cluster in any region by ARN; a bare id is looked up
// in region.
func (w *world) clusterByARN(region, arnOrID string) *DBCluster {
	if a, ok := parseARN(arnOrID); ok {
		if a.kind != "cluster" {
			return nil
		}
		return w.clusters[key{a.region, strings.ToLower(a.id)}]
	}
	return w.clusters[key{region, strings.ToLower(arnOrID)}]
}

// instance finds an instance by id or ARN as seen from region.
func (w *world) instance(region, idOrARN string) *DBInstance {
	if a, ok := parseARN(idOrARN); ok {
		if a.kind != "db" || a.region != region {
			return nil
		}
		idOrARN = a.id
	}
	return w.insts[key{region, strings.ToLower(idOrARN)}]
}

// available reports whether a cluster can take part in an operation: its
// status is available, no deletion of it is under way (it stays available
// while its final snapshot is taken) and its region is not down.
func (w *world) available(c *DBCluster) bool {
	return c != nil && c.Status == "available" && !w.deletingCluster(c) && !w.down[c.Region]
}
