package sim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// CloudWatch (SigV4 name `monitoring`, API 2010-08-01): GetMetricData and
// GetMetricStatistics over the replication-lag metrics of lag.go, in the
// region each request is signed for (metrics are regional: a secondary's
// lag is published where the secondary lives).
//
// The metrics, with their namespaces, units and dimensions:
//
//   - AWS/RDS AuroraGlobalDBReplicationLag, AuroraGlobalDBRPOLag,
//     AuroraGlobalDBProgressLag: Milliseconds, for each secondary cluster of
//     a global database, dimension DBClusterIdentifier (or
//     DBClusterIdentifier + SourceRegion, the primary's region). Aurora UG,
//     "Amazon CloudWatch metrics for Amazon Aurora" (cluster-level metrics),
//     https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html
//   - AWS/RDS ReplicaLag: Seconds, for each read replica, dimension
//     DBInstanceIdentifier; -1 while replication is not active. RDS UG,
//     "Amazon CloudWatch metrics for Amazon RDS",
//     https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html
//   - AWS/ElastiCache GlobalDatastoreReplicationLag: Seconds, "the lag
//     between the secondary Region's primary node and the primary Region's
//     primary node", published like ElastiCache's other host metrics for the
//     primary node's cache cluster of the secondary replication group:
//     dimension CacheClusterId (<group>-001), or CacheClusterId + CacheNodeId
//     (0001). ElastiCache UG, "Metrics for Valkey and Redis OSS" and
//     "Dimensions for ElastiCache metrics",
//     https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html
//
// Like CloudWatch, a metric is named by its exact dimension set, dimension
// values are case-sensitive, and an unknown metric is no error: it has no
// data points.

// lagMetric is one metric of the catalogue.
type lagMetric struct {
	namespace, name, unit string
	kind                  lagKind
	scale                 float64 // seconds -> unit
	salt                  uint64  // varies the noise between metrics
}

var lagMetrics = []lagMetric{
	{"AWS/RDS", "AuroraGlobalDBReplicationLag", "Milliseconds", lagAurora, 1000, 1},
	{"AWS/RDS", "AuroraGlobalDBRPOLag", "Milliseconds", lagAurora, 1000, 2},
	{"AWS/RDS", "AuroraGlobalDBProgressLag", "Milliseconds", lagAurora, 1000, 3},
	{"AWS/RDS", "ReplicaLag", "Seconds", lagRDS, 1, 4},
	{"AWS/ElastiCache", "GlobalDatastoreReplicationLag", "Seconds", lagCache, 1, 5},
}

// metricQuery is a resolved metric: nil subject means no data.
type metricQuery struct {
	metric  lagMetric
	subject *lagSubject
	source  string // SourceRegion dimension, if given
}

// resolveMetric finds the subject a metric names in region.
func (w *world) resolveMetric(region, namespace, name string, dims map[string]string) metricQuery {
	var q metricQuery
	i := slices.IndexFunc(lagMetrics, func(m lagMetric) bool { return m.namespace == namespace && m.name == name })
	if i < 0 || w.lag == nil {
		return q
	}
	q.metric = lagMetrics[i]
	var id string
	switch q.metric.kind {
	case lagAurora:
		id = dims["DBClusterIdentifier"]
		q.source = dims["SourceRegion"]
		if len(dims) != 1 && !(len(dims) == 2 && q.source != "") {
			return q
		}
	case lagRDS:
		id = dims["DBInstanceIdentifier"]
		if len(dims) != 1 {
			return q
		}
	case lagCache:
		cc := dims["CacheClusterId"]
		node, hasNode := dims["CacheNodeId"]
		if len(dims) != 1 && !(len(dims) == 2 && hasNode) || hasNode && node != "0001" {
			return q
		}
		var ok bool
		if id, ok = strings.CutSuffix(cc, "-001"); !ok {
			return q
		}
	}
	q.subject = w.lag.subjects[lagKey{q.metric.kind, region, id}]
	return q
}

// sample is one raw data point.
type sample struct {
	t time.Time
	v float64
}

// samples lists the raw once-a-minute points of q in [from, to), oldest
// first, within retention of now.
func (w *world) samples(q metricQuery, from, to time.Time) []sample {
	if q.subject == nil {
		return nil
	}
	from = maxTime(from, w.now.Add(-retention))
	to = minTime(to, w.now.Add(time.Nanosecond)) // a point at now exists
	var out []sample
	for t := ceilMinute(from); t.Before(to); t = t.Add(time.Minute) {
		if q.source != "" && q.subject.stateAt(t).source != q.source {
			continue
		}
		v, ok := w.lag.lagSeconds(q.subject, q.metric.salt, t)
		if !ok {
			continue
		}
		if v >= 0 {
			v *= q.metric.scale
		}
		out = append(out, sample{t, v})
	}
	return out
}

func ceilMinute(t time.Time) time.Time {
	m := t.Truncate(time.Minute)
	if m.Before(t) {
		m = m.Add(time.Minute)
	}
	return m
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// bucket is the statistics of the samples of one period.
type bucket struct {
	start                 time.Time
	n                     int
	sum, minimum, maximum float64
}

func (b bucket) stat(name string) float64 {
	switch name {
	case "Average":
		return b.sum / float64(b.n)
	case "Sum":
		return b.sum
	case "Minimum":
		return b.minimum
	case "Maximum":
		return b.maximum
	default: // SampleCount
		return float64(b.n)
	}
}

// buckets groups samples into periods aligned on the epoch (CloudWatch
// rounds StartTime down to the period), oldest first; empty periods have
// no bucket.
func buckets(ss []sample, period time.Duration) []bucket {
	var out []bucket
	for _, s := range ss {
		start := s.t.Truncate(period)
		if n := len(out); n == 0 || !out[n-1].start.Equal(start) {
			out = append(out, bucket{start: start, minimum: s.v, maximum: s.v})
		}
		b := &out[len(out)-1]
		b.n++
		b.sum += s.v
		b.minimum = math.Min(b.minimum, s.v)
		b.maximum = math.Max(b.maximum, s.v)
	}
	return out
}

var statistics = []string{"Average", "Maximum", "Minimum", "SampleCount", "Sum"}

// checkPeriod applies CloudWatch's rule: 1, 5, 10, 20, 30 or a multiple of
// 60 seconds (API reference, MetricStat.Period).
func checkPeriod(p int64, path string) *apiError {
	if p == 1 || p == 5 || p == 10 || p == 20 || p == 30 || p >= 60 && p%60 == 0 && p <= 366*86400 {
		return nil
	}
	return newErr("InvalidParameterValue", 400, "The parameter %s must be 1, 5, 10, 20, 30 or a multiple of 60 (got %d).", path, p)
}

// cwErrShapes are CloudWatch's error shapes by Query code (the model's
// awsQueryError traits).
var cwErrShapes = map[string]string{
	"InvalidParameterValue":       "InvalidParameterValueException",
	"MissingParameter":            "MissingRequiredParameterException",
	"InvalidParameterCombination": "InvalidParameterCombinationException",
	"InvalidNextToken":            "InvalidNextToken",
	"InternalServiceError":        "InternalServiceFault",
	"ValidationError":             "ValidationException",
}

// dimensions reads a Dimensions list into a map.
func (r *rpcReader) dimensions(m cbor.Map, path string) (map[string]string, *apiError) {
	dims := map[string]string{}
	list := r.list(m, "Dimensions", path+".Dimensions")
	if len(list) > 30 {
		return nil, newErr("InvalidParameterValue", 400, "The collection %s.Dimensions must not have more than 30 members.", path)
	}
	for i, v := range list {
		p := fmt.Sprintf("%s.Dimensions[%d]", path, i)
		d, ok := r.asMap(v, p)
		if !ok {
			break
		}
		name, _ := r.str(d, "Name", p+".Name")
		value, _ := r.str(d, "Value", p+".Value")
		if name == "" {
			return nil, newErr("MissingParameter", 400, "The parameter %s.Name is required.", p)
		}
		if _, dup := dims[name]; dup {
			return nil, newErr("InvalidParameterValue", 400, "The dimension %s is given twice in %s.", truncate(name, 255), path)
		}
		dims[name] = value
	}
	return dims, r.err
}

// timeRange reads StartTime and EndTime.
func (r *rpcReader) timeRange(in cbor.Map) (start, end time.Time, aerr *apiError) {
	start, hasStart := r.time(in, "StartTime", "StartTime")
	end, hasEnd := r.time(in, "EndTime", "EndTime")
	switch {
	case r.err != nil:
		return start, end, r.err
	case !hasStart:
		return start, end, newErr("MissingParameter", 400, "The parameter StartTime is required.")
	case !hasEnd:
		return start, end, newErr("MissingParameter", 400, "The parameter EndTime is required.")
	case !start.Before(end):
		return start, end, newErr("InvalidParameterValue", 400, "The parameter StartTime must be less than the parameter EndTime.")
	}
	return start, end, nil
}

// GetMetricStatistics returns at most 1,440 data points per call
// (CloudWatch API reference, GetMetricStatistics).
const maxStatisticsPoints = 1440

func getMetricStatistics(c *call, in cbor.Map) (cbor.Map, *apiError) {
	r := &rpcReader{}
	ns, _ := r.str(in, "Namespace", "Namespace")
	name, _ := r.str(in, "MetricName", "MetricName")
	period, hasPeriod := r.integer(in, "Period", "Period")
	stats := r.strings(in, "Statistics", "Statistics")
	extended := r.strings(in, "ExtendedStatistics", "ExtendedStatistics")
	unitFilter, _ := r.str(in, "Unit", "Unit")
	dims, aerr := r.dimensions(in, "")
	if aerr != nil {
		return nil, aerr
	}
	start, end, aerr := r.timeRange(in)
	if aerr != nil {
		return nil, aerr
	}
	switch {
	case ns == "":
		return nil, newErr("MissingParameter", 400, "The parameter Namespace is required.")
	case name == "":
		return nil, newErr("MissingParameter", 400, "The parameter MetricName is required.")
	case !hasPeriod:
		return nil, newErr("MissingParameter", 400, "The parameter Period is required.")
	case len(stats) == 0 && len(extended) == 0:
		return nil, newErr("InvalidParameterCombination", 400, "Must specify either Statistics or ExtendedStatistics.")
	case len(extended) > 0:
		return nil, newErr("InvalidParameterValue", 400, "drorch sim does not compute ExtendedStatistics (percentiles); ask for Statistics.")
	case len(stats) > 5:
		return nil, newErr("InvalidParameterValue", 400, "The collection Statistics must not have more than 5 members.")
	}
	for _, s := range stats {
		if !slices.Contains(statistics, s) {
			return nil, newErr("InvalidParameterValue", 400, "The value %s for parameter Statistics is not valid (Average, Maximum, Minimum, SampleCount, Sum).", truncate(s, 64))
		}
	}
	if aerr := checkPeriod(period, "Period"); aerr != nil {
		return nil, aerr
	}
	p := time.Duration(period) * time.Second
	if n := end.Sub(start.Truncate(p)) / p; n > maxStatisticsPoints {
		return nil, newErr("InvalidParameterCombination", 400,
			"You have requested up to %d datapoints, which exceeds the limit of %d. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", n, maxStatisticsPoints)
	}
	q := c.w.resolveMetric(c.region, ns, name, dims)
	var points cbor.List
	if unitFilter == "" || unitFilter == q.metric.unit {
		for _, b := range buckets(c.w.samples(q, start.Truncate(p), end), p) {
			dp := cbor.Map{"Timestamp": cborTime(b.start), "Unit": cbor.String(q.metric.unit)}
			for _, s := range stats {
				dp[s] = cbor.Float64(b.stat(s))
			}
			points = append(points, dp)
		}
	}
	if points == nil {
		points = cbor.List{}
	}
	return cbor.Map{"Label": cbor.String(name), "Datapoints": points}, nil
}

// GetMetricData limits (CloudWatch API reference, GetMetricData).
const (
	maxMetricDataQueries = 500
	defaultMaxDatapoints = 100800
)

var queryID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]{0,254}$`)

// dataQuery is one resolved MetricDataQuery.
type dataQuery struct {
	id, label  string
	returnData bool
	stat       string
	period     time.Duration
	unit       string
	metric     metricQuery
	sig        string // what the query asks, for the NextToken fingerprint
}

func getMetricData(c *call, in cbor.Map) (cbor.Map, *apiError) {
	r := &rpcReader{}
	start, end, aerr := r.timeRange(in)
	if aerr != nil {
		return nil, aerr
	}
	scanBy, _ := r.str(in, "ScanBy", "ScanBy")
	maxPoints, hasMax := r.integer(in, "MaxDatapoints", "MaxDatapoints")
	token, _ := r.str(in, "NextToken", "NextToken")
	list := r.list(in, "MetricDataQueries", "MetricDataQueries")
	if r.err != nil {
		return nil, r.err
	}
	switch scanBy {
	case "", "TimestampDescending", "TimestampAscending":
	default:
		return nil, newErr("InvalidParameterValue", 400, "The value %s for parameter ScanBy is not valid (TimestampDescending, TimestampAscending).", truncate(scanBy, 64))
	}
	if !hasMax {
		maxPoints = defaultMaxDatapoints
	}
	if maxPoints < 1 {
		return nil, newErr("InvalidParameterValue", 400, "The parameter MaxDatapoints must be greater than 0.")
	}
	if len(list) == 0 {
		return nil, newErr("MissingParameter", 400, "The parameter MetricDataQueries is required.")
	}
	if len(list) > maxMetricDataQueries {
		return nil, newErr("InvalidParameterValue", 400, "The collection MetricDataQueries must not have more than %d members.", maxMetricDataQueries)
	}
	queries := make([]dataQuery, 0, len(list))
	ids := map[string]bool{}
	for i, v := range list {
		q, aerr := c.w.readDataQuery(c.region, r, v, fmt.Sprintf("MetricDataQueries[%d]", i))
		if aerr != nil {
			return nil, aerr
		}
		if ids[q.id] {
			return nil, newErr("ValidationError", 400, "The Id %s is used by more than one query.", q.id)
		}
		ids[q.id] = true
		queries = append(queries, q)
	}
	// The token names the query and point to resume at, bound to this
	// request's queries and range so that it cannot be reused elsewhere.
	sigs := []string{start.String(), end.String(), scanBy, fmt.Sprint(maxPoints)}
	for _, q := range queries {
		sigs = append(sigs, q.sig)
	}
	fp := fingerprint(sigs)
	qi, pi := 0, 0
	if token != "" {
		var ok bool
		if qi, pi, ok = decodeDataToken(token, fp); !ok || qi >= len(queries) {
			return nil, newErr("InvalidNextToken", 400, "The service couldn't process the NextToken.")
		}
	}
	results := cbor.List{}
	left := int(maxPoints)
	next := ""
	for ; qi < len(queries); qi, pi = qi+1, 0 {
		q := queries[qi]
		if !q.returnData {
			continue
		}
		var bs []bucket
		if q.unit == "" || q.unit == q.metric.metric.unit {
			bs = buckets(c.w.samples(q.metric, start.Truncate(q.period), end), q.period)
		}
		if scanBy != "TimestampAscending" {
			slices.Reverse(bs)
		}
		bs = bs[min(pi, len(bs)):]
		status := "Complete"
		if len(bs) > left {
			bs = bs[:left]
			status = "PartialData"
			next = encodeDataToken(qi, pi+left, fp)
		}
		left -= len(bs)
		ts, vs := make(cbor.List, len(bs)), make(cbor.List, len(bs))
		for i, b := range bs {
			ts[i], vs[i] = cborTime(b.start), cbor.Float64(b.stat(q.stat))
		}
		results = append(results, cbor.Map{"Id": cbor.String(q.id), "Label": cbor.String(q.label),
			"Timestamps": ts, "Values": vs, "StatusCode": cbor.String(status)})
		if next != "" {
			break
		}
		if left == 0 && qi+1 < len(queries) {
			next = encodeDataToken(qi+1, 0, fp)
			break
		}
	}
	out := cbor.Map{"MetricDataResults": results, "Messages": cbor.List{}}
	if next != "" {
		out["NextToken"] = cbor.String(next)
	}
	return out, nil
}

// readDataQuery reads and checks one MetricDataQuery.
func (w *world) readDataQuery(region string, r *rpcReader, v cbor.Value, path string) (dataQuery, *apiError) {
	q := dataQuery{returnData: true}
	m, _ := r.asMap(v, path)
	id, _ := r.str(m, "Id", path+".Id")
	q.label, _ = r.str(m, "Label", path+".Label")
	expr, hasExpr := r.str(m, "Expression", path+".Expression")
	if rd, ok := r.boolean(m, "ReturnData", path+".ReturnData"); ok {
		q.returnData = rd
	}
	ms, hasStat := r.structure(m, "MetricStat", path+".MetricStat")
	if r.err != nil {
		return q, r.err
	}
	q.id = id
	switch {
	case id == "":
		return q, newErr("MissingParameter", 400, "The parameter %s.Id is required.", path)
	case !queryID.MatchString(id):
		return q, newErr("ValidationError", 400, "The value %s for parameter %s.Id is not valid: it must start with a lowercase letter and hold only letters, digits and underscores.", truncate(id, 64), path)
	case hasExpr && hasStat:
		return q, newErr("ValidationError", 400, "The query %s has both a MetricStat and an Expression; give exactly one.", id)
	case hasExpr:
		return q, newErr("ValidationError", 400, "Error in expression %s: drorch sim does not evaluate metric math or Metrics Insights (%q); query metrics with MetricStat.", id, truncate(expr, 64))
	case !hasStat:
		return q, newErr("ValidationError", 400, "The query %s needs a MetricStat or an Expression.", id)
	}
	p := path + ".MetricStat"
	met, _ := r.structure(ms, "Metric", p+".Metric")
	period, hasPeriod := r.integer(ms, "Period", p+".Period")
	q.stat, _ = r.str(ms, "Stat", p+".Stat")
	q.unit, _ = r.str(ms, "Unit", p+".Unit")
	ns, _ := r.str(met, "Namespace", p+".Metric.Namespace")
	name, _ := r.str(met, "MetricName", p+".Metric.MetricName")
	dims, aerr := r.dimensions(met, p+".Metric")
	if aerr != nil {
		return q, aerr
	}
	switch {
	case met == nil:
		return q, newErr("MissingParameter", 400, "The parameter %s.Metric is required.", p)
	case !hasPeriod:
		return q, newErr("MissingParameter", 400, "The parameter %s.Period is required.", p)
	case q.stat == "":
		return q, newErr("MissingParameter", 400, "The parameter %s.Stat is required.", p)
	case !slices.Contains(statistics, q.stat):
		return q, newErr("InvalidParameterValue", 400, "The value %s for parameter %s.Stat is not valid: drorch sim computes Average, Maximum, Minimum, SampleCount and Sum.", truncate(q.stat, 64), p)
	}
	if aerr := checkPeriod(period, p+".Period"); aerr != nil {
		return q, aerr
	}
	q.period = time.Duration(period) * time.Second
	q.metric = w.resolveMetric(region, ns, name, dims)
	keys := slices.Sorted(maps.Keys(dims))
	for i, k := range keys {
		keys[i] = k + "=" + dims[k]
	}
	q.sig = strings.Join([]string{id, ns, name, strings.Join(keys, ","), q.stat, q.unit, fmt.Sprint(period, q.returnData)}, "\x00")
	if q.label == "" {
		q.label = name
	}
	return q, nil
}

// fingerprint hashes what a request asks (its queries, range and order).
func fingerprint(sigs []string) [8]byte {
	h := sha256.New()
	for _, s := range sigs {
		h.Write([]byte(s + "\x01"))
	}
	var fp [8]byte
	copy(fp[:], h.Sum(nil))
	return fp
}

func encodeDataToken(query, point int, fp [8]byte) string {
	b := make([]byte, 0, 16)
	b = append(b, fp[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(query))
	b = binary.BigEndian.AppendUint32(b, uint32(point))
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeDataToken(tok string, fp [8]byte) (query, point int, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 16 || [8]byte(b[:8]) != fp {
		return 0, 0, false
	}
	return int(binary.BigEndian.Uint32(b[8:12])), int(binary.BigEndian.Uint32(b[12:16])), true
}
