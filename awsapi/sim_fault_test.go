package awsapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"drorch/awsapi"
	"drorch/cloud"
	"drorch/sim"
)

// TestSimErrorKinds: the simulator's AWS errors come back classified, with
// messages naming the action, the resource and the region.
func TestSimErrorKinds(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil, nil)
	ctx := context.Background()
	tests := []struct {
		name   string
		call   func() error
		kind   cloud.ErrorKind
		code   string
		prefix string
	}{
		{"global cluster not found", func() error { _, err := e.c.GlobalCluster(ctx, west, "dr-db"); return err },
			cloud.KindNotFound, "GlobalClusterNotFoundFault", "rds DescribeGlobalClusters dr-db in us-west-2: "},
		{"cluster in another region", func() error { _, err := e.c.DBCluster(ctx, west, clusterARN(east, "dbcluster-01")); return err },
			cloud.KindNotFound, "DBClusterNotFoundFault", "rds DescribeDBClusters " + clusterARN(east, "dbcluster-01") + " in us-west-2: "},
		{"instance not found", func() error { _, err := e.c.DBInstance(ctx, east, "nope"); return err },
			cloud.KindNotFound, "DBInstanceNotFound", "rds DescribeDBInstances nope in us-east-1: "},
		{"datastore not found", func() error { _, err := e.c.GlobalReplicationGroup(ctx, east, "nope"); return err },
			cloud.KindNotFound, "GlobalReplicationGroupNotFoundFault", "elasticache DescribeGlobalReplicationGroups nope in us-east-1: "},
		{"parameter not found", func() error { _, err := e.c.GetParameter(ctx, east, "/nope", true); return err },
			cloud.KindNotFound, "ParameterNotFound", "ssm GetParameter /nope in us-east-1: "},
		{"parameter version not found", func() error {
			_, err := e.c.GetParameter(ctx, east, "/dr-orchestrator/demo/db-password:7", true)
			return err
		}, cloud.KindNotFound, "ParameterVersionNotFound", "ssm GetParameter /dr-orchestrator/demo/db-password:7 in us-east-1: "},
		{"promote a source instance", func() error { return e.c.PromoteReadReplica(ctx, east, "rds-mysql-instance") },
			cloud.KindInvalidState, "InvalidDBInstanceState", "rds PromoteReadReplica rds-mysql-instance in us-east-1: "},
		{"switchover to the writer", func() error {
			return e.c.SwitchoverGlobalCluster(ctx, east, "dr-globaldb-cluster-mysql", clusterARN(east, "dbcluster-01"))
		}, cloud.KindInvalidState, "InvalidGlobalClusterStateFault", "rds SwitchoverGlobalCluster dr-globaldb-cluster-mysql in us-east-1: "},
		{"delete a global cluster with members", func() error { return e.c.DeleteGlobalCluster(ctx, east, "dr-globaldb-cluster-mysql") },
			cloud.KindInvalidState, "InvalidGlobalClusterStateFault", "rds DeleteGlobalCluster dr-globaldb-cluster-mysql in us-east-1: "},
		{"create an existing cluster", func() error {
			return e.c.Call(ctx, cloud.NewCall("rds", "CreateDBCluster", west, "DBClusterIdentifier", "dbcluster-02", "Engine", "aurora-mysql"))
		}, cloud.KindAlreadyExists, "DBClusterAlreadyExistsFault", "rds CreateDBCluster dbcluster-02 in us-west-2: "},
		{"failover a datastore to an unknown group", func() error {
			return e.c.FailoverGlobalReplicationGroup(ctx, west, "ldgnf-demo-redis-global-datastore", west, "nope")
		}, cloud.KindInvalidInput, "InvalidParameterValue", "elasticache FailoverGlobalReplicationGroup ldgnf-demo-redis-global-datastore in us-west-2: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			ae := wantKind(t, err, tc.kind, tc.code)
			if !strings.HasPrefix(err.Error(), tc.prefix) {
				t.Errorf("message %q does not start with %q", err, tc.prefix)
			}
			if ae.RequestID == "" {
				t.Errorf("no request id in %+v", ae)
			}
		})
	}
	if s := e.sim.State(); len(s.Regions) == 0 {
		t.Errorf("empty world after errors")
	}
}

// TestSimThrottlingAndServerErrors: reads are retried ReadAttempts times
// and then report the fault's class; writes are tried exactly once.
func TestSimThrottlingAndServerErrors(t *testing.T) {
	t.Parallel()
	faults := []struct {
		name  string
		fault sim.Fault
		kind  cloud.ErrorKind
		code  string
	}{
		{"throttle", sim.Fault{Kind: sim.FaultThrottle, Region: west, Service: "rds", Rate: 1}, cloud.KindThrottled, "Throttling"},
		{"500", sim.Fault{Kind: sim.FaultError, Region: west, Service: "rds", Rate: 1, Status: 500}, cloud.KindTransient, "InternalFailure"},
		{"503", sim.Fault{Kind: sim.FaultError, Region: west, Service: "rds", Rate: 1, Status: 503}, cloud.KindTransient, "ServiceUnavailable"},
		{"ssm throttle", sim.Fault{Kind: sim.FaultThrottle, Region: west, Service: "ssm", Rate: 1}, cloud.KindThrottled, "ThrottlingException"},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			e := newSim(t, nil, func(c *awsapi.Config) { c.ReadAttempts, c.BusyReadAttempts = 4, 4 })
			e.fault(t, f.fault)
			ctx := context.Background()
			if f.fault.Service == "ssm" {
				_, err := e.c.GetParameter(ctx, west, "/dr-orchestrator/demo/db-password", true)
				wantKind(t, err, f.kind, f.code)
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Errorf("secret in error: %v", err)
				}
				if n := e.sim.CallCount(west, "ssm", "GetParameter"); n != 4 {
					t.Errorf("GetParameter made %d times, want 4", n)
				}
				return
			}
			_, err := e.c.DBCluster(ctx, west, "dbcluster-02")
			wantKind(t, err, f.kind, f.code)
			if n := e.sim.CallCount(west, "rds", "DescribeDBClusters"); n != 4 {
				t.Errorf("DescribeDBClusters made %d times, want 4 (ReadAttempts)", n)
			}
			err = e.c.PromoteReadReplica(ctx, west, "rds-mysql-instance")
			wantKind(t, err, f.kind, f.code)
			if n := e.sim.CallCount(west, "rds", "PromoteReadReplica"); n != 1 {
				t.Errorf("PromoteReadReplica made %d times, want exactly 1", n)
			}
			// The fault answered before the operation: nothing changed.
			e.sim.ClearFaults()
			in := res(e.c.DBInstance(ctx, west, "rds-mysql-instance")).must(t)
			if in.Status != "available" || in.ReplicaSource == "" {
				t.Errorf("refused promote changed the replica: %+v", in)
			}
		})
	}
}

// TestSimOutage: a region that is down is unreachable, in both modes,
// once the per-call timeout expires; the healthy region still answers.
func TestSimOutage(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{sim.ModeRefuse, sim.ModeHang} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := newSim(t, nil, func(c *awsapi.Config) { c.CallTimeout = 200 * time.Millisecond; c.ReadAttempts = 2 })
			e.fault(t, sim.Fault{Kind: sim.FaultOutage, Region: east, Mode: mode})
			ctx := context.Background()

			_, err := e.c.GlobalCluster(ctx, east, "dr-globaldb-cluster-mysql")
			ae := wantKind(t, err, cloud.KindUnreachable, "")
			if mode == sim.ModeHang && ae.Message != "no answer within 200ms" {
				t.Errorf("hang: message %q", ae.Message)
			}
			if !cloud.Retryable(err) {
				t.Errorf("unreachable is not retryable: %v", err)
			}
			err = e.c.SwitchoverGlobalCluster(ctx, east, "dr-globaldb-cluster-mysql", clusterARN(west, "dbcluster-02"))
			wantKind(t, err, cloud.KindUnreachable, "")

			// The DR region answers, and knows the primary is unavailable.
			gc := res(e.c.GlobalCluster(ctx, west, "dr-globaldb-cluster-mysql")).must(t)
			if len(gc.Members) != 2 {
				t.Errorf("from us-west-2: %+v", gc)
			}
			// SwitchoverGlobalCluster is made in the current primary's
			// region (docs/aws-global-operations.md): from us-west-2 it is
			// refused, naming us-east-1.
			err = e.c.SwitchoverGlobalCluster(ctx, west, "dr-globaldb-cluster-mysql", clusterARN(west, "dbcluster-02"))
			if ae := wantKind(t, err, cloud.KindInvalidInput, "InvalidParameterValue"); !strings.Contains(ae.Message, "must be called in us-east-1") {
				t.Errorf("switchover from us-west-2: %v", err)
			}
			// FailoverGlobalCluster as a switchover may be asked from any
			// region, and needs every member available.
			err = e.c.Exec(ctx, "rds", "FailoverGlobalCluster", west, "GlobalClusterIdentifier", "dr-globaldb-cluster-mysql",
				"TargetDbClusterIdentifier", clusterARN(west, "dbcluster-02"))
			wantKind(t, err, cloud.KindInvalidState, "InvalidDBClusterStateFault")

			// The caller's own cancellation is not an outage.
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, err = e.c.DBCluster(cctx, east, "dbcluster-01")
			if !errorsIsCanceled(err) {
				t.Errorf("cancelled call: %v", err)
			}
		})
	}
}
