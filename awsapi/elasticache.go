package awsapi

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"

	"drorch/resource"
)

func (c *Clients) elasticache(region string) *elasticache.Client {
	return clientFor(c, "elasticache", region, func(cfg aws.Config) *elasticache.Client {
		return elasticache.NewFromConfig(cfg, func(o *elasticache.Options) { c.endpoint(&o.BaseEndpoint) })
	})
}

// GlobalReplicationGroup describes a global datastore with its members.
func (c *Clients) GlobalReplicationGroup(ctx context.Context, region, id string) (*resource.GlobalReplicationGroup, error) {
	var out *elasticache.DescribeGlobalReplicationGroupsOutput
	err := c.call(ctx, "elasticache", "DescribeGlobalReplicationGroups", region, func(ctx context.Context) (err error) {
		out, err = c.elasticache(region).DescribeGlobalReplicationGroups(ctx, &elasticache.DescribeGlobalReplicationGroupsInput{
			GlobalReplicationGroupId: aws.String(id),
			ShowMemberInfo:           aws.Bool(true),
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("describe global replication group %s in %s: %w", id, region, err)
	}
	for _, g := range out.GlobalReplicationGroups {
		if aws.ToString(g.GlobalReplicationGroupId) == id {
			grg := globalReplicationGroup(g)
			return &grg, nil
		}
	}
	return nil, fmt.Errorf("describe global replication group %s in %s: %w", id, region,
		notFound("elasticache", "DescribeGlobalReplicationGroups", region, "global replication group "+id))
}

// GlobalReplicationGroups lists every global datastore visible from region
// with member info, all pages.
func (c *Clients) GlobalReplicationGroups(ctx context.Context, region string) ([]resource.GlobalReplicationGroup, error) {
	var all []resource.GlobalReplicationGroup
	err := pages(ctx, func(ctx context.Context, marker *string) (*string, error) {
		var out *elasticache.DescribeGlobalReplicationGroupsOutput
		err := c.call(ctx, "elasticache", "DescribeGlobalReplicationGroups", region, func(ctx context.Context) (err error) {
			out, err = c.elasticache(region).DescribeGlobalReplicationGroups(ctx, &elasticache.DescribeGlobalReplicationGroupsInput{
				ShowMemberInfo: aws.Bool(true),
				Marker:         marker,
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, g := range out.GlobalReplicationGroups {
			all = append(all, globalReplicationGroup(g))
		}
		return out.Marker, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list global replication groups in %s: %w", region, err)
	}
	return all, nil
}

// FailoverGlobalReplicationGroup makes the member primaryReplicationGroupID
// in primaryRegion the primary of globalID. Tried exactly once.
func (c *Clients) FailoverGlobalReplicationGroup(ctx context.Context, region, globalID, primaryRegion, primaryReplicationGroupID string) error {
	err := c.call(ctx, "elasticache", "FailoverGlobalReplicationGroup", region, func(ctx context.Context) error {
		_, err := c.elasticache(region).FailoverGlobalReplicationGroup(ctx, &elasticache.FailoverGlobalReplicationGroupInput{
			GlobalReplicationGroupId:  aws.String(globalID),
			PrimaryRegion:             aws.String(primaryRegion),
			PrimaryReplicationGroupId: aws.String(primaryReplicationGroupID),
		}, func(o *elasticache.Options) { o.Retryer = once(o.Retryer) })
		return err
	})
	if err != nil {
		return fmt.Errorf("failover global replication group %s to %s in %s (call made in %s): %w",
			globalID, primaryReplicationGroupID, primaryRegion, region, err)
	}
	return nil
}
