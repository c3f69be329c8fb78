package sim_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"drorch/sim"
)

func (h *harness) cw(region string) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(h.cfg(region), func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(h.url) })
}

// lagSeries names one of the seed world's lag metrics.
type lagSeries struct {
	name, namespace, metric string
	dims                    map[string]string
	scale                   float64 // unit -> seconds
}

var (
	seedAurora = lagSeries{"aurora", "AWS/RDS", "AuroraGlobalDBReplicationLag", map[string]string{"DBClusterIdentifier": "dbcluster-02"}, 0.001}
	seedRPO    = lagSeries{"rpo", "AWS/RDS", "AuroraGlobalDBRPOLag", map[string]string{"DBClusterIdentifier": "dbcluster-02", "SourceRegion": east}, 0.001}
	seedRDS    = lagSeries{"rds", "AWS/RDS", "ReplicaLag", map[string]string{"DBInstanceIdentifier": "rds-mysql-instance"}, 1}
	seedCache  = lagSeries{"cache", "AWS/ElastiCache", "GlobalDatastoreReplicationLag", map[string]string{"CacheClusterId": "demo-redis-cluster-001"}, 1}
)

func (l lagSeries) query(id, stat string, period int32) cwtypes.MetricDataQuery {
	var dims []cwtypes.Dimension
	for k, v := range l.dims {
		dims = append(dims, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(v)})
	}
	return cwtypes.MetricDataQuery{Id: aws.String(id), MetricStat: &cwtypes.MetricStat{
		Metric: &cwtypes.Metric{Namespace: aws.String(l.namespace), MetricName: aws.String(l.metric), Dimensions: dims},
		Period: aws.Int32(period), Stat: aws.String(stat)}}
}

// lagPoints reads the last span of a series, newest first, in seconds.
func (h *harness) lagPoints(region string, l lagSeries, span time.Duration) ([]time.Time, []float64) {
	h.t.Helper()
	now := h.sim.Now()
	out, err := h.cw(region).GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-span)), EndTime: aws.Time(now.Add(time.Second)),
		MetricDataQueries: []cwtypes.MetricDataQuery{l.query("m", "Maximum", 60)}})
	if err != nil {
		h.t.Fatalf("GetMetricData %s: %v", l.name, err)
	}
	r := out.MetricDataResults[0]
	vs := make([]float64, len(r.Values))
	for i, v := range r.Values {
		if v >= 0 {
			v *= l.scale
		}
		vs[i] = v
	}
	return r.Timestamps, vs
}

// latest is the newest value of a series over the last 3 minutes.
func (h *harness) latest(region string, l lagSeries) (float64, bool) {
	_, vs := h.lagPoints(region, l, 3*time.Minute)
	if len(vs) == 0 {
		return 0, false
	}
	return vs[0], true
}

func TestCloudWatchNormalLag(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	for _, l := range []lagSeries{seedAurora, seedRPO, seedRDS, seedCache} {
		ts, vs := h.lagPoints(west, l, 10*time.Minute)
		if len(vs) != 11 {
			t.Fatalf("%s: %d points over 10 minutes, want 11 (one a minute, both ends included)", l.name, len(vs))
		}
		for i, v := range vs {
			if v <= 0 || v >= 1 {
				t.Errorf("%s: point %d = %v s, want a sub-second lag", l.name, i, v)
			}
			if i > 0 && !ts[i].Before(ts[i-1]) {
				t.Errorf("%s: timestamps not newest first: %v", l.name, ts)
			}
		}
		if !ts[0].Equal(t0) {
			t.Errorf("%s: newest point at %v, want %v (on the minute)", l.name, ts[0], t0)
		}
	}
	// Metrics are regional, the writer has none, dimension values are
	// case-sensitive and dimension sets exact.
	for _, c := range []struct {
		region string
		l      lagSeries
	}{
		{east, seedAurora},
		{east, lagSeries{"writer", "AWS/RDS", "AuroraGlobalDBReplicationLag", map[string]string{"DBClusterIdentifier": "dbcluster-01"}, 1}},
		{west, lagSeries{"case", "AWS/RDS", "ReplicaLag", map[string]string{"DBInstanceIdentifier": "RDS-MySQL-Instance"}, 1}},
		{west, lagSeries{"extra dim", "AWS/RDS", "ReplicaLag", map[string]string{"DBInstanceIdentifier": "rds-mysql-instance", "Role": "x"}, 1}},
		{west, lagSeries{"wrong source", "AWS/RDS", "AuroraGlobalDBRPOLag", map[string]string{"DBClusterIdentifier": "dbcluster-02", "SourceRegion": west}, 1}},
		{west, lagSeries{"unknown", "AWS/RDS", "CPUUtilization", map[string]string{"DBInstanceIdentifier": "rds-mysql-instance"}, 1}},
	} {
		if _, vs := h.lagPoints(c.region, c.l, 10*time.Minute); len(vs) != 0 {
			t.Errorf("%s in %s: %d points, want none", c.l.name, c.region, len(vs))
		}
	}
}

func TestCloudWatchLagFault(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	h.advance(10 * time.Minute)
	f, err := h.sim.SetFault(sim.Fault{Kind: sim.FaultLag, Region: west, Seconds: 120})
	if err != nil {
		t.Fatal(err)
	}
	h.advance(5 * time.Minute)
	for _, l := range []lagSeries{seedAurora, seedRDS, seedCache} {
		v, ok := h.latest(west, l)
		if !ok || math.Abs(v-120) > 120*0.03+0.001 {
			t.Errorf("%s under a 120 s lag fault: %v (data %v)", l.name, v, ok)
		}
		ts, vs := h.lagPoints(west, l, 15*time.Minute)
		if old := vs[len(vs)-1]; old >= 1 || ts[len(ts)-1].After(t0) {
			t.Errorf("%s: the point before the fault changed: %v at %v", l.name, old, ts[len(ts)-1])
		}
	}
	if err := h.sim.ClearFault(f.ID); err != nil {
		t.Fatal(err)
	}
	h.advance(2 * time.Minute)
	for _, l := range []lagSeries{seedAurora, seedRDS, seedCache} {
		if v, ok := h.latest(west, l); !ok || v >= 1 {
			t.Errorf("%s after the fault was cleared: %v (data %v)", l.name, v, ok)
		}
	}
	// A lag fault elsewhere leaves these replicas alone.
	if _, err := h.sim.SetFault(sim.Fault{Kind: sim.FaultLag, Region: east, Seconds: 500}); err != nil {
		t.Fatal(err)
	}
	h.advance(2 * time.Minute)
	if v, _ := h.latest(west, seedAurora); v >= 1 {
		t.Errorf("a lag fault in %s raised the lag in %s: %v", east, west, v)
	}
}

func TestCloudWatchPrimaryRegionDown(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	if _, err := h.sim.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: east}); err != nil {
		t.Fatal(err)
	}
	h.advance(5 * time.Minute)
	for _, l := range []lagSeries{seedAurora, seedCache} {
		v, ok := h.latest(west, l)
		if !ok || v < 300 || v > 301 {
			t.Errorf("%s five minutes into an outage of the primary's region: %v s (data %v), want about 300", l.name, v, ok)
		}
	}
	if v, ok := h.latest(west, seedRDS); !ok || v != -1 {
		t.Errorf("ReplicaLag while the source region is down: %v (data %v), want -1", v, ok)
	}
	h.sim.ClearFaults()
	h.advance(time.Minute)
	for _, l := range []lagSeries{seedAurora, seedRDS, seedCache} {
		if v, ok := h.latest(west, l); !ok || v < 0 || v >= 1 {
			t.Errorf("%s once the region is back: %v (data %v)", l.name, v, ok)
		}
	}
}

func TestCloudWatchAfterDetachAndPromote(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	h.advance(10 * time.Minute)
	if _, err := h.rds(west).RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(seedGC), DbClusterIdentifier: aws.String(arnWest02)}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.rds(west).PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String("rds-mysql-instance")}); err != nil {
		t.Fatal(err)
	}
	h.advance(time.Minute)
	if v, ok := h.latest(west, seedRDS); !ok || v != -1 {
		t.Errorf("ReplicaLag while being promoted: %v (data %v), want -1", v, ok)
	}
	h.advance(10 * time.Minute)
	ts, vs := h.lagPoints(west, seedAurora, 30*time.Minute)
	if len(vs) == 0 || !ts[0].Equal(t0.Add(9*time.Minute)) {
		t.Errorf("a secondary detached at +10m: newest point %v, want the minute before", ts)
	}
	if len(vs) != 19 {
		t.Errorf("the history before the detach is gone: %d points", len(vs))
	}
	if v, ok := h.latest(west, seedRDS); ok {
		t.Errorf("a promoted instance still reports ReplicaLag %v", v)
	}
	if v, ok := h.latest(west, seedCache); !ok || v >= 1 {
		t.Errorf("the untouched datastore: %v (data %v)", v, ok)
	}
}

func TestCloudWatchGetMetricStatistics(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	c := h.cw(west)
	in := &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("AWS/RDS"), MetricName: aws.String("AuroraGlobalDBReplicationLag"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("DBClusterIdentifier"), Value: aws.String("dbcluster-02")}},
		StartTime:  aws.Time(t0.Add(-30 * time.Minute)), EndTime: aws.Time(t0),
		Period: aws.Int32(300), Statistics: []cwtypes.Statistic{cwtypes.StatisticAverage, cwtypes.StatisticMaximum, cwtypes.StatisticMinimum, cwtypes.StatisticSampleCount, cwtypes.StatisticSum},
	}
	out, err := c.GetMetricStatistics(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Label) != "AuroraGlobalDBReplicationLag" || len(out.Datapoints) != 6 {
		t.Fatalf("label %q, %d datapoints, want 6 five-minute points", aws.ToString(out.Label), len(out.Datapoints))
	}
	for _, dp := range out.Datapoints {
		n, sum, avg := aws.ToFloat64(dp.SampleCount), aws.ToFloat64(dp.Sum), aws.ToFloat64(dp.Average)
		if n != 5 || math.Abs(sum/n-avg) > 1e-9 || aws.ToFloat64(dp.Minimum) > avg || aws.ToFloat64(dp.Maximum) < avg ||
			dp.Unit != cwtypes.StandardUnitMilliseconds || aws.ToTime(dp.Timestamp).Unix()%300 != 0 {
			t.Errorf("datapoint %+v", dp)
		}
	}
	in.Unit = cwtypes.StandardUnitSeconds
	if out, err := c.GetMetricStatistics(ctx, in); err != nil || len(out.Datapoints) != 0 {
		t.Errorf("a unit the metric is not in must match nothing: %v, %d points", err, len(out.Datapoints))
	}
	in.Unit = ""
	in.Period = aws.Int32(60)
	in.StartTime = aws.Time(t0.Add(-48 * time.Hour))
	var combo *cwtypes.InvalidParameterCombinationException
	if _, err := c.GetMetricStatistics(ctx, in); !errors.As(err, &combo) || apiCode(err) != "InvalidParameterCombination" {
		t.Errorf("2,880 datapoints: %v (code %s)", err, apiCode(err))
	}
	in.StartTime, in.Statistics = aws.Time(t0.Add(-time.Hour)), nil
	if _, err := c.GetMetricStatistics(ctx, in); !errors.As(err, &combo) {
		t.Errorf("no statistics: %v", err)
	}
	in.Statistics, in.Period = []cwtypes.Statistic{cwtypes.StatisticAverage}, aws.Int32(90)
	var bad *cwtypes.InvalidParameterValueException
	if _, err := c.GetMetricStatistics(ctx, in); !errors.As(err, &bad) || apiCode(err) != "InvalidParameterValue" {
		t.Errorf("period 90: %v", err)
	}
}

func TestCloudWatchGetMetricDataPaging(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	c := h.cw(west)
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(t0.Add(-10 * time.Minute)), EndTime: aws.Time(t0.Add(time.Second)),
		ScanBy: cwtypes.ScanByTimestampAscending,
		MetricDataQueries: []cwtypes.MetricDataQuery{seedAurora.query("a", "Average", 60), seedRDS.query("r", "Maximum", 120),
			seedCache.query("c", "SampleCount", 60)},
	}
	whole, err := c.GetMetricData(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.MetricDataResults) != 3 || whole.NextToken != nil {
		t.Fatalf("one page: %d results, token %v", len(whole.MetricDataResults), whole.NextToken)
	}
	a := whole.MetricDataResults[0]
	if aws.ToString(a.Label) != "AuroraGlobalDBReplicationLag" || a.StatusCode != cwtypes.StatusCodeComplete ||
		!a.Timestamps[0].Before(a.Timestamps[1]) {
		t.Errorf("first result %+v", a)
	}
	if r := whole.MetricDataResults[1]; len(r.Values) != 6 {
		t.Errorf("2-minute periods over 10 minutes: %d points", len(r.Values))
	}
	in.MaxDatapoints = aws.Int32(4)
	got := map[string][]float64{}
	pages := 0
	for p := cloudwatch.NewGetMetricDataPaginator(c, in); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.MetricDataResults {
			got[aws.ToString(r.Id)] = append(got[aws.ToString(r.Id)], r.Values...)
		}
	}
	for _, r := range whole.MetricDataResults {
		id := aws.ToString(r.Id)
		if len(got[id]) != len(r.Values) {
			t.Errorf("%s paged: %v, whole: %v", id, got[id], r.Values)
		}
		for i := range r.Values {
			if got[id][i] != r.Values[i] {
				t.Errorf("%s paged: %v, whole: %v", id, got[id], r.Values)
				break
			}
		}
	}
	if pages != 7 { // 11 + 6 + 11 points, 4 a page
		t.Errorf("%d pages, want 7", pages)
	}
	in.NextToken = aws.String("bm90IGEgdG9rZW4")
	var tok *cwtypes.InvalidNextToken
	if _, err := c.GetMetricData(ctx, in); !errors.As(err, &tok) {
		t.Errorf("bad token: %v", err)
	}
	in.NextToken = nil
	in.MetricDataQueries = []cwtypes.MetricDataQuery{{Id: aws.String("e1"), Expression: aws.String("SUM(METRICS())")}}
	var val *cwtypes.ValidationException
	if _, err := c.GetMetricData(ctx, in); !errors.As(err, &val) || apiCode(err) != "ValidationError" {
		t.Errorf("expression: %v (code %s)", err, apiCode(err))
	}
}

func TestCloudWatchFaultsAndDeterminism(t *testing.T) {
	t.Parallel()
	a, b := seedHarness(t), seedHarness(t)
	_, va := a.lagPoints(west, seedAurora, time.Hour)
	_, vb := b.lagPoints(west, seedAurora, time.Hour)
	for i := range va {
		if va[i] != vb[i] {
			t.Fatalf("same seed, different lag: %v vs %v", va, vb)
		}
	}
	if _, err := a.sim.SetFault(sim.Fault{Kind: sim.FaultThrottle, Region: west, Service: "monitoring"}); err != nil {
		t.Fatal(err)
	}
	_, err := a.cw(west).GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(t0.Add(-time.Minute)), EndTime: aws.Time(t0), MetricDataQueries: []cwtypes.MetricDataQuery{seedRDS.query("m", "Average", 60)}})
	if apiCode(err) != "Throttling" {
		t.Errorf("throttled GetMetricData: %v", err)
	}
}
