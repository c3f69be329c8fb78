package awsapi

import (
	"context"
	"fmt"

	"drorch/cloud"
	"drorch/manifest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func (c *Clients) sns(region string) *sns.Client {
	return clientFor(c, "sns", region, func(cfg aws.Config) *sns.Client {
		return sns.NewFromConfig(cfg, func(o *sns.Options) { c.endpoint(&o.BaseEndpoint) })
	})
}

func (c *Clients) sts(region string) *sts.Client {
	return clientFor(c, "sts", region, func(cfg aws.Config) *sts.Client {
		return sts.NewFromConfig(cfg, func(o *sts.Options) { c.endpoint(&o.BaseEndpoint) })
	})
}

// Notifier publishes notifications to SNS topics.
type Notifier struct{ c *Clients }

// Notifier returns the SNS publisher.
func (c *Clients) Notifier() Notifier { return Notifier{c} }

// Publish sends a notification to an SNS topic. It is tried once: a
// duplicate notification is worse than a reported failure to send one.
func (n Notifier) Publish(ctx context.Context, region, topicARN, subject, message string) error {
	c := n.c
	err := c.call(ctx, op{"sns", "Publish", topicARN, region}, func(ctx context.Context) error {
		_, err := c.sns(region).Publish(ctx, &sns.PublishInput{
			TopicArn: aws.String(topicARN),
			Subject:  optString(subject),
			Message:  aws.String(message),
		}, func(o *sns.Options) { o.Retryer = once(o.Retryer) })
		return err
	})
	if err != nil {
		return fmt.Errorf("publish to %s in %s: %w", topicARN, region, err)
	}
	return nil
}

// Identity tells who drorch runs as (cloud.Identity).
type Identity struct{ c *Clients }

// Identity returns the caller's identity lookup.
func (c *Clients) Identity() Identity { return Identity{c} }

// Caller is the principal drorch runs as (STS GetCallerIdentity, asked in
// region): its account, partition and ARN. The first answer is kept for the
// life of the clients; failures are not.
func (i Identity) Caller(ctx context.Context, region string) (cloud.Caller, error) {
	c := i.c
	select {
	case c.acctLock <- struct{}{}: // free: take it even if ctx is done
	default:
		select {
		case c.acctLock <- struct{}{}:
		case <-ctx.Done():
			return cloud.Caller{}, ctx.Err()
		}
	}
	defer func() { <-c.acctLock }()
	if c.caller.Account != "" {
		return c.caller, nil
	}
	var out *sts.GetCallerIdentityOutput
	err := c.call(ctx, op{"sts", "GetCallerIdentity", "", region}, func(ctx context.Context) (err error) {
		out, err = c.sts(region).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	})
	if err != nil {
		return cloud.Caller{}, err
	}
	who := cloud.Caller{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn)}
	if a, err := manifest.ParseARN(who.ARN); err == nil {
		who.Partition = a.Partition
	}
	c.caller = who
	return who, nil
}

var _ cloud.Identity = Identity{}
