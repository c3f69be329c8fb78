package bench

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"drorch/sim"
)

// The figures are only as good as the code that computes them: these
// traces are small enough to work out by hand.

// t0 is when the hand-made traces start.
func t0() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

func at(s float64) time.Time { return t0().Add(time.Duration(s * float64(time.Second))) }

func secs(ss ...float64) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = time.Duration(s * float64(time.Second))
	}
	return out
}

func op(action, target, region string, start, end float64) sim.Op {
	o := sim.Op{Action: action, Target: target, Region: region, Start: at(start)}
	if end > 0 {
		o.End = at(end)
	}
	return o
}

const (
	west      = "us-west-2"
	clusterB  = "arn:aws:rds:us-west-2:123456789012:cluster:b"
	replicaID = "rds-1"
)

func TestMeasure(t *testing.T) {
	t.Parallel()
	switchover := callRec{Action: "SwitchoverGlobalCluster", Region: west, IDs: []string{"g", clusterB}, At: at(3)}
	cases := []struct {
		name  string
		trace runTrace
		want  measures
	}{{
		// A switchover from 3 s to 63 s, noticed when the step finished
		// at 65 s; 8 describe calls over the resource's 64 s.
		name: "one operation noticed 2 s after its end",
		trace: runTrace{Start: at(0), End: at(70),
			Resources: []resTrace{{Layer: 0, Start: at(2), End: at(66), Calls: []callRec{switchover},
				Marks: []time.Time{at(3), at(65), at(66)}}},
			Ops:   []sim.Op{op("SwitchoverGlobalCluster", "g", west, 3, 63)},
			Calls: []sim.CallCount{{CallKey: sim.CallKey{Action: "DescribeGlobalClusters"}, Count: 8}, {CallKey: sim.CallKey{Action: "ListExports"}, Count: 2}, {CallKey: sim.CallKey{Action: "SwitchoverGlobalCluster"}, Count: 1}}},
		want: measures{Runs: 1, Resources: 1, Ops: 1, Latencies: secs(2), Reads: 10, Describes: 8, Writes: 1, WaitMinutes: 64.0 / 60,
			RTO: 70 * time.Second, CriticalPath: 60 * time.Second, Overhead: 10 * time.Second, Before: 3 * time.Second, Layers: 1},
	}, {
		// The strategy declared the resource finished at 75 s; the
		// switchover ran until 90 s: racy, and no latency for it.
		name: "an operation still running when its resource was declared finished",
		trace: runTrace{Start: at(0), End: at(76),
			Resources: []resTrace{{Layer: 0, Start: at(0), End: at(75), Calls: []callRec{switchover},
				Marks: []time.Time{at(3), at(75)}}},
			Ops: []sim.Op{op("SwitchoverGlobalCluster", "g", west, 3, 90)}},
		want: measures{Runs: 1, Resources: 1, Ops: 1, Racy: 1, WaitMinutes: 75.0 / 60,
			RTO: 76 * time.Second, CriticalPath: 87 * time.Second, Overhead: -11 * time.Second, Before: 3 * time.Second, Layers: 1},
	}, {
		// A cluster (10-610 s) and its instance (15-495 s) waited for
		// together: both were noticed at 612 s, 2 s after the last end.
		// The instance's early end is not the strategy's latency.
		name: "operations noticed together count from the last end",
		trace: runTrace{Start: at(0), End: at(615),
			Resources: []resTrace{{Layer: 0, Start: at(0), End: at(613), Calls: []callRec{
				{Action: "CreateDBCluster", Region: west, IDs: []string{"b", "g"}, At: at(10)},
				{Action: "CreateDBInstance", Region: west, IDs: []string{"b-1", "b"}, At: at(15)},
			}, Marks: []time.Time{at(10), at(15), at(612), at(613)}}},
			Ops: []sim.Op{op("CreateDBCluster", clusterB, west, 10, 610), op("CreateDBInstance", "arn:aws:rds:us-west-2:123456789012:db:b-1", west, 15, 495)}},
		want: measures{Runs: 1, Resources: 1, Ops: 2, Latencies: secs(2, 2), WaitMinutes: 613.0 / 60,
			RTO: 615 * time.Second, CriticalPath: 600 * time.Second, Overhead: 15 * time.Second, Before: 10 * time.Second, Layers: 1},
	}, {
		// Layer 0 holds a 60 s and a 90 s operation, layer 1 one of 30 s:
		// the critical path is 90 + 30 s. A promote noticed at its end
		// exactly has latency 0. An operation in a region no call went to
		// is unmatched.
		name: "critical path per layer, zero latency, an unmatched operation",
		trace: runTrace{Start: at(0), End: at(130),
			Resources: []resTrace{
				{Layer: 0, Start: at(0), End: at(63), Calls: []callRec{{Action: "FailoverGlobalReplicationGroup", Region: west, IDs: []string{"ldgnf-r", "r"}, At: at(1)}},
					Marks: []time.Time{at(1), at(62), at(63)}},
				{Layer: 0, Start: at(0), End: at(95), Calls: []callRec{{Action: "PromoteReadReplica", Region: west, IDs: []string{replicaID}, At: at(2)}},
					Marks: []time.Time{at(2), at(92), at(95)}},
				{Layer: 1, Start: at(96), End: at(129), Calls: []callRec{{Action: "RemoveFromGlobalCluster", Region: west, IDs: []string{"g", clusterB}, At: at(97)}},
					Marks: []time.Time{at(97), at(129)}},
			},
			Ops: []sim.Op{
				op("FailoverGlobalReplicationGroup", "ldgnf-r", west, 1, 61),
				op("PromoteReadReplica", "arn:aws:rds:us-west-2:123456789012:db:rds-1", west, 2, 92),
				op("RemoveFromGlobalCluster", clusterB, west, 97, 127),
				op("PromoteReadReplica", "rds-1", "us-east-1", 5, 95),
			}},
		want: measures{Runs: 1, Resources: 3, Ops: 4, Latencies: secs(1, 0, 2), Unmatched: 1, WaitMinutes: (63 + 95 + 33) / 60.0,
			RTO: 130 * time.Second, CriticalPath: 120 * time.Second, Overhead: 10 * time.Second, Before: time.Second, Layers: 2},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := measure(tc.trace)
			if !slices.Equal(got.Latencies, tc.want.Latencies) {
				t.Errorf("latencies = %v, want %v", got.Latencies, tc.want.Latencies)
			}
			got.Latencies, tc.want.Latencies = nil, nil
			if diff := got.WaitMinutes - tc.want.WaitMinutes; diff > 1e-9 || diff < -1e-9 {
				t.Errorf("wait minutes = %v, want %v", got.WaitMinutes, tc.want.WaitMinutes)
			}
			got.WaitMinutes = tc.want.WaitMinutes
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("measure =\n  %+v\nwant\n  %+v", got, tc.want)
			}
		})
	}
}

func TestOwnerTakesTheLatestCallBeforeTheOperation(t *testing.T) {
	t.Parallel()
	// The same global cluster switched over twice (there and back): each
	// operation belongs to the call made just before it started.
	rs := []resTrace{
		{Calls: []callRec{{Action: "SwitchoverGlobalCluster", Region: west, IDs: []string{"g"}, At: at(0)}}},
		{Calls: []callRec{{Action: "SwitchoverGlobalCluster", Region: west, IDs: []string{"g"}, At: at(100)}}},
	}
	cases := []struct {
		op   sim.Op
		want int
	}{
		{op("SwitchoverGlobalCluster", "g", west, 0, 60), 0},
		{op("SwitchoverGlobalCluster", "g", west, 100.5, 160), 1},
		{op("SwitchoverGlobalCluster", "other", west, 100.5, 160), -1},
		{op("FailoverGlobalCluster", "g", west, 100.5, 160), -1},
		{op("SwitchoverGlobalCluster", "g", "us-east-1", 100.5, 160), -1},
	}
	for _, tc := range cases {
		if got := owner(rs, tc.op); got != tc.want {
			t.Errorf("owner(%s %s in %s at %s) = %d, want %d", tc.op.Action, tc.op.Target, tc.op.Region, tc.op.Start.Sub(t0()), got, tc.want)
		}
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	t.Parallel()
	var ds []time.Duration
	for i := 20; i >= 1; i-- { // unsorted on purpose
		ds = append(ds, time.Duration(i)*time.Second)
	}
	cases := []struct {
		p    float64
		want time.Duration
	}{{50, 10 * time.Second}, {95, 19 * time.Second}, {100, 20 * time.Second}, {1, time.Second}}
	for _, tc := range cases {
		if got := percentile(ds, tc.p); got != tc.want {
			t.Errorf("percentile(1..20 s, %v) = %s, want %s", tc.p, got, tc.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile(none) = %s, want 0", got)
	}
	if ds[0] != 20*time.Second {
		t.Error("percentile sorted its argument in place")
	}
}

func TestAddSumsRunsAndPoolsLatencies(t *testing.T) {
	t.Parallel()
	a := measures{Runs: 1, Resources: 1, Ops: 1, Latencies: secs(2), Reads: 10, Describes: 8, Writes: 1, WaitMinutes: 1, RTO: time.Minute, CriticalPath: 50 * time.Second, Overhead: 10 * time.Second}
	b := measures{Runs: 1, Resources: 2, Ops: 3, Latencies: secs(1, 4), Racy: 1, Reads: 40, Describes: 32, Writes: 3, WaitMinutes: 3, RTO: 2 * time.Minute, CriticalPath: 90 * time.Second, Overhead: 30 * time.Second}
	got := a.add(b)
	if got.Runs != 2 || got.Resources != 3 || got.Ops != 4 || got.Racy != 1 || got.Reads != 50 || got.Describes != 40 || got.Writes != 4 ||
		got.RTO != 3*time.Minute || got.CriticalPath != 140*time.Second || got.Overhead != 40*time.Second {
		t.Errorf("add = %+v", got)
	}
	if !slices.Equal(got.Latencies, secs(2, 1, 4)) {
		t.Errorf("latencies = %v, want 2s 1s 4s", got.Latencies)
	}
	if r := got.DescribeRate(); r != 10 {
		t.Errorf("describe rate = %v, want 40 describe calls / 4 resource-minutes = 10", r)
	}
	if p := got.OverheadPct(); p < 28.57 || p > 28.58 {
		t.Errorf("overhead = %v%%, want 40/140 = 28.57%%", p)
	}
	if !slices.Equal(a.Latencies, secs(2)) {
		t.Error("add changed its receiver's latencies")
	}
}
