package resourcetest

import (
	"strings"

	"drorch/cloud"
	"drorch/manifest"
)

// The regional calls, with world.md's checks and effects. Callers
// (Execute) hold c.mu and have recorded the call.

func (c *Cloud) createDBCluster(region string, a args) error {
	const action = "CreateDBCluster"
	in := struct {
		ClusterID, GlobalClusterID, Engine, EngineVersion string
		Port                                              int
		DeletionProtection                                bool
	}{a["DBClusterIdentifier"], a["GlobalClusterIdentifier"], a["Engine"], a["EngineVersion"], a.int("Port"), a.bool("DeletionProtection")}
	if c.clusters[region][in.ClusterID] != nil {
		return fault("rds", action, region, cloud.KindAlreadyExists, "DBClusterAlreadyExistsFault", "DB cluster %s already exists.", in.ClusterID)
	}
	g := c.globals[in.GlobalClusterID]
	if g == nil {
		return fault("rds", action, region, cloud.KindNotFound, "GlobalClusterNotFoundFault", "Global cluster %s not found.", in.GlobalClusterID)
	}
	if g.Status != "available" {
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidGlobalClusterStateFault", "Global cluster %s is %s.", in.GlobalClusterID, g.Status)
	}
	if in.Engine != g.Engine {
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterCombination", "Engine %s does not match global cluster engine %s.", in.Engine, g.Engine)
	}
	if err := c.secondaryChecks(region, a, g); err != nil {
		return err
	}
	arn := "arn:aws:rds:" + region + ":" + Account + ":cluster:" + in.ClusterID
	if c.clusters[region] == nil {
		c.clusters[region] = map[string]*cloud.DBCluster{}
	}
	retention := a.int("BackupRetentionPeriod")
	if retention == 0 {
		retention = 1 // CreateDBCluster's default
	}
	c.clusters[region][in.ClusterID] = &cloud.DBCluster{
		ID: in.ClusterID, ARN: arn, Region: region, Status: "creating", Engine: in.Engine,
		EngineVersion: in.EngineVersion, Port: in.Port, DeletionProtection: in.DeletionProtection,
		GlobalClusterID: in.GlobalClusterID, StorageEncrypted: g.StorageEncrypted, BackupRetentionPeriod: retention,
	}
	if g.StorageEncrypted {
		c.clusters[region][in.ClusterID].KmsKeyID = a["KmsKeyId"]
	}
	g.Members = append(g.Members, cloud.GlobalClusterMember{ClusterARN: arn, Readers: []string{}, SyncStatus: "connected"})
	relink(g)
	c.pending = append(c.pending, func() {
		if cl := c.clusters[region][in.ClusterID]; cl != nil && cl.Status == "creating" {
			cl.Status = "available"
		}
	})
	return nil
}

func (c *Cloud) deleteDBCluster(region string, a args) error {
	const action = "DeleteDBCluster"
	clusterID, final := a["DBClusterIdentifier"], a["FinalDBSnapshotIdentifier"]
	cl := c.cluster(region, clusterID)
	switch {
	case final == "" && !a.bool("SkipFinalSnapshot"):
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is true.")
	case cl == nil:
		return fault("rds", action, region, cloud.KindNotFound, "DBClusterNotFoundFault", "DBCluster %s not found.", clusterID)
	case cl.GlobalClusterID != "":
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidGlobalClusterStateFault", "DB cluster %s is a member of global cluster %s: remove it from the global cluster first.", clusterID, cl.GlobalClusterID)
	case cl.DeletionProtection:
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterCombination", "Cannot delete protected Cluster, please disable deletion protection and try again.")
	}
	for _, m := range cl.Members {
		if in := c.instances[region][m.InstanceID]; in != nil && in.Status != "deleting" {
			return fault("rds", action, region, cloud.KindInvalidState, "InvalidDBClusterStateFault", "Cluster cannot be deleted, it still contains DB instances in non-deleting state.")
		}
	}
	if cl.Status == "deleting" || c.deleting[region+"/"+cl.ID] {
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidDBClusterStateFault", "DB cluster %s is already being deleted.", cl.ID)
	}
	if final != "" {
		return c.deleteClusterWithSnapshot(region, action, cl, final)
	}
	cl.Status = "deleting"
	id := cl.ID
	c.pending = append(c.pending, func() { delete(c.clusters[region], id) })
	return nil
}

func (c *Cloud) createDBInstance(region string, a args) error {
	const action = "CreateDBInstance"
	in := struct{ InstanceID, ClusterID, Class, Engine string }{a["DBInstanceIdentifier"], a["DBClusterIdentifier"], a["DBInstanceClass"], a["Engine"]}
	if c.instances[region][in.InstanceID] != nil {
		return fault("rds", action, region, cloud.KindAlreadyExists, "DBInstanceAlreadyExists", "DB instance %s already exists.", in.InstanceID)
	}
	cl := c.clusters[region][in.ClusterID]
	if cl == nil {
		return fault("rds", action, region, cloud.KindNotFound, "DBClusterNotFoundFault", "DBCluster %s not found.", in.ClusterID)
	}
	if cl.Status != "creating" && cl.Status != "available" || c.deleting[region+"/"+cl.ID] {
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidDBClusterStateFault", "DB cluster %s is %s or being deleted.", in.ClusterID, cl.Status)
	}
	_, hasWriter := cl.Writer()
	writer := !hasWriter && !c.isSecondary(cl)
	cl.Members = append(cl.Members, cloud.DBClusterMember{InstanceID: in.InstanceID, IsWriter: writer})
	if c.instances[region] == nil {
		c.instances[region] = map[string]*cloud.DBInstance{}
	}
	c.instances[region][in.InstanceID] = &cloud.DBInstance{
		ID: in.InstanceID, ARN: "arn:aws:rds:" + region + ":" + Account + ":db:" + in.InstanceID, Region: region,
		Status: "creating", Engine: in.Engine, Class: in.Class, Port: cl.Port, ClusterID: in.ClusterID,
		StorageEncrypted: cl.StorageEncrypted, KmsKeyID: cl.KmsKeyID, BackupRetentionPeriod: cl.BackupRetentionPeriod,
	}
	c.pending = append(c.pending, func() {
		if i := c.instances[region][in.InstanceID]; i != nil && i.Status == "creating" {
			i.Status = "available"
		}
	})
	return nil
}

// isSecondary reports whether cl is a non-writer member of a global cluster.
func (c *Cloud) isSecondary(cl *cloud.DBCluster) bool {
	g := c.globals[cl.GlobalClusterID]
	if g == nil {
		return false
	}
	m, ok := g.Member(cl.ARN)
	return ok && !m.IsWriter
}

func (c *Cloud) promoteReadReplica(region string, a args) error {
	const action = "PromoteReadReplica"
	instanceID := a["DBInstanceIdentifier"]
	in := c.instance(region, instanceID)
	switch {
	case in == nil:
		return fault("rds", action, region, cloud.KindNotFound, "DBInstanceNotFound", "DBInstance %s not found.", instanceID)
	case in.ReplicaSource == "":
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidDBInstanceState", "DB Instance is not a read replica.")
	case in.Status != "available":
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidDBInstanceState", "DB instance %s is %s.", instanceID, in.Status)
	}
	in.Status = "modifying"
	id, source, self := in.ID, in.ReplicaSource, in.ARN
	retention := a.int("BackupRetentionPeriod")
	if retention == 0 {
		retention = 1 // PromoteReadReplica's default
	}
	c.pending = append(c.pending, func() {
		if in := c.instances[region][id]; in != nil {
			in.Status, in.ReplicaSource, in.ReplicationStatus, in.BackupRetentionPeriod = "available", "", "", retention
		}
		if src := c.instanceByRef(region, source); src != nil {
			src.Replicas = removeString(removeString(src.Replicas, self), id)
		}
	})
	return nil
}

func (c *Cloud) createDBInstanceReadReplica(region string, a args) error {
	const action = "CreateDBInstanceReadReplica"
	in := struct {
		InstanceID, SourceInstanceARN, Class string
		Port                                 int
	}{a["DBInstanceIdentifier"], a["SourceDBInstanceIdentifier"], a["DBInstanceClass"], a.int("Port")}
	src := c.instanceByRef(region, in.SourceInstanceARN)
	switch {
	case src == nil:
		return fault("rds", action, region, cloud.KindNotFound, "DBInstanceNotFound", "DBInstance %s not found.", in.SourceInstanceARN)
	case c.down[src.Region] || src.Status != "available":
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidDBInstanceState", "Source DB instance %s is not available.", in.SourceInstanceARN)
	case c.instances[region][in.InstanceID] != nil:
		return fault("rds", action, region, cloud.KindAlreadyExists, "DBInstanceAlreadyExists", "DB instance %s already exists.", in.InstanceID)
	}
	if err := replicaChecks(region, action, a["KmsKeyId"], src); err != nil {
		return err
	}
	arn := "arn:aws:rds:" + region + ":" + Account + ":db:" + in.InstanceID
	source := src.ID
	if src.Region != region {
		source = src.ARN
	}
	if c.instances[region] == nil {
		c.instances[region] = map[string]*cloud.DBInstance{}
	}
	c.instances[region][in.InstanceID] = &cloud.DBInstance{
		ID: in.InstanceID, ARN: arn, Region: region, Status: "creating", Engine: src.Engine, Class: in.Class,
		Port: in.Port, ReplicaSource: source, StorageEncrypted: src.StorageEncrypted, KmsKeyID: src.KmsKeyID,
	}
	if src.Region != region {
		c.instances[region][in.InstanceID].KmsKeyID = a["KmsKeyId"]
	}
	src.Replicas = append(src.Replicas, arn)
	c.pending = append(c.pending, func() {
		if r := c.instances[region][in.InstanceID]; r != nil && r.Status == "creating" {
			r.Status, r.ReplicationStatus = "available", "replicating"
		}
	})
	return nil
}

func (c *Cloud) deleteDBInstance(region string, a args) error {
	const action = "DeleteDBInstance"
	instanceID, finalSnapshotID := a["DBInstanceIdentifier"], a["FinalDBSnapshotIdentifier"]
	if finalSnapshotID == "" && !a.bool("SkipFinalSnapshot") {
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")
	}
	in := c.instance(region, instanceID)
	switch {
	case in == nil:
		return fault("rds", action, region, cloud.KindNotFound, "DBInstanceNotFound", "DBInstance %s not found.", instanceID)
	case in.ClusterID != "" && finalSnapshotID != "":
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterCombination", "FinalDBSnapshotIdentifier can not be specified when deleting a cluster instance.")
	case in.DeletionProtection:
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterCombination", "Cannot delete protected DB Instance, please disable deletion protection and try again.")
	case in.Status == "deleting":
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidDBInstanceState", "DB instance %s is already being deleted.", instanceID)
	case in.ReplicaSource != "" && !a.bool("SkipFinalSnapshot"):
		// "If you delete a read replica ..., you must enable this setting"
		// (DeleteDBInstance, SkipFinalSnapshot).
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterCombination", "DB instance %s is a read replica: delete it with SkipFinalSnapshot=true.", instanceID)
	}
	if finalSnapshotID != "" {
		return c.deleteInstanceWithSnapshot(region, action, in, finalSnapshotID)
	}
	in.Status = "deleting"
	id, clusterID := in.ID, in.ClusterID
	c.pending = append(c.pending, func() {
		delete(c.instances[region], id)
		if cl := c.clusters[region][clusterID]; cl != nil {
			kept := cl.Members[:0:0]
			for _, m := range cl.Members {
				if m.InstanceID != id {
					kept = append(kept, m)
				}
			}
			cl.Members = kept
		}
	})
	return nil
}

// instanceByRef finds an instance by id in region, or by ARN anywhere.
func (c *Cloud) instanceByRef(region, ref string) *cloud.DBInstance {
	if !strings.HasPrefix(ref, "arn:") {
		return c.instances[region][ref]
	}
	a, err := manifest.ParseARN(ref)
	if err != nil {
		return nil
	}
	return c.instances[a.Region][a.ResourceID]
}

func removeString(ss []string, s string) []string {
	out := ss[:0:0]
	for _, x := range ss {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func (c *Cloud) failoverGlobalReplicationGroup(region string, a args) error {
	const action = "FailoverGlobalReplicationGroup"
	globalID, primaryRegion, primaryRG := a["GlobalReplicationGroupId"], a["PrimaryRegion"], a["PrimaryReplicationGroupId"]
	g := c.grgs[globalID]
	if g == nil {
		return fault("elasticache", action, region, cloud.KindNotFound, "GlobalReplicationGroupNotFoundFault", "GlobalReplicationGroup %s not found.", globalID)
	}
	m, ok := g.Member(primaryRegion)
	switch {
	case !ok || m.ReplicationGroupID != primaryRG:
		return fault("elasticache", action, region, cloud.KindInvalidInput, "InvalidParameterValue", "No member %s in region %s.", primaryRG, primaryRegion)
	case c.promotions[globalID] == 0 && m.Role == "PRIMARY":
		return fault("elasticache", action, region, cloud.KindInvalidInput, "InvalidParameterValue", "%s in %s is already the primary.", primaryRG, primaryRegion)
	case g.Status != "available" && g.Status != "modifying":
		return fault("elasticache", action, region, cloud.KindInvalidState, "InvalidGlobalReplicationGroupState", "Global replication group %s is not available or in primary-only state.", globalID)
	}
	// "Promotion is allowed anytime, even if other modifications are in
	// progress ... the global datastore resolves to one primary eventually"
	// (ElastiCache User Guide, Promoting the secondary cluster to primary):
	// the latest promotion asked settles the datastore.
	g.Status = "modifying"
	c.promotions[globalID]++
	seq := c.promotions[globalID]
	c.pending = append(c.pending, func() {
		g := c.grgs[globalID]
		if g == nil || c.promotions[globalID] != seq {
			return
		}
		delete(c.promotions, globalID)
		for i := range g.Members {
			g.Members[i].Role = "SECONDARY"
			if g.Members[i].Region == primaryRegion {
				g.Members[i].Role = "PRIMARY"
			}
		}
		g.Status = "available"
	})
	return nil
}
