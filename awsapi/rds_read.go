package awsapi

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"drorch/resource"
)

// maxFilterValues is the most values RDS accepts in one Filters entry.
const maxFilterValues = 100

func (c *Clients) rds(region string) *rds.Client {
	return clientFor(c, "rds", region, func(cfg aws.Config) *rds.Client {
		return rds.NewFromConfig(cfg, func(o *rds.Options) { c.endpoint(&o.BaseEndpoint) })
	})
}

// GlobalCluster describes the global cluster id, calling region.
func (c *Clients) GlobalCluster(ctx context.Context, region, id string) (*resource.GlobalCluster, error) {
	var out *rds.DescribeGlobalClustersOutput
	err := c.call(ctx, "rds", "DescribeGlobalClusters", region, func(ctx context.Context) (err error) {
		out, err = c.rds(region).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{
			GlobalClusterIdentifier: aws.String(id),
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("describe global cluster %s in %s: %w", id, region, err)
	}
	// Filter again: some emulators ignore the identifier and list them all.
	for _, g := range out.GlobalClusters {
		if matchesID(id, aws.ToString(g.GlobalClusterIdentifier), aws.ToString(g.GlobalClusterArn)) {
			gc := globalCluster(g)
			return &gc, nil
		}
	}
	return nil, fmt.Errorf("describe global cluster %s in %s: %w", id, region,
		notFound("rds", "DescribeGlobalClusters", region, "global cluster "+id))
}

// DBCluster describes a cluster by identifier or ARN in region.
func (c *Clients) DBCluster(ctx context.Context, region, idOrARN string) (*resource.DBCluster, error) {
	var out *rds.DescribeDBClustersOutput
	err := c.call(ctx, "rds", "DescribeDBClusters", region, func(ctx context.Context) (err error) {
		out, err = c.rds(region).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{
			DBClusterIdentifier: aws.String(idOrARN),
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("describe db cluster %s in %s: %w", idOrARN, region, err)
	}
	for _, cl := range out.DBClusters {
		if matchesID(idOrARN, aws.ToString(cl.DBClusterIdentifier), aws.ToString(cl.DBClusterArn)) {
			d := dbCluster(cl, region)
			return &d, nil
		}
	}
	return nil, fmt.Errorf("describe db cluster %s in %s: %w", idOrARN, region,
		notFound("rds", "DescribeDBClusters", region, "DB cluster "+idOrARN))
}

// DBInstance describes an instance by identifier or ARN in region.
func (c *Clients) DBInstance(ctx context.Context, region, idOrARN string) (*resource.DBInstance, error) {
	var out *rds.DescribeDBInstancesOutput
	err := c.call(ctx, "rds", "DescribeDBInstances", region, func(ctx context.Context) (err error) {
		out, err = c.rds(region).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{
			DBInstanceIdentifier: aws.String(idOrARN),
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("describe db instance %s in %s: %w", idOrARN, region, err)
	}
	for _, in := range out.DBInstances {
		if matchesID(idOrARN, aws.ToString(in.DBInstanceIdentifier), aws.ToString(in.DBInstanceArn)) {
			d := dbInstance(in, region)
			return &d, nil
		}
	}
	return nil, fmt.Errorf("describe db instance %s in %s: %w", idOrARN, region,
		notFound("rds", "DescribeDBInstances", region, "DB instance "+idOrARN))
}

// GlobalClusters lists every global cluster visible from region, all pages.
func (c *Clients) GlobalClusters(ctx context.Context, region string) ([]resource.GlobalCluster, error) {
	var all []resource.GlobalCluster
	err := pages(ctx, func(ctx context.Context, marker *string) (*string, error) {
		var out *rds.DescribeGlobalClustersOutput
		err := c.call(ctx, "rds", "DescribeGlobalClusters", region, func(ctx context.Context) (err error) {
			out, err = c.rds(region).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{Marker: marker})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, g := range out.GlobalClusters {
			all = append(all, globalCluster(g))
		}
		return out.Marker, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list global clusters in %s: %w", region, err)
	}
	return all, nil
}

// DBClusters describes the named clusters (ids or ARNs) in region with the
// db-cluster-id filter, at most 100 values a call, all pages. Names that
// match nothing are simply absent from the result.
func (c *Clients) DBClusters(ctx context.Context, region string, idsOrARNs []string) ([]resource.DBCluster, error) {
	var all []resource.DBCluster
	for _, chunk := range chunks(idsOrARNs, maxFilterValues) {
		filters := []rdstypes.Filter{{Name: aws.String("db-cluster-id"), Values: chunk}}
		err := pages(ctx, func(ctx context.Context, marker *string) (*string, error) {
			var out *rds.DescribeDBClustersOutput
			err := c.call(ctx, "rds", "DescribeDBClusters", region, func(ctx context.Context) (err error) {
				out, err = c.rds(region).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{Filters: filters, Marker: marker})
				return err
			})
			if err != nil {
				return nil, err
			}
			for _, cl := range out.DBClusters {
				all = append(all, dbCluster(cl, region))
			}
			return out.Marker, nil
		})
		if err != nil {
			return nil, fmt.Errorf("describe db clusters %s in %s: %w", summary(chunk), region, err)
		}
	}
	return all, nil
}

// DBInstances describes the named instances (ids or ARNs) in region with the
// db-instance-id filter, at most 100 values a call, all pages.
func (c *Clients) DBInstances(ctx context.Context, region string, idsOrARNs []string) ([]resource.DBInstance, error) {
	var all []resource.DBInstance
	for _, chunk := range chunks(idsOrARNs, maxFilterValues) {
		filters := []rdstypes.Filter{{Name: aws.String("db-instance-id"), Values: chunk}}
		err := pages(ctx, func(ctx context.Context, marker *string) (*string, error) {
			var out *rds.DescribeDBInstancesOutput
			err := c.call(ctx, "rds", "DescribeDBInstances", region, func(ctx context.Context) (err error) {
				out, err = c.rds(region).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{Filters: filters, Marker: marker})
				return err
			})
			if err != nil {
				return nil, err
			}
			for _, in := range out.DBInstances {
				all = append(all, dbInstance(in, region))
			}
			return out.Marker, nil
		})
		if err != nil {
			return nil, fmt.Errorf("describe db instances %s in %s: %w", summary(chunk), region, err)
		}
	}
	return all, nil
}
