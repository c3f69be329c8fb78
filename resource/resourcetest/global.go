package resourcetest

import (
	"context"

	"drorch/resource"
)

// globalAPI serves resource.GlobalClusterAPI with world.md's checks and effects.
type globalAPI struct{ c *Cloud }

func (a globalAPI) SwitchoverGlobalCluster(_ context.Context, region, globalID, target string) error {
	return a.c.failover("SwitchoverGlobalCluster", region, globalID, target, false)
}

func (a globalAPI) FailoverGlobalCluster(_ context.Context, region, globalID, target string) error {
	return a.c.failover("FailoverGlobalCluster", region, globalID, target, true)
}

// failover is SwitchoverGlobalCluster (dataLoss false) and
// FailoverGlobalCluster with AllowDataLoss (dataLoss true).
func (c *Cloud) failover(action, region, globalID, target string, dataLoss bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	args := map[string]string{"GlobalClusterIdentifier": globalID, "TargetDbClusterIdentifier": target}
	if dataLoss {
		args["AllowDataLoss"] = "true"
	}
	if err := c.begin("rds", action, region, args); err != nil {
		return err
	}
	g := c.globals[globalID]
	if g == nil {
		return fault("rds", action, region, resource.KindNotFound, "GlobalClusterNotFoundFault", "Global cluster %s not found.", globalID)
	}
	tc := c.clusterByARN(target)
	if tc == nil {
		return fault("rds", action, region, resource.KindNotFound, "DBClusterNotFoundFault", "DBCluster %s not found.", target)
	}
	m, ok := g.Member(target)
	switch {
	case !ok:
		return fault("rds", action, region, resource.KindInvalidState, "InvalidGlobalClusterStateFault", "DB cluster %s is not a member of global cluster %s.", target, globalID)
	case m.IsWriter:
		return fault("rds", action, region, resource.KindInvalidState, "InvalidGlobalClusterStateFault", "DB cluster %s is already the writer of global cluster %s.", target, globalID)
	case g.Status != "available":
		return fault("rds", action, region, resource.KindInvalidState, "InvalidGlobalClusterStateFault", "Global cluster %s is %s.", globalID, g.Status)
	}
	for _, mm := range g.Members {
		if !dataLoss || mm.ClusterARN == target {
			cl := c.clusterByARN(mm.ClusterARN)
			if cl == nil || cl.Status != "available" || c.down[cl.Region] {
				return fault("rds", action, region, resource.KindInvalidState, "InvalidDBClusterStateFault", "DB cluster %s is not available", mm.ClusterARN)
			}
		}
	}
	from, _ := g.Writer()
	g.Status = "switching-over"
	if dataLoss {
		g.Status = "failing-over"
	}
	g.Failover = &resource.FailoverState{Status: "pending", FromClusterARN: from.ClusterARN, ToClusterARN: target, DataLossAllowed: dataLoss}
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

func (a globalAPI) RemoveFromGlobalCluster(_ context.Context, region, globalID, clusterARN string) error {
	c := a.c
	c.mu.Lock()
	defer c.mu.Unlock()
	const action = "RemoveFromGlobalCluster"
	if err := c.begin("rds", action, region, map[string]string{"GlobalClusterIdentifier": globalID, "DbClusterIdentifier": clusterARN}); err != nil {
		return err
	}
	g := c.globals[globalID]
	if g == nil {
		return fault("rds", action, region, resource.KindNotFound, "GlobalClusterNotFoundFault", "Global cluster %s not found.", globalID)
	}
	cl := c.clusterByARN(clusterARN)
	if cl == nil {
		return fault("rds", action, region, resource.KindNotFound, "DBClusterNotFoundFault", "DBCluster %s not found.", clusterARN)
	}
	m, ok := g.Member(clusterARN)
	if !ok {
		return fault("rds", action, region, resource.KindInvalidState, "InvalidGlobalClusterStateFault", "DB cluster %s is not a member of global cluster %s.", clusterARN, globalID)
	}
	if m.IsWriter && len(g.Members) > 1 {
		return fault("rds", action, region, resource.KindInvalidState, "InvalidGlobalClusterStateFault", "Cannot remove the writer %s while global cluster %s has other members.", clusterARN, globalID)
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

func (a globalAPI) CreateGlobalCluster(_ context.Context, region string, in resource.CreateGlobalClusterInput) error {
	c := a.c
	c.mu.Lock()
	defer c.mu.Unlock()
	const action = "CreateGlobalCluster"
	if err := c.begin("rds", action, region, map[string]string{"GlobalClusterIdentifier": in.GlobalClusterID, "SourceDBClusterIdentifier": in.SourceClusterARN}); err != nil {
		return err
	}
	if c.globals[in.GlobalClusterID] != nil {
		return fault("rds", action, region, resource.KindAlreadyExists, "GlobalClusterAlreadyExistsFault", "Global cluster %s already exists.", in.GlobalClusterID)
	}
	src := c.clusterByARN(in.SourceClusterARN)
	if src == nil {
		return fault("rds", action, region, resource.KindNotFound, "DBClusterNotFoundFault", "DBCluster %s not found.", in.SourceClusterARN)
	}
	if src.Status != "available" || src.GlobalClusterID != "" {
		return fault("rds", action, region, resource.KindInvalidState, "InvalidDBClusterStateFault", "DB cluster %s is not available or is already in a global cluster.", in.SourceClusterARN)
	}
	src.GlobalClusterID = in.GlobalClusterID
	id := in.GlobalClusterID
	c.globals[id] = &resource.GlobalCluster{
		ID: id, ARN: "arn:aws:rds::" + Account + ":global-cluster:" + id, Status: "creating",
		Engine: src.Engine, EngineVersion: src.EngineVersion,
		Members: []resource.GlobalClusterMember{{ClusterARN: src.ARN, IsWriter: true, Readers: []string{}}},
	}
	c.pending = append(c.pending, func() {
		if g := c.globals[id]; g != nil && g.Status == "creating" {
			g.Status = "available"
		}
	})
	return nil
}

func (a globalAPI) DeleteGlobalCluster(_ context.Context, region, globalID string) error {
	c := a.c
	c.mu.Lock()
	defer c.mu.Unlock()
	const action = "DeleteGlobalCluster"
	if err := c.begin("rds", action, region, map[string]string{"GlobalClusterIdentifier": globalID}); err != nil {
		return err
	}
	g := c.globals[globalID]
	if g == nil {
		return fault("rds", action, region, resource.KindNotFound, "GlobalClusterNotFoundFault", "Global cluster %s not found.", globalID)
	}
	if len(g.Members) > 0 {
		return fault("rds", action, region, resource.KindInvalidState, "InvalidGlobalClusterStateFault", "Global cluster %s still has members.", globalID)
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
func setWritable(cl *resource.DBCluster, writable bool) {
	for i := range cl.Members {
		cl.Members[i].IsWriter = writable && i == 0
	}
}

// relink fills the writer's Readers with the other members.
func relink(g *resource.GlobalCluster) {
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

func removeMember(ms []resource.GlobalClusterMember, arn string) []resource.GlobalClusterMember {
	out := ms[:0:0]
	for _, m := range ms {
		if m.ClusterARN != arn {
			out = append(out, m)
		}
	}
	return out
}
