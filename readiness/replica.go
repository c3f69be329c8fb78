package readiness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"drorch/cloud"
	"drorch/engine"
	"drorch/manifest"
	"drorch/resource"
)

// replicas checks, for every resource that makes a replica writable
// (resource.RPOReporter), that the replica exists, is healthy and in sync,
// lags its primary by no more than the threshold, and has the primary's
// capacity.
func (e *evaluation) replicas(ctx context.Context) {
	e.resources(func(r engine.PlanResource, rr *ResourceResult) {
		rep, ok := r.Resource.(resource.RPOReporter)
		if !ok {
			return
		}
		key := rep.ReplicationLag()
		family, id, _ := cloud.ParseLagID(key.ID)
		var primary *side
		switch family {
		case cloud.LagAurora:
			primary = e.aurora(ctx, rr, r, key.Region, id)
		case cloud.LagRDS:
			primary = e.rdsReplica(ctx, rr, key.Region, id)
		case cloud.LagElastiCache:
			primary = e.datastore(ctx, rr, r, key.Region, id)
		}
		if hasFailure(rr, CheckExists) {
			return
		}
		e.lag(ctx, rr, key, id)
		if primary == nil {
			return
		}
		e.otherSides = append(e.otherSides, primary.region)
		if primary.parity != nil {
			primary.parity(ctx, rr)
		}
	})
}

// side is the primary side of a replica, as the replica checks found it.
type side struct {
	region string
	// parity compares the primary's capacity with the replica's, when
	// the family has something to compare.
	parity func(ctx context.Context, rr *ResourceResult)
}

// readFailed records a read that failed: not found is a failure of the
// exists check, anything else a failure to reach AWS.
func (e *evaluation) readFailed(rr *ResourceResult, err error, noun, id, region, param string) {
	if errors.Is(err, cloud.ErrNotFound) {
		e.add(rr, CheckExists, Failure, fmt.Sprintf("check %s in the payload (or the export it imports): it must name the %s in %s", param, noun, region),
			"%s %s not found in %s", noun, id, region)
		return
	}
	e.add(rr, CheckExists, Failure, fmt.Sprintf("check that %s is reachable and that the caller may describe it", region),
		"cannot read %s %s in %s: %v", noun, id, region, err)
}

// aurora checks the secondary cluster id of a global database in region.
func (e *evaluation) aurora(ctx context.Context, rr *ResourceResult, r engine.PlanResource, region, id string) *side {
	rd := e.home.Reader
	cl, err := cloud.DBClusters.Get(ctx, rd, region, id)
	if err != nil {
		e.readFailed(rr, err, "DB cluster", id, region, "DBClusterIdentifier")
		return nil
	}
	global := cloud.ID(r.Spec.Params["GlobalClusterIdentifier"])
	if cl.GlobalClusterID == "" {
		e.add(rr, CheckExists, Pass, "", "DB cluster %s exists in %s", id, region)
		e.add(rr, CheckHealth, Failure,
			fmt.Sprintf("rebuild the secondary (a CreateAuroraSecondaryDBCluster payload) so that %s replicates from global cluster %s again, then check again", id, global),
			"DB cluster %s (%s) is not a member of any global cluster: it was detached (an unplanned failover?) and no longer replicates", id, region)
		return nil
	}
	g, err := cloud.GlobalClusters.Get(ctx, rd, region, cl.GlobalClusterID)
	if err != nil {
		e.readFailed(rr, err, "global cluster", cl.GlobalClusterID, region, "GlobalClusterIdentifier")
		return nil
	}
	e.add(rr, CheckExists, Pass, "", "DB cluster %s and global cluster %s exist (read in %s)", id, g.ID, region)
	m, member := g.Member(cl.ARN)
	switch {
	case global != "" && !cloud.SameID(g.ID, global):
		e.add(rr, CheckHealth, Failure, "check GlobalClusterIdentifier (or the export it imports)",
			"DB cluster %s belongs to global cluster %s, not %s", id, g.ID, global)
		return nil
	case !member:
		e.add(rr, CheckHealth, Failure, "wait for the cluster to join or leave, then check again",
			"DB cluster %s says it belongs to global cluster %s, which does not list it", id, g.ID)
		return nil
	case m.IsWriter:
		e.add(rr, CheckHealth, Warning, "nothing to do if the failover has happened; otherwise the payload must name the secondary",
			"DB cluster %s is already the writer of global cluster %s", id, g.ID)
		return nil
	}
	healthy := true
	bad := func(fix, format string, a ...any) {
		healthy = false
		e.add(rr, CheckHealth, Failure, fix, format, a...)
	}
	if g.Status != "available" {
		bad("wait for it to be available, then check again", "global cluster %s is %s, not available", g.ID, g.Status)
	}
	if cl.Status != "available" {
		bad("wait for it to be available, then check again", "DB cluster %s (%s) is %s, not available", id, region, cl.Status)
	}
	switch m.SyncStatus {
	case "connected":
	case "":
		e.add(rr, CheckHealth, Warning, "check the global cluster in the console or with aws rds describe-global-clusters",
			"AWS does not report the synchronization status of %s in global cluster %s", id, g.ID)
	default:
		bad("wait for it to be connected (a secondary catching up after a failover says pending-resync), then check again",
			"DB cluster %s is %s in global cluster %s, not connected", id, m.SyncStatus, g.ID)
	}
	if len(cl.Members) == 0 {
		bad(fmt.Sprintf("add an instance: aws rds create-db-instance --region %s --db-cluster-identifier %s --engine %s --db-instance-class <the primary's>", region, id, cl.Engine),
			"DB cluster %s (%s) has no DB instance: after a failover there is nothing to write to", id, region)
	}
	if healthy {
		e.add(rr, CheckHealth, Pass, "", "DB cluster %s is an available secondary of global cluster %s (%s), connected", id, g.ID, g.Status)
	}
	w, ok := g.Writer()
	if !ok {
		return nil
	}
	wRegion := arnRegion(w.ClusterARN)
	managed := needsAction(r.Resource, "rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster")
	return &side{region: wRegion, parity: func(ctx context.Context, rr *ResourceResult) {
		e.auroraParity(ctx, rr, cl, w.ClusterARN, wRegion, managed)
	}}
}

// needsAction reports whether r's permissions name any of actions.
func needsAction(r resource.Resource, actions ...string) bool {
	for _, p := range r.Permissions() {
		for _, a := range p.Actions {
			for _, want := range actions {
				if a == want {
					return true
				}
			}
		}
	}
	return false
}

// arnRegion is the region of an ARN ("" if s is not one).
func arnRegion(s string) string {
	a, err := manifest.ParseARN(s)
	if err != nil {
		return ""
	}
	return a.Region
}

// rdsReplica checks the read replica id in region.
func (e *evaluation) rdsReplica(ctx context.Context, rr *ResourceResult, region, id string) *side {
	in, err := cloud.DBInstances.Get(ctx, e.home.Reader, region, id)
	if err != nil {
		e.readFailed(rr, err, "DB instance", id, region, "RDSInstanceIdentifier")
		return nil
	}
	e.add(rr, CheckExists, Pass, "", "DB instance %s exists in %s", id, region)
	if in.ReplicaSource == "" {
		e.add(rr, CheckHealth, Failure,
			fmt.Sprintf("create a new read replica of the primary in %s (a CreateRDSReadReplica payload), then check again", region),
			"DB instance %s (%s) is not a read replica: it was promoted and no longer replicates", id, region)
		return nil
	}
	healthy := true
	if in.Status != "available" {
		healthy = false
		e.add(rr, CheckHealth, Failure, "wait for it to be available, then check again", "DB instance %s (%s) is %s, not available", id, region, in.Status)
	}
	switch in.ReplicationStatus {
	case "replicating":
	case "":
		e.add(rr, CheckHealth, Warning, "check the replica with aws rds describe-db-instances", "AWS does not report the replication status of %s", id)
	default:
		healthy = false
		e.add(rr, CheckHealth, Failure,
			fmt.Sprintf("see why with aws rds describe-events --region %s --source-type db-instance --source-identifier %s", region, id),
			"replication to %s is %s, not replicating", id, in.ReplicationStatus)
	}
	if healthy {
		e.add(rr, CheckHealth, Pass, "", "DB instance %s is an available read replica of %s, replicating", id, in.ReplicaSource)
	}
	srcRegion, srcID := region, in.ReplicaSource
	if a, err := manifest.ParseARN(in.ReplicaSource); err == nil {
		srcRegion, srcID = a.Region, a.ResourceID
	}
	return &side{region: srcRegion, parity: func(ctx context.Context, rr *ResourceResult) {
		e.rdsParity(ctx, rr, in, srcRegion, srcID)
	}}
}

// datastore checks the secondary replication group id of the payload's
// global datastore in region.
func (e *evaluation) datastore(ctx context.Context, rr *ResourceResult, r engine.PlanResource, region, id string) *side {
	gid := cloud.ID(r.Spec.Params["GlobalReplicationGroupId"])
	g, err := cloud.GlobalReplicationGroups.Get(ctx, e.home.Reader, region, gid)
	if err != nil {
		e.readFailed(rr, err, "global datastore", gid, region, "GlobalReplicationGroupId")
		return nil
	}
	m, ok := g.Member(region)
	if !ok || !cloud.SameID(m.ReplicationGroupID, id) {
		e.add(rr, CheckExists, Failure, "check TargetRegion and TargetReplicationGroupId (or the exports they import)",
			"global datastore %s has no member %s in %s", gid, id, region)
		return nil
	}
	e.add(rr, CheckExists, Pass, "", "global datastore %s has its member %s in %s", gid, id, region)
	if strings.EqualFold(m.Role, "PRIMARY") {
		e.add(rr, CheckHealth, Warning, "nothing to do if the failover has happened; otherwise the payload must name the secondary",
			"%s (%s) is already the primary of global datastore %s", id, region, gid)
		return nil
	}
	healthy := true
	if g.Status != "available" {
		healthy = false
		e.add(rr, CheckHealth, Failure, "wait for it to be available, then check again", "global datastore %s is %s, not available", gid, g.Status)
	}
	if m.Status != "" && m.Status != "associated" {
		healthy = false
		e.add(rr, CheckHealth, Failure, "wait for it to be associated, then check again", "%s (%s) is %s in global datastore %s, not associated", id, region, m.Status, gid)
	}
	if healthy {
		e.add(rr, CheckHealth, Pass, "", "%s is an associated secondary of global datastore %s (%s)", id, gid, g.Status)
	}
	for _, p := range g.Members {
		if strings.EqualFold(p.Role, "PRIMARY") {
			return &side{region: p.Region, parity: func(_ context.Context, rr *ResourceResult) {
				// ElastiCache UG, "Prerequisites and limitations" (global
				// datastores): every member has the same node type, engine
				// version and number of shards; only read replicas differ.
				e.add(rr, CheckParity, Pass, "", "node type, engine version and shards are the global datastore's, the same on every member (AWS keeps them so)")
			}}
		}
	}
	return nil
}

// lag holds the replica's newest replication lag, read in its region, to
// the resource's threshold.
func (e *evaluation) lag(ctx context.Context, rr *ResourceResult, key cloud.Key, id string) {
	max := e.maxLag(rr)
	l, err := cloud.ReplicationLags.Get(ctx, e.home.Reader, key.Region, key.ID)
	switch {
	case err != nil:
		e.add(rr, CheckLag, Warning, fmt.Sprintf("check that the caller may cloudwatch:GetMetricData in %s", key.Region),
			"cannot read the replication lag of %s from CloudWatch in %s: %v", id, key.Region, err)
	case !l.HasData:
		e.add(rr, CheckLag, Warning, "check that the replica replicates and that its metric is published (Aurora MySQL before 2.12/3.04 publishes only AuroraGlobalDBReplicationLag)",
			"CloudWatch in %s has no replication lag of %s in the last %s", key.Region, id, 10*time.Minute)
	case !l.Active:
		e.add(rr, CheckLag, Failure, "find out why replication stopped (aws rds describe-events), then check again",
			"%s says replication to %s is not active", l.Metric, id)
	case l.Duration() > max:
		e.add(rr, CheckLag, Failure,
			fmt.Sprintf("find what slows replication (write load on the primary, the replica's size, the network); the threshold is maxReplicationLag in the payload or --max-lag (now %s)", max),
			"replication lag of %s is %s (%s at %s), above %s: a failover now would lose about that much", id, engine.FormatLag(l.Duration()), l.Metric, l.At.UTC().Format(time.RFC3339), max)
	default:
		e.add(rr, CheckLag, Pass, "", "replication lag of %s is %s (%s at %s), within %s", id, engine.FormatLag(l.Duration()), l.Metric, l.At.UTC().Format(time.RFC3339), max)
	}
}

// maxLag is the resource's threshold: the payload's maxReplicationLag, else
// Settings.MaxLag.
func (e *evaluation) maxLag(rr *ResourceResult) time.Duration {
	for _, l := range e.pf.Payload.Layers {
		if l.Number != rr.Layer || rr.Index >= len(l.Resources) {
			continue
		}
		if d, err := time.ParseDuration(l.Resources[rr.Index].MaxReplicationLag); err == nil && d > 0 {
			return d
		}
	}
	return e.set.MaxLag
}
