package awsapi

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"drorch/cloud"
)

// maxFilterValues is the most values RDS accepts in one Filters entry.
const maxFilterValues = 100

func (c *Clients) rds(region string) *rds.Client {
	return clientFor(c, "rds", region, func(cfg aws.Config) *rds.Client {
		return rds.NewFromConfig(cfg, func(o *rds.Options) {
			c.endpoint(&o.BaseEndpoint)
			o.Protocol = leanProtocol{o.Protocol}
		})
	})
}

// rdsKinds are the RDS and Aurora resources drorch reads.
func (c *Clients) rdsKinds(m map[cloud.Kind]kindReader) {
	m[cloud.GlobalClusters.Name] = kindReader{c.globalClusters, c.globalCluster}
	m[cloud.DBClusters.Name] = kindReader{c.dbClusters, c.dbCluster}
	m[cloud.DBInstances.Name] = kindReader{c.dbInstances, c.dbInstance}
}

// globalCluster describes one global cluster by identifier.
func (c *Clients) globalCluster(ctx context.Context, region, id string) (any, error) {
	out, err := c.describeGlobalClusters(ctx, region, aws.String(id), nil)
	if err != nil {
		return nil, err
	}
	m := newMatcher([]string{id})
	for _, g := range out.GlobalClusters {
		gc := globalCluster(g)
		m.add(&gc, gc.ID, gc.ARN)
	}
	return m.one(op{"rds", "DescribeGlobalClusters", id, region})
}

// dbCluster describes one cluster by identifier or ARN.
func (c *Clients) dbCluster(ctx context.Context, region, idOrARN string) (any, error) {
	var out *rds.DescribeDBClustersOutput
	err := c.call(ctx, op{"rds", "DescribeDBClusters", idOrARN, region}, func(ctx context.Context) (err error) {
		out, err = c.rds(region).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(idOrARN)})
		return err
	})
	if err != nil {
		return nil, err
	}
	m := newMatcher([]string{idOrARN})
	for _, cl := range out.DBClusters {
		d := dbCluster(cl, region)
		m.add(&d, d.ID, d.ARN)
	}
	return m.one(op{"rds", "DescribeDBClusters", idOrARN, region})
}

// dbInstance describes one instance by identifier or ARN.
func (c *Clients) dbInstance(ctx context.Context, region, idOrARN string) (any, error) {
	var out *rds.DescribeDBInstancesOutput
	err := c.call(ctx, op{"rds", "DescribeDBInstances", idOrARN, region}, func(ctx context.Context) (err error) {
		out, err = c.rds(region).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(idOrARN)})
		return err
	})
	if err != nil {
		return nil, err
	}
	m := newMatcher([]string{idOrARN})
	for _, in := range out.DBInstances {
		d := dbInstance(in, region)
		m.add(&d, d.ID, d.ARN)
	}
	return m.one(op{"rds", "DescribeDBInstances", idOrARN, region})
}

// globalClusters reads global clusters. DescribeGlobalClusters filters by
// one identifier at most (RDS API reference: "Currently, the only supported
// filter is region"), so a few are described one by one and many are
// listed, whichever takes fewer calls; a listing stops at the page where
// the last of them was found.
func (c *Clients) globalClusters(ctx context.Context, region string, ids []string) (map[string]any, error) {
	m := newMatcher(ids)
	ctx = withWant(ctx, ids)
	key := "rds:global-cluster:" + region
	if c.lists.cheaperByID(key, len(ids)) {
		for _, id := range ids {
			out, err := c.describeGlobalClusters(ctx, region, aws.String(id), nil)
			if err != nil && !cloud.IsKind(err, cloud.KindNotFound) {
				return nil, fmt.Errorf("describe global cluster %s in %s: %w", id, region, err)
			}
			for _, g := range out.GlobalClusters {
				gc := globalCluster(g)
				m.add(&gc, gc.ID, gc.ARN)
			}
		}
		return m.found, nil
	}
	n, err := pages(ctx, func(ctx context.Context, marker *string) (*string, error) {
		out, err := c.describeGlobalClusters(ctx, region, nil, marker)
		if err != nil {
			return nil, err
		}
		for _, g := range out.GlobalClusters {
			gc := globalCluster(g)
			m.add(&gc, gc.ID, gc.ARN)
		}
		if m.complete() {
			return nil, nil // every resource asked for is read: no more pages
		}
		return out.Marker, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list global clusters in %s: %w", region, err)
	}
	c.lists.took(key, n)
	return m.found, nil
}

func (c *Clients) describeGlobalClusters(ctx context.Context, region string, id, marker *string) (*rds.DescribeGlobalClustersOutput, error) {
	out := &rds.DescribeGlobalClustersOutput{}
	err := c.call(ctx, op{"rds", "DescribeGlobalClusters", aws.ToString(id), region}, func(ctx context.Context) (err error) {
		out, err = c.rds(region).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: id, Marker: marker})
		return err
	})
	if out == nil {
		out = &rds.DescribeGlobalClustersOutput{}
	}
	return out, err
}

// dbClusters describes the named clusters (ids or ARNs) with the
// db-cluster-id filter. Names that match nothing are simply absent from
// the result.
func (c *Clients) dbClusters(ctx context.Context, region string, ids []string) (map[string]any, error) {
	return describeFiltered(ctx, c, region, ids, "DescribeDBClusters", "db clusters", "db-cluster-id",
		func(ctx context.Context, filters []rdstypes.Filter, marker *string) ([]cloud.DBCluster, *string, error) {
			out, err := c.rds(region).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{Filters: filters, Marker: marker})
			if err != nil {
				return nil, nil, err
			}
			return convert(out.DBClusters, region, dbCluster), out.Marker, nil
		}, func(d *cloud.DBCluster) (string, string) { return d.ID, d.ARN })
}

// dbInstances describes the named instances (ids or ARNs) with the
// db-instance-id filter.
func (c *Clients) dbInstances(ctx context.Context, region string, ids []string) (map[string]any, error) {
	return describeFiltered(withWant(ctx, ids), c, region, ids, "DescribeDBInstances", "db instances", "db-instance-id",
		func(ctx context.Context, filters []rdstypes.Filter, marker *string) ([]cloud.DBInstance, *string, error) {
			out, err := c.rds(region).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{Filters: filters, Marker: marker})
			if err != nil {
				return nil, nil, err
			}
			return convert(out.DBInstances, region, dbInstance), out.Marker, nil
		}, func(d *cloud.DBInstance) (string, string) { return d.ID, d.ARN })
}

// describeFiltered describes the named resources of one RDS kind with its
// id filter (filter: db-cluster-id, db-instance-id, db-snapshot-id...), at
// most 100 values a call, every page: page makes one call and returns its
// resources, converted, and the next marker; ident names a resource as
// the ids may (identifier and ARN).
func describeFiltered[T any](ctx context.Context, c *Clients, region string, ids []string, action, what, filter string,
	page func(ctx context.Context, filters []rdstypes.Filter, marker *string) ([]T, *string, error),
	ident func(*T) (id, arn string)) (map[string]any, error) {
	m := newMatcher(ids)
	for _, chunk := range chunks(ids, maxFilterValues) {
		filters := []rdstypes.Filter{{Name: aws.String(filter), Values: chunk}}
		_, err := pages(ctx, func(ctx context.Context, marker *string) (*string, error) {
			var (
				items []T
				next  *string
			)
			err := c.call(ctx, op{"rds", action, summary(chunk), region}, func(ctx context.Context) (err error) {
				items, next, err = page(ctx, filters, marker)
				return err
			})
			if err != nil {
				return nil, err
			}
			for i := range items {
				d := &items[i]
				id, arn := ident(d)
				m.add(d, id, arn)
			}
			return next, nil
		})
		if err != nil {
			return nil, fmt.Errorf("describe %s %s in %s: %w", what, summary(chunk), region, err)
		}
	}
	return m.found, nil
}

// convert is each of an answer's resources in drorch's form.
func convert[S, T any](in []S, region string, conv func(S, string) T) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = conv(v, region)
	}
	return out
}
