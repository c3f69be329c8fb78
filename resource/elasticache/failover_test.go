package elasticache_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"drorch/cloud"
	"drorch/resource"
	"drorch/resource/elasticache"
	rt "drorch/resource/resourcetest"
)

var ctx = context.Background()

var params = resource.Params{"GlobalReplicationGroupId": rt.GlobalDatastoreID, "TargetRegion": rt.DR, "TargetReplicationGroupId": rt.ReplicationGroupID}

func bound(t *testing.T, p resource.Params) resource.Resource {
	t.Helper()
	r, probs := elasticache.Failover{}.Bind(p, resource.Context{Account: rt.Account})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	return r
}

func withGroup(f func(g *cloud.GlobalReplicationGroup)) func(c *rt.Cloud) {
	return func(c *rt.Cloud) {
		g := c.GlobalReplicationGroupState(rt.GlobalDatastoreID)
		f(g)
		c.PutGlobalReplicationGroup(*g)
	}
}

var promoted = withGroup(func(g *cloud.GlobalReplicationGroup) {
	g.Members[0].Role, g.Members[1].Role = "SECONDARY", "PRIMARY"
})

func TestFailoverCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		params resource.Params
		setup  func(c *rt.Cloud)
		state  resource.State
		want   string
	}{
		{"secondary", params, func(*rt.Cloud) {}, resource.Ready, "is a secondary"},
		// A promotion is allowed during a modification: ready, and busy,
		// since the state is also that of the promotion once asked.
		{"secondary while the datastore is modifying", params, withGroup(func(g *cloud.GlobalReplicationGroup) { g.Status = "modifying" }), resource.Ready, "a promotion is allowed during a modification"},
		{"secondary while the datastore is creating", params, withGroup(func(g *cloud.GlobalReplicationGroup) { g.Status = "creating" }), resource.InProgress, "waiting for available"},
		{"primary, datastore settling", params, func(c *rt.Cloud) {
			promoted(c)
			withGroup(func(g *cloud.GlobalReplicationGroup) { g.Status = "modifying" })(c)
		}, resource.InProgress, "modifying"},
		{"primary", params, promoted, resource.Done, "is the primary"},
		{"no member in the region", resource.Params{"GlobalReplicationGroupId": rt.GlobalDatastoreID, "TargetRegion": "eu-west-1", "TargetReplicationGroupId": rt.ReplicationGroupID},
			func(*rt.Cloud) {}, resource.Blocked, "no member in eu-west-1"},
		{"another group there", resource.Params{"GlobalReplicationGroupId": rt.GlobalDatastoreID, "TargetRegion": rt.DR, "TargetReplicationGroupId": "other"},
			func(*rt.Cloud) {}, resource.Blocked, "is demo-redis-cluster, not other"},
		{"datastore missing", params, func(c *rt.Cloud) { c.Delete("", rt.GlobalDatastoreID) }, resource.Blocked, "not found (asked in us-west-2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			c.SetDown(rt.Primary, true)
			tt.setup(c)
			v, err := bound(t, tt.params).Steps()[0].Check(ctx, c.View())
			if err != nil || v.State != tt.state || !strings.Contains(v.Reason, tt.want) {
				t.Fatalf("Check = %v (%s), %v; want %v saying %q", v.State, v.Reason, err, tt.state, tt.want)
			}
			if v.Busy != (tt.state == resource.Ready && strings.Contains(v.Reason, "modifying")) {
				t.Errorf("Busy = %v for %q", v.Busy, v.Reason)
			}
		})
	}
}

func TestFailoverRunWithPrimaryDown(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	c.SetDown(rt.Primary, true)
	r := bound(t, params)
	if _, err := rt.Drive(ctx, r, c); err != nil {
		t.Fatalf("Drive: %v", err)
	}
	muts := c.Mutations()
	if len(muts) != 1 || muts[0].Action != "FailoverGlobalReplicationGroup" || muts[0].Region != rt.DR ||
		muts[0].Args["PrimaryRegion"] != rt.DR || muts[0].Args["PrimaryReplicationGroupId"] != rt.ReplicationGroupID {
		t.Fatalf("mutations = %+v", muts)
	}
	for _, call := range c.Calls() {
		if call.Region != rt.DR {
			t.Errorf("call %s went to %s", call.Action, call.Region)
		}
	}
	if m, _ := c.GlobalReplicationGroupState(rt.GlobalDatastoreID).Member(rt.DR); m.Role != "PRIMARY" {
		t.Errorf("us-west-2 member is %s", m.Role)
	}
	if res, err := rt.Drive(ctx, r, c); err != nil || !res.AlreadyDone {
		t.Errorf("re-run = %+v, %v", res, err)
	}
}

func TestFailoverPreflight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		setup       func(c *rt.Cloud)
		blocker     string
		alreadyDone bool
	}{
		{"ready", func(*rt.Cloud) {}, "", false},
		{"done", promoted, "", true},
		{"target region down", func(c *rt.Cloud) { c.SetDown(rt.DR, true) }, "cannot read global datastore", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			tt.setup(c)
			pf, err := bound(t, params).Preflight(ctx, c.View())
			if err != nil {
				t.Fatal(err)
			}
			hasBlocker := slices.ContainsFunc(pf.Blockers, func(b string) bool { return strings.Contains(b, tt.blocker) })
			if pf.AlreadyDone != tt.alreadyDone || (tt.blocker == "") != (len(pf.Blockers) == 0) || (tt.blocker != "" && !hasBlocker) {
				t.Errorf("preflight = %+v", pf)
			}
		})
	}
}

func TestFailoverPermissions(t *testing.T) {
	t.Parallel()
	r := bound(t, params)
	want := []string{
		"arn:aws:elasticache::123456789012:globalreplicationgroup:ldgnf-demo-redis-global-datastore",
		"arn:aws:elasticache:us-west-2:123456789012:replicationgroup:demo-redis-cluster",
	}
	if p := r.Permissions()[0]; !slices.Equal(p.Resources, want) || p.Actions[0] != "elasticache:FailoverGlobalReplicationGroup" {
		t.Errorf("permission = %+v", p)
	}
	if r.Region() != rt.DR || r.Timeout().Minutes() != 30 || r.Locks()[0] != "elasticache-global-datastore:ldgnf-demo-redis-global-datastore" {
		t.Errorf("region %s timeout %v locks %v", r.Region(), r.Timeout(), r.Locks())
	}
}

// A promotion asked while the datastore is modifying (another change under
// way) is made at once, not after the modification; the datastore then
// resolves to the target as primary, however many looks that takes.
func TestFailoverDuringAModification(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	withGroup(func(g *cloud.GlobalReplicationGroup) { g.Status = "modifying" })(c)
	res, err := rt.Drive(ctx, bound(t, params), c)
	if err != nil {
		t.Fatalf("Drive: %v\n%s", err, strings.Join(res.Trace, "\n"))
	}
	if muts := c.Mutations(); len(muts) != 1 || muts[0].Action != "FailoverGlobalReplicationGroup" {
		t.Fatalf("mutations = %+v, want one promotion", muts)
	}
	g := c.GlobalReplicationGroupState(rt.GlobalDatastoreID)
	if m, _ := g.Member(rt.DR); m.Role != "PRIMARY" || g.Status != "available" {
		t.Errorf("end state %+v, want the us-west-2 member PRIMARY and the datastore available", g)
	}
}
