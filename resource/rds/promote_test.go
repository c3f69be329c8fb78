package rds_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"drorch/cloud"
	"drorch/resource"
	"drorch/resource/rds"
	rt "drorch/resource/resourcetest"
)

var ctx = context.Background()

func has(lines []string, want string) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, want) })
}

func actions(calls []rt.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Action + "@" + c.Region
	}
	return out
}

// withInstance edits an instance of the cloud in place.
func withInstance(region string, f func(in *cloud.DBInstance)) func(c *rt.Cloud) {
	return func(c *rt.Cloud) {
		in := c.InstanceState(region, rt.RDSInstance)
		f(in)
		c.PutInstance(*in)
	}
}

var promoteParams = resource.Params{"RDSInstanceIdentifier": rt.RDSInstance, "TargetClusterIdentifier": rt.RDSReplicaARN}

func TestPromoteBind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		params     resource.Params
		home       string
		wantRegion string
		wantProb   string
	}{
		{"region from the ARN", promoteParams, rt.Primary, rt.DR, ""},
		{"region from --region", resource.Params{"RDSInstanceIdentifier": rt.RDSInstance}, rt.DR, rt.DR, ""},
		{"ARN of another instance", resource.Params{"RDSInstanceIdentifier": "other", "TargetClusterIdentifier": rt.RDSReplicaARN}, rt.DR, "", "names instance rds-mysql-instance but RDSInstanceIdentifier is other"},
		{"cluster ARN", resource.Params{"RDSInstanceIdentifier": rt.RDSInstance, "TargetClusterIdentifier": rt.Cluster2ARN}, rt.DR, "", "not an RDS instance ARN"},
		{"no region at all", resource.Params{"RDSInstanceIdentifier": rt.RDSInstance}, "", "", "--region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, probs := rds.Promote{}.Bind(tt.params, resource.Context{HomeRegion: tt.home})
			if tt.wantProb != "" {
				if len(probs) != 1 || probs[0].Field != "TargetClusterIdentifier" || !strings.Contains(probs[0].Error(), tt.wantProb) {
					t.Fatalf("problems = %v, want %q", probs, tt.wantProb)
				}
				return
			}
			if len(probs) > 0 || r.Region() != tt.wantRegion {
				t.Fatalf("Bind = %v, %v; want region %s", r, probs, tt.wantRegion)
			}
		})
	}
}

func TestPromoteCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(c *rt.Cloud)
		state resource.State
		want  string
	}{
		{"available replica", func(*rt.Cloud) {}, resource.Ready, "available read replica of " + rt.RDSPrimaryARN},
		{"modifying after the call", withInstance(rt.DR, func(in *cloud.DBInstance) { in.Status = "modifying" }), resource.InProgress, "modifying, still a replica"},
		{"rebooting without source", withInstance(rt.DR, func(in *cloud.DBInstance) { in.Status, in.ReplicaSource = "rebooting", "" }), resource.InProgress, "rebooting"},
		{"promoted", withInstance(rt.DR, func(in *cloud.DBInstance) { in.ReplicaSource, in.ReplicationStatus = "", "" }), resource.Done, "no replication source"},
		{"missing", func(c *rt.Cloud) { c.Delete(rt.DR, rt.RDSInstance) }, resource.Blocked, "not found in us-west-2"},
		{"stopped", withInstance(rt.DR, func(in *cloud.DBInstance) { in.Status = "stopped" }), resource.Blocked, "stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			c.SetDown(rt.Primary, true)
			tt.setup(c)
			r := rt.Bind(t, rds.Promote{}, promoteParams, resource.Context{HomeRegion: rt.Primary})
			v, err := rt.Step(t, r, "promote").Check(ctx, c.View())
			rt.WantVerdict(t, v, err, tt.state, tt.want)
		})
	}
}

func TestPromoteRunWithPrimaryDown(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	c.SetDown(rt.Primary, true)
	r := rt.Bind(t, rds.Promote{}, promoteParams, resource.Context{HomeRegion: rt.DR})
	if _, err := rt.Drive(ctx, r, c); err != nil {
		t.Fatalf("Drive: %v", err)
	}
	if got := actions(c.Mutations()); !slices.Equal(got, []string{"PromoteReadReplica@us-west-2"}) {
		t.Errorf("mutations = %v", got)
	}
	for _, call := range c.Calls() {
		if call.Region != rt.DR {
			t.Errorf("call %s went to %s", call.Action, call.Region)
		}
	}
	if res, err := rt.Drive(ctx, r, c); err != nil || !res.AlreadyDone {
		t.Errorf("re-run = %+v, %v; want already done", res, err)
	}
}

func TestPromotePreflight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		setup       func(c *rt.Cloud)
		blocker     string
		warning     string
		noWarning   string
		alreadyDone bool
	}{
		{"replicating", func(*rt.Cloud) {}, "", "ends replication from " + rt.RDSPrimaryARN, "not replicating", false},
		{"replication broken", withInstance(rt.DR, func(in *cloud.DBInstance) { in.ReplicationStatus = "error" }), "", "replication of rds-mysql-instance is error, not replicating", "", false},
		{"already promoted", withInstance(rt.DR, func(in *cloud.DBInstance) { in.ReplicaSource = "" }), "", "", "", true},
		{"region down", func(c *rt.Cloud) { c.SetDown(rt.DR, true) }, "cannot read instance rds-mysql-instance in us-west-2", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			tt.setup(c)
			pf, err := rt.Bind(t, rds.Promote{}, promoteParams, resource.Context{}).Preflight(ctx, c.View())
			if err != nil {
				t.Fatal(err)
			}
			if pf.AlreadyDone != tt.alreadyDone || (tt.blocker == "") != (len(pf.Blockers) == 0) || (tt.blocker != "" && !has(pf.Blockers, tt.blocker)) {
				t.Errorf("preflight = %+v; want blocker %q, already done %v", pf, tt.blocker, tt.alreadyDone)
			}
			if tt.warning != "" && !has(pf.Warnings, tt.warning) {
				t.Errorf("warnings %q lack %q", pf.Warnings, tt.warning)
			}
			if tt.noWarning != "" && has(pf.Warnings, tt.noWarning) {
				t.Errorf("warnings %q say %q", pf.Warnings, tt.noWarning)
			}
		})
	}
}

func TestPromotePermissions(t *testing.T) {
	t.Parallel()
	r := rt.Bind(t, rds.Promote{}, promoteParams, resource.Context{})
	p := r.Permissions()[0]
	if !slices.Equal(p.Actions, []string{"rds:PromoteReadReplica"}) || !slices.Equal(p.Resources, []string{rt.RDSReplicaARN}) {
		t.Errorf("permission = %+v", p)
	}
	noARN := rt.Bind(t, rds.Promote{}, resource.Params{"RDSInstanceIdentifier": rt.RDSInstance}, resource.Context{HomeRegion: rt.DR})
	if got := noARN.Permissions()[0].Resources[0]; got != "arn:aws:rds:us-west-2:*:db:rds-mysql-instance" {
		t.Errorf("resource without a known account = %s", got)
	}
	if r.Timeout().Hours() != 1 || !slices.Equal(r.Locks(), []string{"rds-instance:us-west-2:rds-mysql-instance"}) {
		t.Errorf("timeout %v, locks %v", r.Timeout(), r.Locks())
	}
}
