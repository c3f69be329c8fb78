package sim_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"drorch/sim"
)

func (h *harness) iam() *iam.Client {
	return iam.NewFromConfig(h.cfg("us-east-1"), func(o *iam.Options) { o.BaseEndpoint = aws.String(h.url) })
}

const (
	operatorRole     = "arn:aws:iam::123456789012:role/drorch-operator"
	noSwitchoverRole = "arn:aws:iam::123456789012:role/drorch-no-switchover"
)

func TestSDKSimulatePrincipalPolicy(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	c := h.iam()
	actions := []string{"rds:SwitchoverGlobalCluster", "rds:DescribeGlobalClusters", "cloudwatch:GetMetricData", "s3:GetObject"}
	out, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(operatorRole), ActionNames: actions})
	if err != nil {
		t.Fatal(err)
	}
	want := []iamtypes.PolicyEvaluationDecisionType{"allowed", "allowed", "allowed", "implicitDeny"}
	if len(out.EvaluationResults) != 4 || aws.ToBool(&out.IsTruncated) {
		t.Fatalf("%d results, truncated %v", len(out.EvaluationResults), out.IsTruncated)
	}
	for i, r := range out.EvaluationResults {
		if aws.ToString(r.EvalActionName) != actions[i] || aws.ToString(r.EvalResourceName) != "*" || r.EvalDecision != want[i] {
			t.Errorf("result %d: %s on %s = %s, want %s", i, aws.ToString(r.EvalActionName), aws.ToString(r.EvalResourceName), r.EvalDecision, want[i])
		}
	}
	m := out.EvaluationResults[0].MatchedStatements
	if len(m) != 1 || aws.ToString(m[0].SourcePolicyId) != "drorch-failover" || m[0].SourcePolicyType != iamtypes.PolicySourceTypeRole ||
		m[0].StartPosition == nil || m[0].StartPosition.Line < 2 || m[0].EndPosition.Line <= m[0].StartPosition.Line {
		t.Errorf("matched statements %+v", m)
	}
	if len(out.EvaluationResults[3].MatchedStatements) != 0 {
		t.Errorf("an implicit deny matches no statement: %+v", out.EvaluationResults[3].MatchedStatements)
	}

	// The restricted role lacks the switchover; names are found without case.
	out, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:role/DRORCH-No-Switchover"), ActionNames: actions[:2],
		ResourceArns: []string{arnWest02, arnEast01}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.EvaluationResults {
		got = append(got, string(r.EvalDecision)+" "+aws.ToString(r.EvalResourceName))
	}
	wantPairs := []string{"implicitDeny " + arnWest02, "implicitDeny " + arnEast01, "allowed " + arnWest02, "allowed " + arnEast01}
	if len(got) != 4 || got[0] != wantPairs[0] || got[1] != wantPairs[1] || got[2] != wantPairs[2] || got[3] != wantPairs[3] {
		t.Errorf("per resource: %v, want %v", got, wantPairs)
	}

	// Paging.
	var all []string
	p := iam.NewSimulatePrincipalPolicyPaginator(c, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(operatorRole), ActionNames: actions, MaxItems: aws.Int32(3)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range page.EvaluationResults {
			all = append(all, aws.ToString(r.EvalActionName))
		}
	}
	if pages != 2 || len(all) != 4 || all[3] != "s3:GetObject" {
		t.Errorf("paged: %d pages, %v", pages, all)
	}

	// Errors.
	var nse *iamtypes.NoSuchEntityException
	_, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:role/nobody"), ActionNames: actions})
	if !errors.As(err, &nse) || apiCode(err) != "NoSuchEntity" {
		t.Errorf("unknown role: %v", err)
	}
	var inv *iamtypes.InvalidInputException
	_, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("not-an-arn"), ActionNames: actions})
	if !errors.As(err, &inv) {
		t.Errorf("bad ARN: %v", err)
	}
	_, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(operatorRole), ActionNames: actions,
		ContextEntries: []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:RequestedRegion"), ContextKeyType: "string", ContextKeyValues: []string{"us-west-2"}}}})
	if !errors.As(err, &inv) {
		t.Errorf("context entries must be refused clearly: %v", err)
	}
}

func TestCallerIdentityFollowsTheCaller(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	id, err := h.sts(west).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != "arn:aws:sts::123456789012:assumed-role/drorch-operator/drorch-sim" || aws.ToString(id.Account) != "123456789012" {
		t.Errorf("caller %s in %s", aws.ToString(id.Arn), aws.ToString(id.Account))
	}
	admin := sim.NewClient(h.url)
	if err := admin.SetCaller(ctx, "arn:aws:iam::123456789012:role/ghost"); err == nil {
		t.Error("an unknown caller was accepted")
	}
	user := sim.ScenarioPrincipal{ARN: "arn:aws:iam::123456789012:user/ops/alice", Policies: []sim.ScenarioPolicy{{Name: "deny-all",
		Document: map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Deny", "Action": "*", "Resource": "*"}}}}}}
	if err := admin.PutPrincipal(ctx, user); err != nil {
		t.Fatal(err)
	}
	if err := admin.PutPrincipal(ctx, sim.ScenarioPrincipal{ARN: "arn:aws:iam::999999999999:user/x"}); err == nil {
		t.Error("a principal of another account was accepted")
	}
	if err := admin.SetCaller(ctx, user.ARN); err != nil {
		t.Fatal(err)
	}
	info, err := admin.Caller(ctx)
	if err != nil || info.ARN != user.ARN || len(info.Principals) != 3 {
		t.Errorf("caller info %+v, %v", info, err)
	}
	id, err = h.sts(west).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != user.ARN || aws.ToString(id.UserId)[:4] != "AIDA" {
		t.Errorf("user caller %s %s, %v", aws.ToString(id.Arn), aws.ToString(id.UserId), err)
	}
	out, err := h.iam().SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(user.ARN), ActionNames: []string{"rds:DescribeDBClusters"}})
	if err != nil || out.EvaluationResults[0].EvalDecision != iamtypes.PolicyEvaluationDecisionTypeExplicitDeny ||
		out.EvaluationResults[0].MatchedStatements[0].SourcePolicyType != iamtypes.PolicySourceTypeUser {
		t.Errorf("deny-all user: %+v, %v", out, err)
	}
}

func TestScenarioWithoutPrincipalsAllowsAll(t *testing.T) {
	t.Parallel()
	sc := sim.SeedScenario()
	sc.Principals, sc.Caller = nil, ""
	s, err := sim.New(sim.Config{Scenario: sc, Clock: newFake()})
	if err != nil {
		t.Fatal(err)
	}
	if s.Caller() != "arn:aws:iam::123456789012:user/drorch-sim" {
		t.Errorf("default caller %s", s.Caller())
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	h := &harness{t: t, sim: s, url: srv.URL, attempts: 1, transport: seedHarness(t).transport}
	out, err := h.iam().SimulatePrincipalPolicy(context.Background(), &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(s.Caller()), ActionNames: []string{"rds:SwitchoverGlobalCluster"}})
	if err != nil || out.EvaluationResults[0].EvalDecision != "allowed" {
		t.Errorf("default caller: %+v %v", out, err)
	}
	sc.Caller = "arn:aws:iam::123456789012:role/missing"
	if _, err := sim.New(sim.Config{Scenario: sc}); err == nil {
		t.Error("a caller that is no principal was accepted")
	}
	bad := sim.SeedScenario()
	bad.Principals[0].Policies[0].Document = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`
	if err := bad.Validate(); err == nil {
		t.Error("a policy with a Principal was accepted")
	}
}
