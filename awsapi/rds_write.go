package awsapi

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"drorch/resource"
)

// Every mutating call is tried exactly once (writeOnce): when its outcome is
// unknown (timeout, reset connection) the engine re-reads state and decides.

func writeOnce(o *rds.Options) { o.Retryer = once(o.Retryer) }

// SwitchoverGlobalCluster starts the planned, no-data-loss switchover of
// globalID to targetClusterARN.
func (c *Clients) SwitchoverGlobalCluster(ctx context.Context, region, globalID, targetClusterARN string) error {
	err := c.call(ctx, "rds", "SwitchoverGlobalCluster", region, func(ctx context.Context) error {
		_, err := c.rds(region).SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{
			GlobalClusterIdentifier:   aws.String(globalID),
			TargetDbClusterIdentifier: aws.String(targetClusterARN),
		}, writeOnce)
		return err
	})
	if err != nil {
		return fmt.Errorf("switchover global cluster %s to %s in %s: %w", globalID, targetClusterARN, region, err)
	}
	return nil
}

// FailoverGlobalCluster starts the managed unplanned failover of globalID to
// targetClusterARN with AllowDataLoss.
func (c *Clients) FailoverGlobalCluster(ctx context.Context, region, globalID, targetClusterARN string) error {
	err := c.call(ctx, "rds", "FailoverGlobalCluster", region, func(ctx context.Context) error {
		_, err := c.rds(region).FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{
			GlobalClusterIdentifier:   aws.String(globalID),
			TargetDbClusterIdentifier: aws.String(targetClusterARN),
			AllowDataLoss:             aws.Bool(true),
		}, writeOnce)
		return err
	})
	if err != nil {
		return fmt.Errorf("failover global cluster %s to %s (allow data loss) in %s: %w", globalID, targetClusterARN, region, err)
	}
	return nil
}

// RemoveFromGlobalCluster detaches clusterARN from globalID.
func (c *Clients) RemoveFromGlobalCluster(ctx context.Context, region, globalID, clusterARN string) error {
	err := c.call(ctx, "rds", "RemoveFromGlobalCluster", region, func(ctx context.Context) error {
		_, err := c.rds(region).RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{
			GlobalClusterIdentifier: aws.String(globalID),
			DbClusterIdentifier:     aws.String(clusterARN),
		}, writeOnce)
		return err
	})
	if err != nil {
		return fmt.Errorf("remove cluster %s from global cluster %s in %s: %w", clusterARN, globalID, region, err)
	}
	return nil
}

// CreateGlobalCluster creates a global cluster from an existing cluster.
func (c *Clients) CreateGlobalCluster(ctx context.Context, region string, in resource.CreateGlobalClusterInput) error {
	err := c.call(ctx, "rds", "CreateGlobalCluster", region, func(ctx context.Context) error {
		_, err := c.rds(region).CreateGlobalCluster(ctx, &rds.CreateGlobalClusterInput{
			GlobalClusterIdentifier:   aws.String(in.GlobalClusterID),
			SourceDBClusterIdentifier: aws.String(in.SourceClusterARN),
		}, writeOnce)
		return err
	})
	if err != nil {
		return fmt.Errorf("create global cluster %s from %s in %s: %w", in.GlobalClusterID, in.SourceClusterARN, region, err)
	}
	return nil
}

// DeleteGlobalCluster deletes an empty global cluster.
func (c *Clients) DeleteGlobalCluster(ctx context.Context, region, globalID string) error {
	err := c.call(ctx, "rds", "DeleteGlobalCluster", region, func(ctx context.Context) error {
		_, err := c.rds(region).DeleteGlobalCluster(ctx, &rds.DeleteGlobalClusterInput{
			GlobalClusterIdentifier: aws.String(globalID),
		}, writeOnce)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete global cluster %s in %s: %w", globalID, region, err)
	}
	return nil
}

// CreateDBCluster creates a cluster (a secondary joining a global cluster).
// SourceRegion makes the SDK add a PreSignedUrl signed for that region.
func (c *Clients) CreateDBCluster(ctx context.Context, region string, in resource.CreateDBClusterInput) error {
	req := &rds.CreateDBClusterInput{
		DBClusterIdentifier:             aws.String(in.ClusterID),
		Engine:                          aws.String(in.Engine),
		EngineVersion:                   optString(in.EngineVersion),
		GlobalClusterIdentifier:         optString(in.GlobalClusterID),
		Port:                            optInt32(in.Port),
		DBSubnetGroupName:               optString(in.DBSubnetGroupName),
		VpcSecurityGroupIds:             in.VpcSecurityGroupIDs,
		KmsKeyId:                        optString(in.KmsKeyID),
		SourceRegion:                    optString(in.SourceRegion),
		BackupRetentionPeriod:           optInt32(in.BackupRetentionPeriod),
		StorageEncrypted:                aws.Bool(in.StorageEncrypted),
		EnableIAMDatabaseAuthentication: aws.Bool(in.IAMDatabaseAuthentication),
		DeletionProtection:              aws.Bool(in.DeletionProtection),
		CopyTagsToSnapshot:              aws.Bool(in.CopyTagsToSnapshot),
	}
	err := c.call(ctx, "rds", "CreateDBCluster", region, func(ctx context.Context) error {
		_, err := c.rds(region).CreateDBCluster(ctx, req, writeOnce)
		return err
	})
	if err != nil {
		return fmt.Errorf("create db cluster %s in %s: %w", in.ClusterID, region, err)
	}
	return nil
}

// DeleteDBCluster deletes a cluster without a final snapshot, as the
// original framework did.
func (c *Clients) DeleteDBCluster(ctx context.Context, region, clusterID string) error {
	err := c.call(ctx, "rds", "DeleteDBCluster", region, func(ctx context.Context) error {
		_, err := c.rds(region).DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{
			DBClusterIdentifier: aws.String(clusterID),
			SkipFinalSnapshot:   aws.Bool(true),
		}, writeOnce)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete db cluster %s in %s: %w", clusterID, region, err)
	}
	return nil
}

// CreateDBInstance creates an instance in an Aurora cluster.
func (c *Clients) CreateDBInstance(ctx context.Context, region string, in resource.CreateDBInstanceInput) error {
	req := &rds.CreateDBInstanceInput{
		DBInstanceIdentifier:    aws.String(in.InstanceID),
		DBClusterIdentifier:     optString(in.ClusterID),
		DBInstanceClass:         aws.String(in.Class),
		Engine:                  aws.String(in.Engine),
		MonitoringInterval:      aws.Int32(int32(in.MonitoringInterval)),
		MonitoringRoleArn:       optString(in.MonitoringRoleARN),
		AutoMinorVersionUpgrade: aws.Bool(in.AutoMinorVersionUpgrade),
	}
	err := c.call(ctx, "rds", "CreateDBInstance", region, func(ctx context.Context) error {
		_, err := c.rds(region).CreateDBInstance(ctx, req, writeOnce)
		return err
	})
	if err != nil {
		return fmt.Errorf("create db instance %s in cluster %s in %s: %w", in.InstanceID, in.ClusterID, region, err)
	}
	return nil
}

// PromoteReadReplica promotes a read replica to a stand-alone instance.
func (c *Clients) PromoteReadReplica(ctx context.Context, region, instanceID string) error {
	err := c.call(ctx, "rds", "PromoteReadReplica", region, func(ctx context.Context) error {
		_, err := c.rds(region).PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{
			DBInstanceIdentifier: aws.String(instanceID),
		}, writeOnce)
		return err
	})
	if err != nil {
		return fmt.Errorf("promote read replica %s in %s: %w", instanceID, region, err)
	}
	return nil
}

// CreateDBInstanceReadReplica creates a (cross-region) read replica.
// SourceRegion makes the SDK add a PreSignedUrl signed for that region.
func (c *Clients) CreateDBInstanceReadReplica(ctx context.Context, region string, in resource.CreateReadReplicaInput) error {
	req := &rds.CreateDBInstanceReadReplicaInput{
		DBInstanceIdentifier:            aws.String(in.InstanceID),
		SourceDBInstanceIdentifier:      aws.String(in.SourceInstanceARN),
		SourceRegion:                    optString(in.SourceRegion),
		DBInstanceClass:                 optString(in.Class),
		MultiAZ:                         aws.Bool(in.MultiAZ),
		DBSubnetGroupName:               optString(in.DBSubnetGroupName),
		VpcSecurityGroupIds:             in.VpcSecurityGroupIDs,
		KmsKeyId:                        optString(in.KmsKeyID),
		AutoMinorVersionUpgrade:         aws.Bool(in.AutoMinorVersionUpgrade),
		Port:                            optInt32(in.Port),
		CopyTagsToSnapshot:              aws.Bool(in.CopyTagsToSnapshot),
		MonitoringInterval:              aws.Int32(int32(in.MonitoringInterval)),
		MonitoringRoleArn:               optString(in.MonitoringRoleARN),
		EnableIAMDatabaseAuthentication: aws.Bool(in.IAMDatabaseAuthentication),
	}
	err := c.call(ctx, "rds", "CreateDBInstanceReadReplica", region, func(ctx context.Context) error {
		_, err := c.rds(region).CreateDBInstanceReadReplica(ctx, req, writeOnce)
		return err
	})
	if err != nil {
		return fmt.Errorf("create read replica %s of %s in %s: %w", in.InstanceID, in.SourceInstanceARN, region, err)
	}
	return nil
}

// DeleteDBInstance deletes an instance; finalSnapshotID "" skips the final
// snapshot, otherwise the snapshot is taken under that name.
func (c *Clients) DeleteDBInstance(ctx context.Context, region, instanceID, finalSnapshotID string) error {
	req := &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(instanceID)}
	if finalSnapshotID == "" {
		req.SkipFinalSnapshot = aws.Bool(true)
	} else {
		req.FinalDBSnapshotIdentifier = aws.String(finalSnapshotID)
	}
	err := c.call(ctx, "rds", "DeleteDBInstance", region, func(ctx context.Context) error {
		_, err := c.rds(region).DeleteDBInstance(ctx, req, writeOnce)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete db instance %s in %s: %w", instanceID, region, err)
	}
	return nil
}

// optString is nil for "" so that an unset field is omitted, not sent empty.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// optInt32 is nil for 0: AWS's own default applies.
func optInt32(n int) *int32 {
	if n == 0 {
		return nil
	}
	return aws.Int32(int32(n))
}
