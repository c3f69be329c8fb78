package rds_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"drorch/cloud"
	"drorch/resource"
	"drorch/resource/rds"
	rt "drorch/resource/resourcetest"
)

const role = "arn:aws:iam::123456789012:role/rds-monitoring-role"

// failbackParams re-creates the us-east-1 replica from the promoted
// us-west-2 instance, run with --region us-east-1.
func failbackParams() resource.Params {
	return resource.Params{
		"RDSInstanceIdentifier": rt.RDSInstance, "SourceRDSInstanceIdentifier": rt.RDSInstance, "SourceRegion": rt.DR,
		"DBInstanceClass": "db.r5.large", "MultiAZ": "False", "DBSubnetGroup": "rds-mysql-subnet-group",
		"DBSecurityGroup": "sg-0a1b2c3d4e5f60001", "KmsKeyId": "alias/aws/rds", "AutoMinorVersionUpgrade": "True",
		"Port": "3788", "CopyTagsToSnapshot": "True", "MonitoringInterval": "60", "MonitoringRoleArn": role,
		"EnableIAMDatabaseAuthentication": "False",
	}
}

var home = resource.Context{HomeRegion: rt.Primary}

// afterPromotion is the world after the us-west-2 replica was promoted
// while us-east-1 was down, and us-east-1 came back: two stand-alone
// instances named rds-mysql-instance.
func afterPromotion(c *rt.Cloud) {
	withInstance(rt.DR, func(in *cloud.DBInstance) { in.ReplicaSource, in.ReplicationStatus = "", "" })(c)
	withInstance(rt.Primary, func(in *cloud.DBInstance) { in.Replicas = nil })(c)
}

// replicated is the world after a finished failback: the us-east-1
// instance replicates from us-west-2.
func replicated(c *rt.Cloud) {
	afterPromotion(c)
	withInstance(rt.Primary, func(in *cloud.DBInstance) {
		in.ReplicaSource, in.ReplicationStatus = rt.RDSReplicaARN, "replicating"
	})(c)
	withInstance(rt.DR, func(in *cloud.DBInstance) { in.Replicas = []string{rt.RDSPrimaryARN} })(c)
}

func TestReplicaBind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		params resource.Params
		ctx    resource.Context
		field  string
		want   string
	}{
		{"source in the home region", failbackParams(), resource.Context{HomeRegion: rt.DR}, "SourceRegion", "run drorch with --region <the replica's region>"},
		{"monitoring without a role", func() resource.Params { p := failbackParams(); p["MonitoringRoleArn"] = ""; return p }(), home, "MonitoringRoleArn", "needs a role"},
		{"no home region", failbackParams(), resource.Context{}, "", "--region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, probs := rds.ReadReplica{}.Bind(tt.params, tt.ctx)
			if len(probs) != 1 || probs[0].Field != tt.field || !strings.Contains(probs[0].Error(), tt.want) {
				t.Fatalf("problems = %v, want %q on %q", probs, tt.want, tt.field)
			}
		})
	}
}

func TestReplicaRun(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	afterPromotion(c)
	r := rt.Bind(t, rds.ReadReplica{}, failbackParams(), home)
	if _, err := rt.Drive(ctx, r, c); err != nil {
		t.Fatalf("Drive: %v", err)
	}
	muts := c.Mutations()
	if got := actions(muts); !slices.Equal(got, []string{"DeleteDBInstance@us-east-1", "CreateDBInstanceReadReplica@us-east-1"}) {
		t.Fatalf("mutations = %v", got)
	}
	if snap := muts[0].Args["FinalDBSnapshotIdentifier"]; snap != "drorch-"+rt.RunID+"-rds-mysql-instance" {
		t.Errorf("final snapshot = %q", snap)
	}
	want := map[string]string{
		"DBInstanceIdentifier": rt.RDSInstance, "SourceDBInstanceIdentifier": rt.RDSReplicaARN, "SourceRegion": rt.DR,
		"DBInstanceClass": "db.r5.large", "MultiAZ": "false", "DBSubnetGroupName": "rds-mysql-subnet-group",
		"VpcSecurityGroupIds": "sg-0a1b2c3d4e5f60001", "KmsKeyId": "alias/aws/rds", "AutoMinorVersionUpgrade": "true",
		"Port": "3788", "CopyTagsToSnapshot": "true", "MonitoringInterval": "60", "MonitoringRoleArn": role,
		"EnableIAMDatabaseAuthentication": "false",
	}
	if !maps.Equal(muts[1].Args, want) {
		t.Errorf("CreateDBInstanceReadReplica args = %v\nwant %v", muts[1].Args, want)
	}
	if res, err := rt.Drive(ctx, r, c); err != nil || !res.AlreadyDone || len(c.Mutations()) != 2 {
		t.Errorf("re-run = %+v, %v; want already done", res, err)
	}
}

// The source is named by an ARN in the caller's account and partition
// (aws-cn and GovCloud accounts have their own), asked of AWS, not assumed.
func TestReplicaSourceARNOfTheCaller(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	afterPromotion(c)
	c.Delete(rt.Primary, rt.RDSInstance)
	c.SetCaller(cloud.Caller{Account: "210987654321", Partition: "aws-cn"})
	r := rt.Bind(t, rds.ReadReplica{}, failbackParams(), home)
	calls, err := rt.Step(t, r, "create-replica").Calls(ctx, c.View())
	if err != nil || len(calls) != 1 {
		t.Fatalf("calls = %v, %v", calls, err)
	}
	if got, want := calls[0].Args["SourceDBInstanceIdentifier"], "arn:aws-cn:rds:us-west-2:210987654321:db:rds-mysql-instance"; got != want {
		t.Errorf("source = %s, want %s", got, want)
	}
}

func TestReplicaStepChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		step  string
		setup func(c *rt.Cloud)
		state resource.State
		want  string
	}{
		{"stale stand-alone", "delete-stale", afterPromotion, resource.Ready, "stand-alone instance"},
		{"nothing stale", "delete-stale", func(c *rt.Cloud) { c.Delete(rt.Primary, rt.RDSInstance) }, resource.Done, "nothing stale"},
		{"already a replica of the source", "delete-stale", replicated, resource.Done, "already replicates from rds-mysql-instance (us-west-2)"},
		{"the live primary", "delete-stale", func(*rt.Cloud) {}, resource.Blocked, "source of read replicas"},
		{"replica of something else", "delete-stale", func(c *rt.Cloud) {
			afterPromotion(c)
			withInstance(rt.Primary, func(in *cloud.DBInstance) { in.ReplicaSource = "arn:aws:rds:eu-west-1:123456789012:db:x" })(c)
		}, resource.Blocked, "read replica of arn:aws:rds:eu-west-1"},
		{"stale deleting", "delete-stale", func(c *rt.Cloud) {
			afterPromotion(c)
			withInstance(rt.Primary, func(in *cloud.DBInstance) { in.Status = "deleting" })(c)
		}, resource.InProgress, "deleting"},
		{"stale protected", "delete-stale", func(c *rt.Cloud) {
			afterPromotion(c)
			withInstance(rt.Primary, func(in *cloud.DBInstance) { in.DeletionProtection = true })(c)
		}, resource.Blocked, "--no-deletion-protection"},
		{"replica to create", "create-replica", func(c *rt.Cloud) { afterPromotion(c); c.Delete(rt.Primary, rt.RDSInstance) }, resource.Ready, "read replica of rds-mysql-instance (us-west-2)"},
		{"source missing", "create-replica", func(c *rt.Cloud) { c.Delete(rt.Primary, rt.RDSInstance); c.Delete(rt.DR, rt.RDSInstance) }, resource.Blocked, "source instance rds-mysql-instance (us-west-2) not found"},
		{"replica creating", "create-replica", func(c *rt.Cloud) {
			replicated(c)
			withInstance(rt.Primary, func(in *cloud.DBInstance) { in.Status, in.ReplicationStatus = "creating", "" })(c)
		}, resource.InProgress, "creating"},
		{"replica broken", "create-replica", func(c *rt.Cloud) {
			replicated(c)
			withInstance(rt.Primary, func(in *cloud.DBInstance) { in.ReplicationStatus = "error" })(c)
		}, resource.Failed, "replication is error"},
		{"replica ready", "create-replica", replicated, resource.Done, "replicates from rds-mysql-instance (us-west-2)"},
		{"stand-alone in the way", "create-replica", afterPromotion, resource.Blocked, "stand-alone instance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			tt.setup(c)
			r := rt.Bind(t, rds.ReadReplica{}, failbackParams(), home)
			v, err := rt.Step(t, r, tt.step).Check(ctx, c.View())
			rt.WantVerdict(t, v, err, tt.state, tt.want)
		})
	}
}

// A retry of delete-stale after its call went through makes no second call.
func TestReplicaDeleteStaleOnce(t *testing.T) {
	t.Parallel()
	c := rt.NewSeed()
	afterPromotion(c)
	s := rt.Step(t, rt.Bind(t, rds.ReadReplica{}, failbackParams(), home), "delete-stale")
	for range 2 {
		if err := rt.Do(ctx, s, c); err != nil {
			t.Fatal(err)
		}
	}
	if got := actions(c.Mutations()); !slices.Equal(got, []string{"DeleteDBInstance@us-east-1"}) {
		t.Errorf("mutations = %v, want one delete", got)
	}
}

func TestReplicaPreflight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		setup       func(c *rt.Cloud)
		blocker     string
		warning     string
		alreadyDone bool
	}{
		{"stale instance", afterPromotion, "", "will be deleted, with a final snapshot drorch-" + rt.RunID + "-rds-mysql-instance", false},
		{"source region down", func(c *rt.Cloud) { afterPromotion(c); c.SetDown(rt.DR, true) }, "SourceRegion us-west-2 is unreachable", "", false},
		{"the live primary", func(*rt.Cloud) {}, "source of read replicas", "", false},
		{"done", replicated, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := rt.NewSeed()
			tt.setup(c)
			pf, err := rt.Bind(t, rds.ReadReplica{}, failbackParams(), home).Preflight(ctx, c.View())
			if err != nil {
				t.Fatal(err)
			}
			if pf.AlreadyDone != tt.alreadyDone || (tt.blocker == "") != (len(pf.Blockers) == 0) || (tt.blocker != "" && !has(pf.Blockers, tt.blocker)) {
				t.Errorf("preflight = %+v; want blocker %q, already done %v", pf, tt.blocker, tt.alreadyDone)
			}
			if tt.warning != "" && !has(pf.Warnings, tt.warning) {
				t.Errorf("warnings %q lack %q", pf.Warnings, tt.warning)
			}
			if len(c.Mutations()) > 0 {
				t.Errorf("preflight made changes")
			}
		})
	}
}

func TestReplicaPermissions(t *testing.T) {
	t.Parallel()
	r := rt.Bind(t, rds.ReadReplica{}, failbackParams(), resource.Context{HomeRegion: rt.Primary, Account: rt.Account})
	byAction := map[string][]string{}
	for _, p := range r.Permissions() {
		for _, a := range p.Actions {
			byAction[a] = append(byAction[a], p.Resources...)
		}
	}
	for action, res := range map[string]string{
		"rds:CreateDBInstanceReadReplica": rt.RDSReplicaARN, // the source
		"rds:DeleteDBInstance":            rt.RDSPrimaryARN,
		"rds:CreateDBSnapshot":            "arn:aws:rds:us-east-1:123456789012:snapshot:drorch-*-rds-mysql-instance",
		"kms:CreateGrant":                 "arn:aws:kms:us-east-1:123456789012:key/*",
		"iam:PassRole":                    role,
	} {
		if !slices.Contains(byAction[action], res) {
			t.Errorf("%s on %v, want %s", action, byAction[action], res)
		}
	}
	if r.Timeout().Hours() != 4 || r.Region() != rt.Primary {
		t.Errorf("timeout %v region %s", r.Timeout(), r.Region())
	}
}
