// Package resourcetest holds a hand-written fake of the cloud for handler
// tests: an in-memory AWS (Cloud, a cloud.Reader, cloud.Executor and
// cloud.Identity) with state per region, a
// recorder of every call, injectable errors and region outages, operations
// that finish when the test says so (Settle) rather than after real time,
// and a driver (Drive) that runs a resource the way the engine does.
package resourcetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"drorch/cloud"
	"drorch/manifest"
	"drorch/resource"
)

// Account is the account id of the fake cloud (the seed scenario's).
const Account = "123456789012"

// Call is one recorded call to the fake cloud, read or write.
type Call struct {
	Action string // DescribeDBClusters, SwitchoverGlobalCluster, ...
	Region string
	Args   map[string]string
	Err    error // what the call returned
}

// Cloud is an in-memory AWS. Clusters and instances live in one region and
// are visible only there; global clusters and global datastores are visible
// from every region. Mutating calls check what world.md says AWS checks,
// apply their immediate effect and queue their final effect for Settle.
type Cloud struct {
	mu        sync.Mutex
	now       time.Time
	globals   map[string]*cloud.GlobalCluster
	clusters  map[string]map[string]*cloud.DBCluster  // region -> id
	instances map[string]map[string]*cloud.DBInstance // region -> id
	grgs      map[string]*cloud.GlobalReplicationGroup
	// Snapshots, per region and id: final snapshots of DeleteDBCluster
	// and DeleteDBInstance.
	clusterSnaps map[string]map[string]*cloud.DBClusterSnapshot
	dbSnaps      map[string]map[string]*cloud.DBSnapshot
	// leaving holds the ARNs of clusters RemoveFromGlobalCluster is
	// detaching: still listed as members until the next Settle.
	leaving map[string]bool
	// deleting holds "region/id" of clusters whose deletion waits for
	// their final snapshot (still available meanwhile).
	deleting map[string]bool
	// promotions counts each global datastore's promotions: only the
	// latest one settles it.
	promotions map[string]int
	down       map[string]bool
	errs       map[string]error // "Action@region" or "Action@"
	calls      []Call
	pending    []func()
	caller     cloud.Caller
}

// NewCloud returns an empty cloud whose clock reads now.
func NewCloud(now time.Time) *Cloud {
	return &Cloud{
		now:       now,
		globals:   map[string]*cloud.GlobalCluster{},
		clusters:  map[string]map[string]*cloud.DBCluster{},
		instances: map[string]map[string]*cloud.DBInstance{},
		grgs:      map[string]*cloud.GlobalReplicationGroup{},
		down:      map[string]bool{},

		clusterSnaps: map[string]map[string]*cloud.DBClusterSnapshot{},
		dbSnaps:      map[string]map[string]*cloud.DBSnapshot{},
		leaving:      map[string]bool{}, deleting: map[string]bool{}, promotions: map[string]int{},
		errs:   map[string]error{},
		caller: cloud.Caller{Account: Account, Partition: "aws", ARN: "arn:aws:iam::" + Account + ":user/drorch"},
	}
}

// RunID is the run id the fake's views carry: names a run gives to what it
// creates (final snapshots) contain it.
const RunID = "r-test"

// View returns the read-only view handlers judge state on, served by c.
func (c *Cloud) View() *resource.View {
	return &resource.View{Read: c, Identity: c, Now: c.Now, RunID: RunID}
}

// SetCaller changes who the fake says drorch runs as (default: Account in
// the aws partition).
func (c *Cloud) SetCaller(who cloud.Caller) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.caller = who
}

// Now is the fake clock.
func (c *Cloud) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// PutGlobalCluster adds or replaces a global cluster.
func (c *Cloud) PutGlobalCluster(g cloud.GlobalCluster) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.globals[g.ID] = copyGlobal(&g)
}

// PutCluster adds or replaces a cluster in its Region.
func (c *Cloud) PutCluster(cl cloud.DBCluster) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.clusters[cl.Region] == nil {
		c.clusters[cl.Region] = map[string]*cloud.DBCluster{}
	}
	c.clusters[cl.Region][cl.ID] = copyCluster(&cl)
}

// PutInstance adds or replaces an instance in its Region.
func (c *Cloud) PutInstance(in cloud.DBInstance) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.instances[in.Region] == nil {
		c.instances[in.Region] = map[string]*cloud.DBInstance{}
	}
	c.instances[in.Region][in.ID] = copyInstance(&in)
}

// PutGlobalReplicationGroup adds or replaces a global datastore.
func (c *Cloud) PutGlobalReplicationGroup(g cloud.GlobalReplicationGroup) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.grgs[g.ID] = copyGRG(&g)
}

// Delete removes whatever has this id: a global cluster or datastore (region
// ""), or a cluster or instance in region.
func (c *Cloud) Delete(region, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if region == "" {
		delete(c.globals, id)
		delete(c.grgs, id)
		return
	}
	delete(c.clusters[region], id)
	delete(c.instances[region], id)
}

// GlobalClusterState returns a copy of a global cluster, nil if none.
func (c *Cloud) GlobalClusterState(id string) *cloud.GlobalCluster {
	c.mu.Lock()
	defer c.mu.Unlock()
	return copyGlobal(c.globals[id])
}

// ClusterState returns a copy of a cluster, nil if none.
func (c *Cloud) ClusterState(region, id string) *cloud.DBCluster {
	c.mu.Lock()
	defer c.mu.Unlock()
	return copyCluster(c.clusters[region][id])
}

// InstanceState returns a copy of an instance, nil if none.
func (c *Cloud) InstanceState(region, id string) *cloud.DBInstance {
	c.mu.Lock()
	defer c.mu.Unlock()
	return copyInstance(c.instances[region][id])
}

// GlobalReplicationGroupState returns a copy of a global datastore, nil if none.
func (c *Cloud) GlobalReplicationGroupState(id string) *cloud.GlobalReplicationGroup {
	c.mu.Lock()
	defer c.mu.Unlock()
	return copyGRG(c.grgs[id])
}

// SetDown takes a region down (every call to it fails as unreachable) or
// brings it back.
func (c *Cloud) SetDown(region string, down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down[region] = down
}

// FailOn makes every call of action in region (any region when region is
// "") return err; a nil err removes the fault.
func (c *Cloud) FailOn(action, region string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := action + "@" + region
	if err == nil {
		delete(c.errs, key)
		return
	}
	c.errs[key] = err
}

// Calls returns every call made so far, in order.
func (c *Cloud) Calls() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

// Mutations returns the mutating calls made so far (describes and
// GetCallerIdentity left out), in order.
func (c *Cloud) Mutations() []Call {
	var out []Call
	for _, call := range c.Calls() {
		if !strings.HasPrefix(call.Action, "Describe") && call.Action != "GetCallerIdentity" {
			out = append(out, call)
		}
	}
	return out
}

// Pending reports how many operations are under way.
func (c *Cloud) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// Settle finishes every operation under way, as if its duration had passed.
func (c *Cloud) Settle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	done := c.pending
	c.pending = nil
	for _, f := range done {
		f()
	}
}

// begin records a call and returns the error it must fail with, if any:
// an outage of its region, then an injected fault. Callers hold c.mu.
func (c *Cloud) begin(service, action, region string, args map[string]string) error {
	var err error
	switch {
	case c.down[region]:
		err = &cloud.APIError{Service: service, Action: action, Region: region, Kind: cloud.KindUnreachable,
			Message: "connection reset by peer (region " + region + " is down)"}
	case c.errs[action+"@"+region] != nil:
		err = c.errs[action+"@"+region]
	case c.errs[action+"@"] != nil:
		err = c.errs[action+"@"]
	}
	c.calls = append(c.calls, Call{Action: action, Region: region, Args: args, Err: err})
	return err
}

// fault builds a classified AWS error as the adapter would return it.
func fault(service, action, region string, kind cloud.ErrorKind, code, format string, a ...any) error {
	return &cloud.APIError{Service: service, Action: action, Region: region, Kind: kind, Code: code,
		Message: fmt.Sprintf(format, a...)}
}

// cluster finds a cluster by id or ARN in region. Callers hold c.mu.
func (c *Cloud) cluster(region, idOrARN string) *cloud.DBCluster {
	return c.clusters[region][idIn(region, idOrARN)]
}

// instance finds an instance by id or ARN in region. Callers hold c.mu.
func (c *Cloud) instance(region, idOrARN string) *cloud.DBInstance {
	return c.instances[region][idIn(region, idOrARN)]
}

// idIn turns an ARN into the id it names when it names region, and into
// "" (nothing) when it names another region: resources are regional.
func idIn(region, idOrARN string) string {
	if !strings.HasPrefix(idOrARN, "arn:") {
		return idOrARN
	}
	a, err := manifest.ParseARN(idOrARN)
	if err != nil || a.Region != region {
		return ""
	}
	return a.ResourceID
}

// clusterByARN finds a cluster anywhere by its ARN. Callers hold c.mu.
func (c *Cloud) clusterByARN(arn string) *cloud.DBCluster {
	a, err := manifest.ParseARN(arn)
	if err != nil {
		return nil
	}
	return c.clusters[a.Region][a.ResourceID]
}

func copyGlobal(g *cloud.GlobalCluster) *cloud.GlobalCluster {
	if g == nil {
		return nil
	}
	out := *g
	out.Members = make([]cloud.GlobalClusterMember, len(g.Members))
	for i, m := range g.Members {
		m.Readers = slices.Clone(m.Readers)
		out.Members[i] = m
	}
	if g.Failover != nil {
		f := *g.Failover
		out.Failover = &f
	}
	return &out
}

func copyCluster(cl *cloud.DBCluster) *cloud.DBCluster {
	if cl == nil {
		return nil
	}
	out := *cl
	out.Members = slices.Clone(cl.Members)
	return &out
}

func copyInstance(in *cloud.DBInstance) *cloud.DBInstance {
	if in == nil {
		return nil
	}
	out := *in
	out.Replicas = slices.Clone(in.Replicas)
	return &out
}

func copyGRG(g *cloud.GlobalReplicationGroup) *cloud.GlobalReplicationGroup {
	if g == nil {
		return nil
	}
	out := *g
	out.Members = slices.Clone(g.Members)
	return &out
}
