package awsapi_test

import (
	"context"
	"testing"

	"drorch/awsapi"
	"drorch/sim"
)

// TestThrottledReadsAreTriedLonger: a read AWS keeps throttling is tried
// BusyReadAttempts times; one refused with a 5xx or by an endpoint that
// does not answer is given up after ReadAttempts, as before.
func TestThrottledReadsAreTriedLonger(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault sim.Fault
		want  int
	}{
		{"throttled", sim.Fault{Kind: sim.FaultThrottle, Region: west}, awsapi.DefaultBusyReadAttempts},
		{"500", sim.Fault{Kind: sim.FaultError, Region: west}, awsapi.DefaultBusyReadAttempts},
		{"refused", sim.Fault{Kind: sim.FaultOutage, Region: west}, awsapi.DefaultReadAttempts},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSim(t, nil, nil)
			e.fault(t, tc.fault)
			if _, err := e.c.DBCluster(context.Background(), west, "dbcluster-02"); err == nil {
				t.Fatal("the read succeeded through a fault on every call")
			}
			if n := e.sim.CallCount(west, "rds", "DescribeDBClusters"); n != tc.want {
				t.Errorf("read made %d times, want %d", n, tc.want)
			}
		})
	}
}

// TestDefaultReadsOutlastHeavyThrottling: with the default attempts, reads
// survive 30% throttling and 5% 500s on every call, as a plan and a run
// must. The simulator's seeded faults make the sequence repeatable; with
// five attempts, 5 of these 400 reads failed.
func TestDefaultReadsOutlastHeavyThrottling(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil, nil)
	e.fault(t, sim.Fault{Kind: sim.FaultThrottle, Rate: 0.3})
	e.fault(t, sim.Fault{Kind: sim.FaultError, Rate: 0.05})
	ctx := context.Background()
	reads := []struct {
		name string
		read func() error
	}{
		{"DescribeDBClusters", func() error { _, err := e.c.DBCluster(ctx, west, "dbcluster-02"); return err }},
		{"DescribeGlobalClusters", func() error { _, err := e.c.GlobalCluster(ctx, east, "dr-globaldb-cluster-mysql"); return err }},
		{"DescribeDBInstances", func() error { _, err := e.c.DBInstance(ctx, west, "rds-mysql-instance"); return err }},
		{"GetParameter", func() error {
			_, err := e.c.GetParameter(ctx, west, "/dr-orchestrator/demo/global-cluster-id", false)
			return err
		}},
	}
	failed := 0
	for i := range 400 {
		r := reads[i%len(reads)]
		if err := r.read(); err != nil {
			failed++
			t.Errorf("read %d (%s): %v", i, r.name, err)
		}
	}
	if n := e.sim.CallCount("", "", ""); n <= 400 {
		t.Errorf("%d calls for 400 reads: the faults did not apply", n)
	}
	if failed > 0 {
		t.Errorf("%d of 400 reads failed under 30%% throttling and 5%% 5xx", failed)
	}
}
