package resourcetest

import (
	"time"

	"drorch/cloud"
)

// The seed scenario's names (world.md): an Aurora global cluster, an RDS
// instance with a cross-region replica and an ElastiCache global datastore,
// primary in us-east-1, DR in us-west-2.
const (
	Primary = "us-east-1"
	DR      = "us-west-2"

	GlobalClusterID = "dr-globaldb-cluster-mysql"
	Cluster1        = "dbcluster-01" // writer, us-east-1
	Cluster2        = "dbcluster-02" // secondary, us-west-2
	Cluster1ARN     = "arn:aws:rds:us-east-1:123456789012:cluster:dbcluster-01"
	Cluster2ARN     = "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"
	Instance1       = "dbcluster-01-use1-instance-1"
	Instance2       = "dbcluster-02-usw2-instance-2"
	AuroraEngine    = "aurora-mysql"
	AuroraVersion   = "8.0.mysql_aurora.3.05.2"

	RDSInstance           = "rds-mysql-instance"
	RDSPrimaryARN         = "arn:aws:rds:us-east-1:123456789012:db:rds-mysql-instance"
	RDSReplicaARN         = "arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance"
	GlobalDatastoreID     = "ldgnf-demo-redis-global-datastore"
	ReplicationGroupID    = "demo-redis-cluster"
	seedClass             = "db.r5.large"
	seedAuroraPort        = 3787
	seedRDSPort           = 3788
	seedDatastoreEngine   = "redis"
	seedGlobalClusterARN  = "arn:aws:rds::123456789012:global-cluster:" + GlobalClusterID
	seedMemberAssociation = "associated"
)

// Start is the fake clock's reading in NewSeed.
var Start = time.Date(2026, 3, 14, 2, 59, 26, 0, time.UTC)

// NewSeed returns a cloud holding the seed scenario, every resource
// available and replicating, the clock at Start.
func NewSeed() *Cloud {
	c := NewCloud(Start)
	c.PutGlobalCluster(cloud.GlobalCluster{
		ID: GlobalClusterID, ARN: seedGlobalClusterARN, Status: "available",
		Engine: AuroraEngine, EngineVersion: AuroraVersion, StorageEncrypted: true,
		Members: []cloud.GlobalClusterMember{
			{ClusterARN: Cluster1ARN, IsWriter: true, Readers: []string{Cluster2ARN}, SyncStatus: "connected"},
			{ClusterARN: Cluster2ARN, Readers: []string{}, SyncStatus: "connected"},
		},
	})
	for _, cl := range []struct {
		id, arn, region, instance string
		writer                    bool
	}{
		{Cluster1, Cluster1ARN, Primary, Instance1, true},
		{Cluster2, Cluster2ARN, DR, Instance2, false},
	} {
		c.PutCluster(cloud.DBCluster{
			ID: cl.id, ARN: cl.arn, Region: cl.region, Status: "available", Engine: AuroraEngine,
			EngineVersion: AuroraVersion, Port: seedAuroraPort, GlobalClusterID: GlobalClusterID,
			Members: []cloud.DBClusterMember{{InstanceID: cl.instance, IsWriter: cl.writer}},
		})
		c.PutInstance(cloud.DBInstance{
			ID: cl.instance, ARN: "arn:aws:rds:" + cl.region + ":" + Account + ":db:" + cl.instance, Region: cl.region,
			Status: "available", Engine: AuroraEngine, Class: seedClass, Port: seedAuroraPort, ClusterID: cl.id,
		})
	}
	c.PutInstance(cloud.DBInstance{
		ID: RDSInstance, ARN: RDSPrimaryARN, Region: Primary, Status: "available", Engine: "mysql",
		Class: seedClass, Port: seedRDSPort, Replicas: []string{RDSReplicaARN},
	})
	c.PutInstance(cloud.DBInstance{
		ID: RDSInstance, ARN: RDSReplicaARN, Region: DR, Status: "available", Engine: "mysql",
		Class: seedClass, Port: seedRDSPort, ReplicaSource: RDSPrimaryARN, ReplicationStatus: "replicating",
	})
	c.PutGlobalReplicationGroup(cloud.GlobalReplicationGroup{
		ID: GlobalDatastoreID, Status: "available", Engine: seedDatastoreEngine,
		Members: []cloud.GlobalReplicationGroupMember{
			{ReplicationGroupID: ReplicationGroupID, Region: Primary, Role: "PRIMARY", Status: seedMemberAssociation},
			{ReplicationGroupID: ReplicationGroupID, Region: DR, Role: "SECONDARY", Status: seedMemberAssociation},
		},
	})
	return c
}
