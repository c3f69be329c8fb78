// Package rds holds the RDS read replica resource types:
// PromoteRDSReadReplica and CreateRDSReadReplica.
package rds

import "drorch/manifest"

func intp(n int) *int { return &n }

// PromoteSpec is PromoteRDSReadReplica.
func PromoteSpec() manifest.TypeSpec {
	return manifest.TypeSpec{
		Name: "PromoteRDSReadReplica",
		Doc:  "Promotes a cross-region RDS read replica to a stand-alone, writable instance (PromoteReadReplica). The call goes to the replica's region: the region of TargetClusterIdentifier when given, else --region.",
		Params: []manifest.ParamSpec{
			{Name: "RDSInstanceIdentifier", Kind: manifest.KindIdentifier, Required: true, Doc: "identifier of the read replica to promote", Example: "rds-mysql-instance"},
			{Name: "TargetClusterIdentifier", Kind: manifest.KindInstanceARN, Doc: "ARN of the same replica; accepted for compatibility and used to find its region", Example: "arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance"},
		},
	}
}

// ReplicaSpec is CreateRDSReadReplica.
func ReplicaSpec() manifest.TypeSpec {
	b := func(name, doc, def string) manifest.ParamSpec {
		return manifest.ParamSpec{Name: name, Kind: manifest.KindBool, Doc: doc, Default: def, Example: "True"}
	}
	return manifest.TypeSpec{
		Name:    "CreateRDSReadReplica",
		Doc:     "Re-creates a cross-region read replica in --region from SourceRDSInstanceIdentifier in SourceRegion (failback preparation). A stale stand-alone instance with the same identifier is deleted first, with a final snapshot drorch-<run id>-<instance> unless the resource says \"finalSnapshot\": false.",
		Deletes: true,
		Params: []manifest.ParamSpec{
			{Name: "RDSInstanceIdentifier", Kind: manifest.KindIdentifier, Required: true, Doc: "identifier of the replica to create in --region", Example: "rds-mysql-instance"},
			{Name: "SourceRDSInstanceIdentifier", Kind: manifest.KindIdentifier, Required: true, Doc: "identifier of the source (primary) instance in SourceRegion", Example: "rds-mysql-instance"},
			{Name: "SourceRegion", Kind: manifest.KindRegion, Required: true, Doc: "region of the source instance (must differ from --region)", Example: "us-west-2"},
			{Name: "DBInstanceClass", Kind: manifest.KindInstanceClass, Required: true, Doc: "instance class of the replica", Example: "db.r5.large"},
			b("MultiAZ", "create a Multi-AZ replica", "False"),
			{Name: "DBSubnetGroup", Kind: manifest.KindIdentifier, Doc: "DB subnet group in --region", Example: "rds-mysql-subnet-group"},
			{Name: "DBSecurityGroup", Kind: manifest.KindSecurityGroups, Doc: "VPC security groups, comma-separated", Example: "sg-0123456789abcdef0"},
			{Name: "KmsKeyId", Kind: manifest.KindKMSKey, Doc: "KMS key in --region for an encrypted source", Example: "alias/aws/rds"},
			b("AutoMinorVersionUpgrade", "apply minor version upgrades automatically", "True"),
			{Name: "Port", Kind: manifest.KindInt, Min: intp(1150), Max: intp(65535), Doc: "database port", Example: "3306"},
			b("CopyTagsToSnapshot", "copy tags to snapshots", "False"),
			{Name: "MonitoringInterval", Kind: manifest.KindInt, Enum: []string{"0", "1", "5", "10", "15", "30", "60"}, Default: "0", Doc: "Enhanced Monitoring interval in seconds (0 = off)", Example: "60"},
			{Name: "MonitoringRoleArn", Kind: manifest.KindRoleARN, Doc: "IAM role for Enhanced Monitoring (needed when MonitoringInterval > 0)", Example: "arn:aws:iam::123456789012:role/rds-monitoring-role"},
			b("EnableIAMDatabaseAuthentication", "enable IAM database authentication", "False"),
		},
	}
}
