package awsapi_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"drorch/awsapi"
	"drorch/cloud"
	"drorch/sim"
)

var seedReplicas = []awsapi.LagQuery{
	{Family: awsapi.LagAurora, ID: "dbcluster-02"},
	{Family: awsapi.LagRDS, ID: "rds-mysql-instance"},
	{Family: awsapi.LagElastiCache, ID: "demo-redis-cluster"},
}

// lagOf reads the latest lag of q at the simulator's virtual now.
func (e *simEnv) lagOf(t *testing.T, q awsapi.LagQuery) awsapi.Lag {
	t.Helper()
	q.Now = e.sim.Now()
	lag, err := e.c.Metrics().LatestLag(context.Background(), west, q)
	if err != nil {
		t.Fatalf("latest lag of %s %s: %v", q.Family, q.ID, err)
	}
	return lag
}

func TestLatestLagThroughTheSimulator(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil, nil)
	wantMetric := []string{"AuroraGlobalDBRPOLag", "ReplicaLag", "GlobalDatastoreReplicationLag"}
	for i, q := range seedReplicas {
		lag := e.lagOf(t, q)
		if !lag.HasData || !lag.Active || lag.Seconds <= 0 || lag.Seconds >= 1 || !lag.At.Equal(t0) || lag.Metric != wantMetric[i] {
			t.Errorf("%s: %+v, want a sub-second lag at %v from %s", q.Family, lag, t0, wantMetric[i])
		}
	}

	e.fault(t, sim.Fault{Kind: sim.FaultLag, Region: west, Seconds: 42})
	e.advance(3 * time.Minute)
	for _, q := range seedReplicas {
		if lag := e.lagOf(t, q); !lag.HasData || math.Abs(lag.Seconds-42) > 42*0.03+0.01 || lag.Duration() < 40*time.Second ||
			!lag.At.Equal(t0.Add(3*time.Minute)) {
			t.Errorf("%s under a 42 s lag fault: %+v", q.Family, lag)
		}
	}
	e.sim.ClearFaults()

	// Promotion: -1 while it runs, then no data once the window has passed.
	if err := e.c.PromoteReadReplica(context.Background(), west, "rds-mysql-instance"); err != nil {
		t.Fatal(err)
	}
	e.advance(time.Minute)
	if lag := e.lagOf(t, seedReplicas[1]); !lag.HasData || lag.Active || lag.Duration() != 0 {
		t.Errorf("replica being promoted: %+v, want data with replication not active", lag)
	}
	e.advance(20 * time.Minute)
	if lag := e.lagOf(t, seedReplicas[1]); lag.HasData {
		t.Errorf("promoted instance: %+v, want no data", lag)
	}
	q := seedReplicas[1]
	q.Window = time.Hour
	if lag := e.lagOf(t, q); !lag.HasData || lag.Active || !lag.At.Equal(t0.Add(4*time.Minute)) {
		t.Errorf("with an hour's window, the last point (-1, promotion under way at +4m): %+v", lag)
	}

	for _, bad := range []awsapi.LagQuery{{Family: "dynamodb", ID: "x"}, {Family: awsapi.LagRDS}} {
		if _, err := e.c.Metrics().LatestLag(context.Background(), west, bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	if lag := e.lagOf(t, awsapi.LagQuery{Family: awsapi.LagAurora, ID: "no-such-cluster"}); lag.HasData {
		t.Errorf("unknown cluster: %+v", lag)
	}

	e.fault(t, sim.Fault{Kind: sim.FaultError, Region: west, Service: "monitoring", Status: 503})
	_, err := e.c.Metrics().LatestLag(context.Background(), west, awsapi.LagQuery{Family: awsapi.LagAurora, ID: "dbcluster-02", Now: e.sim.Now()})
	wantKind(t, err, cloud.KindTransient, "")
}

func TestCheckPermissionsThroughTheSimulator(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil, nil)
	ctx := context.Background()
	actions := []string{"rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster", "elasticache:FailoverGlobalReplicationGroup",
		"cloudwatch:GetMetricData", "iam:SimulatePrincipalPolicy"}
	p, err := e.c.PolicySimulator().CheckPermissions(ctx, awsapi.PermissionQuery{Actions: actions})
	if err != nil {
		t.Fatal(err)
	}
	if !p.OK() || p.Checked != 5 || p.Principal != "arn:aws:iam::123456789012:role/drorch-operator" ||
		p.Caller != "arn:aws:sts::123456789012:assumed-role/drorch-operator/drorch-sim" {
		t.Errorf("seed operator: %+v", p)
	}

	if err := e.sim.SetCaller("arn:aws:iam::123456789012:role/drorch-no-switchover"); err != nil {
		t.Fatal(err)
	}
	resources := []string{"arn:aws:rds::123456789012:global-cluster:dr-globaldb-cluster-mysql", "*"}
	p, err = e.c.PolicySimulator().CheckPermissions(ctx, awsapi.PermissionQuery{Actions: actions, Resources: resources})
	if err != nil {
		t.Fatal(err)
	}
	if p.OK() || p.Checked != 10 || len(p.Denied) != 2 || p.Denied[0].Action != "rds:SwitchoverGlobalCluster" ||
		p.Denied[0].Decision != "implicitDeny" || p.Denied[0].Resource != resources[0] || p.Denied[1].Resource != "*" {
		t.Errorf("role without switchover: %+v", p)
	}

	// An explicit deny names its policy; a conditional allow is reported.
	if err := e.sim.PutPrincipal(sim.ScenarioPrincipal{ARN: "arn:aws:iam::123456789012:user/ops/alice", Policies: []sim.ScenarioPolicy{{
		Name: "guarded", Document: `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"rds:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
 {"Effect":"Deny","Action":"elasticache:*","Resource":"*"}]}`}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.SetCaller("arn:aws:iam::123456789012:user/ops/alice"); err != nil {
		t.Fatal(err)
	}
	p, err = e.c.PolicySimulator().CheckPermissions(ctx, awsapi.PermissionQuery{Actions: actions[:3]})
	if err != nil {
		t.Fatal(err)
	}
	if p.Principal != "arn:aws:iam::123456789012:user/ops/alice" || len(p.Denied) != 3 ||
		!slices.Equal(p.Denied[0].MissingContext, []string{"aws:MultiFactorAuthPresent"}) ||
		p.Denied[2].Decision != "explicitDeny" || !slices.Equal(p.Denied[2].Policies, []string{"guarded"}) {
		t.Errorf("conditional user: %+v", p)
	}
	if _, err := e.c.PolicySimulator().CheckPermissions(ctx, awsapi.PermissionQuery{}); err == nil {
		t.Error("no actions: no error")
	}
}

func TestPrincipalARN(t *testing.T) {
	t.Parallel()
	cases := []struct {
		caller, path, want string
		ok                 bool
	}{
		{"arn:aws:sts::123456789012:assumed-role/drorch-operator/session-1", "", "arn:aws:iam::123456789012:role/drorch-operator", true},
		{"arn:aws:sts::123456789012:assumed-role/ops/i-0abc", "/service-role/", "arn:aws:iam::123456789012:role/service-role/ops", true},
		{"arn:aws-cn:sts::123456789012:assumed-role/ops/s", "", "arn:aws-cn:iam::123456789012:role/ops", true},
		{"arn:aws:iam::123456789012:user/path/alice", "", "arn:aws:iam::123456789012:user/path/alice", true},
		{"arn:aws:iam::123456789012:role/r", "", "arn:aws:iam::123456789012:role/r", true},
		{"arn:aws:sts::123456789012:assumed-role/ops/s", "service-role", "", false},
		{"arn:aws:sts::123456789012:federated-user/bob", "", "", false},
		{"arn:aws:iam::123456789012:root", "", "", false},
		{"", "", "", false},
	}
	for _, tc := range cases {
		got, err := awsapi.PrincipalARN(tc.caller, tc.path)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("PrincipalARN(%q, %q) = %q, %v; want %q (ok %v)", tc.caller, tc.path, got, err, tc.want, tc.ok)
		}
	}
}
