package aurora

import (
	"context"
	"fmt"
	"time"

	"drorch/cloud"
	"drorch/manifest"
	"drorch/resource"
)

// UnplannedFailover is the UnPlannedFailoverAurora type: detach the
// secondary from its global cluster so that it becomes a stand-alone
// writable cluster. Every call goes to ClusterRegion, never to the
// primary's region, which is presumed down.
type UnplannedFailover struct{}

// Spec returns UnplannedSpec.
func (UnplannedFailover) Spec() manifest.TypeSpec { return UnplannedSpec() }

// Recovery is true: the type is a failover, whose duration is a recovery time (RTO).
func (UnplannedFailover) Recovery() bool { return true }

// Bind checks that ClusterRegion is the region of DBClusterIdentifier.
func (UnplannedFailover) Bind(p resource.Params, c resource.Context) (resource.Resource, []manifest.Problem) {
	target, probs := parseCluster(p, "DBClusterIdentifier")
	if probs != nil {
		return nil, probs
	}
	if r := cloud.ID(p.String("ClusterRegion")); r != target.Region {
		return nil, []manifest.Problem{{
			Field:   "ClusterRegion",
			Message: fmt.Sprintf("ClusterRegion %s is not the region of DBClusterIdentifier %s (%s)", r, target.ARN, target.Region),
			Fix:     fmt.Sprintf("set ClusterRegion to %s, or name the secondary cluster of %s", target.Region, r),
		}}
	}
	return &detach{global: cloud.ID(p.String("GlobalClusterIdentifier")), target: target, account: resource.OrAny(target.Account, c.Account)}, nil
}

// detach removes target from global and waits until it is writable.
type detach struct {
	global  string
	target  cluster
	account string
}

func (d *detach) Region() string         { return d.target.Region }
func (d *detach) Timeout() time.Duration { return 30 * time.Minute }

// ReplicationLag is the lag of the secondary that is detached (resource.RPOReporter).
func (d *detach) ReplicationLag() cloud.Key {
	return cloud.LagKey(d.target.Region, cloud.LagAurora, d.target.ID)
}

// LosesWrites is true: detaching does not wait for replication.
func (d *detach) LosesWrites() bool { return true }

func (d *detach) Watch() []cloud.Key {
	return []cloud.Key{cloud.DBClusters.Key(d.target.Region, d.target.ARN), cloud.GlobalClusters.Key(d.target.Region, d.global)}
}

func (d *detach) Locks() []string {
	return []string{resource.GlobalClusterLock(d.global), resource.ClusterLock(d.target.Region, d.target.ID)}
}

func (d *detach) Permissions() []resource.Permission {
	g := globalClusterARN(d.target.Partition, d.account, d.global)
	return []resource.Permission{
		{Actions: []string{"rds:RemoveFromGlobalCluster"}, Resources: []string{g, d.target.ARN}},
		{Actions: []string{"rds:DescribeGlobalClusters"}, Resources: []string{g}},
		// Preflight also looks at the writer, in its own region, to say
		// whether a planned switchover would do.
		{Actions: []string{"rds:DescribeDBClusters"}, Resources: []string{rdsARN(d.target.Partition, "*", d.account, "cluster", "*")}},
	}
}

func (d *detach) Steps() []resource.Step {
	return []resource.Step{resource.FuncStep{StepName: "detach", CheckFunc: d.check, CallsFunc: resource.Fixed(
		rdsCall("RemoveFromGlobalCluster", d.target.Region, "GlobalClusterIdentifier", d.global, "DbClusterIdentifier", d.target.ARN))}}
}

func (d *detach) Goal(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	verdict, err := d.check(ctx, v)
	return resource.GoalOf(verdict), err
}

// state reads the target cluster and, while it is in a global cluster, that
// global cluster, both in the target's region.
func (d *detach) state(ctx context.Context, v *resource.View) (*cloud.DBCluster, *cloud.GlobalCluster, error) {
	cl, err := getCluster(ctx, v, d.target.Region, d.target.ARN)
	if err != nil {
		return nil, nil, fmt.Errorf("describe cluster %s: %w", d.target, err)
	}
	if cl.GlobalClusterID == "" {
		return cl, nil, nil
	}
	g, err := getGlobal(ctx, v, d.target.Region, cl.GlobalClusterID)
	if err != nil && !notFound(err) {
		return nil, nil, fmt.Errorf("describe global cluster %s in %s: %w", cl.GlobalClusterID, d.target.Region, err)
	}
	return cl, g, nil
}

func (d *detach) check(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	cl, g, err := d.state(ctx, v)
	if notFound(err) {
		return d.missing(), nil
	}
	if err != nil {
		return resource.Verdict{}, err
	}
	return d.judge(cl, g), nil
}

func (d *detach) missing() resource.Verdict {
	return resource.Verdictf(resource.Blocked, "cluster %s not found in %s: check DBClusterIdentifier and ClusterRegion", d.target.ID, d.target.Region)
}

func (d *detach) judge(cl *cloud.DBCluster, g *cloud.GlobalCluster) resource.Verdict {
	if cl.GlobalClusterID == "" {
		w, writable := cl.Writer()
		switch {
		case cl.Status == "available" && writable:
			return resource.Verdictf(resource.Done, "%s is stand-alone, available and writable (writer instance %s)", d.target, w.InstanceID)
		case cl.Status == "available" && len(cl.Members) == 0:
			return resource.Verdictf(resource.Blocked, "%s is out of the global cluster and available but has no instance to write to: add one with `aws rds create-db-instance --region %s --db-cluster-identifier %s ...`",
				d.target, d.target.Region, d.target.ID)
		case resource.Stuck(cl.Status):
			return resource.Verdictf(resource.Blocked, "%s is out of the global cluster but %s", d.target, cl.Status)
		case cl.Status == "available":
			return resource.Verdictf(resource.InProgress, "%s is out of the global cluster and available; waiting for a writer instance", d.target)
		}
		return resource.Verdictf(resource.InProgress, "%s has left the global cluster and is %s", d.target, cl.Status)
	}
	if !cloud.SameID(cl.GlobalClusterID, d.global) {
		return resource.Verdictf(resource.Blocked, "%s is a member of global cluster %s, not %s: check GlobalClusterIdentifier", d.target, cl.GlobalClusterID, d.global)
	}
	if g == nil {
		return resource.Verdictf(resource.Blocked, "%s says it belongs to global cluster %s, but %s cannot find %s", d.target, d.global, d.target.Region, d.global)
	}
	m, ok := g.Member(d.target.ARN)
	switch {
	case !ok:
		return resource.Verdictf(resource.InProgress, "%s is leaving global cluster %s", d.target, d.global)
	case cl.Status == "promoting":
		return detachUnderWay(d.target.String(), d.global)
	case m.IsWriter && len(g.Members) > 1:
		return resource.Verdictf(resource.Blocked, "%s is already the writer of global cluster %s (secondaries: %s): nothing to detach, it already is the primary",
			d.target, d.global, names(g.Members))
	case m.IsWriter:
		return resource.Verdictf(resource.Ready, "%s is the only member of global cluster %s: detaching leaves it stand-alone", d.target, d.global)
	}
	w, _ := g.Writer()
	return resource.Verdictf(resource.Ready, "%s is a secondary of global cluster %s (writer %s): detaching makes it a stand-alone writable cluster",
		d.target, d.global, nameOf(w.ClusterARN))
}

// detachUnderWay is the verdict on a cluster still listed in its global
// cluster while it is promoting: RemoveFromGlobalCluster is asynchronous,
// and right after the call AWS still lists the cluster, IsWriter false
// (CLI reference example remove-from-global-cluster,
// https://docs.aws.amazon.com/cli/latest/reference/rds/remove-from-global-cluster.html),
// while the cluster is promoting ("promoting – A read replica is being
// promoted to a standalone DB cluster", Aurora User Guide, Viewing DB
// cluster status). A member that is promoting is one being detached: the
// call must not be made again (AWS refuses it meanwhile).
func detachUnderWay(cluster, global string) resource.Verdict {
	return resource.Verdictf(resource.InProgress, "%s is being removed from global cluster %s: still listed as a member while it is promoting", cluster, global)
}

func (d *detach) Preflight(ctx context.Context, v *resource.View) (resource.Preflight, error) {
	var pf resource.Preflight
	cl, g, err := d.state(ctx, v)
	switch {
	case notFound(err):
		pf.Blockers = append(pf.Blockers, d.missing().Reason)
		return pf, nil
	case err != nil:
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("cannot read %s in ClusterRegion %s, where every call of the failover goes: %v", d.target.ID, d.target.Region, err))
		return pf, nil
	}
	membership := "stand-alone"
	if cl.GlobalClusterID != "" {
		membership = "member of global cluster " + cl.GlobalClusterID
	}
	pf.State = append(pf.State, fmt.Sprintf("cluster %s: %s, %s", d.target, cl.Status, membership))
	if g != nil {
		pf.State = append(pf.State, fmt.Sprintf("global cluster %s: %s, members %s", g.ID, g.Status, names(g.Members)))
	}
	verdict := d.judge(cl, g)
	switch verdict.State {
	case resource.Done:
		pf.AlreadyDone = true
		pf.State = append(pf.State, "already done: "+verdict.Reason)
		return pf, nil
	case resource.Blocked:
		pf.Blockers = append(pf.Blockers, verdict.Reason)
		return pf, nil
	}
	writer := "the writer"
	if g != nil {
		if w, ok := g.Writer(); ok && !cloud.SameID(w.ClusterARN, d.target.ARN) {
			writer = "the writer " + nameOf(w.ClusterARN)
		}
	}
	// The writer's region is not asked whether it is healthy: an unplanned
	// failover must not need, nor wait on, the region it is escaping.
	pf.Warnings = append(pf.Warnings, fmt.Sprintf(
		"RPO risk: detaching %s from global cluster %s stops replication for good; writes to %s not yet replicated to %s are lost, and the secondary must be rebuilt later (CreateAuroraSecondaryDBCluster). If the writer's region is healthy, PlannedFailoverAurora switches over without losing writes.",
		d.target, d.global, writer, d.target.Region))
	return pf, nil
}
