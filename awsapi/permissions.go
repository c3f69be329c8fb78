package awsapi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// PermissionQuery is what CheckPermissions asks IAM's policy simulator.
type PermissionQuery struct {
	// Actions are IAM actions (rds:SwitchoverGlobalCluster, ...).
	Actions []string
	// Resources are the ARNs the actions are checked on (default "*").
	Resources []string
	// RolePath is the path of the caller's role when it has one (e.g.
	// /service-role/): an assumed-role ARN does not carry it, so it cannot
	// be derived (default "/").
	RolePath string
}

// Denial is one action the caller may not do on one resource, and why.
type Denial struct {
	Action, Resource string
	// Decision is explicitDeny (a Deny statement matched) or implicitDeny
	// (no Allow matched).
	Decision string
	// Policies name the policies whose statements decided an explicit deny.
	Policies []string
	// MissingContext are condition keys the simulator had no value for: a
	// statement with conditions on them did not count, so the real
	// decision may differ.
	MissingContext []string
}

// Permissions is the result of CheckPermissions.
type Permissions struct {
	// Caller is the ARN STS GetCallerIdentity gave; Principal the IAM ARN
	// that was simulated (the role, for an assumed-role session).
	Caller, Principal string
	// Checked counts the action-resource pairs simulated.
	Checked int
	// Denied lists the pairs not allowed, in the order asked.
	Denied []Denial
}

// OK reports whether every action was allowed.
func (p Permissions) OK() bool { return len(p.Denied) == 0 }

func (c *Clients) iam(region string) *iam.Client {
	return clientFor(c, "iam", region, func(cfg aws.Config) *iam.Client {
		return iam.NewFromConfig(cfg, func(o *iam.Options) { c.endpoint(&o.BaseEndpoint) })
	})
}

// PolicySimulator asks IAM's policy simulator what the caller may do.
type PolicySimulator struct{ c *Clients }

// PolicySimulator returns the IAM policy simulator.
func (c *Clients) PolicySimulator() PolicySimulator { return PolicySimulator{c} }

// CheckPermissions asks iam:SimulatePrincipalPolicy whether the caller
// (STS GetCallerIdentity in the home region) may do q.Actions on
// q.Resources under its identity policies. IAM is global: the call is
// signed for whatever region the SDK's endpoint rules give the home
// region's partition (us-east-1 for aws).
//
// Limits of the simulation: resource policies, permissions boundaries,
// SCPs and session policies are not part of it, and condition keys are
// not supplied (reported as MissingContext).
func (sim PolicySimulator) CheckPermissions(ctx context.Context, q PermissionQuery) (Permissions, error) {
	c := sim.c
	if len(q.Actions) == 0 {
		return Permissions{}, errors.New("check permissions: no actions to check")
	}
	region := c.Region()
	// Asked afresh, not from Identity's cache: a readiness check run on a
	// schedule must see a changed role.
	var caller string
	err := c.call(ctx, op{"sts", "GetCallerIdentity", "", region}, func(ctx context.Context) error {
		out, err := c.sts(region).GetCallerIdentity(ctx, nil)
		if err == nil {
			caller = aws.ToString(out.Arn)
		}
		return err
	})
	if err != nil {
		return Permissions{}, fmt.Errorf("check permissions: %w", err)
	}
	principal, err := PrincipalARN(caller, q.RolePath)
	if err != nil {
		return Permissions{}, fmt.Errorf("check permissions: %w", err)
	}
	res := Permissions{Caller: caller, Principal: principal}
	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(principal), ActionNames: q.Actions, ResourceArns: q.Resources}
	_, err = pages(ctx, func(ctx context.Context, marker *string) (*string, error) {
		in.Marker = marker
		var out *iam.SimulatePrincipalPolicyOutput
		err := c.call(ctx, op{"iam", "SimulatePrincipalPolicy", principal, region}, func(ctx context.Context) (err error) {
			out, err = c.iam(region).SimulatePrincipalPolicy(ctx, in)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, r := range out.EvaluationResults {
			res.Checked++
			if r.EvalDecision == "allowed" {
				continue
			}
			d := Denial{Action: aws.ToString(r.EvalActionName), Resource: aws.ToString(r.EvalResourceName),
				Decision: string(r.EvalDecision), MissingContext: r.MissingContextValues}
			for _, m := range r.MatchedStatements {
				d.Policies = append(d.Policies, aws.ToString(m.SourcePolicyId))
			}
			res.Denied = append(res.Denied, d)
		}
		if !out.IsTruncated {
			return nil, nil
		}
		return out.Marker, nil
	})
	if err != nil {
		return Permissions{}, err
	}
	return res, nil
}

var (
	assumedRoleARN = regexp.MustCompile(`^arn:(aws[\w-]*):sts::(\d{12}):assumed-role/([\w+=,.@-]+)/[\w+=,.@-]+$`)
	iamEntityARN   = regexp.MustCompile(`^arn:aws[\w-]*:iam::\d{12}:(role|user)/.+$`)
)

// PrincipalARN turns the ARN GetCallerIdentity returns into the IAM ARN
// SimulatePrincipalPolicy takes. An IAM user or role ARN is kept; an
// assumed-role session arn:aws:sts::ACCT:assumed-role/NAME/SESSION becomes
// arn:aws:iam::ACCT:role<path>NAME. The session ARN does not carry the
// role's path, so rolePath ("/" when empty) must be given for a role that
// has one. Federated users and the root user have no principal to simulate.
func PrincipalARN(callerARN, rolePath string) (string, error) {
	if m := assumedRoleARN.FindStringSubmatch(callerARN); m != nil {
		path := rolePath
		if path == "" {
			path = "/"
		}
		if !strings.HasPrefix(path, "/") || !strings.HasSuffix(path, "/") {
			return "", fmt.Errorf("role path %q must begin and end with /", path)
		}
		return fmt.Sprintf("arn:%s:iam::%s:role%s%s", m[1], m[2], path, m[3]), nil
	}
	if iamEntityARN.MatchString(callerARN) {
		return callerARN, nil
	}
	return "", fmt.Errorf("caller %s is not an IAM user or an assumed role: IAM's policy simulator cannot check it (federated users and the root user have no identity policies to simulate)", callerARN)
}
