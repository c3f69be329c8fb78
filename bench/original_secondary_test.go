package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"drorch/cloud"
	"drorch/resource"
)

// secondary is CreateAuroraSecondaryDBCluster the original's way: if the
// old cluster exists, detach it (when available) and sleep 15 s, delete
// its instances and it (again each second while the asynchronous detach
// keeps it a member), delete the global cluster (when available) and
// sleep 15 s, then look every 120 s until the old cluster is gone; then
// create the global cluster, the cluster and its instance back to back,
// and look at the new instance's status every 30 s: the original's
// failback Lambdas decide completion on the instance, not the cluster.
// The calls' arguments are those drorch's handler makes.
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
	err = x.callThen(ctx, 0, "CreateGlobalCluster", sourceRegion, []string{global, source}, func(ctx context.Context) error {
		return x.cl.CreateGlobalCluster(ctx, sourceRegion, global, source)
	})
	if err != nil {
		return err
	}
	// Made right after CreateGlobalCluster, the cluster's create finds the
	// global cluster still creating, and RDS refuses it; the model tries
	// again each second until it is accepted (the original's Lambda would
	// fail, and its state machine's retry decide), which flatters it.
	err = x.callThen(ctx, 0, "CreateDBCluster", region, []string{name, global}, func(ctx context.Context) error {
		return x.untilAccepted(ctx, "InvalidGlobalClusterStateFault", func(ctx context.Context) error {
			return x.createCluster(ctx, p, region, name, global, sourceRegion)
		})
	})
	if err != nil {
		return err
	}
	return x.createInstance(ctx, p, region, name)
}

// untilAccepted makes a call again each second while AWS refuses it with
// code.
func (x *origResource) untilAccepted(ctx context.Context, code string, do func(context.Context) error) error {
	for {
		err := do(ctx)
		var ae *cloud.APIError
		if !errors.As(err, &ae) || ae.Code != code {
			return err
		}
		if err := x.sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

func (x *origResource) createCluster(ctx context.Context, p resource.Params, region, name, global, sourceRegion string) error {
	return x.cl.Exec(ctx, "rds", "CreateDBCluster", region,
		"DBClusterIdentifier", name, "GlobalClusterIdentifier", global, "Engine", p.String("Engine"), "EngineVersion", p.String("EngineVersion"),
		"Port", p.String("Port"), "DBSubnetGroupName", p.String("DBSubnetGroupName"), "VpcSecurityGroupIds", strings.Join(p.List("VpcSecurityGroupIds"), ","),
		"KmsKeyId", p.String("KmsKeyId"), "SourceRegion", sourceRegion, "BackupRetentionPeriod", p.String("BackupRetentionPeriod"),
		"StorageEncrypted", strconv.FormatBool(p.Bool("StorageEncrypted")), "EnableIAMDatabaseAuthentication", strconv.FormatBool(p.Bool("EnableIAMDatabaseAuthentication")),
		"DeletionProtection", strconv.FormatBool(p.Bool("DeletionProtection")), "CopyTagsToSnapshot", strconv.FormatBool(p.Bool("CopyTagsToSnapshot")))
}

func (x *origResource) createInstance(ctx context.Context, p resource.Params, region, name string) error {
	instance, role := p.String("DBInstanceIdentifier"), ""
	if p.Int("MonitoringInterval") > 0 {
		role = p.String("MonitoringRoleArn")
	}
	err := x.callThen(ctx, 0, "CreateDBInstance", region, []string{instance, name}, func(ctx context.Context) error {
		return x.cl.Exec(ctx, "rds", "CreateDBInstance", region,
			"DBInstanceIdentifier", instance, "DBClusterIdentifier", name, "DBInstanceClass", p.String("DBInstanceClass"), "Engine", p.String("Engine"),
			"MonitoringInterval", p.String("MonitoringInterval"), "MonitoringRoleArn", role,
			"AutoMinorVersionUpgrade", strconv.FormatBool(p.Bool("AutoMinorVersionUpgrade")))
	})
	if err != nil {
		return err
	}
	return x.poll(ctx, origPollCreate, "new instance "+instance, x.instanceAvailable(region, instance))
}

// removeOld takes the old cluster and its global cluster away, then waits
// for the cluster to be gone.
func (x *origResource) removeOld(ctx context.Context, global, region string, old *cloud.DBCluster) error {
	if old.GlobalClusterID != "" && old.Status == "available" {
		err := x.callThen(ctx, origSettleBack, "RemoveFromGlobalCluster", region, []string{old.GlobalClusterID, old.ARN}, func(ctx context.Context) error {
			return x.cl.RemoveFromGlobalCluster(ctx, region, old.GlobalClusterID, old.ARN)
		})
		if err != nil {
			return err
		}
	}
	for _, m := range old.Members {
		err := x.callThen(ctx, 0, "DeleteDBInstance", region, []string{m.InstanceID}, func(ctx context.Context) error {
			return x.cl.DeleteDBInstance(ctx, region, m.InstanceID, "")
		})
		if err != nil {
			return err
		}
	}
	// RemoveFromGlobalCluster is asynchronous: 15 s after it the cluster
	// may still be a member, and RDS refuses to delete it. The original's
	// Lambda would fail there, and its state machine's retry decide; the
	// model tries again each second until it is accepted, as it does for
	// the cluster's create, which flatters it.
	err := x.callThen(ctx, 0, "DeleteDBCluster", region, []string{old.ID}, func(ctx context.Context) error {
		return x.untilAccepted(ctx, "InvalidGlobalClusterStateFault", func(ctx context.Context) error {
			return x.cl.DeleteDBCluster(ctx, region, old.ID)
		})
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
		err := x.callThen(ctx, origSettleBack, "DeleteGlobalCluster", region, []string{global}, func(ctx context.Context) error {
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
