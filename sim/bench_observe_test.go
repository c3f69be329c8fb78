package sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// BenchmarkGetMetricDataLatest is drorch check's read: the last 10 minutes
// of one lag metric, through aws-sdk-go-v2 and CBOR.
func BenchmarkGetMetricDataLatest(b *testing.B) {
	h := seedHarness(b)
	c := h.cw(west)
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(t0.Add(-10 * time.Minute)), EndTime: aws.Time(t0),
		MetricDataQueries: []cwtypes.MetricDataQuery{seedAurora.query("m", "Maximum", 60)}}
	for b.Loop() {
		if _, err := c.GetMetricData(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetMetricDataRetention reads a whole 15-day retention of
// one-minute points (21,600) of three metrics: the most a query costs.
func BenchmarkGetMetricDataRetention(b *testing.B) {
	h := seedHarness(b)
	c := h.cw(west)
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(t0.Add(-15 * 24 * time.Hour)), EndTime: aws.Time(t0),
		MetricDataQueries: []cwtypes.MetricDataQuery{seedAurora.query("a", "Average", 60), seedRDS.query("r", "Average", 60),
			seedCache.query("c", "Average", 60)}}
	points := 0
	for b.Loop() {
		out, err := c.GetMetricData(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		points = len(out.MetricDataResults[0].Values)
	}
	b.ReportMetric(float64(points), "points/query")
}

// BenchmarkSimulatePrincipalPolicy checks 20 actions on 5 resources.
func BenchmarkSimulatePrincipalPolicy(b *testing.B) {
	h := seedHarness(b)
	c := h.iam()
	var actions []string
	for _, a := range []string{"rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster", "rds:DescribeDBClusters", "elasticache:FailoverGlobalReplicationGroup"} {
		actions = append(actions, a, a+"X", a+"Y", a+"Z", a+"W")
	}
	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(operatorRole), ActionNames: actions,
		ResourceArns: []string{arnEast01, arnWest02, "*", "arn:aws:rds::123456789012:global-cluster:g", "arn:aws:rds:us-west-2:123456789012:db:x"}, MaxItems: aws.Int32(1000)}
	for b.Loop() {
		if _, err := c.SimulatePrincipalPolicy(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}
