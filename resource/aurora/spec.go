// Package aurora holds the Aurora global database resource types:
// PlannedFailoverAurora, UnPlannedFailoverAurora, ManagedFailoverAurora and
// CreateAuroraSecondaryDBCluster.
package aurora

import "drorch/manifest"

func intp(n int) *int { return &n }

var (
	globalClusterIDParam = manifest.ParamSpec{
		Name: "GlobalClusterIdentifier", Kind: manifest.KindIdentifier, Required: true, Shared: true,
		Doc: "identifier of the Aurora global database", Example: "dr-globaldb-cluster-mysql",
	}
	targetClusterARNParam = manifest.ParamSpec{
		Name: "DBClusterIdentifier", Kind: manifest.KindClusterARN, Required: true,
		Doc: "ARN of the secondary cluster that becomes the writer", Example: "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02",
	}
)

// PlannedSpec is PlannedFailoverAurora: a switchover with no data loss.
func PlannedSpec() manifest.TypeSpec {
	return manifest.TypeSpec{
		Name:   "PlannedFailoverAurora",
		Doc:    "Planned switchover of an Aurora global database to the secondary cluster DBClusterIdentifier (SwitchoverGlobalCluster, no data loss). Needs both regions healthy.",
		Params: []manifest.ParamSpec{globalClusterIDParam, targetClusterARNParam},
	}
}

// UnplannedSpec is UnPlannedFailoverAurora: detach the secondary and promote it.
func UnplannedSpec() manifest.TypeSpec {
	return manifest.TypeSpec{
		Name: "UnPlannedFailoverAurora",
		Doc:  "Unplanned failover (detach and promote): removes the secondary cluster DBClusterIdentifier from the global database so that it becomes a stand-alone writable cluster. Works with the primary region down.",
		Params: []manifest.ParamSpec{globalClusterIDParam, {
			Name: "DBClusterIdentifier", Kind: manifest.KindClusterARN, Required: true,
			Doc: "ARN of the secondary cluster to detach and promote", Example: "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02",
		}, {
			Name: "ClusterRegion", Kind: manifest.KindRegion, Required: true,
			Doc: "region of DBClusterIdentifier (must match the ARN)", Example: "us-west-2",
		}},
	}
}

// ManagedSpec is ManagedFailoverAurora: FailoverGlobalCluster with AllowDataLoss.
func ManagedSpec() manifest.TypeSpec {
	return manifest.TypeSpec{
		Name:   "ManagedFailoverAurora",
		Doc:    "Managed unplanned failover of an Aurora global database to DBClusterIdentifier (FailoverGlobalCluster with AllowDataLoss): the global database is kept, the old primary rejoins as a secondary when its region returns. May lose recent writes; runs only with --allow-data-loss.",
		Params: []manifest.ParamSpec{globalClusterIDParam, targetClusterARNParam},
	}
}

// SecondarySpec is CreateAuroraSecondaryDBCluster: rebuild the secondary after
// an unplanned failover (failback preparation).
func SecondarySpec() manifest.TypeSpec {
	b := func(name, doc, def string) manifest.ParamSpec {
		return manifest.ParamSpec{Name: name, Kind: manifest.KindBool, Doc: doc, Default: def, Example: "True"}
	}
	return manifest.TypeSpec{
		Name: "CreateAuroraSecondaryDBCluster",
		Doc: "Re-creates the secondary Aurora cluster in ClusterRegion after an unplanned failover: removes the stale old cluster (and its global database), creates a global database from SourceDBClusterIdentifier, then a secondary cluster and instance in ClusterRegion. " +
			"The old cluster is deleted after a final snapshot drorch-<run id>-<cluster> (it may hold writes that never reached SourceRegion), unless the resource says \"finalSnapshot\": false.",
		Deletes: true,
		Params: []manifest.ParamSpec{
			globalClusterIDParam,
			{Name: "DBClusterIdentifier", Kind: manifest.KindClusterARN, Required: true, Doc: "ARN of the stale cluster in ClusterRegion to remove first (if it still exists)", Example: "arn:aws:rds:us-east-1:123456789012:cluster:dbcluster-01"},
			{Name: "DBClusterName", Kind: manifest.KindIdentifier, Required: true, Doc: "identifier of the secondary cluster to create", Example: "dbcluster-01"},
			{Name: "SourceDBClusterIdentifier", Kind: manifest.KindClusterARN, Required: true, Doc: "ARN of the current primary cluster, source of the new global database", Example: "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"},
			{Name: "DBInstanceIdentifier", Kind: manifest.KindIdentifier, Required: true, Doc: "identifier of the instance to create in the new cluster", Example: "dbcluster-01-use1-instance-1"},
			{Name: "Port", Kind: manifest.KindInt, Required: true, Min: intp(1150), Max: intp(65535), Doc: "database port", Example: "3306"},
			{Name: "DBInstanceClass", Kind: manifest.KindInstanceClass, Required: true, Doc: "instance class", Example: "db.r5.large"},
			{Name: "DBSubnetGroupName", Kind: manifest.KindIdentifier, Required: true, Doc: "DB subnet group in ClusterRegion", Example: "dr-globaldb-subnet-group"},
			{Name: "VpcSecurityGroupIds", Kind: manifest.KindSecurityGroups, Required: true, Doc: "VPC security groups, comma-separated", Example: "sg-0123456789abcdef0"},
			{Name: "Engine", Kind: manifest.KindString, Required: true, Shared: true, Enum: []string{"aurora-mysql", "aurora-postgresql"}, Doc: "Aurora engine", Example: "aurora-mysql"},
			{Name: "EngineVersion", Kind: manifest.KindString, Required: true, Shared: true, Doc: "engine version of the global database", Example: "8.0.mysql_aurora.3.05.2"},
			{Name: "KmsKeyId", Kind: manifest.KindKMSKey, Doc: "KMS key in ClusterRegion for an encrypted cluster", Example: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
			{Name: "SourceRegion", Kind: manifest.KindRegion, Required: true, Doc: "region of SourceDBClusterIdentifier", Example: "us-west-2"},
			{Name: "ClusterRegion", Kind: manifest.KindRegion, Required: true, Doc: "region where the secondary is created", Example: "us-east-1"},
			{Name: "BackupRetentionPeriod", Kind: manifest.KindInt, Min: intp(1), Max: intp(35), Default: "7", Doc: "days of automated backups", Example: "7"},
			{Name: "MonitoringInterval", Kind: manifest.KindInt, Enum: []string{"0", "1", "5", "10", "15", "30", "60"}, Default: "0", Doc: "Enhanced Monitoring interval in seconds (0 = off)", Example: "60"},
			b("StorageEncrypted", "encrypt the cluster's storage (needs KmsKeyId across regions)", "True"),
			b("EnableIAMDatabaseAuthentication", "enable IAM database authentication", "False"),
			b("DeletionProtection", "turn on deletion protection", "False"),
			b("CopyTagsToSnapshot", "copy tags to snapshots", "False"),
			b("AutoMinorVersionUpgrade", "apply minor version upgrades automatically", "True"),
			{Name: "MonitoringRoleArn", Kind: manifest.KindRoleARN, Doc: "IAM role for Enhanced Monitoring (needed when MonitoringInterval > 0)", Example: "arn:aws:iam::123456789012:role/rds-monitoring-role"},
		},
	}
}
