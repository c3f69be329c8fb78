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

// globalClusters reads global clusters: a listed kind (see lister).
func (c *Clients) globalClusters(ctx context.Context, region string, ids, along []string) (map[string]any, []string, error) {
	return lister[cloud.GlobalCluster]{
		key: "rds:global-cluster:" + region, what: "global clusters",
		describe: func(ctx context.Context, id, marker *string) ([]cloud.GlobalCluster, *string, error) {
			out, err := c.describeGlobalClusters(ctx, region, id, marker)
			return convert(out.GlobalClusters, region, func(g rdstypes.GlobalCluster, _ string) cloud.GlobalCluster { return globalCluster(g) }),
				out.Marker, err
		},
		ident: func(g *cloud.GlobalCluster) (string, string) { return g.ID, g.ARN },
	}.read(ctx, c, region, ids, along)
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
func (c *Clients) dbClusters(ctx context.Context, region string, ids, along []string) (map[string]any, []string, error) {
	return describeFiltered(ctx, c, region, ids, along, "DescribeDBClusters", "db clusters", "db-cluster-id",
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
func (c *Clients) dbInstances(ctx context.Context, region string, ids, along []string) (map[string]any, []string, error) {
	return describeFiltered(ctx, c, region, ids, along, "DescribeDBInstances", "db instances", "db-instance-id",
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
//
// Ids read along fill the room the last call of ids leaves (up to 100
// values), and are known then (a filter answers every value it was given);
// the others are not read.
func describeFiltered[T any](ctx context.Context, c *Clients, region string, ids, along []string, action, what, filter string,
	page func(ctx context.Context, filters []rdstypes.Filter, marker *string) ([]T, *string, error),
	ident func(*T) (id, arn string)) (map[string]any, []string, error) {
	m := newMatcher(ids)
	calls := chunks(ids, maxFilterValues)
	var read []string
	if n := len(calls); n > 0 {
		last := calls[n-1]
		in := map[string]bool{}
		for _, id := range ids {
			in[id] = true
		}
		for _, id := range along {
			if len(last) == maxFilterValues {
				break
			}
			if !in[id] {
				in[id] = true
				last, read = append(last, id), append(read, id)
			}
		}
		calls[n-1] = last
		m.also(read)
	}
	ctx = withWant(ctx, append(append([]string(nil), ids...), read...))
	for _, chunk := range calls {
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
			return nil, nil, fmt.Errorf("describe %s %s in %s: %w", what, summary(chunk), region, err)
		}
	}
	return m.found, read, nil
}

// convert is each of an answer's resources in drorch's form.
func convert[S, T any](in []S, region string, conv func(S, string) T) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = conv(v, region)
	}
	return out
}
