package resourcetest

import (
	"drorch/cloud"
)

// The global-cluster calls, with world.md's checks and effects. Callers
// (Execute) hold c.mu and have recorded the call.

// failover is SwitchoverGlobalCluster (dataLoss false) and
// FailoverGlobalCluster with AllowDataLoss (dataLoss true).
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
	case g.Status != "available":
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
	from, _ := g.Writer()
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
	g.Members = removeMember(g.Members, clusterARN)
	relink(g)
	cl.GlobalClusterID = ""
	cl.Status = "promoting"
	wasSecondary := !m.IsWriter
	clRegion, clID := cl.Region, cl.ID
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
		Engine: src.Engine, EngineVersion: src.EngineVersion,
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
