package aurora_test

import (
	"slices"
	"strings"
	"testing"

	"drorch/cloud"
	"drorch/resource"
	"drorch/resource/aurora"
	rt "drorch/resource/resourcetest"
)

var unplannedParams = resource.Params{"GlobalClusterIdentifier": rt.GlobalClusterID, "DBClusterIdentifier": rt.Cluster2ARN, "ClusterRegion": rt.DR}

func TestUnplannedBind(t *testing.T) {
	t.Parallel()
	p := resource.Params{"GlobalClusterIdentifier": rt.GlobalClusterID, "DBClusterIdentifier": rt.Cluster2ARN, "ClusterRegion": rt.Primary}
	_, probs := aurora.UnplannedFailover{}.Bind(p, resource.Context{})
	if len(probs) != 1 || probs[0].Field != "ClusterRegion" || !strings.Contains(probs[0].Error(), "set ClusterRegion to us-west-2") {
		t.Fatalf("problems = %v, want one on ClusterRegion saying us-west-2", probs)
	}
	if _, probs := (aurora.UnplannedFailover{}).Bind(unplannedParams, resource.Context{}); len(probs) != 0 {
		t.Fatalf("problems = %v for a good payload", probs)
	}
}

func withCluster2(f func(cl *cloud.DBCluster)) func(c *rt.Cloud) {
	return func(c *rt.Cloud) {
		cl := c.ClusterState(rt.DR, rt.Cluster2)
		f(cl)
		c.PutCluster(*cl)
	}
}

// detached is dbcluster-02 out of the global cluster in status, writable or not.
func detached(status string, writable bool) func(c *rt.Cloud) {
	return func(c *rt.Cloud) {
		withGlobal(func(g *cloud.GlobalCluster) { g.Members = g.Members[:1] })(c)
		withCluster2(func(cl *cloud.DBCluster) {
			cl.GlobalClusterID, cl.Status = "", status
			cl.Members[0].IsWriter = writable
		})(c)
	}
}

func TestUnplannedCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(c *rt.Cloud)
		state resource.State
		want  []string
	}{
		{"secondary", func(*rt.Cloud) {}, resource.Ready, []string{"secondary of global cluster dr-globaldb-cluster-mysql (writer dbcluster-01 (us-east-1))"}},
		// RemoveFromGlobalCluster is asynchronous: right after it the
		// cluster is still listed, IsWriter false, and promoting.
		{"detach under way, still listed", withCluster2(func(cl *cloud.DBCluster) { cl.Status = "promoting" }), resource.InProgress,
			[]string{"being removed from global cluster dr-globaldb-cluster-mysql", "still listed"}},
		{"promoting after the detach", detached("promoting", false), resource.InProgress, []string{"promoting"}},
		{"modifying after the detach", detached("modifying", false), resource.InProgress, []string{"modifying"}},
		{"available, writer not yet", detached("available", false), resource.InProgress, []string{"waiting for a writer"}},
		{"stand-alone and writable", detached("available", true), resource.Done, []string{"writable", rt.Instance2}},
		{"no instance at all", func(c *rt.Cloud) {
			detached("available", false)(c)
			withCluster2(func(cl *cloud.DBCluster) { cl.Members = nil })(c)
		}, resource.Blocked, []string{"no instance"}},
		{"target is the writer with secondaries", func(c *rt.Cloud) {
			swapped(c)
		}, resource.Blocked, []string{"already the writer", "nothing to detach"}},
		{"target is the only member", func(c *rt.Cloud) {
			swapped(c)
			withGlobal(func(g *cloud.GlobalCluster) { g.Members = g.Members[1:] })(c)
		}, resource.Ready, []string{"only member"}},
		{"target in another global cluster", withCluster2(func(cl *cloud.DBCluster) { cl.GlobalClusterID = "other-gc" }), resource.Blocked, []string{"other-gc"}},
		{"target not found", func(c *rt.Cloud) { c.Delete(rt.DR, rt.Cluster2) }, resource.Blocked, []string{"not found in us-west-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			c.SetDown(rt.Primary, true)
			tt.setup(c)
			r := rt.Bind(t, aurora.UnplannedFailover{}, unplannedParams, resource.Context{})
			v, err := only(t, r).Check(ctx, c.View())
			rt.WantVerdict(t, v, err, tt.state, tt.want...)
			if regions := regionsOf(c.Calls()); !slices.Equal(regions, []string{rt.DR}) {
				t.Errorf("calls went to %v, want only ClusterRegion", regions)
			}
		})
	}
}

// The whole point of the unplanned failover: with every call to the
// primary's region failing, it completes, calling only ClusterRegion.
func TestUnplannedRunWithPrimaryDown(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	c.SetDown(rt.Primary, true)
	r := rt.Bind(t, aurora.UnplannedFailover{}, unplannedParams, resource.Context{})
	if _, err := rt.Drive(ctx, r, c); err != nil {
		t.Fatalf("Drive: %v", err)
	}
	if got := actions(c.Mutations()); !slices.Equal(got, []string{"RemoveFromGlobalCluster@us-west-2"}) {
		t.Errorf("mutations = %v", got)
	}
	for _, call := range c.Calls() {
		if call.Region != rt.DR {
			t.Errorf("call %s went to %s", call.Action, call.Region)
		}
	}
	cl := c.ClusterState(rt.DR, rt.Cluster2)
	if _, w := cl.Writer(); cl.GlobalClusterID != "" || cl.Status != "available" || !w {
		t.Errorf("cluster after the run: %+v", cl)
	}
	res, err := rt.Drive(ctx, r, c)
	if err != nil || !res.AlreadyDone {
		t.Errorf("re-run = %+v, %v; want already done", res, err)
	}
}

func TestUnplannedPreflight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		setup       func(c *rt.Cloud)
		blocker     string
		warnings    []string
		alreadyDone bool
	}{
		{"primary down", func(c *rt.Cloud) { c.SetDown(rt.Primary, true) }, "", []string{"RPO risk", "writes to the writer dbcluster-01 (us-east-1) not yet replicated"}, false},
		{"primary healthy", func(*rt.Cloud) {}, "", []string{"RPO risk", "If the writer's region is healthy, PlannedFailoverAurora switches over without losing writes"}, false},
		{"already detached", detached("available", true), "", nil, true},
		{"target is already the primary", swapped, "already the writer", nil, false},
		{"ClusterRegion down", func(c *rt.Cloud) { c.SetDown(rt.DR, true) }, "cannot read dbcluster-02 in ClusterRegion us-west-2", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			tt.setup(c)
			pf, err := rt.Bind(t, aurora.UnplannedFailover{}, unplannedParams, resource.Context{}).Preflight(ctx, c.View())
			if err != nil {
				t.Fatal(err)
			}
			if pf.AlreadyDone != tt.alreadyDone {
				t.Errorf("already done = %v", pf.AlreadyDone)
			}
			if (tt.blocker == "") != (len(pf.Blockers) == 0) || (tt.blocker != "" && !containsAll(pf.Blockers, tt.blocker)) {
				t.Errorf("blockers = %q, want %q", pf.Blockers, tt.blocker)
			}
			for _, w := range tt.warnings {
				if !containsAll(pf.Warnings, w) {
					t.Errorf("warnings = %q, want %q", pf.Warnings, w)
				}
			}
			// The plan of an unplanned failover never asks the region it
			// escapes, down or not.
			for _, call := range c.Calls() {
				if call.Region != "us-west-2" {
					t.Errorf("preflight called %s in %s", call.Action, call.Region)
				}
			}
		})
	}
}

func TestUnplannedPermissions(t *testing.T) {
	t.Parallel()
	r := rt.Bind(t, aurora.UnplannedFailover{}, unplannedParams, resource.Context{})
	p := r.Permissions()[0]
	if !slices.Equal(p.Actions, []string{"rds:RemoveFromGlobalCluster"}) ||
		!slices.Equal(p.Resources, []string{"arn:aws:rds::123456789012:global-cluster:dr-globaldb-cluster-mysql", rt.Cluster2ARN}) {
		t.Errorf("permission = %+v", p)
	}
	if r.Region() != rt.DR {
		t.Errorf("region = %s", r.Region())
	}
	for _, k := range r.Watch() {
		if k.Region != rt.DR {
			t.Errorf("watch key %+v outside ClusterRegion", k)
		}
	}
}

// After RemoveFromGlobalCluster is accepted, AWS still lists the cluster as
// a member (IsWriter false) while it promotes: the step sees the detach
// under way, never ready again (which would make the machine wait out its
// start grace and say nothing started, and a resumed run call again).
func TestUnplannedCheckAfterTheCall(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	c.SetDown(rt.Primary, true)
	s := only(t, rt.Bind(t, aurora.UnplannedFailover{}, unplannedParams, resource.Context{}))
	if err := rt.Do(ctx, s, c); err != nil {
		t.Fatal(err)
	}
	if m, member := c.GlobalClusterState(rt.GlobalClusterID).Member(rt.Cluster2ARN); !member || m.IsWriter {
		t.Fatalf("the fake must still list the cluster right after the call: %+v %v", m, member)
	}
	for i, want := range []struct {
		state resource.State
		says  string
	}{{resource.InProgress, "still listed"}, {resource.InProgress, "has left the global cluster and is promoting"}, {resource.Done, "writable"}} {
		v, err := s.Check(ctx, c.View())
		rt.WantVerdict(t, v, err, want.state, want.says)
		if i < 2 {
			c.Settle()
		}
	}
	if n := len(c.Mutations()); n != 1 {
		t.Errorf("%d mutations, want the one removal", n)
	}
}
