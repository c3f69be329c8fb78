package awsapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// LagFamily is the kind of replica whose lag is read.
type LagFamily string

// The replica families drorch reads lag for.
const (
	// LagAurora: a secondary cluster of an Aurora global database. Its lag
	// is AuroraGlobalDBRPOLag (ms) where the engine publishes it (Aurora
	// PostgreSQL, Aurora MySQL 3.04+ / 2.12+), else
	// AuroraGlobalDBReplicationLag (ms), dimension DBClusterIdentifier
	// (Aurora UG, "Amazon CloudWatch metrics for Amazon Aurora").
	LagAurora LagFamily = "aurora"
	// LagRDS: an RDS read replica: ReplicaLag (s), dimension
	// DBInstanceIdentifier; -1 while replication is not active (RDS UG,
	// "Amazon CloudWatch metrics for Amazon RDS").
	LagRDS LagFamily = "rds"
	// LagElastiCache: a secondary replication group of a global datastore:
	// GlobalDatastoreReplicationLag (s) of the group's primary node, read
	// for cache cluster <group>-001 (ElastiCache UG, "Metrics for Valkey
	// and Redis OSS"). A cluster-mode-enabled group names its nodes
	// <group>-0001-001 and is not read correctly.
	LagElastiCache LagFamily = "elasticache"
)

// DefaultLagWindow is how far back LatestLag looks for a data point.
const DefaultLagWindow = 10 * time.Minute

// LagQuery names the replica whose latest lag is read.
type LagQuery struct {
	Family LagFamily
	// ID is the secondary DB cluster id (aurora), the read replica's DB
	// instance id (rds) or the secondary replication group id
	// (elasticache). CloudWatch dimension values are case-sensitive, and
	// RDS publishes ids lower case, so pass them as the API returns them.
	ID string
	// Window is how far back to look (default DefaultLagWindow).
	Window time.Duration
	// Now ends the window (default time.Now(); drorch passes its clock).
	Now time.Time
}

// Lag is the newest lag data point of a replica.
type Lag struct {
	// HasData is false when CloudWatch had no data point in the window:
	// the replica is not replicating (promoted, detached), does not exist,
	// or its metrics stopped. It is not a lag of zero.
	HasData bool
	// Active is false when the metric says replication is not active
	// (ReplicaLag -1); Seconds is then meaningless.
	Active bool
	// Seconds is the lag: how far behind its primary the replica is, so
	// how many seconds of writes a failover to it would lose.
	Seconds float64
	// At is the time of the data point (start of its one-minute period).
	At time.Time
	// Metric is the CloudWatch metric the value came from.
	Metric string
}

// Duration returns the lag as a duration (0 when there is no data or
// replication is not active: check HasData and Active first).
func (l Lag) Duration() time.Duration {
	if !l.HasData || !l.Active {
		return 0
	}
	return time.Duration(l.Seconds * float64(time.Second))
}

// lagMetric is one metric LatestLag reads, in order of preference.
type lagMetric struct {
	namespace, name, dimension string
	toSeconds                  float64
}

var lagMetricsByFamily = map[LagFamily][]lagMetric{
	LagAurora: {
		{"AWS/RDS", "AuroraGlobalDBRPOLag", "DBClusterIdentifier", 0.001},
		{"AWS/RDS", "AuroraGlobalDBReplicationLag", "DBClusterIdentifier", 0.001},
	},
	LagRDS:         {{"AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", 1}},
	LagElastiCache: {{"AWS/ElastiCache", "GlobalDatastoreReplicationLag", "CacheClusterId", 1}},
}

func (c *Clients) cloudwatch(region string) *cloudwatch.Client {
	return clientFor(c, "monitoring", region, func(cfg aws.Config) *cloudwatch.Client {
		return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { c.endpoint(&o.BaseEndpoint) })
	})
}

// Metrics reads replication lag from CloudWatch.
type Metrics struct{ c *Clients }

// Metrics returns the CloudWatch reader.
func (c *Clients) Metrics() Metrics { return Metrics{c} }

// LatestLag reads the newest one-minute Maximum of a replica's lag metric
// in region (the replica's region: CloudWatch metrics are regional).
func (mr Metrics) LatestLag(ctx context.Context, region string, q LagQuery) (Lag, error) {
	c := mr.c
	metrics, ok := lagMetricsByFamily[q.Family]
	switch {
	case !ok:
		return Lag{}, fmt.Errorf("read replication lag: family %q must be aurora, rds or elasticache", q.Family)
	case q.ID == "":
		return Lag{}, errors.New("read replication lag: the replica's id is required")
	}
	if q.Window <= 0 {
		q.Window = DefaultLagWindow
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	value := q.ID
	if q.Family == LagElastiCache {
		value += "-001"
	}
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(q.Now.Add(-q.Window)), EndTime: aws.Time(q.Now.Add(time.Second)),
		ScanBy: cwtypes.ScanByTimestampDescending,
	}
	for i, m := range metrics {
		in.MetricDataQueries = append(in.MetricDataQueries, cwtypes.MetricDataQuery{
			Id: aws.String(fmt.Sprintf("m%d", i)),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(m.namespace), MetricName: aws.String(m.name),
					Dimensions: []cwtypes.Dimension{{Name: aws.String(m.dimension), Value: aws.String(value)}}},
				Period: aws.Int32(60), Stat: aws.String("Maximum"),
			},
		})
	}
	newest := map[string]cwtypes.MetricDataResult{}
	_, err := pages(ctx, func(ctx context.Context, token *string) (*string, error) {
		in.NextToken = token
		var out *cloudwatch.GetMetricDataOutput
		err := c.call(ctx, op{"monitoring", "GetMetricData", q.ID, region}, func(ctx context.Context) (err error) {
			out, err = c.cloudwatch(region).GetMetricData(ctx, in)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, r := range out.MetricDataResults {
			// Newest first: the first page holding points of a query has
			// its newest one.
			if _, seen := newest[aws.ToString(r.Id)]; !seen && len(r.Values) > 0 && len(r.Timestamps) > 0 {
				newest[aws.ToString(r.Id)] = r
			}
		}
		if len(newest) == len(metrics) {
			return nil, nil
		}
		return out.NextToken, nil
	})
	if err != nil {
		return Lag{}, err
	}
	for i, m := range metrics {
		r, ok := newest[fmt.Sprintf("m%d", i)]
		if !ok {
			continue
		}
		lag := Lag{HasData: true, Active: r.Values[0] >= 0, At: r.Timestamps[0].UTC(), Metric: m.name}
		if lag.Active {
			lag.Seconds = r.Values[0] * m.toSeconds
		} else {
			lag.Seconds = -1
		}
		return lag, nil
	}
	return Lag{}, nil
}
