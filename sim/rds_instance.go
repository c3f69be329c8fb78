package sim

import (
	"net/url"
	"slices"
	"strings"
)

// RDS instance operations: describe, create (Aurora member or stand-alone),
// delete, cross-region read replicas and their promotion (world.md "RDS
// instances and read replicas").

func describeDBInstances(c *call, x xw) *apiError {
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
		case "db-cluster-id", "db-instance-id", "dbi-resource-id", "engine":
		default:
			return errParamValue("Unrecognized filter name: %s.", truncate(f.name, 64))
		}
	}
	w := c.w
	var only *DBInstance
	if id := c.p.str("DBInstanceIdentifier"); id != "" {
		if only = w.instance(c.region, id); only == nil {
			return errInstanceNotFound(id)
		}
	}
	ids, next := pageIDs(w.inOrder[c.region], after, max, func(id string) bool {
		in := w.insts[key{c.region, id}]
		if only != nil && in != only {
			return false
		}
		for _, f := range filters {
			if !slices.ContainsFunc(f.values, func(v string) bool {
				switch f.name {
				case "db-cluster-id":
					return in.ClusterID != "" && (strings.ToLower(v) == in.ClusterID || v == arnOf(w.account, in.Region, "cluster", in.ClusterID))
				case "db-instance-id":
					return strings.ToLower(v) == in.ID || v == in.ARN
				case "dbi-resource-id":
					return v == in.ResourceID
				default:
					return v == in.Engine
				}
			}) {
				return false
			}
		}
		return true
	})
	x.open("DBInstances")
	for _, id := range ids {
		w.writeInstance(x, "DBInstance", w.insts[key{c.region, id}])
	}
	x.close("DBInstances")
	x.strOpt("Marker", next)
	return nil
}

// instanceSettings reads the optional settings shared by CreateDBInstance
// and CreateDBInstanceReadReplica into in.
func (c *call) instanceSettings(in *DBInstance) *apiError {
	var err *apiError
	if v := c.p.str("DBSubnetGroupName"); v != "" {
		in.DBSubnetGroup = v
	}
	if v := c.p.strings("VpcSecurityGroupIds", "VpcSecurityGroupId"); len(v) > 0 {
		in.VpcSecurityGroupIDs = v
	}
	if v := c.p.str("KmsKeyId"); v != "" {
		in.KmsKeyID = v
	}
	if v := c.p.str("DBParameterGroupName"); v != "" {
		in.ParameterGroup = v
	}
	in.MonitoringRoleARN = c.p.str("MonitoringRoleArn")
	if in.MonitoringInterval, err = c.p.integer("MonitoringInterval", 0); err != nil {
		return err
	}
	if in.Port, err = c.p.integer("Port", in.Port); err != nil {
		return err
	}
	if v, ok, err := c.p.boolean("AutoMinorVersionUpgrade"); err != nil {
		return err
	} else if ok {
		in.AutoMinorVersionUpgrade = v
	}
	for name, dst := range map[string]*bool{"MultiAZ": &in.MultiAZ, "CopyTagsToSnapshot": &in.CopyTagsToSnapshot,
		"EnableIAMDatabaseAuthentication": &in.IAMDatabaseAuthentication, "DeletionProtection": &in.DeletionProtection} {
		if *dst, _, err = c.p.boolean(name); err != nil {
			return err
		}
	}
	if v, ok, err := c.p.boolean("StorageEncrypted"); err != nil {
		return err
	} else if ok {
		in.StorageEncrypted = v
	}
	return nil
}

func createDBInstance(c *call, x xw) *apiError {
	id, err := c.required("DBInstanceIdentifier")
	if err != nil {
		return err
	}
	class, err := c.required("DBInstanceClass")
	if err != nil {
		return err
	}
	engine, err := c.required("Engine")
	if err != nil {
		return err
	}
	w := c.w
	id = strings.ToLower(id)
	if w.insts[key{c.region, id}] != nil {
		return newErr("DBInstanceAlreadyExists", 400, "DB instance %s already exists.", id)
	}
	if aerr := w.instanceQuota(c.region); aerr != nil {
		return aerr
	}
	in := &DBInstance{ID: id, Region: c.region, Status: "creating", Engine: engine, EngineVersion: c.p.str("EngineVersion"),
		Class: class, AutoMinorVersionUpgrade: true, BackupRetentionPeriod: 1, CreateTime: w.now}
	var cl *DBCluster
	if cid := c.p.str("DBClusterIdentifier"); cid != "" {
		cl = w.cluster(c.region, cid)
		switch {
		case cl == nil:
			return errClusterNotFound(cid)
		case cl.Status != "creating" && cl.Status != "available":
			return errInvalidClusterState("DB cluster %s is %s; instances can be added while it is creating or available.", cl.ID, cl.Status)
		case w.deletingCluster(cl):
			return errInvalidClusterState("DB cluster %s is being deleted (its final snapshot is being taken).", cl.ID)
		case engine != cl.Engine:
			return errParamCombination("Engine %s does not match the engine %s of DB cluster %s.", engine, cl.Engine, cl.ID)
		}
		in.ClusterID, in.EngineVersion, in.Port = cl.ID, cl.EngineVersion, cl.Port
		in.DBSubnetGroup, in.VpcSecurityGroupIDs = cl.DBSubnetGroup, slices.Clone(cl.VpcSecurityGroupIDs)
		in.KmsKeyID, in.StorageEncrypted = cl.KmsKeyID, cl.StorageEncrypted
	}
	if err := c.instanceSettings(in); err != nil {
		return err
	}
	w.fillInstanceDefaults(in)
	w.putInstance(in)
	if cl != nil {
		writer := !slices.ContainsFunc(cl.Members, func(m DBClusterMember) bool { return m.IsWriter }) && w.writable(cl)
		cl.Members = append(cl.Members, DBClusterMember{InstanceID: in.ID, IsWriter: writer})
	}
	c.operate(in.ARN, seconds(w.dur.CreateInstance), []string{in.Region},
		func() { in.Status = "available" }, func() { in.Status = "failed" }, outcomeFailed)
	w.writeInstance(x, "DBInstance", in)
	return nil
}

// writable reports whether a cluster takes writes: stand-alone, or the
// writer of its global cluster.
func (w *world) writable(cl *DBCluster) bool {
	g := w.gcs[cl.GlobalClusterID]
	if g == nil {
		return true
	}
	return slices.ContainsFunc(g.Members, func(m GlobalClusterMember) bool { return m.ClusterARN == cl.ARN && m.IsWriter })
}

func deleteDBInstance(c *call, x xw) *apiError {
	id, err := c.required("DBInstanceIdentifier")
	if err != nil {
		return err
	}
	w := c.w
	in := w.instance(c.region, id)
	if in == nil {
		return errInstanceNotFound(id)
	}
	skip, final, err := c.finalSnapshot()
	if err != nil {
		return err
	}
	aurora := in.ClusterID != ""
	switch {
	case aurora && final != "":
		return errParamCombination("FinalDBSnapshotIdentifier can not be specified when deleting a cluster instance.")
	case in.ReplicaSource != "" && !skip:
		// "If you delete a read replica ..., you must enable this
		// setting" (DeleteDBInstance, SkipFinalSnapshot,
		// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html).
		return errParamCombination("DB instance %s is a read replica: delete it with SkipFinalSnapshot=true, a read replica takes no final snapshot.", in.ID)
	case !aurora && !skip && final == "":
		return errParamCombination("FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")
	case in.DeletionProtection:
		return errParamCombination("Cannot delete protected DB Instance, please disable deletion protection and try again.")
	case in.Status == "deleting":
		return errInvalidInstanceState("Instance %s is already being deleted.", in.ID)
	}
	d := seconds(w.dur.DeleteInstance)
	if aurora {
		d = seconds(w.dur.DeleteAuroraInstance)
	}
	prev := in.Status
	if final == "" {
		in.Status = "deleting"
		c.operate(in.ARN, d, []string{in.Region}, func() { w.dropInstance(in) }, func() { in.Status = prev }, outcomeRolledBack)
		w.writeInstance(x, "DBInstance", in)
		return nil
	}
	snap, aerr := w.newDBSnapshot(c.region, final, in)
	if aerr != nil {
		return aerr
	}
	// Unlike a cluster, an instance shows deleting at once while its
	// final snapshot is taken (CLI reference example delete-db-instance,
	// https://docs.aws.amazon.com/cli/latest/reference/rds/delete-db-instance.html);
	// the snapshot is creating, then available, and the instance is gone
	// after the deletion proper.
	w.putDBSnapshot(snap)
	in.Status = "deleting"
	ds := seconds(w.dur.InstanceSnapshot)
	op, halfway := c.operate(in.ARN, ds+d, []string{in.Region}, func() { w.dropInstance(in) }, func() {
		if snap.Status == "creating" {
			w.dropDBSnapshot(snap)
		}
		in.Status = prev
	}, outcomeRolledBack)
	if !halfway || ds < (ds+d)/2 {
		op.then(ds, func() { snap.Status = "available" })
	}
	w.writeInstance(x, "DBInstance", in)
	return nil
}

// dropInstance removes a deleted instance from the world, its cluster's
// members and its source's replica list.
func (w *world) dropInstance(in *DBInstance) {
	if w.insts[key{in.Region, in.ID}] != in {
		return
	}
	w.removeInstance(in)
	if cl := w.clusters[key{in.Region, in.ClusterID}]; cl != nil {
		cl.Members = slices.DeleteFunc(cl.Members, func(m DBClusterMember) bool { return m.InstanceID == in.ID })
	}
	if src := w.replicaSource(in); src != nil {
		w.unlinkReplica(src, in)
	}
}

// sourceRegion finds where a replica's source lives: the region of an ARN
// source, the X-Amz-Credential scope of PreSignedUrl, SourceRegion, or the
// call's own region.
func (c *call) sourceRegion(source string) string {
	if a, ok := parseARN(source); ok && a.region != "" {
		return a.region
	}
	if u, err := url.Parse(c.p.str("PreSignedUrl")); err == nil {
		if parts := strings.Split(u.Query().Get("X-Amz-Credential"), "/"); len(parts) == 5 && parts[2] != "" {
			return parts[2]
		}
	}
	if r := c.p.str("SourceRegion"); r != "" {
		return r
	}
	return c.region
}

func createDBInstanceReadReplica(c *call, x xw) *apiError {
	id, err := c.required("DBInstanceIdentifier")
	if err != nil {
		return err
	}
	source, err := c.required("SourceDBInstanceIdentifier")
	if err != nil {
		return err
	}
	w := c.w
	id = strings.ToLower(id)
	srcRegion := c.sourceRegion(source)
	src := w.instance(srcRegion, source)
	switch {
	case src == nil:
		return errInstanceNotFound(source)
	case w.down[srcRegion]:
		return errInvalidInstanceState("Source DB instance %s is not reachable: region %s is unavailable.", src.ARN, srcRegion)
	case src.Status != "available":
		return errInvalidInstanceState("Source DB instance %s is not available (status %s).", src.ARN, src.Status)
	case src.ClusterID != "":
		return errInvalidInstanceState("DB instance %s is an Aurora cluster member; Aurora uses CreateDBInstance in a cluster.", src.ARN)
	case w.insts[key{c.region, id}] != nil:
		return newErr("DBInstanceAlreadyExists", 400, "DB instance %s already exists.", id)
	case src.BackupRetentionPeriod == 0:
		// "Before a DB instance can serve as a source DB instance, you must
		// enable automatic backups on the source DB instance" (RDS User
		// Guide, Working with DB instance read replicas,
		// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.html);
		// the message is AWS's own.
		return errInvalidInstanceState("Automated backups are not enabled for this database instance. To enable automated backups, use ModifyDBInstance to set the backup retention period to a non-zero value.")
	}
	if err := c.replicaEncryption(src); err != nil {
		return err
	}
	if aerr := w.instanceQuota(c.region); aerr != nil {
		return aerr
	}
	in := &DBInstance{ID: id, Region: c.region, Status: "creating", Engine: src.Engine, EngineVersion: src.EngineVersion,
		Class: def(c.p.str("DBInstanceClass"), src.Class), Port: src.Port, AutoMinorVersionUpgrade: true,
		DBSubnetGroup: src.DBSubnetGroup, StorageEncrypted: src.StorageEncrypted, CreateTime: w.now, ReplicaSource: src.ID}
	if srcRegion != c.region {
		in.ReplicaSource = src.ARN
		in.DBSubnetGroup, in.KmsKeyID = "", ""
	} else {
		in.VpcSecurityGroupIDs, in.KmsKeyID = slices.Clone(src.VpcSecurityGroupIDs), src.KmsKeyID
	}
	if err := c.instanceSettings(in); err != nil {
		return err
	}
	// A replica's encryption is its source's: "You can't create an
	// encrypted read replica from an unencrypted DB instance", and "A read
	// replica in the same Amazon Web Services Region is always encrypted
	// with the same KMS key as the source" (CreateDBInstanceReadReplica,
	// KmsKeyId).
	if !src.StorageEncrypted && c.p.str("KmsKeyId") != "" {
		return errParamCombination("Cannot create an encrypted read replica from an unencrypted source DB instance %s: omit KmsKeyId.", src.ARN)
	}
	in.StorageEncrypted = src.StorageEncrypted
	if srcRegion == c.region {
		in.KmsKeyID = src.KmsKeyID
	}
	w.fillInstanceDefaults(in)
	w.putInstance(in)
	w.linkReplica(in)
	c.operate(in.ARN, seconds(w.dur.CreateReadReplica), []string{in.Region},
		func() { in.Status, in.ReplicationStatus = "available", "replicating" }, func() { in.Status = "failed" }, outcomeFailed)
	w.writeInstance(x, "DBInstance", in)
	return nil
}

func promoteReadReplica(c *call, x xw) *apiError {
	id, err := c.required("DBInstanceIdentifier")
	if err != nil {
		return err
	}
	w := c.w
	in := w.instance(c.region, id)
	switch {
	case in == nil:
		return errInstanceNotFound(id)
	case in.ReplicaSource == "":
		return errInvalidInstanceState("DB Instance is not a read replica.")
	case in.Status != "available":
		return errInvalidInstanceState("DB instance %s is not available (status %s).", in.ID, in.Status)
	}
	retention, err := c.p.integer("BackupRetentionPeriod", 1)
	if err != nil {
		return err
	}
	in.Status = "modifying"
	d := seconds(w.dur.PromoteReadReplica)
	op, halfway := c.operate(in.ARN, d, []string{in.Region}, func() {
		src := w.replicaSource(in)
		in.Status, in.ReplicaSource, in.ReplicationStatus, in.BackupRetentionPeriod = "available", "", "", retention
		if src != nil {
			// The source forgets the replica when its region can hear of it.
			w.followUp("forget-replica", src.ARN, src.Region, 0, func() { w.unlinkReplica(src, in) })
		}
	}, func() { in.Status = "available" }, outcomeRolledBack)
	if !halfway {
		op.then(d*7/10, func() { in.Status = "rebooting" })
	}
	w.writeInstance(x, "DBInstance", in)
	return nil
}
