package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"drorch/cloud"
	"drorch/resource"
)

// secondary is CreateAuroraSecondaryDBCluster the original's way: if the
// old cluster exists, detach it (when available), delete its instances,
// delete it and the global cluster (when available), each call followed by
// the fixed sleep, then look every 120 s until the old cluster is gone;
// then create the global cluster, the cluster and its instance, and look
// at the new cluster's status every 30 s. The calls' arguments are those
// drorch's handler makes.
func (x *origResource) secondary(ctx context.Context, p resource.Params) error {
	global, region := p.String("GlobalClusterIdentifier"), p.String("ClusterRegion")
	oldARN, name := p.String("DBClusterIdentifier"), p.String("DBClusterName")
	old, err := x.cl.DBCluster(ctx, region, oldARN)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
	case err != nil:
		return fmt.Errorf("describe old cluster %s: %w", oldARN, err)
	default:
		if err := x.removeOld(ctx, global, region, old); err != nil {
			return err
		}
	}

	source, sourceRegion := p.String("SourceDBClusterIdentifier"), p.String("SourceRegion")
	err = x.call(ctx, "CreateGlobalCluster", sourceRegion, []string{global, source}, func(ctx context.Context) error {
		return x.cl.CreateGlobalCluster(ctx, sourceRegion, global, source)
	})
	if err != nil {
		return err
	}
	err = x.call(ctx, "CreateDBCluster", region, []string{name, global}, func(ctx context.Context) error {
		return x.cl.Exec(ctx, "rds", "CreateDBCluster", region,
			"DBClusterIdentifier", name, "GlobalClusterIdentifier", global, "Engine", p.String("Engine"), "EngineVersion", p.String("EngineVersion"),
			"Port", p.String("Port"), "DBSubnetGroupName", p.String("DBSubnetGroupName"), "VpcSecurityGroupIds", strings.Join(p.List("VpcSecurityGroupIds"), ","),
			"KmsKeyId", p.String("KmsKeyId"), "SourceRegion", sourceRegion, "BackupRetentionPeriod", p.String("BackupRetentionPeriod"),
			"StorageEncrypted", strconv.FormatBool(p.Bool("StorageEncrypted")), "EnableIAMDatabaseAuthentication", strconv.FormatBool(p.Bool("EnableIAMDatabaseAuthentication")),
			"DeletionProtection", strconv.FormatBool(p.Bool("DeletionProtection")), "CopyTagsToSnapshot", strconv.FormatBool(p.Bool("CopyTagsToSnapshot")))
	})
	if err != nil {
		return err
	}
	instance, role := p.String("DBInstanceIdentifier"), ""
	if p.Int("MonitoringInterval") > 0 {
		role = p.String("MonitoringRoleArn")
	}
	err = x.call(ctx, "CreateDBInstance", region, []string{instance, name}, func(ctx context.Context) error {
		return x.cl.Exec(ctx, "rds", "CreateDBInstance", region,
			"DBInstanceIdentifier", instance, "DBClusterIdentifier", name, "DBInstanceClass", p.String("DBInstanceClass"), "Engine", p.String("Engine"),
			"MonitoringInterval", p.String("MonitoringInterval"), "MonitoringRoleArn", role,
			"AutoMinorVersionUpgrade", strconv.FormatBool(p.Bool("AutoMinorVersionUpgrade")))
	})
	if err != nil {
		return err
	}
	return x.poll(ctx, origPollCreate, "new cluster "+name, x.clusterAvailable(region, name))
}

// removeOld takes the old cluster and its global cluster away, then waits
// for the cluster to be gone.
func (x *origResource) removeOld(ctx context.Context, global, region string, old *cloud.DBCluster) error {
	if old.GlobalClusterID != "" && old.Status == "available" {
		err := x.call(ctx, "RemoveFromGlobalCluster", region, []string{old.GlobalClusterID, old.ARN}, func(ctx context.Context) error {
			return x.cl.RemoveFromGlobalCluster(ctx, region, old.GlobalClusterID, old.ARN)
		})
		if err != nil {
			return err
		}
	}
	for _, m := range old.Members {
		err := x.call(ctx, "DeleteDBInstance", region, []string{m.InstanceID}, func(ctx context.Context) error {
			return x.cl.DeleteDBInstance(ctx, region, m.InstanceID, "")
		})
		if err != nil {
			return err
		}
	}
	err := x.call(ctx, "DeleteDBCluster", region, []string{old.ID}, func(ctx context.Context) error {
		return x.cl.DeleteDBCluster(ctx, region, old.ID)
	})
	if err != nil {
		return err
	}
	g, err := x.cl.GlobalCluster(ctx, region, global)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
	case err != nil:
		return fmt.Errorf("describe global cluster %s: %w", global, err)
	case g.Status == "available":
		err := x.call(ctx, "DeleteGlobalCluster", region, []string{global}, func(ctx context.Context) error {
			return x.cl.DeleteGlobalCluster(ctx, region, global)
		})
		if err != nil {
			return err
		}
	}
	return x.poll(ctx, origPollSlow, "old cluster "+old.ID+" to be deleted", func(ctx context.Context) (bool, error) {
		_, err := x.cl.DBCluster(ctx, region, old.ARN)
		if errors.Is(err, cloud.ErrNotFound) {
			return true, nil
		}
		return false, err
	})
}
