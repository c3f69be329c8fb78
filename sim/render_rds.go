package sim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
)

// The XML of the RDS shapes, with the element and list item names the AWS
// model gives (aws-behaviour.md 1.6). DocumentDB resources omit the members
// its smaller model lacks.

func isDocDB(engine string) bool { return engine == "docdb" }

// regionNames are the per-account-and-region parts of endpoint host names
// and the hosted zone id, derived once per region (describes render them
// for every resource).
type regionNames struct{ hash, zone string }

func (w *world) names(region string) regionNames {
	if n, ok := w.hostNames[region]; ok {
		return n
	}
	sum := sha256.Sum256([]byte(w.account + "/" + region))
	zone := sha256.Sum256([]byte("zone/" + region))
	n := regionNames{hash: hex.EncodeToString(sum[:6]), zone: "Z" + strings.ToUpper(hex.EncodeToString(zone[:6]))}
	w.hostNames[region] = n
	return n
}

func (w *world) writeGlobalCluster(x xw, name string, g *GlobalCluster) {
	x.open(name)
	x.str("GlobalClusterIdentifier", g.ID)
	x.str("GlobalClusterResourceId", g.ResourceID)
	x.str("GlobalClusterArn", g.ARN)
	x.str("Status", g.Status)
	x.str("Engine", g.Engine)
	x.str("EngineVersion", g.EngineVersion)
	x.strOpt("DatabaseName", g.DatabaseName)
	x.boolean("StorageEncrypted", g.StorageEncrypted)
	if !isDocDB(g.Engine) {
		// sse-kms: Aurora encrypts with a KMS key, the account's aws/rds
		// key or the customer's (GlobalCluster, StorageEncryptionType).
		x.str("StorageEncryptionType", map[bool]string{true: "sse-kms", false: "none"}[g.StorageEncrypted])
	}
	x.boolean("DeletionProtection", g.DeletionProtection)
	x.open("GlobalClusterMembers")
	for _, m := range g.Members {
		x.open("GlobalClusterMember")
		x.str("DBClusterArn", m.ClusterARN)
		x.open("Readers")
		if m.IsWriter {
			for _, o := range g.Members {
				if o.ClusterARN != m.ClusterARN {
					x.str("member", o.ClusterARN)
				}
			}
		}
		x.close("Readers")
		x.boolean("IsWriter", m.IsWriter)
		if !m.IsWriter && !isDocDB(g.Engine) {
			x.str("GlobalWriteForwardingStatus", "disabled")
		}
		x.strOpt("SynchronizationStatus", m.SyncStatus)
		x.close("GlobalClusterMember")
	}
	x.close("GlobalClusterMembers")
	if !isDocDB(g.Engine) {
		x.str("Endpoint", g.ID+".global-"+w.names("global").hash+".global.rds.amazonaws.com")
	}
	if f := g.Failover; f != nil {
		x.open("FailoverState")
		x.str("Status", f.Status)
		x.str("FromDbClusterArn", f.FromClusterARN)
		x.str("ToDbClusterArn", f.ToClusterARN)
		x.boolean("IsDataLossAllowed", f.DataLossAllowed)
		x.close("FailoverState")
	}
	x.close(name)
}

func (w *world) writeCluster(x xw, name string, c *DBCluster) {
	x.open(name)
	x.integer("AllocatedStorage", 1)
	x.open("AvailabilityZones")
	for _, z := range []string{"a", "b", "c"} {
		x.str("AvailabilityZone", c.Region+z)
	}
	x.close("AvailabilityZones")
	x.integer("BackupRetentionPeriod", c.BackupRetentionPeriod)
	x.str("DBClusterIdentifier", c.ID)
	x.str("DBClusterParameterGroup", c.ParameterGroup)
	x.strOpt("DBSubnetGroup", c.DBSubnetGroup)
	x.str("Status", c.Status)
	// The endpoints exist from the start: CreateDBCluster's answer already
	// carries them (CLI reference example create-db-cluster,
	// https://docs.aws.amazon.com/cli/latest/reference/rds/create-db-cluster.html,
	// "Status": "creating" with "Endpoint" and "ReaderEndpoint").
	h := w.names(c.Region).hash
	x.str("Endpoint", c.ID+".cluster-"+h+"."+c.Region+".rds.amazonaws.com")
	x.str("ReaderEndpoint", c.ID+".cluster-ro-"+h+"."+c.Region+".rds.amazonaws.com")
	x.boolean("MultiAZ", len(c.Members) > 1)
	x.str("Engine", c.Engine)
	x.str("EngineVersion", c.EngineVersion)
	x.integer("Port", c.Port)
	x.strOpt("MasterUsername", c.MasterUsername)
	x.strOpt("ReplicationSourceIdentifier", w.replicationSource(c))
	x.open("DBClusterMembers")
	for _, m := range c.Members {
		x.open("DBClusterMember")
		x.str("DBInstanceIdentifier", m.InstanceID)
		x.boolean("IsClusterWriter", m.IsWriter)
		x.str("DBClusterParameterGroupStatus", "in-sync")
		x.integer("PromotionTier", 1)
		x.close("DBClusterMember")
	}
	x.close("DBClusterMembers")
	writeSecurityGroups(x, c.VpcSecurityGroupIDs)
	x.str("HostedZoneId", w.names(c.Region).zone)
	x.boolean("StorageEncrypted", c.StorageEncrypted)
	x.strOpt("KmsKeyId", c.KmsKeyID)
	x.str("DbClusterResourceId", c.ResourceID)
	x.str("DBClusterArn", c.ARN)
	x.boolean("IAMDatabaseAuthenticationEnabled", c.IAMDatabaseAuthentication)
	x.timestamp("ClusterCreateTime", c.CreateTime)
	x.str("EngineMode", "provisioned")
	x.boolean("DeletionProtection", c.DeletionProtection)
	x.boolean("CopyTagsToSnapshot", c.CopyTagsToSnapshot)
	if !isDocDB(c.Engine) {
		x.strOpt("GlobalClusterIdentifier", c.GlobalClusterID)
	}
	x.close(name)
}

// replicationSource is a cluster's ReplicationSourceIdentifier: the
// source it was created from, or, for a secondary of a global cluster, the
// global cluster's writer ("The identifier of the source DB cluster if
// this DB cluster is a read replica", DBCluster,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBCluster.html;
// AWS reports it on global secondaries, which is why the Terraform
// provider tells users of global clusters to ignore its changes:
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/rds_cluster#replication_source_identifier).
func (w *world) replicationSource(c *DBCluster) string {
	if c.ReplicationSource != "" {
		return c.ReplicationSource
	}
	g := w.gcs[c.GlobalClusterID]
	if g == nil {
		return ""
	}
	if writer := writerOf(g); writer != c.ARN {
		return writer
	}
	return ""
}

func writeSecurityGroups(x xw, ids []string) {
	x.open("VpcSecurityGroups")
	for _, id := range ids {
		x.open("VpcSecurityGroupMembership")
		x.str("VpcSecurityGroupId", id)
		x.str("Status", "active")
		x.close("VpcSecurityGroupMembership")
	}
	x.close("VpcSecurityGroups")
}

func (w *world) writeInstance(x xw, name string, in *DBInstance) {
	aurora := in.ClusterID != ""
	x.open(name)
	x.str("DBInstanceIdentifier", in.ID)
	x.str("DBInstanceClass", in.Class)
	x.str("Engine", in.Engine)
	x.str("DBInstanceStatus", in.Status)
	if !aurora {
		x.str("MasterUsername", "admin")
	}
	if in.Status != "creating" {
		x.open("Endpoint")
		x.str("Address", in.ID+"."+w.names(in.Region).hash+"."+in.Region+".rds.amazonaws.com")
		x.integer("Port", in.Port)
		x.str("HostedZoneId", w.names(in.Region).zone)
		x.close("Endpoint")
		x.timestamp("InstanceCreateTime", in.CreateTime)
	}
	if aurora {
		x.integer("AllocatedStorage", 1)
	} else {
		x.integer("AllocatedStorage", 100)
	}
	x.str("PreferredBackupWindow", "03:00-03:30")
	x.integer("BackupRetentionPeriod", in.BackupRetentionPeriod)
	x.open("DBSecurityGroups")
	x.close("DBSecurityGroups")
	writeSecurityGroups(x, in.VpcSecurityGroupIDs)
	x.open("DBParameterGroups")
	x.open("DBParameterGroup")
	x.str("DBParameterGroupName", in.ParameterGroup)
	x.str("ParameterApplyStatus", "in-sync")
	x.close("DBParameterGroup")
	x.close("DBParameterGroups")
	x.str("AvailabilityZone", in.AvailabilityZone)
	if in.DBSubnetGroup != "" {
		x.open("DBSubnetGroup")
		x.str("DBSubnetGroupName", in.DBSubnetGroup)
		x.str("DBSubnetGroupDescription", in.DBSubnetGroup)
		x.str("SubnetGroupStatus", "Complete")
		x.close("DBSubnetGroup")
	}
	x.str("PreferredMaintenanceWindow", "sun:05:00-sun:05:30")
	x.boolean("MultiAZ", in.MultiAZ)
	x.str("EngineVersion", in.EngineVersion)
	x.boolean("AutoMinorVersionUpgrade", in.AutoMinorVersionUpgrade)
	x.strOpt("ReadReplicaSourceDBInstanceIdentifier", in.ReplicaSource)
	x.list("ReadReplicaDBInstanceIdentifiers", "ReadReplicaDBInstanceIdentifier", in.Replicas)
	x.list("ReadReplicaDBClusterIdentifiers", "ReadReplicaDBClusterIdentifier", nil)
	x.str("LicenseModel", "general-public-license")
	if in.ReplicationStatus != "" {
		x.open("StatusInfos")
		x.open("DBInstanceStatusInfo")
		x.str("StatusType", "read replication")
		x.boolean("Normal", in.ReplicationStatus == "replicating")
		x.str("Status", in.ReplicationStatus)
		x.close("DBInstanceStatusInfo")
		x.close("StatusInfos")
	}
	x.boolean("PubliclyAccessible", false)
	if aurora {
		x.str("StorageType", "aurora")
		x.str("DBClusterIdentifier", in.ClusterID)
		x.integer("PromotionTier", 1)
	} else {
		x.str("StorageType", "gp3")
	}
	x.integer("DbInstancePort", 0)
	x.boolean("StorageEncrypted", in.StorageEncrypted)
	x.strOpt("KmsKeyId", in.KmsKeyID)
	x.str("DbiResourceId", in.ResourceID)
	x.boolean("CopyTagsToSnapshot", in.CopyTagsToSnapshot)
	x.integer("MonitoringInterval", in.MonitoringInterval)
	x.strOpt("MonitoringRoleArn", in.MonitoringRoleARN)
	x.str("DBInstanceArn", in.ARN)
	x.boolean("IAMDatabaseAuthenticationEnabled", in.IAMDatabaseAuthentication)
	x.boolean("DeletionProtection", in.DeletionProtection)
	x.close(name)
}

// Markers are opaque to clients; inside they hold the last identifier of
// the page, so that paging is stable while resources come and go.

func encodeMarker(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("drorch-sim:" + lastID))
}

func decodeMarker(m string) (string, *apiError) {
	if m == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || !strings.HasPrefix(string(b), "drorch-sim:") {
		return "", errParamValue("The marker %q is not valid.", truncate(m, 64))
	}
	return strings.TrimPrefix(string(b), "drorch-sim:"), nil
}

// pageIDs returns up to max ids after the marker's id that pass keep, and
// the marker of the next page ("" on the last page).
func pageIDs(ids []string, after string, max int, keep func(id string) bool) (page []string, next string) {
	start := 0
	if after != "" {
		start, _ = slices.BinarySearch(ids, after)
		for start < len(ids) && ids[start] <= after {
			start++
		}
	}
	for _, id := range ids[start:] {
		if !keep(id) {
			continue
		}
		if len(page) == max {
			return page, encodeMarker(page[len(page)-1])
		}
		page = append(page, id)
	}
	return page, ""
}

// paging reads MaxRecords (bounds lo..hi, default hi) and Marker.
func (c *call) paging(lo, hi int) (max int, after string, err *apiError) {
	max, err = c.p.integer("MaxRecords", hi)
	if err != nil {
		return 0, "", err
	}
	if max < lo || max > hi {
		return 0, "", errParamValue("Invalid value %d for MaxRecords. Must be between %d and %d.", max, lo, hi)
	}
	after, err = decodeMarker(c.p.str("Marker"))
	return max, after, err
}
