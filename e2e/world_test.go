package e2e

import (
	"fmt"
	"slices"
	"strings"

	"drorch/sim"
)

// The seed world's names (see sim/scenarios/seed.yaml).
const (
	globalCluster  = "dr-globaldb-cluster-mysql"
	cluster01ARN   = "arn:aws:rds:us-east-1:123456789012:cluster:dbcluster-01"
	cluster02ARN   = "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"
	rdsInstance    = "rds-mysql-instance"
	redisGlobal    = "ldgnf-demo-redis-global-datastore"
	redisGroup     = "demo-redis-cluster"
	newInstance    = "dbcluster-01-use1-instance-1"
	useast, uswest = "us-east-1", "us-west-2"
)

// failoverPayload is the README's test cases #1 and #4 as one run of two
// layers: the Aurora switchover first, then the RDS promotion and the
// ElastiCache failover side by side. Run in us-west-2, it fails everything
// over to us-west-2 with three mutating calls.
const failoverPayload = `{
  "StatePayload": [
    {
      "layer": 1,
      "resources": [
        {
          "resourceType": "PlannedFailoverAurora",
          "resourceName": "Switchover (planned failover) of Amazon Aurora global databases (MySQL)",
          "parameters": {
            "GlobalClusterIdentifier": "!Import dr-globaldb-cluster-mysql-global-identifier",
            "DBClusterIdentifier": "!Import dr-globaldb-cluster-mysql-cluster-identifier"
          }
        }
      ]
    },
    {
      "layer": 2,
      "resources": [
        {
          "resourceType": "PromoteRDSReadReplica",
          "resourceName": "Promote RDS for MySQL Read Replica",
          "parameters": {
            "RDSInstanceIdentifier": "!Import rds-mysql-instance-identifier",
            "TargetClusterIdentifier": "!Import rds-mysql-instance-global-arn"
          }
        },
        {
          "resourceType": "FailoverElastiCacheCluster",
          "resourceName": "Failover ElastiCache Cluster",
          "parameters": {
            "GlobalReplicationGroupId": "!Import demo-redis-cluster-global-replication-group-id",
            "TargetRegion": "!Import demo-redis-cluster-target-region",
            "TargetReplicationGroupId": "!Import demo-redis-cluster-target-replication-group-id"
          }
        }
      ]
    }
  ]
}
`

// failoverCalls are the mutating calls of failoverPayload, once each.
var failoverCalls = []string{"FailoverGlobalReplicationGroup", "PromoteReadReplica", "SwitchoverGlobalCluster"}

// failbackCalls are the seven steps' calls of CreateAuroraSecondaryDBCluster
// on a world where the unplanned failover happened, once each.
var failbackCalls = []string{"CreateDBCluster", "CreateDBInstance", "CreateGlobalCluster", "DeleteDBCluster",
	"DeleteDBInstance", "DeleteGlobalCluster", "RemoveFromGlobalCluster"}

// correctedFailback is the README's test case #3 with its import typo
// (vps) corrected to vpc, as the demo runs it.
func correctedFailback(readme []byte) string {
	return strings.ReplaceAll(string(readme), "-vps-security-group-ids", "-vpc-security-group-ids")
}

// afterUnplannedFailover is the seed world once the unplanned failover
// (test case #2) has happened: dbcluster-02 has left the global database and
// is a stand-alone writable cluster in us-west-2; dbcluster-01 is still the
// global cluster's only member.
func afterUnplannedFailover() *sim.Scenario {
	sc := sim.SeedScenario()
	for i := range sc.Clusters {
		if sc.Clusters[i].ID == "dbcluster-02" {
			sc.Clusters[i].GlobalCluster = ""
		}
	}
	return sc
}

// problems collects what is wrong with a world.
type problems []string

func (p *problems) addf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// auroraWriter checks that the global cluster is at rest with writer as its
// writer and exactly the members given.
func (p *problems) auroraWriter(st sim.State, writer string, members ...string) {
	g, ok := st.GlobalCluster(globalCluster)
	if !ok {
		p.addf("global cluster %s does not exist", globalCluster)
		return
	}
	if g.Status != "available" || g.Failover != nil {
		p.addf("global cluster %s is %s (failover %+v), want available with nothing pending", g.ID, g.Status, g.Failover)
	}
	var got []string
	for _, m := range g.Members {
		got = append(got, m.ClusterARN)
		if m.IsWriter != (m.ClusterARN == writer) {
			p.addf("global cluster member %s: writer %v, want writer %s", m.ClusterARN, m.IsWriter, writer)
		}
	}
	slices.Sort(got)
	slices.Sort(members)
	if !slices.Equal(got, members) {
		p.addf("global cluster members %v, want %v", got, members)
	}
}

// replicaPromoted checks that the us-west-2 replica is a stand-alone,
// available instance.
func (p *problems) replicaPromoted(st sim.State) {
	in, ok := st.Instance(uswest, rdsInstance)
	switch {
	case !ok:
		p.addf("instance %s in %s does not exist", rdsInstance, uswest)
	case in.Status != "available" || in.ReplicaSource != "":
		p.addf("instance %s in %s is %s replicating from %q, want available and promoted", rdsInstance, uswest, in.Status, in.ReplicaSource)
	}
}

// redisPrimary checks that region holds the global datastore's primary.
func (p *problems) redisPrimary(st sim.State, region string) {
	g, ok := st.GlobalReplicationGroup(redisGlobal)
	if !ok {
		p.addf("global datastore %s does not exist", redisGlobal)
		return
	}
	if g.Status != "available" {
		p.addf("global datastore %s is %s, want available", g.ID, g.Status)
	}
	for _, m := range g.Members {
		want := "SECONDARY"
		if m.Region == region {
			want = "PRIMARY"
		}
		if m.Role != want {
			p.addf("global datastore member %s in %s is %s, want %s", m.ReplicationGroupID, m.Region, m.Role, want)
		}
	}
}

// secondaryRebuilt checks the failback's end: dbcluster-01 is back in
// us-east-1 as a secondary of the global cluster whose writer is
// dbcluster-02, with its instance, as the payload described it.
func (p *problems) secondaryRebuilt(st sim.State) {
	p.auroraWriter(st, cluster02ARN, cluster01ARN, cluster02ARN)
	c, ok := st.Cluster(useast, "dbcluster-01")
	if !ok {
		p.addf("cluster dbcluster-01 in %s does not exist", useast)
		return
	}
	if c.Status != "available" || c.GlobalClusterID != globalCluster {
		p.addf("cluster dbcluster-01 is %s in global cluster %q, want available in %s", c.Status, c.GlobalClusterID, globalCluster)
	}
	if c.Port != 3787 || !c.StorageEncrypted || !c.DeletionProtection || !strings.Contains(c.KmsKeyID, ":us-east-1:") ||
		!slices.Equal(c.VpcSecurityGroupIDs, []string{"sg-0a1b2c3d4e5f60001"}) {
		p.addf("cluster dbcluster-01 was not created as the payload says: %+v", c)
	}
	if len(c.Members) != 1 || c.Members[0].InstanceID != newInstance {
		p.addf("cluster dbcluster-01 has members %+v, want only %s", c.Members, newInstance)
	}
	in, ok := st.Instance(useast, newInstance)
	if !ok || in.Status != "available" || in.ClusterID != "dbcluster-01" {
		p.addf("instance %s in %s: %+v (exists %v), want available in dbcluster-01", newInstance, useast, in, ok)
	}
	if c2, ok := st.Cluster(uswest, "dbcluster-02"); !ok || c2.Status != "available" {
		p.addf("cluster dbcluster-02 in %s is not available: %+v", uswest, c2)
	}
}

// failedOver is the world after failoverPayload ran in us-west-2.
func failedOver(st sim.State) problems {
	var p problems
	p.auroraWriter(st, cluster02ARN, cluster01ARN, cluster02ARN)
	p.replicaPromoted(st)
	p.redisPrimary(st, uswest)
	return p
}

// failedBack is the world after the corrected test case #3 ran in us-east-1
// on afterUnplannedFailover.
func failedBack(st sim.State) problems {
	var p problems
	p.secondaryRebuilt(st)
	return p
}

// callProblems checks the simulator's mutating-call log against the calls a
// run should make: each exactly once, answered with success, none repeated
// per (action, target) and none refused.
func callProblems(calls []sim.MutatingCall, want []string) problems {
	var p problems
	seen := map[string]int{}
	var got []string
	for _, c := range calls {
		if c.Status != 200 {
			p.addf("mutating call %d %s %s in %s answered %d %s: a call drorch should not have made", c.Seq, c.Action, c.Target, c.Region, c.Status, c.Code)
			continue
		}
		key := c.Action + " " + c.Target
		if seen[key]++; seen[key] == 2 {
			p.addf("mutating call %s repeated after it was issued", key)
		}
		got = append(got, c.Action)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		p.addf("successful mutating calls %v, want each of %v once", got, want)
	}
	return p
}

func (p problems) String() string { return "  - " + strings.Join(p, "\n  - ") }
