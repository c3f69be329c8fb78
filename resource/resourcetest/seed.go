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

	// KMSKeyPrimary and KMSKeyDR are the customer keys of each region:
	// an encrypted cross-region copy needs a key of its own region.
	KMSKeyPrimary = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	KMSKeyDR      = "arn:aws:kms:us-west-2:123456789012:key/1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"
	// BackupDays is the automated backup retention of every seed database.
	BackupDays = 7

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
// available and replicating, the clock at Start. As in the simulator's
// seed, every database is encrypted with a key of its own region and keeps
// automated backups BackupDays days.
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
		id, arn, region, instance, key string
		writer                         bool
	}{
		{Cluster1, Cluster1ARN, Primary, Instance1, KMSKeyPrimary, true},
		{Cluster2, Cluster2ARN, DR, Instance2, KMSKeyDR, false},
	} {
		c.PutCluster(cloud.DBCluster{
			ID: cl.id, ARN: cl.arn, Region: cl.region, Status: "available", Engine: AuroraEngine,
			EngineVersion: AuroraVersion, Port: seedAuroraPort, GlobalClusterID: GlobalClusterID,
			StorageEncrypted: true, KmsKeyID: cl.key, BackupRetentionPeriod: BackupDays,
			Members: []cloud.DBClusterMember{{InstanceID: cl.instance, IsWriter: cl.writer}},
		})
		c.PutInstance(cloud.DBInstance{
			ID: cl.instance, ARN: "arn:aws:rds:" + cl.region + ":" + Account + ":db:" + cl.instance, Region: cl.region,
			Status: "available", Engine: AuroraEngine, Class: seedClass, Port: seedAuroraPort, ClusterID: cl.id,
			StorageEncrypted: true, KmsKeyID: cl.key, BackupRetentionPeriod: BackupDays,
		})
	}
	c.PutInstance(cloud.DBInstance{
		ID: RDSInstance, ARN: RDSPrimaryARN, Region: Primary, Status: "available", Engine: "mysql",
		Class: seedClass, Port: seedRDSPort, Replicas: []string{RDSReplicaARN},
		StorageEncrypted: true, KmsKeyID: KMSKeyPrimary, BackupRetentionPeriod: BackupDays,
	})
	c.PutInstance(cloud.DBInstance{
		ID: RDSInstance, ARN: RDSReplicaARN, Region: DR, Status: "available", Engine: "mysql",
		Class: seedClass, Port: seedRDSPort, ReplicaSource: RDSPrimaryARN, ReplicationStatus: "replicating",
		StorageEncrypted: true, KmsKeyID: KMSKeyDR, BackupRetentionPeriod: BackupDays,
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
