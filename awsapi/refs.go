package awsapi

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"drorch/ref"
)

func (c *Clients) cloudformation(region string) *cloudformation.Client {
	return clientFor(c, "cloudformation", region, func(cfg aws.Config) *cloudformation.Client {
		return cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) { c.endpoint(&o.BaseEndpoint) })
	})
}

func (c *Clients) ssm(region string) *ssm.Client {
	return clientFor(c, "ssm", region, func(cfg aws.Config) *ssm.Client {
		return ssm.NewFromConfig(cfg, func(o *ssm.Options) { c.endpoint(&o.BaseEndpoint) })
	})
}

// Refs resolves the references of payloads: CloudFormation exports and SSM
// parameters (ref.Exports and ref.Parameters).
type Refs struct{ c *Clients }

// Refs returns the reference lookups.
func (c *Clients) Refs() Refs { return Refs{c} }

// ListExports returns one page of region's CloudFormation exports and the
// token of the next page ("" on the last).
func (r Refs) ListExports(ctx context.Context, region, nextToken string) ([]ref.Export, string, error) {
	c := r.c
	var out *cloudformation.ListExportsOutput
	err := c.call(ctx, op{"cloudformation", "ListExports", "", region}, func(ctx context.Context) (err error) {
		out, err = c.cloudformation(region).ListExports(ctx, &cloudformation.ListExportsInput{NextToken: optString(nextToken)})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	exports := make([]ref.Export, 0, len(out.Exports))
	for _, e := range out.Exports {
		exports = append(exports, ref.Export{Name: aws.ToString(e.Name), Value: aws.ToString(e.Value)})
	}
	return exports, aws.ToString(out.NextToken), nil
}

// GetParameter reads an SSM parameter (name, name:version or name:label).
// The error never carries the value, only the name.
func (r Refs) GetParameter(ctx context.Context, region, name string, withDecryption bool) (ref.Parameter, error) {
	c := r.c
	var out *ssm.GetParameterOutput
	err := c.call(ctx, op{"ssm", "GetParameter", name, region}, func(ctx context.Context) (err error) {
		out, err = c.ssm(region).GetParameter(ctx, &ssm.GetParameterInput{
			Name:           aws.String(name),
			WithDecryption: aws.Bool(withDecryption),
		})
		return err
	})
	if err != nil {
		return ref.Parameter{}, err
	}
	if out.Parameter == nil {
		return ref.Parameter{}, fmt.Errorf("get parameter %s in %s: %w", name, region,
			notFound("ssm", "GetParameter", region, "parameter "+name))
	}
	p := out.Parameter
	return ref.Parameter{
		Name:    aws.ToString(p.Name),
		Type:    string(p.Type),
		Value:   aws.ToString(p.Value),
		Version: p.Version,
	}, nil
}

var (
	_ ref.Exports    = Refs{}
	_ ref.Parameters = Refs{}
)
