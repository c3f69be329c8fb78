package rds_test

import (
	"strings"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/internal/simtest"
	"drorch/resource"
	"drorch/resource/rds"
	rt "drorch/resource/resourcetest"
	"drorch/sim"
)

// The RDS types on the simulator, through aws-sdk-go-v2 and the step
// machine, where the simulator enforces what AWS documents.

// promoted runs test case #4's promotion with us-east-1 down, then brings
// us-east-1 back: two stand-alone rds-mysql-instance.
func promoted(t *testing.T, e *simtest.Env, args ...string) {
	t.Helper()
	if _, err := e.Sim.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: rt.Primary, Mode: sim.ModeRefuse}); err != nil {
		t.Fatal(err)
	}
	if len(args) > 0 { // promoted by hand, with these arguments
		if err := e.API.Exec(ctx, "rds", "PromoteReadReplica", rt.DR, append([]string{"DBInstanceIdentifier", rt.RDSInstance}, args...)...); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(10 * time.Minute)
	} else if res, err := e.Drive(ctx, rt.Bind(t, rds.Promote{}, promoteParams, resource.Context{}), "r-promote", time.Hour); err != nil {
		t.Fatalf("promote: %v\n%s", err, res)
	}
	e.Sim.ClearFaults()
}

// The stale us-east-1 instance is deleted with a final snapshot named
// after the run, then the replica is created from us-west-2.
func TestSimReplicaRebuildKeepsTheStaleData(t *testing.T) {
	t.Parallel()
	e := simtest.New(t, nil)
	promoted(t, e)
	r := rt.Bind(t, rds.ReadReplica{}, failbackParams(), home)
	res, err := e.Drive(ctx, r, "r-failback", 4*time.Hour)
	if err != nil {
		t.Fatalf("Drive: %v\n%s", err, res)
	}
	if len(res.Calls) != 2 || res.Calls[0].Args["FinalDBSnapshotIdentifier"] != "drorch-r-failback-rds-mysql-instance" || res.Calls[1].Action != "CreateDBInstanceReadReplica" {
		t.Fatalf("calls = %v", res.Calls)
	}
	s, err := cloud.DBSnapshots.Get(ctx, e.API.Reads(), rt.Primary, "drorch-r-failback-rds-mysql-instance")
	if err != nil || s.Status != "available" || s.InstanceID != rt.RDSInstance || !s.Encrypted {
		t.Errorf("final snapshot = %+v, %v", s, err)
	}
	in, err := e.API.DBInstance(ctx, rt.Primary, rt.RDSInstance)
	if err != nil || in.ReplicaSource != rt.RDSReplicaARN || !in.StorageEncrypted {
		t.Errorf("replica = %+v, %v", in, err)
	}
}

// What AWS refuses only after the stale instance is gone is blocked in the
// plan, read from the live source: a source without automated backups,
// and an encrypted source with no KmsKeyId. The simulator refuses the call
// itself with AWS's codes.
func TestSimReplicaPreconditionsBlockThePlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		promoteArgs []string
		params      resource.Params
		blocker     string
		awsSays     string
	}{
		{"no backups on the source", []string{"BackupRetentionPeriod", "0"}, failbackParams(),
			"keeps no automated backups", "Automated backups are not enabled"},
		{"encrypted source, no KmsKeyId", []string{"BackupRetentionPeriod", "7"}, withParams("KmsKeyId", ""),
			"needs a KMS key of us-east-1", "Cannot create a cross region unencrypted read replica from encrypted source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := simtest.New(t, nil)
			promoted(t, e, tt.promoteArgs...)
			r := rt.Bind(t, rds.ReadReplica{}, tt.params, home)
			pf, err := r.Preflight(ctx, e.View("r-1"))
			if err != nil || !has(pf.Blockers, tt.blocker) {
				t.Fatalf("preflight = %+v, %v; want a blocker saying %q", pf, err, tt.blocker)
			}
			if n := len(e.Sim.MutatingCalls()); n != 1 { // the promotion
				t.Fatalf("%d mutating calls, the preflight changed something", n)
			}
			// The call AWS would refuse, made by hand on the same state.
			e.Sim.ResetCalls()
			err = e.API.Call(ctx, cloud.NewCall("rds", "CreateDBInstanceReadReplica", rt.Primary, "DBInstanceIdentifier", "probe",
				"SourceDBInstanceIdentifier", rt.RDSReplicaARN, "SourceRegion", rt.DR, "KmsKeyId", tt.params["KmsKeyId"]))
			if err == nil || !strings.Contains(err.Error(), tt.awsSays) {
				t.Errorf("the simulator answered %v, want %q", err, tt.awsSays)
			}
		})
	}
}
