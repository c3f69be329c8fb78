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
