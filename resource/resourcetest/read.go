package resourcetest

import (
	"context"

	"drorch/resource"
)

// reader serves resource.Reader from the cloud's state.
type reader struct{ c *Cloud }

func (r reader) GlobalCluster(_ context.Context, region, id string) (*resource.GlobalCluster, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	const action = "DescribeGlobalClusters"
	if err := c.begin("rds", action, region, map[string]string{"GlobalClusterIdentifier": id}); err != nil {
		return nil, err
	}
	g := c.globals[id]
	if g == nil {
		return nil, fault("rds", action, region, resource.KindNotFound, "GlobalClusterNotFoundFault", "Global cluster %s not found.", id)
	}
	return copyGlobal(g), nil
}

func (r reader) DBCluster(_ context.Context, region, idOrARN string) (*resource.DBCluster, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	const action = "DescribeDBClusters"
	if err := c.begin("rds", action, region, map[string]string{"DBClusterIdentifier": idOrARN}); err != nil {
		return nil, err
	}
	cl := c.cluster(region, idOrARN)
	if cl == nil {
		return nil, fault("rds", action, region, resource.KindNotFound, "DBClusterNotFoundFault", "DBCluster %s not found.", idOrARN)
	}
	return copyCluster(cl), nil
}

func (r reader) DBInstance(_ context.Context, region, idOrARN string) (*resource.DBInstance, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	const action = "DescribeDBInstances"
	if err := c.begin("rds", action, region, map[string]string{"DBInstanceIdentifier": idOrARN}); err != nil {
		return nil, err
	}
	in := c.instance(region, idOrARN)
	if in == nil {
		return nil, fault("rds", action, region, resource.KindNotFound, "DBInstanceNotFound", "DBInstance %s not found.", idOrARN)
	}
	return copyInstance(in), nil
}

func (r reader) GlobalReplicationGroup(_ context.Context, region, id string) (*resource.GlobalReplicationGroup, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	const action = "DescribeGlobalReplicationGroups"
	if err := c.begin("elasticache", action, region, map[string]string{"GlobalReplicationGroupId": id}); err != nil {
		return nil, err
	}
	g := c.grgs[id]
	if g == nil {
		return nil, fault("elasticache", action, region, resource.KindNotFound, "GlobalReplicationGroupNotFoundFault", "GlobalReplicationGroup %s not found.", id)
	}
	return copyGRG(g), nil
}

// identity serves resource.Identity.
type identity struct{ c *Cloud }

func (i identity) AccountID(_ context.Context, region string) (string, error) {
	c := i.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.begin("sts", "GetCallerIdentity", region, nil); err != nil {
		return "", err
	}
	return Account, nil
}
