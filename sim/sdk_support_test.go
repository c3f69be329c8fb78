package sim_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"drorch/sim"
)

func TestSDKElastiCache(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	c := h.ec(west)
	out, err := c.DescribeGlobalReplicationGroups(ctx, &elasticache.DescribeGlobalReplicationGroupsInput{
		GlobalReplicationGroupId: aws.String(seedGRG), ShowMemberInfo: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	g := out.GlobalReplicationGroups[0]
	if aws.ToString(g.Status) != "available" || aws.ToString(g.Engine) != "redis" || len(g.Members) != 2 ||
		aws.ToString(g.Members[0].Role) != "PRIMARY" || aws.ToString(g.Members[0].ReplicationGroupRegion) != east ||
		aws.ToString(g.Members[1].Role) != "SECONDARY" || aws.ToString(g.Members[1].ReplicationGroupId) != "demo-redis-cluster" {
		t.Errorf("global datastore = %+v", g)
	}
	bare, err := c.DescribeGlobalReplicationGroups(ctx, &elasticache.DescribeGlobalReplicationGroupsInput{})
	if err != nil || len(bare.GlobalReplicationGroups) != 1 || bare.GlobalReplicationGroups[0].Members != nil {
		t.Errorf("without ShowMemberInfo members must be omitted: %v", err)
	}
	_, err = c.DescribeGlobalReplicationGroups(ctx, &elasticache.DescribeGlobalReplicationGroupsInput{GlobalReplicationGroupId: aws.String("nope")})
	var nf *ectypes.GlobalReplicationGroupNotFoundFault
	if !errors.As(err, &nf) {
		t.Errorf("unknown datastore: %T %v", err, err)
	}
	_, err = c.FailoverGlobalReplicationGroup(ctx, &elasticache.FailoverGlobalReplicationGroupInput{
		GlobalReplicationGroupId: aws.String(seedGRG), PrimaryRegion: aws.String(east), PrimaryReplicationGroupId: aws.String("demo-redis-cluster")})
	var ipv *ectypes.InvalidParameterValueException
	if !errors.As(err, &ipv) {
		t.Errorf("fail over to the primary: %T %v", err, err)
	}
	fo, err := c.FailoverGlobalReplicationGroup(ctx, &elasticache.FailoverGlobalReplicationGroupInput{
		GlobalReplicationGroupId: aws.String(seedGRG), PrimaryRegion: aws.String(west), PrimaryReplicationGroupId: aws.String("demo-redis-cluster")})
	if err != nil || aws.ToString(fo.GlobalReplicationGroup.Status) != "modifying" {
		t.Fatalf("failover: %v", err)
	}
	rg, err := c.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("demo-redis-cluster")})
	if err != nil {
		t.Fatal(err)
	}
	r := rg.ReplicationGroups[0]
	if aws.ToString(r.Status) != "modifying" || r.GlobalReplicationGroupInfo == nil ||
		aws.ToString(r.GlobalReplicationGroupInfo.GlobalReplicationGroupMemberRole) != "SECONDARY" ||
		len(r.NodeGroups) != 1 || len(r.NodeGroups[0].NodeGroupMembers) != 2 || len(r.MemberClusters) != 2 ||
		aws.ToInt32(r.NodeGroups[0].PrimaryEndpoint.Port) != 3789 {
		t.Errorf("replication group during failover = %+v", r)
	}
	h.advance(time.Minute)
	rg, _ = c.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{})
	if r := rg.ReplicationGroups[0]; aws.ToString(r.Status) != "available" || aws.ToString(r.GlobalReplicationGroupInfo.GlobalReplicationGroupMemberRole) != "PRIMARY" {
		t.Errorf("after failover: %s %s", aws.ToString(r.Status), aws.ToString(r.GlobalReplicationGroupInfo.GlobalReplicationGroupMemberRole))
	}
	_, err = c.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("nope")})
	var rnf *ectypes.ReplicationGroupNotFoundFault
	if !errors.As(err, &rnf) {
		t.Errorf("unknown replication group: %T %v", err, err)
	}
}

func TestSDKListExportsPages(t *testing.T) {
	t.Parallel()
	sc := sim.NewScenario("exports", east)
	sc.Exports[east] = map[string]string{}
	for i := range 250 {
		sc.Exports[east][fmt.Sprintf("export-%03d", i)] = fmt.Sprint(i)
	}
	h := newHarness(t, sc)
	p := cloudformation.NewListExportsPaginator(h.cfn(east), &cloudformation.ListExportsInput{})
	var pages, n int
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range out.Exports {
			if aws.ToString(e.Name) != fmt.Sprintf("export-%03d", n) || aws.ToString(e.Value) != fmt.Sprint(n) || aws.ToString(e.ExportingStackId) == "" {
				t.Fatalf("export %d = %+v", n, e)
			}
			n++
		}
	}
	if pages != 3 || n != 250 {
		t.Errorf("%d pages, %d exports", pages, n)
	}
}

func TestSDKSeedExports(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	for region, want := range map[string]string{east: arnEast01, west: arnWest02} {
		out, err := h.cfn(region).ListExports(context.Background(), &cloudformation.ListExportsInput{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, e := range out.Exports {
			got[aws.ToString(e.Name)] = aws.ToString(e.Value)
		}
		if len(got) != 22 || got["dr-globaldb-cluster-mysql-cluster-identifier"] != want || out.NextToken != nil {
			t.Errorf("%s: %d exports, cluster identifier %s", region, len(got), got["dr-globaldb-cluster-mysql-cluster-identifier"])
		}
		if _, typo := got["dr-globaldb-cluster-mysql-vps-security-group-ids"]; typo {
			t.Errorf("%s serves the README's vps typo", region)
		}
	}
}

func TestSDKSSM(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	c := h.ssm(west)
	cases := []struct {
		name    string
		decrypt bool
		value   string
		code    string
	}{
		{"/dr-orchestrator/demo/global-cluster-id", false, "dr-globaldb-cluster-mysql", ""},
		{"/dr-orchestrator/demo/db-password", true, "s3cr3t-demo-password", ""},
		{"/dr-orchestrator/demo/db-password:1", true, "s3cr3t-demo-password", ""},
		{"arn:aws:ssm:us-west-2:123456789012:parameter/dr-orchestrator/demo/global-cluster-id", false, "dr-globaldb-cluster-mysql", ""},
		{"/dr-orchestrator/demo/db-password:2", true, "", "ParameterVersionNotFound"},
		{"/nope", false, "", "ParameterNotFound"},
	}
	for _, tc := range cases {
		out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(tc.name), WithDecryption: aws.Bool(tc.decrypt)})
		if tc.code != "" {
			if apiCode(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if aws.ToString(out.Parameter.Value) != tc.value || out.Parameter.Version != 1 || out.Parameter.LastModifiedDate == nil {
			t.Errorf("%s = %+v", tc.name, out.Parameter)
		}
	}
	_, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/nope")})
	var pnf *ssmtypes.ParameterNotFound
	if !errors.As(err, &pnf) {
		t.Errorf("typed ParameterNotFound: %T", err)
	}
	enc, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/dr-orchestrator/demo/db-password")})
	if err != nil || enc.Parameter.Type != ssmtypes.ParameterTypeSecureString || aws.ToString(enc.Parameter.Value) == "s3cr3t-demo-password" {
		t.Errorf("SecureString without decryption: %v %+v", err, enc)
	}
}

func TestSDKPublishAndIdentity(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	topic := "arn:aws:sns:us-west-2:123456789012:dr-orchestrator-notifications"
	out, err := h.sns(west).Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String("drill"), Message: aws.String("failover done")})
	if err != nil || aws.ToString(out.MessageId) == "" {
		t.Fatalf("publish: %v", err)
	}
	_, err = h.sns(east).Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("x")})
	if apiCode(err) != "NotFound" {
		t.Errorf("publish to another region's topic: %v", err)
	}
	msgs := h.sim.Messages()
	if len(msgs) != 1 || msgs[0].Subject != "drill" || msgs[0].Message != "failover done" || msgs[0].TopicARN != topic {
		t.Errorf("messages = %+v", msgs)
	}
	id, err := h.sts(east).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != "123456789012" || aws.ToString(id.Arn) == "" || aws.ToString(id.UserId) == "" {
		t.Errorf("identity: %v %+v", err, id)
	}
}

// Throttling is seen by the SDK as retryable: with three attempts it tries
// three times, then gives up with the Throttling code.
func TestSDKThrottlingIsRetryable(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	h.attempts = 3
	if _, err := h.sim.SetFault(sim.Fault{Kind: sim.FaultThrottle, Region: west, Service: "rds"}); err != nil {
		t.Fatal(err)
	}
	_, err := h.rds(west).DescribeGlobalClusters(context.Background(), &rds.DescribeGlobalClustersInput{})
	var maxErr *retry.MaxAttemptsError
	if apiCode(err) != "Throttling" || !errors.As(err, &maxErr) {
		t.Errorf("err = %v", err)
	}
	if n := h.sim.CallCount(west, "rds", "DescribeGlobalClusters"); n != 3 {
		t.Errorf("calls = %d, want 3 attempts", n)
	}
	if _, err := h.sim.SetFault(sim.Fault{Kind: sim.FaultThrottle, Region: west, Service: "ssm"}); err != nil {
		t.Fatal(err)
	}
	_, err = h.ssm(west).GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/nope")})
	if apiCode(err) != "ThrottlingException" || !errors.As(err, &maxErr) {
		t.Errorf("ssm err = %v", err)
	}
	// Other regions are untouched.
	if _, err := h.rds(east).DescribeGlobalClusters(context.Background(), &rds.DescribeGlobalClustersInput{}); err != nil {
		t.Errorf("us-east-1: %v", err)
	}
}
