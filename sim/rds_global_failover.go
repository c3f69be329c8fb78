package sim

import (
	"slices"
	"strings"
)

// The global cluster operations that move the writer or take a member out:
// SwitchoverGlobalCluster, FailoverGlobalCluster, RemoveFromGlobalCluster.
// Each is accepted only in the Region AWS documents for it
// (docs/aws-global-operations.md).

// mustCallIn refuses a call made outside region. AWS documents where to
// make these calls but not what it answers elsewhere; InvalidParameterValue
// (a common error of every action) names the Region to use.
func (c *call) mustCallIn(region, why string) *apiError {
	if region == "" || c.region == region {
		return nil
	}
	return errParamValue("%s must be called in %s, %s; this call was made in %s.", c.action, region, why, c.region)
}

// writerOf returns the writer member of g ("" if none).
func writerOf(g *GlobalCluster) string {
	if i := slices.IndexFunc(g.Members, func(m GlobalClusterMember) bool { return m.IsWriter }); i >= 0 {
		return g.Members[i].ClusterARN
	}
	return ""
}

func switchoverGlobalCluster(c *call, x xw) *apiError { return c.globalFailover(x, false) }

func failoverGlobalCluster(c *call, x xw) *apiError {
	allow, _, err := c.p.boolean("AllowDataLoss")
	if err != nil {
		return err
	}
	switchover, _, err := c.p.boolean("Switchover")
	if err != nil {
		return err
	}
	if allow && switchover {
		return errParamCombination("AllowDataLoss and Switchover cannot both be true.")
	}
	return c.globalFailover(x, allow)
}

// globalFailover is SwitchoverGlobalCluster and FailoverGlobalCluster.
func (c *call) globalFailover(x xw, dataLoss bool) *apiError {
	gid, err := c.required("GlobalClusterIdentifier")
	if err != nil {
		return err
	}
	targetID, err := c.required("TargetDbClusterIdentifier")
	if err != nil {
		return err
	}
	w := c.w
	g := w.gcs[strings.ToLower(gid)]
	if g == nil {
		return errGlobalClusterNotFound(gid)
	}
	target := w.clusterByARN(c.region, targetID)
	if target == nil {
		return errClusterNotFound(targetID)
	}
	i := slices.IndexFunc(g.Members, func(m GlobalClusterMember) bool { return m.ClusterARN == target.ARN })
	if i < 0 {
		return errInvalidGlobalState("DB cluster %s is not a member of global cluster %s.", target.ARN, g.ID)
	}
	if g.Members[i].IsWriter {
		return errInvalidGlobalState("DB cluster %s is already the writer of global cluster %s.", target.ARN, g.ID)
	}
	from := writerOf(g)
	switch {
	case dataLoss:
		// "Run this command in the Region that hosts the secondary cluster
		// that you're promoting" (CLI reference example
		// failover-global-cluster,
		// https://docs.aws.amazon.com/cli/latest/reference/rds/failover-global-cluster.html).
		if err := c.mustCallIn(target.Region, "the Region of the secondary cluster it promotes ("+target.ARN+")"); err != nil {
			return err
		}
	case c.action == "SwitchoverGlobalCluster":
		// "Run this command in the Region that hosts the current primary
		// cluster" (CLI reference example switchover-global-cluster,
		// https://docs.aws.amazon.com/cli/latest/reference/rds/switchover-global-cluster.html).
		if err := c.mustCallIn(regionOfARN(from), "the Region of the current primary cluster ("+from+")"); err != nil {
			return err
		}
	}
	// FailoverGlobalCluster used as a switchover: the current reference
	// names no Region (the superseded "managed planned failover" guide said
	// the primary's, while AWS's own DR Orchestrator sample makes the call
	// in the DR Region): accepted anywhere, nothing stricter than the
	// documentation (docs/aws-global-operations.md).
	if g.Status != "available" || g.Failover != nil {
		return errInvalidGlobalState("Global cluster %s is not available (status %s).", g.ID, g.Status)
	}
	regions := []string{target.Region}
	if dataLoss {
		if !w.available(target) {
			return errInvalidClusterState("DB cluster %s is not available.", target.ARN)
		}
	} else {
		for _, m := range g.Members {
			cl := w.clusterByARN("", m.ClusterARN)
			if !w.available(cl) {
				return errInvalidClusterState("DB cluster %s is not available.", m.ClusterARN)
			}
			if cl.Region != target.Region {
				regions = append(regions, cl.Region)
			}
		}
	}
	status, d := "switching-over", seconds(w.dur.Switchover)
	if dataLoss {
		status, d = "failing-over", seconds(w.dur.Failover)
	}
	g.Status = status
	g.Failover = &FailoverState{Status: "pending", FromClusterARN: from, ToClusterARN: target.ARN, DataLossAllowed: dataLoss}
	op, _ := c.operate(g.ID, d, regions,
		func() { w.completeFailover(g, from, target.ARN, dataLoss) },
		func() { g.Status, g.Failover = "available", nil }, outcomeRolledBack)
	// FailoverState.Status leaves pending for the operation's own status:
	// failing-over, or switching-over, which the API reference lists
	// ("switching-over – This status covers the range of Aurora internal
	// operations that take place during the switchover process",
	// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverState.html)
	// although the model's enum does not.
	op.then(d/10, func() {
		if g.Failover != nil {
			g.Failover.Status = status
		}
	})
	w.writeGlobalCluster(x, "GlobalCluster", g)
	return nil
}

// completeFailover makes to the writer of g. After a data-loss failover the
// old writer waits in pending-resync until its region has been up for the
// resync duration.
func (w *world) completeFailover(g *GlobalCluster, from, to string, dataLoss bool) {
	for i := range g.Members {
		m := &g.Members[i]
		switch m.ClusterARN {
		case to:
			m.IsWriter, m.SyncStatus = true, "connected"
		case from:
			m.IsWriter, m.SyncStatus = false, "connected"
			if dataLoss {
				m.SyncStatus = "pending-resync"
			}
		}
	}
	g.Status, g.Failover = "available", nil
	if tc := w.clusterByARN("", to); tc != nil {
		for i := range tc.Members {
			tc.Members[i].IsWriter = i == 0
		}
	}
	fc := w.clusterByARN("", from)
	if fc == nil {
		return
	}
	for i := range fc.Members {
		fc.Members[i].IsWriter = false
	}
	if dataLoss {
		w.followUp("resync", from, fc.Region, seconds(w.dur.Resync), func() {
			for i := range g.Members {
				if g.Members[i].ClusterARN == from && g.Members[i].SyncStatus == "pending-resync" {
					g.Members[i].SyncStatus = "connected"
				}
			}
		})
	}
}

// removeFromGlobalCluster detaches a cluster, asynchronously. Right after
// the call, and for Durations.DetachDelay, the cluster is still listed in
// GlobalClusterMembers (IsWriter false for a secondary) and the global
// cluster stays available, as the CLI reference example shows
// (remove-from-global-cluster,
// https://docs.aws.amazon.com/cli/latest/reference/rds/remove-from-global-cluster.html);
// then it leaves. The cluster itself is promoting from the call until
// Durations.Detach: "promoting – A read replica is being promoted to a
// standalone DB cluster" (Aurora User Guide, DB cluster status,
// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Status.html),
// still so after it has left the member list
// (hashicorp/terraform-provider-aws#40333: "When an RDS DB Cluster is
// removed from a Global Cluster it is in promoting state for a while").
// Then it is a stand-alone, available, writable cluster.
func removeFromGlobalCluster(c *call, x xw) *apiError {
	gid, err := c.required("GlobalClusterIdentifier")
	if err != nil {
		return err
	}
	cid, err := c.required("DbClusterIdentifier")
	if err != nil {
		return err
	}
	w := c.w
	g := w.gcs[strings.ToLower(gid)]
	if g == nil {
		return errGlobalClusterNotFound(gid)
	}
	cl := w.clusterByARN(c.region, cid)
	if cl == nil {
		return errClusterNotFound(cid)
	}
	member := func() int {
		return slices.IndexFunc(g.Members, func(m GlobalClusterMember) bool { return m.ClusterARN == cl.ARN })
	}
	i := member()
	switch {
	case i < 0:
		return errInvalidGlobalState("DB cluster %s is not a member of global cluster %s.", cl.ARN, g.ID)
	case g.Members[i].IsWriter && len(g.Members) > 1:
		return errInvalidGlobalState("DB cluster %s is the writer of global cluster %s; it cannot be removed while other members exist.", cl.ARN, g.ID)
	case g.Failover != nil && (g.Failover.FromClusterARN == cl.ARN || g.Failover.ToClusterARN == cl.ARN):
		return errInvalidGlobalState("DB cluster %s is taking part in a switchover or failover of global cluster %s.", cl.ARN, g.ID)
	}
	// "aws rds --region secondary_region remove-from-global-cluster
	// --db-cluster-identifier secondary_cluster_ARN ... repeat above
	// command with a different --region for all secondary clusters"
	// (Aurora User Guide, Removing a cluster from an Aurora global
	// database,
	// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-detaching.html).
	if err := c.mustCallIn(cl.Region, "the Region of the cluster it removes ("+cl.ARN+")"); err != nil {
		return err
	}
	if g.Members[i].Leaving {
		return errInvalidClusterState("DB cluster %s is already being removed from global cluster %s (status %s).", cl.ARN, g.ID, cl.Status)
	}
	wasWriter := g.Members[i].IsWriter
	g.Members[i].Leaving = true
	cl.Status = "promoting"
	delay, total := seconds(w.dur.DetachDelay), seconds(w.dur.Detach)
	total = max(total, delay)
	leave := func() {
		if j := member(); j >= 0 && w.gcs[g.ID] == g {
			g.Members = slices.Delete(g.Members, j, j+1)
		}
		cl.GlobalClusterID = ""
	}
	op, halfway := c.operate(cl.ARN, total, []string{cl.Region}, func() {
		leave()
		cl.Status = "available"
		if !wasWriter && len(cl.Members) > 0 {
			cl.Members[0].IsWriter = true
		}
	}, func() {
		if j := member(); j >= 0 {
			g.Members[j].Leaving = false
		} else if w.gcs[g.ID] == g {
			g.Members = append(g.Members, GlobalClusterMember{ClusterARN: cl.ARN, IsWriter: wasWriter, SyncStatus: "connected"})
			cl.GlobalClusterID = g.ID
		}
		cl.Status = "available"
	}, outcomeRolledBack)
	if delay < total && (!halfway || delay < total/2) {
		op.then(delay, leave)
	}
	w.writeGlobalCluster(x, "GlobalCluster", g)
	return nil
}
