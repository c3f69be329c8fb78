package sim

import (
	"slices"
	"strings"
)

// Aurora cluster and instance operations (world.md "Aurora clusters and
// instances"), and the describes every RDS client uses.

func describeDBClusters(c *call, x xw) *apiError {
	max, after, err := c.paging(20, 100)
	if err != nil {
		return err
	}
	filters, err := c.p.filters()
	if err != nil {
		return err
	}
	for _, f := range filters {
		switch f.name {
		case "db-cluster-id", "db-cluster-resource-id", "engine":
		default:
			return errParamValue("Unrecognized filter name: %s.", truncate(f.name, 64))
		}
	}
	w := c.w
	var only *DBCluster
	if id := c.p.str("DBClusterIdentifier"); id != "" {
		if only = w.cluster(c.region, id); only == nil {
			return errClusterNotFound(id)
		}
	}
	ids, next := pageIDs(w.clOrder[c.region], after, max, func(id string) bool {
		cl := w.clusters[key{c.region, id}]
		if only != nil && cl != only {
			return false
		}
		for _, f := range filters {
			if !slices.ContainsFunc(f.values, func(v string) bool {
				switch f.name {
				case "db-cluster-id":
					return strings.ToLower(v) == cl.ID || v == cl.ARN
				case "db-cluster-resource-id":
					return v == cl.ResourceID
				default:
					return v == cl.Engine
				}
			}) {
				return false
			}
		}
		return true
	})
	x.open("DBClusters")
	for _, id := range ids {
		w.writeCluster(x, "DBCluster", w.clusters[key{c.region, id}])
	}
	x.close("DBClusters")
	x.strOpt("Marker", next)
	return nil
}

// majorVersion is the part of an engine version that must match within a
// global cluster: "8.0" for Aurora MySQL 8.0.mysql_aurora.3.05.2, "15" for
// Aurora PostgreSQL 15.4.
func majorVersion(engine, v string) string {
	parts := strings.Split(v, ".")
	if strings.Contains(engine, "mysql") && len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return parts[0]
}

func createDBCluster(c *call, x xw) *apiError {
	id, err := c.required("DBClusterIdentifier")
	if err != nil {
		return err
	}
	engine, err := c.required("Engine")
	if err != nil {
		return err
	}
	w := c.w
	id = strings.ToLower(id)
	if w.clusters[key{c.region, id}] != nil {
		return newErr("DBClusterAlreadyExistsFault", 400, "DB Cluster %s already exists.", id)
	}
	if len(w.clOrder[c.region]) >= quotaClusters {
		return newErr("DBClusterQuotaExceededFault", 403, "Cannot create more than %d DB clusters in %s.", quotaClusters, c.region)
	}
	version := c.p.str("EngineVersion")
	var g *GlobalCluster
	secondary := false
	if gid := c.p.str("GlobalClusterIdentifier"); gid != "" {
		if g = w.gcs[strings.ToLower(gid)]; g == nil {
			return errGlobalClusterNotFound(gid)
		}
		wi := slices.IndexFunc(g.Members, func(m GlobalClusterMember) bool { return m.IsWriter })
		secondary = wi >= 0
		switch {
		case g.Status != "available":
			return errInvalidGlobalState("Global cluster %s is not available (status %s).", g.ID, g.Status)
		case engine != g.Engine:
			return errParamCombination("Engine %s does not match the engine %s of global cluster %s.", engine, g.Engine, g.ID)
		case version != "" && majorVersion(engine, version) != majorVersion(g.Engine, g.EngineVersion):
			return errParamCombination("Engine version %s does not match the major version of global cluster %s (%s).", version, g.ID, g.EngineVersion)
		case secondary && (c.p.has("MasterUsername") || c.p.has("MasterUserPassword")):
			return errParamCombination("A secondary cluster of global cluster %s takes its master credentials from the primary; do not give MasterUsername or MasterUserPassword.", g.ID)
		}
		// "Each secondary cluster must be in a different AWS Region than
		// the primary cluster and any other secondary clusters" (Aurora
		// User Guide, Adding an AWS Region to an Aurora global database,
		// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html#aurora-global-database-attaching).
		// The error code is not documented; InvalidParameterCombination
		// is what AWS answers for the other refusals of this call.
		if i := slices.IndexFunc(g.Members, func(m GlobalClusterMember) bool { return regionOfARN(m.ClusterARN) == c.region }); i >= 0 {
			return errParamCombination("Global cluster %s already has a member cluster in %s (%s): each secondary cluster must be in a different AWS Region than the primary cluster and any other secondary clusters.",
				g.ID, c.region, g.Members[i].ClusterARN)
		}
		if secondary {
			if err := c.secondaryEncryption(g, g.Members[wi].ClusterARN); err != nil {
				return err
			}
		}
		if version == "" {
			version = g.EngineVersion
		}
	}
	cl := &DBCluster{ID: id, Region: c.region, Status: "creating", Engine: engine, EngineVersion: version,
		DBSubnetGroup: c.p.str("DBSubnetGroupName"), VpcSecurityGroupIDs: c.p.strings("VpcSecurityGroupIds", "VpcSecurityGroupId"),
		KmsKeyID: c.p.str("KmsKeyId"), MasterUsername: c.p.str("MasterUsername"), ParameterGroup: c.p.str("DBClusterParameterGroupName"),
		ReplicationSource: c.p.str("ReplicationSourceIdentifier"), CreateTime: w.now}
	if cl.Port, err = c.p.integer("Port", 0); err != nil {
		return err
	}
	if cl.BackupRetentionPeriod, err = c.p.integer("BackupRetentionPeriod", 1); err != nil {
		return err
	}
	for name, dst := range map[string]*bool{"StorageEncrypted": &cl.StorageEncrypted,
		"EnableIAMDatabaseAuthentication": &cl.IAMDatabaseAuthentication, "DeletionProtection": &cl.DeletionProtection,
		"CopyTagsToSnapshot": &cl.CopyTagsToSnapshot} {
		if *dst, _, err = c.p.boolean(name); err != nil {
			return err
		}
	}
	if cl.KmsKeyID != "" && !secondary {
		if r := kmsKeyElsewhere(cl.KmsKeyID, c.region); r != "" {
			return errKMSKeyElsewhere(cl.KmsKeyID, r, c.region)
		}
	}
	if secondary {
		// A secondary's storage replicates the primary's: it is encrypted
		// exactly when the global cluster is, with the key it was given.
		// An encrypted copy of unencrypted storage is refused, as AWS
		// refuses it for read replicas ("You can't create an encrypted read
		// replica from an unencrypted DB instance or Multi-AZ DB cluster",
		// CreateDBInstanceReadReplica, KmsKeyId).
		if !g.StorageEncrypted && (cl.KmsKeyID != "" || cl.StorageEncrypted) {
			return errParamCombination("Global cluster %s is not encrypted: a secondary cluster of it cannot be; omit StorageEncrypted and KmsKeyId.", g.ID)
		}
		cl.StorageEncrypted = g.StorageEncrypted
	}
	w.fillClusterDefaults(cl)
	w.putCluster(cl)
	if g != nil {
		g.Members = append(g.Members, GlobalClusterMember{ClusterARN: cl.ARN, IsWriter: !secondary, SyncStatus: "connected"})
		cl.GlobalClusterID = g.ID
	}
	c.operate(cl.ARN, seconds(w.dur.CreateCluster), []string{cl.Region},
		func() { cl.Status = "available" }, func() { cl.Status = "failed" }, outcomeFailed)
	w.writeCluster(x, "DBCluster", cl)
	return nil
}

func deleteDBCluster(c *call, x xw) *apiError {
	id, err := c.required("DBClusterIdentifier")
	if err != nil {
		return err
	}
	w := c.w
	cl := w.cluster(c.region, id)
	if cl == nil {
		return errClusterNotFound(id)
	}
	skip, final, err := c.finalSnapshot()
	if err != nil {
		return err
	}
	switch {
	case cl.GlobalClusterID != "":
		return errInvalidGlobalState("DB cluster %s is a member of global cluster %s; remove it from the global cluster first.", cl.ARN, cl.GlobalClusterID)
	case slices.ContainsFunc(cl.Members, func(m DBClusterMember) bool {
		in := w.insts[key{cl.Region, m.InstanceID}]
		return in != nil && in.Status != "deleting"
	}):
		return errInvalidClusterState("Cluster cannot be deleted, it still contains DB instances in non-deleting state.")
	case cl.DeletionProtection:
		return errParamCombination("Cannot delete protected Cluster, please disable deletion protection and try again.")
	case cl.Status == "deleting" || w.deletingCluster(cl):
		return errInvalidClusterState("DB cluster %s is already being deleted.", cl.ID)
	case !skip && final == "":
		return errParamCombination("FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is true.")
	case final != "" && cl.Status != "available":
		// AWS's answer while a cluster just removed from a global cluster
		// is still promoting (hashicorp/terraform-provider-aws#40333).
		return errInvalidClusterState("Can't create a snapshot because the database cluster %s isn't currently in the available state.", cl.ID)
	}
	if final == "" {
		c.deleteClusterNow(cl)
		w.writeCluster(x, "DBCluster", cl)
		return nil
	}
	snap, aerr := w.newClusterSnapshot(c.region, final, cl)
	if aerr != nil {
		return aerr
	}
	// "The status of the DB cluster is available while the snapshot is
	// being taken" (CLI reference example delete-db-cluster,
	// https://docs.aws.amazon.com/cli/latest/reference/rds/delete-db-cluster.html);
	// then the cluster is deleting.
	w.putClusterSnapshot(snap)
	ds, dd := seconds(w.dur.ClusterSnapshot), seconds(w.dur.DeleteCluster)
	op, halfway := c.operate(cl.ARN, ds+dd, []string{cl.Region}, func() { w.removeCluster(cl) }, func() {
		if snap.Status == "creating" {
			w.dropClusterSnapshot(snap)
		}
		cl.Status = "available"
	}, outcomeRolledBack)
	if !halfway || ds < (ds+dd)/2 {
		op.then(ds, func() { snap.Status, cl.Status = "available", "deleting" })
	}
	w.deleting[cl] = op
	w.writeCluster(x, "DBCluster", cl)
	return nil
}

// deleteClusterNow deletes a cluster without a final snapshot: deleting
// at once, gone after Durations.DeleteCluster.
func (c *call) deleteClusterNow(cl *DBCluster) {
	w := c.w
	prev := cl.Status
	cl.Status = "deleting"
	op, _ := c.operate(cl.ARN, seconds(w.dur.DeleteCluster), []string{cl.Region},
		func() { w.removeCluster(cl) }, func() { cl.Status = prev }, outcomeRolledBack)
	w.deleting[cl] = op
}

// deletingCluster reports whether a deletion of cl is under way (while
// its final snapshot is taken the cluster is still available).
func (w *world) deletingCluster(cl *DBCluster) bool {
	op := w.deleting[cl]
	return op != nil && op.Outcome == outcomeRunning
}

// finalSnapshot reads SkipFinalSnapshot and FinalDBSnapshotIdentifier,
// which exclude each other.
func (c *call) finalSnapshot() (skip bool, final string, err *apiError) {
	skip, _, err = c.p.boolean("SkipFinalSnapshot")
	if err != nil {
		return false, "", err
	}
	final = c.p.str("FinalDBSnapshotIdentifier")
	if skip && final != "" {
		return false, "", errParamCombination("FinalDBSnapshotIdentifier cannot be given with SkipFinalSnapshot=true.")
	}
	return skip, final, nil
}
