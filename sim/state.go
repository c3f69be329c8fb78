package sim

import (
	"cmp"
	"slices"
	"time"
)

// State is the whole world at one virtual instant, as GET /_sim/state
// shows it. Lists are sorted (global resources by id, regional ones by
// region then id). SecureString values are masked.
type State struct {
	Now                     time.Time                `json:"now"`
	Account                 string                   `json:"account"`
	Regions                 []RegionState            `json:"regions"`
	GlobalClusters          []GlobalCluster          `json:"globalClusters"`
	Clusters                []DBCluster              `json:"clusters"`
	Instances               []DBInstance             `json:"instances"`
	GlobalReplicationGroups []GlobalReplicationGroup `json:"globalReplicationGroups"`
	ReplicationGroups       []ReplicationGroup       `json:"replicationGroups"`
	Exports                 map[string][]Export      `json:"exports"`
	Parameters              []Parameter              `json:"parameters"`
	Topics                  []string                 `json:"topics"`
	Tables                  []DynamoDBTable          `json:"tables"`
	Snapshots               []Snapshot               `json:"snapshots"`
	Faults                  []Fault                  `json:"faults"`
	Ops                     []Op                     `json:"ops"`
}

// RegionState says whether a region is down (a region-wide outage).
type RegionState struct {
	Name string `json:"name"`
	Down bool   `json:"down"`
}

// maskedValue replaces SecureString values in State.
const maskedValue = "(SecureString, hidden)"

// State returns a deep copy of the world at virtual now.
func (s *Sim) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.sync()
	w := s.w
	st := State{Now: now, Account: w.account, Exports: map[string][]Export{}, Faults: slices.Clone(s.faults), Ops: w.opLog(),
		Snapshots: w.allSnapshots()}
	regions := slices.Clone(w.regions)
	for r := range w.down {
		if !slices.Contains(regions, r) {
			regions = append(regions, r)
		}
	}
	for _, r := range regions {
		st.Regions = append(st.Regions, RegionState{Name: r, Down: w.down[r]})
	}
	for _, id := range w.gcOrder {
		g := *w.gcs[id]
		g.Members = slices.Clone(g.Members)
		if g.Failover != nil {
			f := *g.Failover
			g.Failover = &f
		}
		st.GlobalClusters = append(st.GlobalClusters, g)
	}
	for _, r := range w.sortedRegions(w.clOrder) {
		for _, id := range w.clOrder[r] {
			c := *w.clusters[key{r, id}]
			c.Members, c.VpcSecurityGroupIDs = slices.Clone(c.Members), slices.Clone(c.VpcSecurityGroupIDs)
			st.Clusters = append(st.Clusters, c)
		}
	}
	for _, in := range w.allInstances() {
		c := *in
		c.Replicas, c.VpcSecurityGroupIDs = slices.Clone(c.Replicas), slices.Clone(c.VpcSecurityGroupIDs)
		st.Instances = append(st.Instances, c)
	}
	for _, id := range w.grgOrder {
		g := *w.grgs[id]
		g.Members = slices.Clone(g.Members)
		st.GlobalReplicationGroups = append(st.GlobalReplicationGroups, g)
	}
	for _, r := range w.sortedRegions(w.rgOrder) {
		for _, id := range w.rgOrder[r] {
			st.ReplicationGroups = append(st.ReplicationGroups, *w.rgs[key{r, id}])
		}
	}
	for r, e := range w.exports {
		st.Exports[r] = slices.Clone(e)
	}
	for _, p := range w.params {
		c := *p
		if c.Type == "SecureString" {
			c.Value = maskedValue
		}
		st.Parameters = append(st.Parameters, c)
	}
	slices.SortFunc(st.Parameters, func(a, b Parameter) int {
		if a.Region != b.Region {
			return cmp.Compare(a.Region, b.Region)
		}
		return cmp.Compare(a.Name, b.Name)
	})
	st.Tables = w.tableStates()
	for t := range w.topics {
		st.Topics = append(st.Topics, t)
	}
	slices.Sort(st.Topics)
	return st
}

// GlobalCluster returns a copy of a global cluster at virtual now.
func (st State) GlobalCluster(id string) (GlobalCluster, bool) {
	for _, g := range st.GlobalClusters {
		if g.ID == id {
			return g, true
		}
	}
	return GlobalCluster{}, false
}

// Cluster returns a cluster by region and id.
func (st State) Cluster(region, id string) (DBCluster, bool) {
	for _, c := range st.Clusters {
		if c.Region == region && c.ID == id {
			return c, true
		}
	}
	return DBCluster{}, false
}

// Instance returns an instance by region and id.
func (st State) Instance(region, id string) (DBInstance, bool) {
	for _, in := range st.Instances {
		if in.Region == region && in.ID == id {
			return in, true
		}
	}
	return DBInstance{}, false
}

// GlobalReplicationGroup returns a global datastore by id.
func (st State) GlobalReplicationGroup(id string) (GlobalReplicationGroup, bool) {
	for _, g := range st.GlobalReplicationGroups {
		if g.ID == id {
			return g, true
		}
	}
	return GlobalReplicationGroup{}, false
}

// ReplicationGroup returns a replication group by region and id.
func (st State) ReplicationGroup(region, id string) (ReplicationGroup, bool) {
	for _, rg := range st.ReplicationGroups {
		if rg.Region == region && rg.ID == id {
			return rg, true
		}
	}
	return ReplicationGroup{}, false
}
