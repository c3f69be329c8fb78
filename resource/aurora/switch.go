package aurora

import (
	"context"
	"errors"
	"fmt"
	"time"

	"drorch/cloud"
	"drorch/manifest"
	"drorch/resource"
)

// PlannedFailover is the PlannedFailoverAurora type: SwitchoverGlobalCluster,
// no data loss, both regions needed.
type PlannedFailover struct{}

// Spec returns PlannedSpec.
func (PlannedFailover) Spec() manifest.TypeSpec { return PlannedSpec() }

// Recovery is true: the type is a failover, whose duration is a recovery time (RTO).
func (PlannedFailover) Recovery() bool { return true }

// Bind reads GlobalClusterIdentifier and the target cluster ARN.
func (PlannedFailover) Bind(p resource.Params, c resource.Context) (resource.Resource, []manifest.Problem) {
	return bindSwitch(p, c, switchover)
}

// ManagedFailover is the ManagedFailoverAurora type: FailoverGlobalCluster
// with AllowDataLoss, only with the operator's --allow-data-loss.
type ManagedFailover struct{}

// Spec returns ManagedSpec.
func (ManagedFailover) Spec() manifest.TypeSpec { return ManagedSpec() }

// Recovery is true: the type is a failover, whose duration is a recovery time (RTO).
func (ManagedFailover) Recovery() bool { return true }

// Bind refuses to bind without Context.AllowDataLoss.
func (ManagedFailover) Bind(p resource.Params, c resource.Context) (resource.Resource, []manifest.Problem) {
	r, probs := bindSwitch(p, c, managedFailover)
	if !c.AllowDataLoss {
		probs = append(probs, manifest.Problem{
			Message: "ManagedFailoverAurora may lose the writes not yet replicated",
			Fix:     "pass --allow-data-loss to acknowledge",
		})
	}
	if probs != nil {
		return nil, probs
	}
	return r, nil
}

// mode is what distinguishes a switchover from a data-loss failover.
type mode struct {
	typeName string
	action   string // the AWS action
	status   string // the global cluster's status while it runs
	dataLoss bool
}

var (
	switchover      = mode{typeName: "PlannedFailoverAurora", action: "SwitchoverGlobalCluster", status: "switching-over"}
	managedFailover = mode{typeName: "ManagedFailoverAurora", action: "FailoverGlobalCluster", status: "failing-over", dataLoss: true}
)

func bindSwitch(p resource.Params, c resource.Context, m mode) (resource.Resource, []manifest.Problem) {
	target, probs := parseCluster(p, "DBClusterIdentifier")
	if probs != nil {
		return nil, probs
	}
	return &globalSwitch{mode: m, global: cloud.ID(p.String("GlobalClusterIdentifier")), target: target,
		account: resource.OrAny(target.Account, c.Account)}, nil
}

// globalSwitch makes target the writer of global. Every read goes to the
// target's region (the healthy one in an outage; DescribeGlobalClusters
// answers the same in every region); the call goes where AWS documents it
// (docs/aws-global-operations.md): SwitchoverGlobalCluster to the region of
// the current writer, FailoverGlobalCluster with AllowDataLoss to the
// target's.
type globalSwitch struct {
	mode    mode
	global  string
	target  cluster
	account string
}

func (s *globalSwitch) Region() string         { return s.target.Region }
func (s *globalSwitch) Timeout() time.Duration { return 30 * time.Minute }

// ReplicationLag is the lag of the secondary that becomes the writer (resource.RPOReporter).
func (s *globalSwitch) ReplicationLag() cloud.Key {
	return cloud.LagKey(s.target.Region, cloud.LagAurora, s.target.ID)
}

// LosesWrites is true for FailoverGlobalCluster with AllowDataLoss; a
// switchover synchronises the secondaries first.
func (s *globalSwitch) LosesWrites() bool { return s.mode.dataLoss }

// Watch is what Goal and the step read each round: the global cluster only
// (Preflight's reads of the members are one-off).
func (s *globalSwitch) Watch() []cloud.Key {
	return []cloud.Key{cloud.GlobalClusters.Key(s.target.Region, s.global)}
}

func (s *globalSwitch) Locks() []string {
	return []string{resource.GlobalClusterLock(s.global), resource.ClusterLock(s.target.Region, s.target.ID)}
}

func (s *globalSwitch) Permissions() []resource.Permission {
	g := globalClusterARN(s.target.Partition, s.account, s.global)
	// IAM authorizes the call on the resources its request names, the
	// global cluster and TargetDbClusterIdentifier (Service Authorization
	// Reference, Amazon RDS: global-cluster and cluster), and a drorch
	// policy has no region condition: the policy is the same whichever
	// region the call is made in (the writer's for a switchover).
	resources := []string{g, s.target.ARN}
	return []resource.Permission{
		{Actions: []string{"rds:" + s.mode.action}, Resources: resources},
		{Actions: []string{"rds:DescribeGlobalClusters"}, Resources: []string{g}},
		// Preflight describes every member cluster in its own region; the
		// members are known only then.
		{Actions: []string{"rds:DescribeDBClusters"}, Resources: []string{rdsARN(s.target.Partition, "*", s.account, "cluster", "*")}},
	}
}

func (s *globalSwitch) Steps() []resource.Step {
	if s.mode.dataLoss {
		// "Run this command in the Region that hosts the secondary cluster
		// that you're promoting" (CLI reference example failover-global-cluster,
		// https://docs.aws.amazon.com/cli/latest/reference/rds/failover-global-cluster.html):
		// the target's, the healthy one; the failed region is never needed.
		call := rdsCall(s.mode.action, s.target.Region, "GlobalClusterIdentifier", s.global, "TargetDbClusterIdentifier", s.target.ARN,
			"AllowDataLoss", "true")
		return []resource.Step{resource.FuncStep{StepName: "failover", CheckFunc: s.check, CallsFunc: resource.Fixed(call)}}
	}
	return []resource.Step{resource.FuncStep{StepName: "switchover", CheckFunc: s.check, CallsFunc: s.switchover}}
}

// switchover is SwitchoverGlobalCluster made in the region of the global
// cluster's current writer: "Run this command in the Region that hosts the
// current primary cluster" (CLI reference example switchover-global-cluster,
// https://docs.aws.amazon.com/cli/latest/reference/rds/switchover-global-cluster.html).
// The writer is read from DescribeGlobalClusters, in the target's region.
func (s *globalSwitch) switchover(ctx context.Context, v *resource.View) ([]cloud.Call, error) {
	g, verdict, err := s.read(ctx, v)
	if err != nil {
		return nil, err
	}
	if verdict != nil {
		return nil, errors.New(verdict.Reason)
	}
	w, ok := g.Writer()
	region := regionOf(w.ClusterARN)
	if !ok || region == "" {
		return nil, fmt.Errorf("global cluster %s has no writer (members: %s): SwitchoverGlobalCluster is made in the writer's region", s.global, names(g.Members))
	}
	return []cloud.Call{rdsCall(s.mode.action, region, "GlobalClusterIdentifier", s.global, "TargetDbClusterIdentifier", s.target.ARN)}, nil
}

func (s *globalSwitch) Goal(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	verdict, err := s.check(ctx, v)
	return resource.GoalOf(verdict), err
}

// read describes the global cluster from the target's region.
func (s *globalSwitch) read(ctx context.Context, v *resource.View) (*cloud.GlobalCluster, *resource.Verdict, error) {
	g, err := getGlobal(ctx, v, s.target.Region, s.global)
	if notFound(err) {
		verdict := resource.Verdictf(resource.Blocked, "global cluster %s not found (asked in %s): check GlobalClusterIdentifier", s.global, s.target.Region)
		return nil, &verdict, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("describe global cluster %s in %s: %w", s.global, s.target.Region, err)
	}
	return g, nil, nil
}

func (s *globalSwitch) check(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	g, verdict, err := s.read(ctx, v)
	if verdict != nil || err != nil {
		return deref(verdict), err
	}
	return s.judge(g), nil
}

func deref(v *resource.Verdict) resource.Verdict {
	if v == nil {
		return resource.Verdict{}
	}
	return *v
}

// judge places the global cluster's state on the switchover's path.
func (s *globalSwitch) judge(g *cloud.GlobalCluster) resource.Verdict {
	m, ok := g.Member(s.target.ARN)
	if !ok {
		return resource.Verdictf(resource.Blocked, "cluster %s is not a member of global cluster %s (members: %s): check DBClusterIdentifier",
			s.target, s.global, names(g.Members))
	}
	if f := g.Failover; f != nil {
		if cloud.SameID(f.ToClusterARN, s.target.ARN) {
			return resource.Verdictf(resource.InProgress, "global cluster %s is %s from %s to %s (%s)",
				s.global, g.Status, nameOf(f.FromClusterARN), s.target, f.Status)
		}
		return resource.Verdictf(resource.Blocked, "global cluster %s is already %s from %s to %s (%s), not to %s: wait for it to finish, then run again",
			s.global, g.Status, nameOf(f.FromClusterARN), nameOf(f.ToClusterARN), f.Status, s.target)
	}
	if m.IsWriter {
		if g.Status == "available" {
			return resource.Verdictf(resource.Done, "%s is the writer of global cluster %s, which is available", s.target, s.global)
		}
		return resource.Verdictf(resource.InProgress, "%s is the writer of global cluster %s, which is %s: waiting for available", s.target, s.global, g.Status)
	}
	w, _ := g.Writer()
	switch g.Status {
	case "available":
		return resource.Verdictf(resource.Ready, "global cluster %s is available, writer %s; %s is a secondary (%s)",
			s.global, nameOf(w.ClusterARN), s.target, orUnknown(m.SyncStatus))
	case "deleting":
		return resource.Verdictf(resource.Blocked, "global cluster %s is being deleted", s.global)
	}
	return resource.Verdictf(resource.InProgress, "global cluster %s is %s (writer %s): waiting for it to be available before the %s",
		s.global, g.Status, nameOf(w.ClusterARN), s.mode.action)
}

func orUnknown(s string) string {
	if s == "" {
		return "sync status not reported"
	}
	return s
}

func (s *globalSwitch) Preflight(ctx context.Context, v *resource.View) (resource.Preflight, error) {
	var pf resource.Preflight
	g, verdict, err := s.read(ctx, v)
	if err != nil {
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("cannot read global cluster %s in %s, the target's region: %v", s.global, s.target.Region, err))
		return pf, nil
	}
	if verdict != nil {
		pf.Blockers = append(pf.Blockers, verdict.Reason)
		return pf, nil
	}
	pf.State = append(pf.State, fmt.Sprintf("global cluster %s: %s (%s %s)", s.global, g.Status, g.Engine, g.EngineVersion))
	for _, m := range g.Members {
		pf.State = append(pf.State, "member "+describeMember(m))
	}
	if f := g.Failover; f != nil {
		pf.State = append(pf.State, fmt.Sprintf("under way: %s from %s to %s (%s)", g.Status, nameOf(f.FromClusterARN), nameOf(f.ToClusterARN), f.Status))
	}
	v2 := s.judge(g)
	switch v2.State {
	case resource.Done:
		pf.AlreadyDone = true
		pf.State = append(pf.State, "already done: "+v2.Reason)
		return pf, nil
	case resource.Blocked:
		pf.Blockers = append(pf.Blockers, v2.Reason)
		return pf, nil
	}
	regions := map[string]bool{}
	for _, m := range g.Members {
		regions[regionOf(m.ClusterARN)] = true
	}
	for _, m := range g.Members {
		s.member(ctx, v, m, len(regions), &pf)
	}
	if s.mode.dataLoss {
		w, _ := g.Writer()
		pf.Warnings = append(pf.Warnings, fmt.Sprintf(
			"data loss: FailoverGlobalCluster with AllowDataLoss makes %s the writer without waiting for replication; writes to %s not yet replicated are lost, and %s rejoins as a secondary (pending-resync) when its region is back",
			s.target, nameOf(w.ClusterARN), nameOf(w.ClusterARN)))
	}
	return pf, nil
}

// member describes one member cluster in its own region and records what
// it means for the operation: a switchover needs every member healthy, a
// data-loss failover only the target.
func (s *globalSwitch) member(ctx context.Context, v *resource.View, m cloud.GlobalClusterMember, nRegions int, pf *resource.Preflight) {
	region := regionOf(m.ClusterARN)
	isTarget := cloud.SameID(m.ClusterARN, s.target.ARN)
	cl, err := getCluster(ctx, v, region, m.ClusterARN)
	var problem string
	switch {
	case notFound(err):
		problem = fmt.Sprintf("member cluster %s not found in %s", nameOf(m.ClusterARN), region)
	case err != nil:
		pf.State = append(pf.State, fmt.Sprintf("%s: unreachable (%v)", region, err))
		if !s.mode.dataLoss {
			both := "both regions"
			if nRegions != 2 {
				both = "every region of the global cluster"
			}
			pf.Blockers = append(pf.Blockers, fmt.Sprintf(
				"a planned switchover needs %s; %s is unreachable: for an unplanned failover use UnPlannedFailoverAurora, or ManagedFailoverAurora with --allow-data-loss",
				both, region))
			return
		}
		problem = fmt.Sprintf("%s is unreachable", region)
	case cl.Status != "available":
		problem = fmt.Sprintf("member cluster %s is %s", nameOf(m.ClusterARN), cl.Status)
	case m.SyncStatus == "pending-resync":
		problem = fmt.Sprintf("member cluster %s is pending-resync (still catching up after a failover)", nameOf(m.ClusterARN))
	}
	if cl != nil {
		pf.State = append(pf.State, fmt.Sprintf("cluster %s: %s", nameOf(m.ClusterARN), cl.Status))
	}
	switch {
	case problem == "" && s.mode.dataLoss && m.IsWriter:
		pf.Warnings = append(pf.Warnings, fmt.Sprintf("the writer %s answers and is available: PlannedFailoverAurora would switch over without losing writes", nameOf(m.ClusterARN)))
	case problem == "":
	case isTarget:
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("the target is not a healthy member: %s; it must be available in a reachable region", problem))
	case !s.mode.dataLoss:
		pf.Blockers = append(pf.Blockers, problem+": a switchover needs every member available and connected; wait for it, or for an unplanned failover use UnPlannedFailoverAurora, or ManagedFailoverAurora with --allow-data-loss")
	default:
		pf.State = append(pf.State, problem+": the data-loss failover goes ahead without it")
	}
}
