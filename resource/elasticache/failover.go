package elasticache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"drorch/cloud"
	"drorch/manifest"
	"drorch/resource"
)

// Failover is the FailoverElastiCacheCluster type: make the replication
// group in TargetRegion the primary of its global datastore, calling only
// TargetRegion.
type Failover struct{}

// Spec returns FailoverSpec.
func (Failover) Spec() manifest.TypeSpec { return FailoverSpec() }

// Recovery is true: the type is a failover, whose duration is a recovery time (RTO).
func (Failover) Recovery() bool { return true }

// Bind needs no cross-field rule: the member is checked against AWS.
func (Failover) Bind(p resource.Params, c resource.Context) (resource.Resource, []manifest.Problem) {
	return &failover{
		global: cloud.ID(p.String("GlobalReplicationGroupId")), region: cloud.ID(p.String("TargetRegion")),
		group: cloud.ID(p.String("TargetReplicationGroupId")), account: resource.OrAny(c.Account), partition: c.PartitionOr(""),
	}, nil
}

// failover is a bound FailoverElastiCacheCluster.
type failover struct {
	global    string
	region    string // TargetRegion
	group     string // TargetReplicationGroupId
	account   string
	partition string
}

func (f *failover) Region() string         { return f.region }
func (f *failover) Timeout() time.Duration { return 30 * time.Minute }
func (f *failover) Locks() []string        { return []string{resource.DatastoreLock(f.global)} }

// ReplicationLag is the lag of the secondary that becomes the primary (resource.RPOReporter).
func (f *failover) ReplicationLag() cloud.Key {
	return cloud.LagKey(f.region, cloud.LagElastiCache, f.group)
}

// LosesWrites is true: the failover does not wait for replication to catch up.
func (f *failover) LosesWrites() bool { return true }

func (f *failover) Watch() []cloud.Key {
	return []cloud.Key{cloud.GlobalReplicationGroups.Key(f.region, f.global)}
}

func (f *failover) Permissions() []resource.Permission {
	g := manifest.ARN{Partition: f.partition, Service: "elasticache", Account: f.account, ResourceType: "globalreplicationgroup", ResourceID: f.global}.String()
	rg := manifest.ARN{Partition: f.partition, Service: "elasticache", Region: f.region, Account: f.account, ResourceType: "replicationgroup", ResourceID: f.group}.String()
	return []resource.Permission{
		{Actions: []string{"elasticache:FailoverGlobalReplicationGroup"}, Resources: []string{g, rg}},
		{Actions: []string{"elasticache:DescribeGlobalReplicationGroups"}, Resources: []string{g}},
	}
}

func (f *failover) Steps() []resource.Step {
	return []resource.Step{resource.FuncStep{StepName: "failover", CheckFunc: f.check, CallsFunc: resource.Fixed(
		cloud.NewCall("elasticache", "FailoverGlobalReplicationGroup", f.region,
			"GlobalReplicationGroupId", f.global, "PrimaryRegion", f.region, "PrimaryReplicationGroupId", f.group))}}
}

func (f *failover) Goal(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	verdict, err := f.check(ctx, v)
	return resource.GoalOf(verdict), err
}

func (f *failover) read(ctx context.Context, v *resource.View) (*cloud.GlobalReplicationGroup, error) {
	g, err := cloud.GlobalReplicationGroups.Get(ctx, v.Read, f.region, f.global)
	if err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return nil, fmt.Errorf("describe global datastore %s in %s: %w", f.global, f.region, err)
	}
	return g, err
}

func (f *failover) check(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	g, err := f.read(ctx, v)
	if errors.Is(err, cloud.ErrNotFound) {
		return f.missing(), nil
	}
	if err != nil {
		return resource.Verdict{}, err
	}
	return f.judge(g), nil
}

func (f *failover) missing() resource.Verdict {
	return resource.Verdictf(resource.Blocked, "global datastore %s not found (asked in %s): check GlobalReplicationGroupId, with its AWS prefix", f.global, f.region)
}

func (f *failover) judge(g *cloud.GlobalReplicationGroup) resource.Verdict {
	m, ok := g.Member(f.region)
	primary, secondary := strings.EqualFold(m.Role, "PRIMARY"), strings.EqualFold(m.Role, "SECONDARY")
	switch {
	case !ok:
		return resource.Verdictf(resource.Blocked, "global datastore %s has no member in %s (members: %s): check TargetRegion", f.global, f.region, members(g))
	case !cloud.SameID(m.ReplicationGroupID, f.group):
		return resource.Verdictf(resource.Blocked, "the member of global datastore %s in %s is %s, not %s: check TargetReplicationGroupId", f.global, f.region, m.ReplicationGroupID, f.group)
	case primary && g.Status == "available":
		return resource.Verdictf(resource.Done, "%s (%s) is the primary of global datastore %s, which is available", f.group, f.region, f.global)
	case g.Status == "deleting":
		return resource.Verdictf(resource.Blocked, "global datastore %s is being deleted", f.global)
	case primary:
		return resource.Verdictf(resource.InProgress, "%s (%s) is the primary of global datastore %s, which is %s: waiting for available", f.group, f.region, f.global, g.Status)
	case secondary && g.Status == "available":
		return resource.Verdictf(resource.Ready, "global datastore %s is available; %s (%s) is a secondary", f.global, f.group, f.region)
	case secondary && g.Status == "modifying":
		// "Promotion is allowed anytime, even if other modifications are
		// in progress. You can also issue multiple promotions in parallel
		// and the global datastore resolves to one primary eventually"
		// (ElastiCache User Guide, Promoting the secondary cluster to
		// primary,
		// https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Console.html#Redis-Global-Datastores-Console-Promote-Secondary).
		// Once asked, the promotion looks the same until it ends: Busy.
		v := resource.Verdictf(resource.Ready, "global datastore %s is modifying and %s (%s) is still a secondary: a promotion is allowed during a modification, and ends with it the primary", f.global, f.group, f.region)
		v.Busy = true
		return v
	case secondary:
		return resource.Verdictf(resource.InProgress, "global datastore %s is %s; %s (%s) is a secondary: waiting for available", f.global, g.Status, f.group, f.region)
	}
	return resource.Verdictf(resource.InProgress, "%s (%s) has role %q in global datastore %s (%s)", f.group, f.region, m.Role, f.global, g.Status)
}

func members(g *cloud.GlobalReplicationGroup) string {
	out := make([]string, len(g.Members))
	for i, m := range g.Members {
		out[i] = fmt.Sprintf("%s (%s) %s", m.ReplicationGroupID, m.Region, m.Role)
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

func (f *failover) Preflight(ctx context.Context, v *resource.View) (resource.Preflight, error) {
	var pf resource.Preflight
	g, err := f.read(ctx, v)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		pf.Blockers = append(pf.Blockers, f.missing().Reason)
		return pf, nil
	case err != nil:
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("cannot read global datastore %s in TargetRegion %s, where the failover is made: %v", f.global, f.region, err))
		return pf, nil
	}
	pf.State = append(pf.State, fmt.Sprintf("global datastore %s: %s, %s, members %s", f.global, g.Status, g.Engine, members(g)))
	switch verdict := f.judge(g); verdict.State {
	case resource.Done:
		pf.AlreadyDone = true
		pf.State = append(pf.State, "already done: "+verdict.Reason)
	case resource.Blocked:
		pf.Blockers = append(pf.Blockers, verdict.Reason)
	default:
		pf.Warnings = append(pf.Warnings, fmt.Sprintf("writes to the current primary not yet replicated to %s (%s) are lost (usually under a second of them)", f.group, f.region))
	}
	return pf, nil
}
