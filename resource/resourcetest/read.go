package resourcetest

import (
	"context"
	"fmt"

	"drorch/cloud"
)

// Read serves cloud.Reader from the cloud's state, recording each read as
// the describe call AWS would answer it with.
func (c *Cloud) Read(_ context.Context, k cloud.Key) (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var (
		action, param, code string
		found               any
	)
	switch k.Kind {
	case cloud.GlobalClusters.Name:
		action, param, code = "DescribeGlobalClusters", "GlobalClusterIdentifier", "GlobalClusterNotFoundFault"
		if g := c.globals[k.ID]; g != nil {
			found = copyGlobal(g)
		}
	case cloud.DBClusters.Name:
		action, param, code = "DescribeDBClusters", "DBClusterIdentifier", "DBClusterNotFoundFault"
		if cl := c.cluster(k.Region, k.ID); cl != nil {
			found = copyCluster(cl)
		}
	case cloud.DBInstances.Name:
		action, param, code = "DescribeDBInstances", "DBInstanceIdentifier", "DBInstanceNotFound"
		if in := c.instance(k.Region, k.ID); in != nil {
			found = copyInstance(in)
		}
	case cloud.DBClusterSnapshots.Name:
		action, param, code = "DescribeDBClusterSnapshots", "DBClusterSnapshotIdentifier", "DBClusterSnapshotNotFoundFault"
		if s := c.clusterSnaps[k.Region][idIn(k.Region, k.ID)]; s != nil {
			found = copyOf(s)
		}
	case cloud.DBSnapshots.Name:
		action, param, code = "DescribeDBSnapshots", "DBSnapshotIdentifier", "DBSnapshotNotFound"
		if s := c.dbSnaps[k.Region][idIn(k.Region, k.ID)]; s != nil {
			found = copyOf(s)
		}
	case cloud.GlobalReplicationGroups.Name:
		action, param, code = "DescribeGlobalReplicationGroups", "GlobalReplicationGroupId", "GlobalReplicationGroupNotFoundFault"
		if g := c.grgs[k.ID]; g != nil {
			found = copyGRG(g)
		}
	default:
		return nil, fmt.Errorf("the fake cloud cannot read %s", k.Kind)
	}
	if err := c.begin(k.Kind.Service(), action, k.Region, map[string]string{param: k.ID}); err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fault(k.Kind.Service(), action, k.Region, cloud.KindNotFound, code, "%s %s not found.", k.Kind, k.ID)
	}
	return found, nil
}

// Caller serves cloud.Identity: who SetCaller said (Account in aws by default).
func (c *Cloud) Caller(_ context.Context, region string) (cloud.Caller, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.begin("sts", "GetCallerIdentity", region, nil); err != nil {
		return cloud.Caller{}, err
	}
	return c.caller, nil
}
