package sim

import (
	"slices"
	"strings"
)

// Final snapshots of DeleteDBCluster (DB cluster snapshots) and
// DeleteDBInstance (DB snapshots), and the describes that show them. A
// snapshot is creating while it is taken, then available: the waiters
// DBClusterSnapshotAvailable and DBSnapshotAvailable (botocore
// waiters-2.json) poll Status until "available", and the Aurora User
// Guide (Creating a DB cluster snapshot, "Determining whether the DB
// cluster snapshot is available",
// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CreateSnapshotCluster.html)
// also says "Your DB cluster must be in the available state to take a DB
// cluster snapshot". Each kind is its own namespace per Region, with the
// model's AlreadyExists and NotFound codes.

// snapshotQuota refuses a new manual snapshot past the region's quota
// (both kinds count, as in RDS's "manual snapshots" quota).
func (w *world) snapshotQuota(region string) *apiError {
	if len(w.csOrder[region])+len(w.dsOrder[region]) >= quotaSnapshots {
		return newErr("SnapshotQuotaExceeded", 400, "Cannot create more than %d manual snapshots in %s.", quotaSnapshots, region)
	}
	return nil
}

func (w *world) newClusterSnapshot(region, id string, cl *DBCluster) (*Snapshot, *apiError) {
	if err := w.snapshotQuota(region); err != nil {
		return nil, err
	}
	id = strings.ToLower(id)
	if w.clusterSnaps[key{region, id}] != nil {
		return nil, newErr("DBClusterSnapshotAlreadyExistsFault", 400, "Cannot create the cluster snapshot because one with the identifier %s already exists.", id)
	}
	return &Snapshot{Region: region, ID: id, ARN: arnOf(w.account, region, "cluster-snapshot", id), SourceID: cl.ID,
		SourceKind: "cluster", Time: w.now, Status: "creating", Engine: cl.Engine, EngineVersion: cl.EngineVersion,
		Port: cl.Port, StorageEncrypted: cl.StorageEncrypted, KmsKeyID: cl.KmsKeyID, MasterUsername: cl.MasterUsername,
		SourceCreateTime: cl.CreateTime, SourceResourceID: cl.ResourceID, AllocatedStorage: 1}, nil
}

func (w *world) newDBSnapshot(region, id string, in *DBInstance) (*Snapshot, *apiError) {
	if err := w.snapshotQuota(region); err != nil {
		return nil, err
	}
	id = strings.ToLower(id)
	if w.dbSnaps[key{region, id}] != nil {
		return nil, newErr("DBSnapshotAlreadyExists", 400, "Cannot create the snapshot because a snapshot with the identifier %s already exists.", id)
	}
	return &Snapshot{Region: region, ID: id, ARN: arnOf(w.account, region, "snapshot", id), SourceID: in.ID,
		SourceKind: "instance", Time: w.now, Status: "creating", Engine: in.Engine, EngineVersion: in.EngineVersion,
		Port: in.Port, StorageEncrypted: in.StorageEncrypted, KmsKeyID: in.KmsKeyID, MasterUsername: "admin",
		SourceCreateTime: in.CreateTime, SourceResourceID: in.ResourceID, AllocatedStorage: 100,
		AvailabilityZone: in.AvailabilityZone}, nil
}

func (w *world) putClusterSnapshot(s *Snapshot) {
	w.clusterSnaps[key{s.Region, s.ID}] = s
	w.csOrder[s.Region] = insertSorted(w.csOrder[s.Region], s.ID)
}

func (w *world) dropClusterSnapshot(s *Snapshot) {
	delete(w.clusterSnaps, key{s.Region, s.ID})
	w.csOrder[s.Region] = removeSorted(w.csOrder[s.Region], s.ID)
}

func (w *world) putDBSnapshot(s *Snapshot) {
	w.dbSnaps[key{s.Region, s.ID}] = s
	w.dsOrder[s.Region] = insertSorted(w.dsOrder[s.Region], s.ID)
}

func (w *world) dropDBSnapshot(s *Snapshot) {
	delete(w.dbSnaps, key{s.Region, s.ID})
	w.dsOrder[s.Region] = removeSorted(w.dsOrder[s.Region], s.ID)
}

// allSnapshots lists every snapshot, cluster snapshots first, each kind
// by region then id.
func (w *world) allSnapshots() []Snapshot {
	var out []Snapshot
	for _, kind := range []struct {
		order map[string][]string
		snaps map[key]*Snapshot
	}{{w.csOrder, w.clusterSnaps}, {w.dsOrder, w.dbSnaps}} {
		for _, r := range w.sortedRegions(kind.order) {
			for _, id := range kind.order[r] {
				out = append(out, *kind.snaps[key{r, id}])
			}
		}
	}
	return out
}

// snapshotQuery is what both describes share: the source id (or ARN),
// the snapshot id, the snapshot type and the filters.
type snapshotQuery struct {
	source, id, typ string
	filters         []filter
}

func (c *call) snapshotQuery(sourceParam, idParam string, filterNames ...string) (snapshotQuery, *apiError) {
	q := snapshotQuery{source: c.p.str(sourceParam), id: strings.ToLower(c.p.str(idParam)), typ: c.p.str("SnapshotType")}
	fs, err := c.p.filters()
	if err != nil {
		return q, err
	}
	for _, f := range fs {
		if !slices.Contains(filterNames, f.name) {
			return q, errParamValue("Unrecognized filter name: %s.", truncate(f.name, 64))
		}
	}
	q.filters = fs
	return q, nil
}

// matches reports whether s passes q. Only manual snapshots exist here
// (final snapshots are manual).
func (q snapshotQuery) matches(s *Snapshot, account string) bool {
	sourceARN := arnOf(account, s.Region, map[string]string{"cluster": "cluster", "instance": "db"}[s.SourceKind], s.SourceID)
	sameSource := func(v string) bool { return strings.ToLower(v) == s.SourceID || v == sourceARN }
	switch {
	case q.source != "" && !sameSource(q.source):
		return false
	case q.id != "" && q.id != s.ID && q.id != strings.ToLower(s.ARN):
		return false
	case q.typ != "" && q.typ != "manual":
		return false
	}
	for _, f := range q.filters {
		if !slices.ContainsFunc(f.values, func(v string) bool {
			switch f.name {
			case "db-cluster-id", "db-instance-id":
				return sameSource(v)
			case "db-cluster-snapshot-id", "db-snapshot-id":
				return strings.ToLower(v) == s.ID || v == s.ARN
			case "dbi-resource-id":
				return v == s.SourceResourceID
			case "snapshot-type":
				return v == "manual"
			default: // engine
				return v == s.Engine
			}
		}) {
			return false
		}
	}
	return true
}

func describeDBClusterSnapshots(c *call, x xw) *apiError {
	max, after, err := c.paging(20, 100)
	if err != nil {
		return err
	}
	q, err := c.snapshotQuery("DBClusterIdentifier", "DBClusterSnapshotIdentifier", "db-cluster-id", "db-cluster-snapshot-id", "snapshot-type", "engine")
	if err != nil {
		return err
	}
	w := c.w
	if q.id != "" {
		if a, ok := parseARN(q.id); ok {
			q.id = a.id
		}
		if w.clusterSnaps[key{c.region, q.id}] == nil {
			return newErr("DBClusterSnapshotNotFoundFault", 404, "DBClusterSnapshot %s not found.", truncate(c.p.str("DBClusterSnapshotIdentifier"), 256))
		}
	}
	ids, next := pageIDs(w.csOrder[c.region], after, max, func(id string) bool {
		return q.matches(w.clusterSnaps[key{c.region, id}], w.account)
	})
	x.open("DBClusterSnapshots")
	for _, id := range ids {
		w.writeClusterSnapshot(x, w.clusterSnaps[key{c.region, id}])
	}
	x.close("DBClusterSnapshots")
	x.strOpt("Marker", next)
	return nil
}

func describeDBSnapshots(c *call, x xw) *apiError {
	max, after, err := c.paging(20, 100)
	if err != nil {
		return err
	}
	q, err := c.snapshotQuery("DBInstanceIdentifier", "DBSnapshotIdentifier", "db-instance-id", "db-snapshot-id", "dbi-resource-id", "snapshot-type", "engine")
	if err != nil {
		return err
	}
	w := c.w
	if q.id != "" {
		if a, ok := parseARN(q.id); ok {
			q.id = a.id
		}
		if w.dbSnaps[key{c.region, q.id}] == nil {
			return newErr("DBSnapshotNotFound", 404, "DBSnapshot %s not found.", truncate(c.p.str("DBSnapshotIdentifier"), 256))
		}
	}
	ids, next := pageIDs(w.dsOrder[c.region], after, max, func(id string) bool {
		return q.matches(w.dbSnaps[key{c.region, id}], w.account)
	})
	x.open("DBSnapshots")
	for _, id := range ids {
		w.writeDBSnapshot(x, w.dbSnaps[key{c.region, id}])
	}
	x.close("DBSnapshots")
	x.strOpt("Marker", next)
	return nil
}

// percent is PercentProgress: 0 while creating, 100 once available.
func percent(s *Snapshot) int {
	if s.Status == "available" {
		return 100
	}
	return 0
}

func (w *world) writeClusterSnapshot(x xw, s *Snapshot) {
	x.open("DBClusterSnapshot")
	x.open("AvailabilityZones")
	for _, z := range []string{"a", "b", "c"} {
		x.str("AvailabilityZone", s.Region+z)
	}
	x.close("AvailabilityZones")
	x.str("DBClusterSnapshotIdentifier", s.ID)
	x.str("DBClusterIdentifier", s.SourceID)
	x.timestamp("SnapshotCreateTime", s.Time)
	x.str("Engine", s.Engine)
	x.str("EngineMode", "provisioned")
	x.integer("AllocatedStorage", s.AllocatedStorage)
	x.str("Status", s.Status)
	x.integer("Port", s.Port)
	x.timestamp("ClusterCreateTime", s.SourceCreateTime)
	x.strOpt("MasterUsername", s.MasterUsername)
	x.str("EngineVersion", s.EngineVersion)
	x.str("LicenseModel", s.Engine)
	x.str("SnapshotType", "manual")
	x.integer("PercentProgress", percent(s))
	x.boolean("StorageEncrypted", s.StorageEncrypted)
	x.strOpt("KmsKeyId", s.KmsKeyID)
	x.str("DBClusterSnapshotArn", s.ARN)
	x.boolean("IAMDatabaseAuthenticationEnabled", false)
	x.open("TagList")
	x.close("TagList")
	x.str("DbClusterResourceId", s.SourceResourceID)
	x.close("DBClusterSnapshot")
}

func (w *world) writeDBSnapshot(x xw, s *Snapshot) {
	x.open("DBSnapshot")
	x.str("DBSnapshotIdentifier", s.ID)
	x.str("DBInstanceIdentifier", s.SourceID)
	x.timestamp("SnapshotCreateTime", s.Time)
	x.str("Engine", s.Engine)
	x.integer("AllocatedStorage", s.AllocatedStorage)
	x.str("Status", s.Status)
	x.integer("Port", s.Port)
	x.strOpt("AvailabilityZone", s.AvailabilityZone)
	x.timestamp("InstanceCreateTime", s.SourceCreateTime)
	x.strOpt("MasterUsername", s.MasterUsername)
	x.str("EngineVersion", s.EngineVersion)
	x.str("LicenseModel", "general-public-license")
	x.str("SnapshotType", "manual")
	x.integer("PercentProgress", percent(s))
	x.str("StorageType", "gp3")
	x.boolean("Encrypted", s.StorageEncrypted)
	x.strOpt("KmsKeyId", s.KmsKeyID)
	x.str("DBSnapshotArn", s.ARN)
	x.boolean("IAMDatabaseAuthenticationEnabled", false)
	x.str("DbiResourceId", s.SourceResourceID)
	x.open("TagList")
	x.close("TagList")
	x.str("SnapshotTarget", "region")
	x.close("DBSnapshot")
}
