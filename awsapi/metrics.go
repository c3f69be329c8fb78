package awsapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"drorch/cloud"
)

// LagFamily is the kind of replica whose lag is read (cloud.LagFamily).
type LagFamily = cloud.LagFamily

// The replica families drorch reads lag for.
const (
	// LagAurora: a secondary cluster of an Aurora global database. Its lag
	// is AuroraGlobalDBRPOLag (ms) where the engine publishes it (Aurora
	// PostgreSQL, Aurora MySQL 3.04+ / 2.12+), else
	// AuroraGlobalDBReplicationLag (ms), dimension DBClusterIdentifier
	// (Aurora UG, "Amazon CloudWatch metrics for Amazon Aurora").
	LagAurora = cloud.LagAurora
	// LagRDS: an RDS read replica: ReplicaLag (s), dimension
	// DBInstanceIdentifier; -1 while replication is not active (RDS UG,
	// "Amazon CloudWatch metrics for Amazon RDS").
	LagRDS = cloud.LagRDS
	// LagElastiCache: a secondary replication group of a global datastore:
	// GlobalDatastoreReplicationLag (s) of the group's primary node, read
	// for cache cluster <group>-001 (ElastiCache UG, "Metrics for Valkey
	// and Redis OSS"). A cluster-mode-enabled group names its nodes
	// <group>-0001-001 and is not read correctly.
	LagElastiCache = cloud.LagElastiCache
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
	if _, ok := lagMetricsByFamily[q.Family]; !ok {
		return Lag{}, fmt.Errorf("read replication lag: family %q must be aurora, rds or elasticache", q.Family)
	}
	if q.ID == "" {
		return Lag{}, errors.New("read replication lag: the replica's id is required")
	}
	lags, err := mr.latestLags(ctx, region, q.Window, q.Now, []lagReplica{{q.Family, q.ID}})
	if err != nil {
		return Lag{}, err
	}
	return lags[0], nil
}

// lagReplica is one replica whose lag latestLags reads.
type lagReplica struct {
	family LagFamily
	id     string
}

// maxMetricQueries is the most queries one GetMetricData call may hold
// (CloudWatch API reference, GetMetricData).
const maxMetricQueries = 500

// latestLags reads the newest lag of every replica in region, all in one
// GetMetricData call (more when they need over maxMetricQueries queries):
// the lags, in the order of replicas.
func (mr Metrics) latestLags(ctx context.Context, region string, window time.Duration, now time.Time, replicas []lagReplica) ([]Lag, error) {
	if window <= 0 {
		window = DefaultLagWindow
	}
	if now.IsZero() {
		now = time.Now()
	}
	out := make([]Lag, len(replicas))
	for start := 0; start < len(replicas); {
		// Queries of one replica stay in one call.
		end, n := start, 0
		for end < len(replicas) && n+len(lagMetricsByFamily[replicas[end].family]) <= maxMetricQueries {
			n += len(lagMetricsByFamily[replicas[end].family])
			end++
		}
		if err := mr.latestLagsCall(ctx, region, window, now, replicas[start:end], out[start:end]); err != nil {
			return nil, err
		}
		start = end
	}
	return out, nil
}

// latestLagsCall reads the lags of replicas with one GetMetricData (and its
// pages) into out.
func (mr Metrics) latestLagsCall(ctx context.Context, region string, window time.Duration, now time.Time, replicas []lagReplica, out []Lag) error {
	c := mr.c
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-window)), EndTime: aws.Time(now.Add(time.Second)),
		ScanBy: cwtypes.ScanByTimestampDescending,
	}
	type ref struct {
		replica int
		metric  lagMetric
		rank    int
	}
	refs := map[string]ref{}
	names := make([]string, 0, len(replicas))
	for i, r := range replicas {
		value := r.id
		if r.family == LagElastiCache {
			value += "-001"
		}
		names = append(names, r.id)
		for j, m := range lagMetricsByFamily[r.family] {
			id := fmt.Sprintf("m%d_%d", i, j)
			refs[id] = ref{replica: i, metric: m, rank: j}
			in.MetricDataQueries = append(in.MetricDataQueries, cwtypes.MetricDataQuery{
				Id: aws.String(id),
				MetricStat: &cwtypes.MetricStat{
					Metric: &cwtypes.Metric{Namespace: aws.String(m.namespace), MetricName: aws.String(m.name),
						Dimensions: []cwtypes.Dimension{{Name: aws.String(m.dimension), Value: aws.String(value)}}},
					Period: aws.Int32(60), Stat: aws.String("Maximum"),
				},
			})
		}
	}
	newest := map[string]cwtypes.MetricDataResult{}
	_, err := pages(ctx, func(ctx context.Context, token *string) (*string, error) {
		in.NextToken = token
		var res *cloudwatch.GetMetricDataOutput
		err := c.call(ctx, op{"monitoring", "GetMetricData", summary(names), region}, func(ctx context.Context) (err error) {
			res, err = c.cloudwatch(region).GetMetricData(ctx, in)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, r := range res.MetricDataResults {
			// Newest first: the first page holding points of a query has
			// its newest one.
			if _, seen := newest[aws.ToString(r.Id)]; !seen && len(r.Values) > 0 && len(r.Timestamps) > 0 {
				newest[aws.ToString(r.Id)] = r
			}
		}
		if len(newest) == len(in.MetricDataQueries) {
			return nil, nil
		}
		return res.NextToken, nil
	})
	if err != nil {
		return err
	}
	// Each replica takes the metric it prefers among those with data.
	best := make([]int, len(replicas))
	for i := range best {
		best[i] = -1
	}
	for id, r := range newest {
		rf, ok := refs[id]
		if !ok || best[rf.replica] >= 0 && best[rf.replica] < rf.rank {
			continue
		}
		best[rf.replica] = rf.rank
		lag := Lag{HasData: true, Active: r.Values[0] >= 0, At: r.Timestamps[0].UTC(), Metric: rf.metric.name, Seconds: -1}
		if lag.Active {
			lag.Seconds = r.Values[0] * rf.metric.toSeconds
		}
		out[rf.replica] = lag
	}
	return nil
}
