package resourcetest

import (
	"drorch/cloud"
)

// The global-cluster calls, with world.md's checks and effects. Callers
// (Execute) hold c.mu and have recorded the call.

// failover is SwitchoverGlobalCluster (dataLoss false) and
// FailoverGlobalCluster with AllowDataLoss (dataLoss true). Each is made in
// the region docs/aws-global-operations.md gives: a switchover in the
// current primary's, a data-loss failover in the target's; a
// FailoverGlobalCluster without AllowDataLoss (a switchover, as the
// original framework calls it) in any.
func (c *Cloud) failover(action, region string, a args, dataLoss bool) error {
	globalID, target := a["GlobalClusterIdentifier"], a["TargetDbClusterIdentifier"]
	g := c.globals[globalID]
	if g == nil {
		return fault("rds", action, region, cloud.KindNotFound, "GlobalClusterNotFoundFault", "Global cluster %s not found.", globalID)
	}
	tc := c.clusterByARN(target)
	if tc == nil {
		return fault("rds", action, region, cloud.KindNotFound, "DBClusterNotFoundFault", "DBCluster %s not found.", target)
	}
	m, ok := g.Member(target)
	switch {
	case !ok:
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidGlobalClusterStateFault", "DB cluster %s is not a member of global cluster %s.", target, globalID)
	case m.IsWriter:
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidGlobalClusterStateFault", "DB cluster %s is already the writer of global cluster %s.", target, globalID)
	}
	from, _ := g.Writer()
	if want := failoverRegion(action, from.ClusterARN, target, dataLoss); want != "" && want != region {
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterValue", "%s must be called in %s; this call was made in %s.", action, want, region)
	}
	if g.Status != "available" {
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidGlobalClusterStateFault", "Global cluster %s is %s.", globalID, g.Status)
	}
	for _, mm := range g.Members {
		if !dataLoss || mm.ClusterARN == target {
			cl := c.clusterByARN(mm.ClusterARN)
			if cl == nil || cl.Status != "available" || c.down[cl.Region] {
				return fault("rds", action, region, cloud.KindInvalidState, "InvalidDBClusterStateFault", "DB cluster %s is not available", mm.ClusterARN)
			}
		}
	}
	g.Status = "switching-over"
	if dataLoss {
		g.Status = "failing-over"
	}
	g.Failover = &cloud.FailoverState{Status: "pending", FromClusterARN: from.ClusterARN, ToClusterARN: target, DataLossAllowed: dataLoss}
	c.pending = append(c.pending, func() {
		g := c.globals[globalID]
		if g == nil {
			return
		}
		for i := range g.Members {
			m := &g.Members[i]
			m.IsWriter = m.ClusterARN == target
			if cl := c.clusterByARN(m.ClusterARN); cl != nil {
				setWritable(cl, m.IsWriter)
				if dataLoss && !m.IsWriter && c.down[cl.Region] {
					m.SyncStatus = "pending-resync"
				}
			}
		}
		relink(g)
		g.Status = "available"
		g.Failover = nil
	})
	return nil
}

// failoverRegion is the region a switchover or failover must be called in
// ("" for any).
func failoverRegion(action, writerARN, targetARN string, dataLoss bool) string {
	switch {
	case dataLoss:
		return regionOfARN(targetARN)
	case action == "SwitchoverGlobalCluster":
		return regionOfARN(writerARN)
	}
	return ""
}

// removeFromGlobalCluster detaches a cluster asynchronously, as AWS does
// (CLI reference example remove-from-global-cluster: right after the call
// the cluster is still listed, IsWriter false): the cluster is promoting
// and still a member until the first Settle, then out of the global
// cluster and still promoting, then available and writable after the
// second. A second removal meanwhile is refused. It is made in the
// cluster's own region.
func (c *Cloud) removeFromGlobalCluster(region string, a args) error {
	const action = "RemoveFromGlobalCluster"
	globalID, clusterARN := a["GlobalClusterIdentifier"], a["DbClusterIdentifier"]
	g := c.globals[globalID]
	if g == nil {
		return fault("rds", action, region, cloud.KindNotFound, "GlobalClusterNotFoundFault", "Global cluster %s not found.", globalID)
	}
	cl := c.clusterByARN(clusterARN)
	if cl == nil {
		return fault("rds", action, region, cloud.KindNotFound, "DBClusterNotFoundFault", "DBCluster %s not found.", clusterARN)
	}
	m, ok := g.Member(clusterARN)
	if !ok {
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidGlobalClusterStateFault", "DB cluster %s is not a member of global cluster %s.", clusterARN, globalID)
	}
	if m.IsWriter && len(g.Members) > 1 {
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidGlobalClusterStateFault", "Cannot remove the writer %s while global cluster %s has other members.", clusterARN, globalID)
	}
	if cl.Region != region {
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterValue", "%s must be called in %s, the region of the cluster it removes; this call was made in %s.", action, cl.Region, region)
	}
	if c.leaving[cl.ARN] {
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidDBClusterStateFault", "DB cluster %s is already being removed from global cluster %s (status %s).", clusterARN, globalID, cl.Status)
	}
	c.leaving[cl.ARN] = true
	cl.Status = "promoting"
	wasSecondary := !m.IsWriter
	clRegion, clID, arn := cl.Region, cl.ID, cl.ARN
	c.pending = append(c.pending, func() {
		delete(c.leaving, arn)
		if g := c.globals[globalID]; g != nil {
			g.Members = removeMember(g.Members, arn)
			relink(g)
		}
		if cl := c.clusters[clRegion][clID]; cl != nil {
			cl.GlobalClusterID = ""
		}
		c.pending = append(c.pending, func() {
			cl := c.clusters[clRegion][clID]
			if cl == nil {
				return
			}
			cl.Status = "available"
			if wasSecondary {
				setWritable(cl, true)
			}
		})
	})
	return nil
}

func (c *Cloud) createGlobalCluster(region string, a args) error {
	const action = "CreateGlobalCluster"
	in := struct{ GlobalClusterID, SourceClusterARN string }{a["GlobalClusterIdentifier"], a["SourceDBClusterIdentifier"]}
	if c.globals[in.GlobalClusterID] != nil {
		return fault("rds", action, region, cloud.KindAlreadyExists, "GlobalClusterAlreadyExistsFault", "Global cluster %s already exists.", in.GlobalClusterID)
	}
	src := c.clusterByARN(in.SourceClusterARN)
	if src == nil {
		return fault("rds", action, region, cloud.KindNotFound, "DBClusterNotFoundFault", "DBCluster %s not found.", in.SourceClusterARN)
	}
	if src.Status != "available" || src.GlobalClusterID != "" {
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidDBClusterStateFault", "DB cluster %s is not available or is already in a global cluster.", in.SourceClusterARN)
	}
	src.GlobalClusterID = in.GlobalClusterID
	id := in.GlobalClusterID
	c.globals[id] = &cloud.GlobalCluster{
		ID: id, ARN: "arn:aws:rds::" + Account + ":global-cluster:" + id, Status: "creating",
		Engine: src.Engine, EngineVersion: src.EngineVersion, StorageEncrypted: src.StorageEncrypted,
		Members: []cloud.GlobalClusterMember{{ClusterARN: src.ARN, IsWriter: true, Readers: []string{}}},
	}
	c.pending = append(c.pending, func() {
		if g := c.globals[id]; g != nil && g.Status == "creating" {
			g.Status = "available"
		}
	})
	return nil
}

func (c *Cloud) deleteGlobalCluster(region string, a args) error {
	const action = "DeleteGlobalCluster"
	globalID := a["GlobalClusterIdentifier"]
	g := c.globals[globalID]
	if g == nil {
		return fault("rds", action, region, cloud.KindNotFound, "GlobalClusterNotFoundFault", "Global cluster %s not found.", globalID)
	}
	if len(g.Members) > 0 {
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidGlobalClusterStateFault", "Global cluster %s still has members.", globalID)
	}
	g.Status = "deleting"
	c.pending = append(c.pending, func() {
		if g := c.globals[globalID]; g != nil && g.Status == "deleting" {
			delete(c.globals, globalID)
		}
	})
	return nil
}

// setWritable makes the cluster's first instance its writer, or makes every
// instance a reader.
func setWritable(cl *cloud.DBCluster, writable bool) {
	for i := range cl.Members {
		cl.Members[i].IsWriter = writable && i == 0
	}
}

// relink fills the writer's Readers with the other members.
func relink(g *cloud.GlobalCluster) {
	var readers []string
	for _, m := range g.Members {
		if !m.IsWriter {
			readers = append(readers, m.ClusterARN)
		}
	}
	for i := range g.Members {
		g.Members[i].Readers = []string{}
		if g.Members[i].IsWriter {
			g.Members[i].Readers = readers
		}
	}
}

func removeMember(ms []cloud.GlobalClusterMember, arn string) []cloud.GlobalClusterMember {
	out := ms[:0:0]
	for _, m := range ms {
		if m.ClusterARN != arn {
			out = append(out, m)
		}
	}
	return out
}
