package awsapi

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"

	"drorch/cloud"
)

func (c *Clients) elasticache(region string) *elasticache.Client {
	return clientFor(c, "elasticache", region, func(cfg aws.Config) *elasticache.Client {
		return elasticache.NewFromConfig(cfg, func(o *elasticache.Options) {
			c.endpoint(&o.BaseEndpoint)
			o.Protocol = leanProtocol{o.Protocol}
		})
	})
}

func (o writeOpts) elasticache(opts *elasticache.Options) {
	opts.Retryer = once(opts.Retryer)
	opts.APIOptions = append(opts.APIOptions, o.api...)
}

// elasticacheKinds are the ElastiCache resources drorch reads.
func (c *Clients) elasticacheKinds(m map[cloud.Kind]kindReader) {
	m[cloud.GlobalReplicationGroups.Name] = kindReader{c.globalReplicationGroups, c.globalReplicationGroup}
}

// globalReplicationGroup describes one global datastore by id.
func (c *Clients) globalReplicationGroup(ctx context.Context, region, id string) (any, error) {
	out, err := c.describeGlobalReplicationGroups(ctx, region, aws.String(id), nil)
	if err != nil {
		return nil, err
	}
	m := newMatcher([]string{id})
	for _, g := range out.GlobalReplicationGroups {
		grg := globalReplicationGroup(g)
		m.add(&grg, grg.ID, grg.ARN)
	}
	return m.one(op{"elasticache", "DescribeGlobalReplicationGroups", id, region})
}

// elasticacheActions are the ElastiCache calls drorch makes.
func (c *Clients) elasticacheActions(m map[string]action) {
	m["elasticache:FailoverGlobalReplicationGroup"] = func(ctx context.Context, region string, a *args, o writeOpts) error {
		in := &elasticache.FailoverGlobalReplicationGroupInput{GlobalReplicationGroupId: a.str("GlobalReplicationGroupId"),
			PrimaryRegion: a.str("PrimaryRegion"), PrimaryReplicationGroupId: a.str("PrimaryReplicationGroupId")}
		return ifValid(a, func() error {
			_, err := c.elasticache(region).FailoverGlobalReplicationGroup(ctx, in, o.elasticache)
			return err
		})
	}
}

// globalReplicationGroups reads global datastores with their members.
// DescribeGlobalReplicationGroups filters by one id at most, so a few are
// described one by one and many are listed, whichever takes fewer calls; a
// listing stops at the page where the last of them was found.
func (c *Clients) globalReplicationGroups(ctx context.Context, region string, ids []string) (map[string]any, error) {
	m := newMatcher(ids)
	ctx = withWant(ctx, ids)
	key := "elasticache:global-replication-group:" + region
	if c.lists.cheaperByID(key, len(ids)) {
		for _, id := range ids {
			out, err := c.describeGlobalReplicationGroups(ctx, region, aws.String(id), nil)
			if err != nil && !cloud.IsKind(err, cloud.KindNotFound) {
				return nil, fmt.Errorf("describe global replication group %s in %s: %w", id, region, err)
			}
			for _, g := range out.GlobalReplicationGroups {
				grg := globalReplicationGroup(g)
				m.add(&grg, grg.ID, grg.ARN)
			}
		}
		return m.found, nil
	}
	n, err := pages(ctx, func(ctx context.Context, marker *string) (*string, error) {
		out, err := c.describeGlobalReplicationGroups(ctx, region, nil, marker)
		if err != nil {
			return nil, err
		}
		for _, g := range out.GlobalReplicationGroups {
			grg := globalReplicationGroup(g)
			m.add(&grg, grg.ID, grg.ARN)
		}
		if m.complete() {
			return nil, nil // every resource asked for is read: no more pages
		}
		return out.Marker, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list global replication groups in %s: %w", region, err)
	}
	c.lists.took(key, n)
	return m.found, nil
}

func (c *Clients) describeGlobalReplicationGroups(ctx context.Context, region string, id, marker *string) (*elasticache.DescribeGlobalReplicationGroupsOutput, error) {
	var out *elasticache.DescribeGlobalReplicationGroupsOutput
	err := c.call(ctx, op{"elasticache", "DescribeGlobalReplicationGroups", aws.ToString(id), region}, func(ctx context.Context) (err error) {
		out, err = c.elasticache(region).DescribeGlobalReplicationGroups(ctx, &elasticache.DescribeGlobalReplicationGroupsInput{
			GlobalReplicationGroupId: id, ShowMemberInfo: aws.Bool(true), Marker: marker,
		})
		return err
	})
	if out == nil {
		out = &elasticache.DescribeGlobalReplicationGroupsOutput{}
	}
	return out, err
}
