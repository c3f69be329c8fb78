package awsapi

import (
	"context"
	"fmt"

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

// Publish sends a notification to an SNS topic. It is tried once: a
// duplicate notification is worse than a reported failure to send one.
func (c *Clients) Publish(ctx context.Context, region, topicARN, subject, message string) error {
	err := c.call(ctx, "sns", "Publish", region, func(ctx context.Context) error {
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

// AccountID is the AWS account drorch runs as (STS GetCallerIdentity in
// region). The first answer is kept for the life of c; failures are not.
func (c *Clients) AccountID(ctx context.Context, region string) (string, error) {
	select {
	case c.acctLock <- struct{}{}: // free: take it even if ctx is done
	default:
		select {
		case c.acctLock <- struct{}{}:
		case <-ctx.Done():
			return "", fmt.Errorf("get caller identity in %s: %w", region, ctx.Err())
		}
	}
	defer func() { <-c.acctLock }()
	if c.account != "" {
		return c.account, nil
	}
	var out *sts.GetCallerIdentityOutput
	err := c.call(ctx, "sts", "GetCallerIdentity", region, func(ctx context.Context) (err error) {
		out, err = c.sts(region).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("get caller identity in %s: %w", region, err)
	}
	c.account = aws.ToString(out.Account)
	return c.account, nil
}
