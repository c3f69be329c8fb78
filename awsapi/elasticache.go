package awsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"

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

// globalReplicationGroups reads global datastores with their members: a
// listed kind (see lister).
func (c *Clients) globalReplicationGroups(ctx context.Context, region string, ids, along []string) (map[string]any, []string, error) {
	return lister[cloud.GlobalReplicationGroup]{
		key: "elasticache:global-replication-group:" + region, what: "global replication groups",
		describe: func(ctx context.Context, id, marker *string) ([]cloud.GlobalReplicationGroup, *string, error) {
			out, err := c.describeGlobalReplicationGroups(ctx, region, id, marker)
			return convert(out.GlobalReplicationGroups, region,
					func(g ectypes.GlobalReplicationGroup, _ string) cloud.GlobalReplicationGroup {
						return globalReplicationGroup(g)
					}),
				out.Marker, err
		},
		ident: func(g *cloud.GlobalReplicationGroup) (string, string) { return g.ID, g.ARN },
	}.read(ctx, c, region, ids, along)
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
