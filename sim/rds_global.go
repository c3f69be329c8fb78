package sim

import (
	"slices"
	"strings"
)

// Aurora and DocumentDB global cluster operations (world.md "Aurora global
// cluster").

// required reads a parameter that must be present and non-empty.
func (c *call) required(name string) (string, *apiError) {
	v := c.p.str(name)
	if v == "" {
		return "", errMissingParam(name)
	}
	return v, nil
}

func describeGlobalClusters(c *call, x xw) *apiError {
	max, after, err := c.paging(20, 100)
	if err != nil {
		return err
	}
	filters, err := c.p.filters()
	if err != nil {
		return err
	}
	var regions []string
	for _, f := range filters {
		if f.name != "region" {
			return errParamValue("Unrecognized filter name: %s.", truncate(f.name, 64))
		}
		regions = append(regions, f.values...)
	}
	id := strings.ToLower(c.p.str("GlobalClusterIdentifier"))
	if id != "" && c.w.gcs[id] == nil {
		return errGlobalClusterNotFound(c.p.str("GlobalClusterIdentifier"))
	}
	ids, next := pageIDs(c.w.gcOrder, after, max, func(gid string) bool {
		if id != "" && gid != id {
			return false
		}
		if len(regions) == 0 {
			return true
		}
		for _, m := range c.w.gcs[gid].Members {
			if a, ok := parseARN(m.ClusterARN); ok && slices.Contains(regions, a.region) {
				return true
			}
		}
		return false
	})
	x.open("GlobalClusters")
	for _, gid := range ids {
		c.w.writeGlobalCluster(x, "GlobalClusterMember", c.w.gcs[gid])
	}
	x.close("GlobalClusters")
	x.strOpt("Marker", next)
	return nil
}

func createGlobalCluster(c *call, x xw) *apiError {
	id, err := c.required("GlobalClusterIdentifier")
	if err != nil {
		return err
	}
	id = strings.ToLower(id)
	w := c.w
	if w.gcs[id] != nil {
		return newErr("GlobalClusterAlreadyExistsFault", 400, "Global cluster %s already exists.", id)
	}
	if len(w.gcOrder) >= quotaGlobalClusters {
		return newErr("GlobalClusterQuotaExceededFault", 400, "The number of global clusters for this account is already at the maximum allowed (%d).", quotaGlobalClusters)
	}
	deletionProtection, _, err := c.p.boolean("DeletionProtection")
	if err != nil {
		return err
	}
	encrypted, _, err := c.p.boolean("StorageEncrypted")
	if err != nil {
		return err
	}
	g := &GlobalCluster{ID: id, Status: "creating", Engine: c.p.str("Engine"), EngineVersion: c.p.str("EngineVersion"),
		DatabaseName: c.p.str("DatabaseName"), StorageEncrypted: encrypted, DeletionProtection: deletionProtection}
	var regions []string
	if srcID := c.p.str("SourceDBClusterIdentifier"); srcID != "" {
		src := w.clusterByARN(c.region, srcID)
		switch {
		case src == nil:
			return errClusterNotFound(srcID)
		case !w.available(src):
			return errInvalidClusterState("DB cluster %s is not available.", src.ARN)
		case src.GlobalClusterID != "":
			return errInvalidClusterState("DB cluster %s is already a member of global cluster %s.", src.ARN, src.GlobalClusterID)
		}
		g.Engine, g.EngineVersion, g.StorageEncrypted = src.Engine, src.EngineVersion, src.StorageEncrypted
		g.Members = []GlobalClusterMember{{ClusterARN: src.ARN, IsWriter: true, SyncStatus: "connected"}}
		src.GlobalClusterID = id
		regions = append(regions, src.Region)
	} else if g.Engine == "" {
		return errParamValue("Either SourceDBClusterIdentifier or Engine must be given.")
	}
	if g.EngineVersion == "" {
		g.EngineVersion = defaultVersion(g.Engine)
	}
	w.putGlobalCluster(g)
	c.operate(id, seconds(w.dur.CreateGlobalCluster), regions,
		func() { g.Status = "available" }, func() { g.Status = "failed" }, outcomeFailed)
	w.writeGlobalCluster(x, "GlobalCluster", g)
	return nil
}

func deleteGlobalCluster(c *call, x xw) *apiError {
	id, err := c.required("GlobalClusterIdentifier")
	if err != nil {
		return err
	}
	w := c.w
	g := w.gcs[strings.ToLower(id)]
	switch {
	case g == nil:
		return errGlobalClusterNotFound(id)
	case len(g.Members) > 0:
		return errInvalidGlobalState("Global cluster %s still has %d member cluster(s); remove them first.", g.ID, len(g.Members))
	case g.Status == "deleting":
		return errInvalidGlobalState("Global cluster %s is already being deleted.", g.ID)
	case g.DeletionProtection:
		return errParamCombination("Cannot delete protected global cluster %s; disable deletion protection first.", g.ID)
	}
	prev := g.Status
	g.Status = "deleting"
	c.operate(g.ID, seconds(w.dur.DeleteGlobalCluster), nil, func() {
		if w.gcs[g.ID] == g {
			w.removeGlobalCluster(g.ID)
		}
	}, func() { g.Status = prev }, outcomeRolledBack)
	w.writeGlobalCluster(x, "GlobalCluster", g)
	return nil
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
	if g.Status != "available" || g.Failover != nil {
		return errInvalidGlobalState("Global cluster %s is not available (status %s).", g.ID, g.Status)
	}
	i := slices.IndexFunc(g.Members, func(m GlobalClusterMember) bool { return m.ClusterARN == target.ARN })
	if i < 0 {
		return errInvalidGlobalState("DB cluster %s is not a member of global cluster %s.", target.ARN, g.ID)
	}
	if g.Members[i].IsWriter {
		return errInvalidGlobalState("DB cluster %s is already the writer of global cluster %s.", target.ARN, g.ID)
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
	var from string
	if wm := slices.IndexFunc(g.Members, func(m GlobalClusterMember) bool { return m.IsWriter }); wm >= 0 {
		from = g.Members[wm].ClusterARN
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
	i := slices.IndexFunc(g.Members, func(m GlobalClusterMember) bool { return m.ClusterARN == cl.ARN })
	switch {
	case i < 0:
		return errInvalidGlobalState("DB cluster %s is not a member of global cluster %s.", cl.ARN, g.ID)
	case g.Members[i].IsWriter && len(g.Members) > 1:
		return errInvalidGlobalState("DB cluster %s is the writer of global cluster %s; it cannot be removed while other members exist.", cl.ARN, g.ID)
	case g.Failover != nil && (g.Failover.FromClusterARN == cl.ARN || g.Failover.ToClusterARN == cl.ARN):
		return errInvalidGlobalState("DB cluster %s is taking part in a switchover or failover of global cluster %s.", cl.ARN, g.ID)
	}
	m := g.Members[i]
	g.Members = slices.Delete(g.Members, i, i+1)
	cl.GlobalClusterID, cl.Status = "", "promoting"
	c.operate(cl.ARN, seconds(w.dur.Detach), []string{cl.Region}, func() {
		cl.Status = "available"
		if !m.IsWriter && len(cl.Members) > 0 {
			cl.Members[0].IsWriter = true
		}
	}, func() {
		if w.gcs[g.ID] == g {
			g.Members = append(g.Members, GlobalClusterMember{ClusterARN: cl.ARN, IsWriter: m.IsWriter, SyncStatus: "connected"})
			cl.GlobalClusterID = g.ID
		}
		cl.Status = "available"
	}, outcomeRolledBack)
	w.writeGlobalCluster(x, "GlobalCluster", g)
	return nil
}
