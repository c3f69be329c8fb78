package sim

import (
	"fmt"
	"slices"
)

// ElastiCache global datastores and replication groups (world.md
// "ElastiCache global datastores").

func describeGlobalReplicationGroups(c *call, x xw) *apiError {
	max, after, err := c.paging(20, 100)
	if err != nil {
		return err
	}
	showMembers, _, err := c.p.boolean("ShowMemberInfo")
	if err != nil {
		return err
	}
	w := c.w
	id := c.p.str("GlobalReplicationGroupId")
	if id != "" && w.grgs[id] == nil {
		return errGRGNotFound(id)
	}
	ids, next := pageIDs(w.grgOrder, after, max, func(gid string) bool { return id == "" || gid == id })
	x.open("GlobalReplicationGroups")
	for _, gid := range ids {
		w.writeGRG(x, "GlobalReplicationGroup", w.grgs[gid], showMembers)
	}
	x.close("GlobalReplicationGroups")
	x.strOpt("Marker", next)
	return nil
}

func (w *world) writeGRG(x xw, name string, g *GlobalReplicationGroup, members bool) {
	x.open(name)
	x.str("GlobalReplicationGroupId", g.ID)
	x.strOpt("GlobalReplicationGroupDescription", g.Description)
	x.str("Status", g.Status)
	x.str("CacheNodeType", g.CacheNodeType)
	x.str("Engine", g.Engine)
	x.str("EngineVersion", g.EngineVersion)
	if members {
		x.open("Members")
		for _, m := range g.Members {
			x.open("GlobalReplicationGroupMember")
			x.str("ReplicationGroupId", m.ReplicationGroupID)
			x.str("ReplicationGroupRegion", m.Region)
			x.str("Role", m.Role)
			x.str("AutomaticFailover", "enabled")
			x.str("Status", m.Status)
			x.close("GlobalReplicationGroupMember")
		}
		x.close("Members")
	}
	x.boolean("ClusterEnabled", false)
	x.boolean("AuthTokenEnabled", false)
	x.boolean("TransitEncryptionEnabled", true)
	x.boolean("AtRestEncryptionEnabled", true)
	x.str("ARN", g.ARN)
	x.close(name)
}

// promotion is a global datastore's latest FailoverGlobalReplicationGroup:
// the member it resolves to.
type promotion struct{ region, group string }

// failoverGlobalReplicationGroup promotes a secondary. "Promotion is
// allowed anytime, even if other modifications are in progress. You can
// also issue multiple promotions in parallel and the global datastore
// resolves to one primary eventually" (ElastiCache User Guide, Promoting
// the secondary cluster to primary,
// https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Console.html#Redis-Global-Datastores-Console-Promote-Secondary).
// The datastore is modifying meanwhile ("your global datastore moves to a
// Modifying state and is unavailable until the promotion is complete",
// same page); a promotion asked while another runs supersedes it, and the
// datastore resolves to the one last asked for, once that one is done.
func failoverGlobalReplicationGroup(c *call, x xw) *apiError {
	id, err := c.required("GlobalReplicationGroupId")
	if err != nil {
		return err
	}
	region, err := c.required("PrimaryRegion")
	if err != nil {
		return err
	}
	rgID, err := c.required("PrimaryReplicationGroupId")
	if err != nil {
		return err
	}
	w := c.w
	g := w.grgs[id]
	if g == nil {
		return errGRGNotFound(id)
	}
	i := slices.IndexFunc(g.Members, func(m GlobalReplicationGroupMember) bool { return m.Region == region })
	pending := w.promotions[g.ID]
	switch {
	case i < 0:
		return errParamValue("Global replication group %s has no member in region %s.", g.ID, truncate(region, 32))
	case g.Members[i].ReplicationGroupID != rgID:
		return errParamValue("The member of global replication group %s in %s is %s, not %s.", g.ID, region, g.Members[i].ReplicationGroupID, truncate(rgID, 64))
	case pending == nil && g.Members[i].Role == "PRIMARY":
		return errParamValue("Replication group %s in %s is already the primary of global replication group %s.", rgID, region, g.ID)
	case g.Status != "available" && g.Status != "modifying":
		return newErr("InvalidGlobalReplicationGroupState", 400, "Global replication group %s is not available or in primary-only state (status %s).", g.ID, g.Status)
	}
	g.Status = "modifying"
	setRGs := func(status string) {
		for _, m := range g.Members {
			if rg := w.rgs[key{m.Region, m.ReplicationGroupID}]; rg != nil {
				rg.Status = status
			}
		}
	}
	setRGs("modifying")
	p := &promotion{region: region, group: rgID}
	w.promotions[g.ID] = p
	// Only the latest promotion settles the datastore: an earlier one
	// that ends meanwhile changes nothing.
	latest := func() bool { return w.promotions[g.ID] == p }
	settle := func() {
		delete(w.promotions, g.ID)
		g.Status = "available"
		setRGs("available")
	}
	c.operate(g.ID, seconds(w.dur.ElastiCacheFailover), []string{region}, func() {
		if !latest() {
			return
		}
		for j := range g.Members {
			g.Members[j].Role = "SECONDARY"
			if g.Members[j].Region == region && g.Members[j].ReplicationGroupID == rgID {
				g.Members[j].Role = "PRIMARY"
			}
		}
		settle()
	}, func() {
		if latest() {
			settle()
		}
	}, outcomeRolledBack)
	w.writeGRG(x, "GlobalReplicationGroup", g, true)
	return nil
}

func describeReplicationGroups(c *call, x xw) *apiError {
	max, after, err := c.paging(20, 100)
	if err != nil {
		return err
	}
	w := c.w
	id := c.p.str("ReplicationGroupId")
	if id != "" && w.rgs[key{c.region, id}] == nil {
		return errRGNotFound(id)
	}
	ids, next := pageIDs(w.rgOrder[c.region], after, max, func(rid string) bool { return id == "" || rid == id })
	x.open("ReplicationGroups")
	for _, rid := range ids {
		w.writeRG(x, w.rgs[key{c.region, rid}])
	}
	x.close("ReplicationGroups")
	x.strOpt("Marker", next)
	return nil
}

// role returns a replication group's role in its global datastore.
func (w *world) role(rg *ReplicationGroup) string {
	if g := w.grgs[rg.GlobalGroupID]; g != nil {
		for _, m := range g.Members {
			if m.Region == rg.Region && m.ReplicationGroupID == rg.ID {
				return m.Role
			}
		}
	}
	return ""
}

func (w *world) writeRG(x xw, rg *ReplicationGroup) {
	h := w.names(rg.Region).hash
	x.open("ReplicationGroup")
	x.str("ReplicationGroupId", rg.ID)
	x.strOpt("Description", rg.Description)
	if role := w.role(rg); role != "" {
		x.open("GlobalReplicationGroupInfo")
		x.str("GlobalReplicationGroupId", rg.GlobalGroupID)
		x.str("GlobalReplicationGroupMemberRole", role)
		x.close("GlobalReplicationGroupInfo")
	}
	x.str("Status", rg.Status)
	x.open("MemberClusters")
	for n := 1; n <= rg.Nodes; n++ {
		x.str("ClusterId", fmt.Sprintf("%s-%03d", rg.ID, n))
	}
	x.close("MemberClusters")
	x.open("NodeGroups")
	x.open("NodeGroup")
	x.str("NodeGroupId", "0001")
	x.str("Status", rg.Status)
	x.open("PrimaryEndpoint")
	x.str("Address", fmt.Sprintf("%s.%s.ng.0001.%s.cache.amazonaws.com", rg.ID, h, shortRegion(rg.Region)))
	x.integer("Port", rg.Port)
	x.close("PrimaryEndpoint")
	x.open("ReaderEndpoint")
	x.str("Address", fmt.Sprintf("%s-ro.%s.ng.0001.%s.cache.amazonaws.com", rg.ID, h, shortRegion(rg.Region)))
	x.integer("Port", rg.Port)
	x.close("ReaderEndpoint")
	x.open("NodeGroupMembers")
	for n := 1; n <= rg.Nodes; n++ {
		x.open("NodeGroupMember")
		x.str("CacheClusterId", fmt.Sprintf("%s-%03d", rg.ID, n))
		x.str("CacheNodeId", "0001")
		x.str("PreferredAvailabilityZone", fmt.Sprintf("%s%c", rg.Region, 'a'+rune((n-1)%3)))
		if n == 1 {
			x.str("CurrentRole", "primary")
		} else {
			x.str("CurrentRole", "replica")
		}
		x.close("NodeGroupMember")
	}
	x.close("NodeGroupMembers")
	x.close("NodeGroup")
	x.close("NodeGroups")
	x.str("AutomaticFailover", "enabled")
	x.str("MultiAZ", "enabled")
	x.boolean("ClusterEnabled", false)
	x.str("CacheNodeType", rg.CacheNodeType)
	x.boolean("AuthTokenEnabled", false)
	x.boolean("TransitEncryptionEnabled", true)
	x.boolean("AtRestEncryptionEnabled", rg.AtRestEncrypted)
	x.str("ARN", rg.ARN)
	x.timestamp("ReplicationGroupCreateTime", rg.CreateTime)
	x.str("Engine", rg.Engine)
	x.close("ReplicationGroup")
}
