package aurora_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"drorch/cloud"
	"drorch/resource"
	"drorch/resource/aurora"
	rt "drorch/resource/resourcetest"
)

var switchParams = resource.Params{"GlobalClusterIdentifier": rt.GlobalClusterID, "DBClusterIdentifier": rt.Cluster2ARN}

func TestSwitchBind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		typ       resource.Type
		params    resource.Params
		ctx       resource.Context
		wantField string
		wantMsg   string
	}{
		{"planned ok", aurora.PlannedFailover{}, switchParams, resource.Context{}, "", ""},
		{"planned not an ARN", aurora.PlannedFailover{}, resource.Params{"GlobalClusterIdentifier": "g", "DBClusterIdentifier": "dbcluster-02"}, resource.Context{}, "DBClusterIdentifier", "not an Aurora cluster ARN"},
		{"planned instance ARN", aurora.PlannedFailover{}, resource.Params{"GlobalClusterIdentifier": "g", "DBClusterIdentifier": rt.RDSReplicaARN}, resource.Context{}, "DBClusterIdentifier", "not an Aurora cluster ARN"},
		{"managed without acknowledgement", aurora.ManagedFailover{}, switchParams, resource.Context{}, "", "ManagedFailoverAurora may lose the writes not yet replicated; pass --allow-data-loss to acknowledge"},
		{"managed with acknowledgement", aurora.ManagedFailover{}, switchParams, resource.Context{AllowDataLoss: true}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, probs := tt.typ.Bind(tt.params, tt.ctx)
			if tt.wantMsg == "" {
				if len(probs) > 0 || r == nil {
					t.Fatalf("Bind = %v, want a resource", probs)
				}
				return
			}
			if len(probs) != 1 || r != nil {
				t.Fatalf("Bind = %v, %v; want one problem", r, probs)
			}
			if probs[0].Field != tt.wantField || !strings.Contains(probs[0].Error(), tt.wantMsg) {
				t.Errorf("problem = %q on %q, want %q on %q", probs[0].Error(), probs[0].Field, tt.wantMsg, tt.wantField)
			}
		})
	}
}

// swapped makes dbcluster-02 the writer, as after a finished switchover.
func swapped(c *rt.Cloud) {
	g := c.GlobalClusterState(rt.GlobalClusterID)
	g.Members[0].IsWriter, g.Members[1].IsWriter = false, true
	c.PutGlobalCluster(*g)
}

func withGlobal(f func(g *cloud.GlobalCluster)) func(c *rt.Cloud) {
	return func(c *rt.Cloud) {
		g := c.GlobalClusterState(rt.GlobalClusterID)
		f(g)
		c.PutGlobalCluster(*g)
	}
}

func TestSwitchCheck(t *testing.T) {
	t.Parallel()
	otherARN := "arn:aws:rds:eu-west-1:123456789012:cluster:dbcluster-03"
	tests := []struct {
		name    string
		managed bool
		setup   func(c *rt.Cloud)
		state   resource.State
		want    []string
	}{
		{"secondary of an available global cluster", false, func(*rt.Cloud) {}, resource.Ready, []string{"available", "writer dbcluster-01 (us-east-1)"}},
		{"global cluster missing", false, func(c *rt.Cloud) { c.Delete("", rt.GlobalClusterID) }, resource.Blocked, []string{"not found (asked in us-west-2)"}},
		{"target not a member", false, withGlobal(func(g *cloud.GlobalCluster) { g.Members = g.Members[:1] }), resource.Blocked, []string{"not a member", "dbcluster-01 (us-east-1) writer"}},
		{"switchover to target pending", false, withGlobal(func(g *cloud.GlobalCluster) {
			g.Status = "switching-over"
			g.Failover = &cloud.FailoverState{Status: "pending", FromClusterARN: rt.Cluster1ARN, ToClusterARN: rt.Cluster2ARN}
		}), resource.InProgress, []string{"switching-over", "pending"}},
		{"failover to another cluster", false, withGlobal(func(g *cloud.GlobalCluster) {
			g.Status = "failing-over"
			g.Failover = &cloud.FailoverState{Status: "failing-over", FromClusterARN: rt.Cluster1ARN, ToClusterARN: otherARN, DataLossAllowed: true}
		}), resource.Blocked, []string{"dbcluster-03 (eu-west-1)", "wait for it to finish"}},
		{"target is the writer", false, swapped, resource.Done, []string{"dbcluster-02 (us-west-2) is the writer"}},
		{"target is the writer, global cluster settling", false, func(c *rt.Cloud) {
			swapped(c)
			withGlobal(func(g *cloud.GlobalCluster) { g.Status = "modifying" })(c)
		}, resource.InProgress, []string{"modifying"}},
		{"global cluster busy without failover state", false, withGlobal(func(g *cloud.GlobalCluster) { g.Status = "modifying" }), resource.InProgress, []string{"waiting"}},
		{"global cluster deleting", false, withGlobal(func(g *cloud.GlobalCluster) { g.Status = "deleting" }), resource.Blocked, []string{"deleted"}},
		{"managed failover to target running", true, withGlobal(func(g *cloud.GlobalCluster) {
			g.Status = "failing-over"
			g.Failover = &cloud.FailoverState{Status: "failing-over", FromClusterARN: rt.Cluster1ARN, ToClusterARN: rt.Cluster2ARN, DataLossAllowed: true}
		}), resource.InProgress, []string{"failing-over"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			tt.setup(c)
			var typ resource.Type = aurora.PlannedFailover{}
			if tt.managed {
				typ = aurora.ManagedFailover{}
			}
			r := rt.Bind(t, typ, switchParams, resource.Context{AllowDataLoss: true})
			v, err := only(t, r).Check(ctx, c.View())
			rt.WantVerdict(t, v, err, tt.state, tt.want...)
			g, err := r.Goal(ctx, c.View())
			if err != nil || (g.State == resource.Done) != (tt.state == resource.Done) {
				t.Errorf("Goal = %v, %v; want done %v", g, err, tt.state == resource.Done)
			}
			if regions := regionsOf(c.Calls()); !slices.Equal(regions, []string{rt.DR}) {
				t.Errorf("calls went to %v, want only the target's region %s", regions, rt.DR)
			}
		})
	}
}

func TestSwitchCheckReadError(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	c.FailOn("DescribeGlobalClusters", "", throttled)
	r := rt.Bind(t, aurora.PlannedFailover{}, switchParams, resource.Context{})
	if _, err := only(t, r).Check(ctx, c.View()); !errors.Is(err, throttled) || !cloud.Retryable(err) {
		t.Fatalf("Check error = %v, want the throttling error, retryable", err)
	}
}

func TestSwitchRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		typ        resource.Type
		down       string
		wantAction string
		// callRegion is where AWS documents the call is made
		// (docs/aws-global-operations.md); every read goes to the target's.
		callRegion string
	}{
		{"planned switchover, in the current writer's region", aurora.PlannedFailover{}, "", "SwitchoverGlobalCluster", rt.Primary},
		{"managed failover with the primary region down", aurora.ManagedFailover{}, rt.Primary, "FailoverGlobalCluster", rt.DR},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			if tt.down != "" {
				c.SetDown(tt.down, true)
			}
			r := rt.Bind(t, tt.typ, switchParams, resource.Context{AllowDataLoss: true})
			if _, err := rt.Drive(ctx, r, c); err != nil {
				t.Fatalf("Drive: %v", err)
			}
			muts := c.Mutations()
			if len(muts) != 1 || muts[0].Action != tt.wantAction || muts[0].Region != tt.callRegion || muts[0].Args["TargetDbClusterIdentifier"] != rt.Cluster2ARN {
				t.Fatalf("mutations = %v, want one %s in %s", actions(muts), tt.wantAction, tt.callRegion)
			}
			for _, call := range c.Calls() {
				if call.Region != rt.DR && !reflect.DeepEqual(call, muts[0]) {
					t.Errorf("%s went to %s: only the documented call leaves the target's region", call.Action, call.Region)
				}
			}
			if w, _ := c.GlobalClusterState(rt.GlobalClusterID).Writer(); w.ClusterARN != rt.Cluster2ARN {
				t.Errorf("writer = %s, want %s", w.ClusterARN, rt.Cluster2ARN)
			}
			// A second run finds the goal reached and changes nothing.
			res, err := rt.Drive(ctx, r, c)
			if err != nil || !res.AlreadyDone || len(c.Mutations()) != 1 {
				t.Errorf("re-run: %+v, %v, %d mutations; want already done, no call", res, err, len(c.Mutations()))
			}
		})
	}
}

// After a crash between the journal's intent and issued events, the check
// must see the call as made.
func TestSwitchCheckAfterCall(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	r := rt.Bind(t, aurora.PlannedFailover{}, switchParams, resource.Context{})
	s := only(t, r)
	if err := rt.Do(ctx, s, c); err != nil {
		t.Fatal(err)
	}
	v, err := s.Check(ctx, c.View())
	rt.WantVerdict(t, v, err, resource.InProgress, "switching-over from dbcluster-01 (us-east-1) to dbcluster-02 (us-west-2)")
}

func TestSwitchDoError(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	cl := c.ClusterState(rt.DR, rt.Cluster2) // a switchover needs every member available
	cl.Status = "modifying"
	c.PutCluster(*cl)
	r := rt.Bind(t, aurora.PlannedFailover{}, switchParams, resource.Context{})
	err := rt.Do(ctx, only(t, r), c)
	if !cloud.IsKind(err, cloud.KindInvalidState) || !strings.Contains(err.Error(), "rds SwitchoverGlobalCluster in us-east-1: InvalidDBClusterStateFault") {
		t.Fatalf("Do error = %v, want the invalid-state error, named", err)
	}
}

func TestSwitchPreflight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		managed      bool
		setup        func(c *rt.Cloud)
		blockers     [][]string
		warnings     [][]string
		alreadyDone  bool
		noWarningsOk bool
	}{
		{name: "planned, all healthy", setup: func(*rt.Cloud) {}, noWarningsOk: true},
		{name: "planned, primary region down", setup: func(c *rt.Cloud) { c.SetDown(rt.Primary, true) },
			blockers: [][]string{{"a planned switchover needs both regions; us-east-1 is unreachable: for an unplanned failover use UnPlannedFailoverAurora, or ManagedFailoverAurora with --allow-data-loss"}}},
		{name: "planned, member pending-resync", setup: withGlobal(func(g *cloud.GlobalCluster) { g.Members[0].SyncStatus = "pending-resync" }),
			blockers: [][]string{{"dbcluster-01 (us-east-1) is pending-resync"}}},
		{name: "planned, member not available", setup: func(c *rt.Cloud) {
			cl := c.ClusterState(rt.Primary, rt.Cluster1)
			cl.Status = "modifying"
			c.PutCluster(*cl)
		}, blockers: [][]string{{"dbcluster-01 (us-east-1) is modifying"}}},
		{name: "planned, target region down", setup: func(c *rt.Cloud) { c.SetDown(rt.DR, true) },
			blockers: [][]string{{"cannot read global cluster", "us-west-2"}}},
		{name: "planned, already done", setup: swapped, alreadyDone: true, noWarningsOk: true},
		{name: "managed, writer healthy", managed: true, setup: func(*rt.Cloud) {},
			warnings: [][]string{{"data loss"}, {"PlannedFailoverAurora would switch over without losing writes"}}},
		{name: "managed, primary region down", managed: true, setup: func(c *rt.Cloud) { c.SetDown(rt.Primary, true) },
			warnings: [][]string{{"data loss", "not yet replicated are lost"}}},
		{name: "managed, target not available", managed: true, setup: func(c *rt.Cloud) {
			cl := c.ClusterState(rt.DR, rt.Cluster2)
			cl.Status = "modifying"
			c.PutCluster(*cl)
		}, blockers: [][]string{{"the target is not a healthy member", "modifying"}}, warnings: [][]string{{"data loss"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			tt.setup(c)
			var typ resource.Type = aurora.PlannedFailover{}
			if tt.managed {
				typ = aurora.ManagedFailover{}
			}
			pf, err := rt.Bind(t, typ, switchParams, resource.Context{AllowDataLoss: true}).Preflight(ctx, c.View())
			if err != nil {
				t.Fatal(err)
			}
			if pf.AlreadyDone != tt.alreadyDone || len(pf.Blockers) != len(tt.blockers) {
				t.Fatalf("preflight = %+v; want already done %v, %d blockers", pf, tt.alreadyDone, len(tt.blockers))
			}
			for _, b := range tt.blockers {
				if !containsAll(pf.Blockers, b...) {
					t.Errorf("blockers %q lack %q", pf.Blockers, b)
				}
			}
			for _, w := range tt.warnings {
				if !containsAll(pf.Warnings, w...) {
					t.Errorf("warnings %q lack %q", pf.Warnings, w)
				}
			}
			if tt.noWarningsOk && len(pf.Warnings) > 0 {
				t.Errorf("unexpected warnings %q", pf.Warnings)
			}
			if len(c.Mutations()) > 0 {
				t.Errorf("preflight made changes: %v", actions(c.Mutations()))
			}
		})
	}
}

func TestSwitchPermissions(t *testing.T) {
	t.Parallel()
	const g = "arn:aws:rds::123456789012:global-cluster:dr-globaldb-cluster-mysql"
	tests := []struct {
		typ       resource.Type
		action    string
		resources []string
	}{
		// The resources the request names, whatever region it goes to.
		{aurora.PlannedFailover{}, "rds:SwitchoverGlobalCluster", []string{g, rt.Cluster2ARN}},
		{aurora.ManagedFailover{}, "rds:FailoverGlobalCluster", []string{g, rt.Cluster2ARN}},
	}
	for _, tt := range tests {
		r := rt.Bind(t, tt.typ, switchParams, resource.Context{AllowDataLoss: true})
		perms := r.Permissions()
		want := resource.Permission{Actions: []string{tt.action}, Resources: tt.resources}
		if len(perms) == 0 || !slices.Equal(perms[0].Actions, want.Actions) || !slices.Equal(perms[0].Resources, want.Resources) {
			t.Errorf("%T permissions[0] = %+v, want %+v", tt.typ, perms, want)
		}
		if r.Region() != rt.DR || r.Timeout().Minutes() != 30 {
			t.Errorf("%T region %s timeout %v", tt.typ, r.Region(), r.Timeout())
		}
		if locks := r.Locks(); !slices.Equal(locks, []string{"aurora-global-cluster:dr-globaldb-cluster-mysql", "rds-cluster:us-west-2:dbcluster-02"}) {
			t.Errorf("%T locks = %v", tt.typ, locks)
		}
	}
}

// SwitchoverGlobalCluster is made in the region of the current writer,
// whichever way the payload switches (docs/aws-global-operations.md): the
// step declares it there, so the plan and the journal show it there.
func TestSwitchoverCallFollowsTheWriter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, target, wantRegion string
		setup                    func(c *rt.Cloud)
	}{
		{"to the DR region: called in the primary's", rt.Cluster2ARN, rt.Primary, func(*rt.Cloud) {}},
		{"back home: called in the DR region, now the writer's", rt.Cluster1ARN, rt.DR, swapped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			tt.setup(c)
			r := rt.Bind(t, aurora.PlannedFailover{}, resource.Params{"GlobalClusterIdentifier": rt.GlobalClusterID, "DBClusterIdentifier": tt.target}, resource.Context{})
			calls, err := only(t, r).Calls(ctx, c.View())
			if err != nil || len(calls) != 1 || calls[0].Region != tt.wantRegion || calls[0].Args["TargetDbClusterIdentifier"] != tt.target {
				t.Fatalf("Calls = %v, %v; want one SwitchoverGlobalCluster in %s", calls, err, tt.wantRegion)
			}
			if _, err := rt.Drive(ctx, r, c); err != nil {
				t.Fatalf("Drive: %v", err)
			}
			if w, _ := c.GlobalClusterState(rt.GlobalClusterID).Writer(); w.ClusterARN != tt.target {
				t.Errorf("writer = %s, want %s", w.ClusterARN, tt.target)
			}
		})
	}
}

// A switchover under way shows FailoverState switching-over, which the
// API reference lists although the model's enum does not: it is the
// switchover in progress, not an unknown state.
func TestSwitchoverStatusSwitchingOver(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	withGlobal(func(g *cloud.GlobalCluster) {
		g.Status = "switching-over"
		g.Failover = &cloud.FailoverState{Status: "switching-over", FromClusterARN: rt.Cluster1ARN, ToClusterARN: rt.Cluster2ARN}
	})(c)
	r := rt.Bind(t, aurora.PlannedFailover{}, switchParams, resource.Context{})
	v, err := only(t, r).Check(ctx, c.View())
	rt.WantVerdict(t, v, err, resource.InProgress, "switching-over from dbcluster-01 (us-east-1) to dbcluster-02 (us-west-2) (switching-over)")
}
