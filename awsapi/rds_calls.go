package awsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/rds"
)

func (o writeOpts) rds(opts *rds.Options) {
	opts.Retryer = once(opts.Retryer)
	opts.APIOptions = append(opts.APIOptions, o.api...)
}

// rdsActions are the RDS and Aurora calls drorch makes, by their API names.
// SourceRegion makes the SDK add a PreSignedUrl signed for that region to
// CreateDBCluster and CreateDBInstanceReadReplica; it is not sent itself.
func (c *Clients) rdsActions(m map[string]action) {
	m["rds:SwitchoverGlobalCluster"] = func(ctx context.Context, region string, a *args, o writeOpts) error {
		in := &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: a.str("GlobalClusterIdentifier"), TargetDbClusterIdentifier: a.str("TargetDbClusterIdentifier")}
		return ifValid(a, func() error { _, err := c.rds(region).SwitchoverGlobalCluster(ctx, in, o.rds); return err })
	}
	m["rds:FailoverGlobalCluster"] = func(ctx context.Context, region string, a *args, o writeOpts) error {
		in := &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: a.str("GlobalClusterIdentifier"), TargetDbClusterIdentifier: a.str("TargetDbClusterIdentifier"),
			AllowDataLoss: a.boolp("AllowDataLoss"), Switchover: a.boolp("Switchover")}
		return ifValid(a, func() error { _, err := c.rds(region).FailoverGlobalCluster(ctx, in, o.rds); return err })
	}
	m["rds:RemoveFromGlobalCluster"] = func(ctx context.Context, region string, a *args, o writeOpts) error {
		in := &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: a.str("GlobalClusterIdentifier"), DbClusterIdentifier: a.str("DbClusterIdentifier")}
		return ifValid(a, func() error { _, err := c.rds(region).RemoveFromGlobalCluster(ctx, in, o.rds); return err })
	}
	m["rds:CreateGlobalCluster"] = func(ctx context.Context, region string, a *args, o writeOpts) error {
		in := &rds.CreateGlobalClusterInput{GlobalClusterIdentifier: a.str("GlobalClusterIdentifier"), SourceDBClusterIdentifier: a.opt("SourceDBClusterIdentifier"),
			Engine: a.opt("Engine"), EngineVersion: a.opt("EngineVersion"), DeletionProtection: a.boolp("DeletionProtection"), StorageEncrypted: a.boolp("StorageEncrypted")}
		return ifValid(a, func() error { _, err := c.rds(region).CreateGlobalCluster(ctx, in, o.rds); return err })
	}
	m["rds:DeleteGlobalCluster"] = func(ctx context.Context, region string, a *args, o writeOpts) error {
		in := &rds.DeleteGlobalClusterInput{GlobalClusterIdentifier: a.str("GlobalClusterIdentifier")}
		return ifValid(a, func() error { _, err := c.rds(region).DeleteGlobalCluster(ctx, in, o.rds); return err })
	}
	m["rds:CreateDBCluster"] = func(ctx context.Context, region string, a *args, o writeOpts) error {
		in := &rds.CreateDBClusterInput{
			DBClusterIdentifier: a.str("DBClusterIdentifier"), Engine: a.str("Engine"), EngineVersion: a.opt("EngineVersion"),
			GlobalClusterIdentifier: a.opt("GlobalClusterIdentifier"), Port: a.int32p("Port"), DBSubnetGroupName: a.opt("DBSubnetGroupName"),
			VpcSecurityGroupIds: a.list("VpcSecurityGroupIds"), KmsKeyId: a.opt("KmsKeyId"), SourceRegion: a.opt("SourceRegion"),
			BackupRetentionPeriod: a.int32p("BackupRetentionPeriod"), StorageEncrypted: a.boolp("StorageEncrypted"),
			EnableIAMDatabaseAuthentication: a.boolp("EnableIAMDatabaseAuthentication"), DeletionProtection: a.boolp("DeletionProtection"),
			CopyTagsToSnapshot: a.boolp("CopyTagsToSnapshot"),
		}
		return ifValid(a, func() error { _, err := c.rds(region).CreateDBCluster(ctx, in, o.rds); return err })
	}
	m["rds:DeleteDBCluster"] = func(ctx context.Context, region string, a *args, o writeOpts) error {
		in := &rds.DeleteDBClusterInput{DBClusterIdentifier: a.str("DBClusterIdentifier"), SkipFinalSnapshot: a.boolp("SkipFinalSnapshot"),
			FinalDBSnapshotIdentifier: a.opt("FinalDBSnapshotIdentifier")}
		return ifValid(a, func() error { _, err := c.rds(region).DeleteDBCluster(ctx, in, o.rds); return err })
	}
	m["rds:CreateDBInstance"] = func(ctx context.Context, region string, a *args, o writeOpts) error {
		in := &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: a.str("DBInstanceIdentifier"), DBClusterIdentifier: a.opt("DBClusterIdentifier"),
			DBInstanceClass: a.str("DBInstanceClass"), Engine: a.str("Engine"), MonitoringInterval: a.int32p("MonitoringInterval"),
			MonitoringRoleArn: a.opt("MonitoringRoleArn"), AutoMinorVersionUpgrade: a.boolp("AutoMinorVersionUpgrade"),
		}
		return ifValid(a, func() error { _, err := c.rds(region).CreateDBInstance(ctx, in, o.rds); return err })
	}
	m["rds:PromoteReadReplica"] = func(ctx context.Context, region string, a *args, o writeOpts) error {
		in := &rds.PromoteReadReplicaInput{DBInstanceIdentifier: a.str("DBInstanceIdentifier"), BackupRetentionPeriod: a.int32p("BackupRetentionPeriod")}
		return ifValid(a, func() error { _, err := c.rds(region).PromoteReadReplica(ctx, in, o.rds); return err })
	}
	m["rds:CreateDBInstanceReadReplica"] = func(ctx context.Context, region string, a *args, o writeOpts) error {
		in := &rds.CreateDBInstanceReadReplicaInput{
			DBInstanceIdentifier: a.str("DBInstanceIdentifier"), SourceDBInstanceIdentifier: a.str("SourceDBInstanceIdentifier"),
			SourceRegion: a.opt("SourceRegion"), DBInstanceClass: a.opt("DBInstanceClass"), MultiAZ: a.boolp("MultiAZ"),
			DBSubnetGroupName: a.opt("DBSubnetGroupName"), VpcSecurityGroupIds: a.list("VpcSecurityGroupIds"), KmsKeyId: a.opt("KmsKeyId"),
			AutoMinorVersionUpgrade: a.boolp("AutoMinorVersionUpgrade"), Port: a.int32p("Port"), CopyTagsToSnapshot: a.boolp("CopyTagsToSnapshot"),
			MonitoringInterval: a.int32p("MonitoringInterval"), MonitoringRoleArn: a.opt("MonitoringRoleArn"),
			EnableIAMDatabaseAuthentication: a.boolp("EnableIAMDatabaseAuthentication"),
		}
		return ifValid(a, func() error { _, err := c.rds(region).CreateDBInstanceReadReplica(ctx, in, o.rds); return err })
	}
	m["rds:DeleteDBInstance"] = func(ctx context.Context, region string, a *args, o writeOpts) error {
		in := &rds.DeleteDBInstanceInput{DBInstanceIdentifier: a.str("DBInstanceIdentifier"), SkipFinalSnapshot: a.boolp("SkipFinalSnapshot"),
			FinalDBSnapshotIdentifier: a.opt("FinalDBSnapshotIdentifier")}
		return ifValid(a, func() error { _, err := c.rds(region).DeleteDBInstance(ctx, in, o.rds); return err })
	}
}
