package cloud

// The domain view of the AWS resources drorch works on: only what handlers
// and plans need, in drorch's words. awsapi maps the SDK shapes to these.

// GlobalCluster is an Aurora global database.
type GlobalCluster struct {
	ID                 string
	ARN                string
	Status             string // available, switching-over, failing-over, modifying, deleting, ...
	Engine             string
	EngineVersion      string
	StorageEncrypted   bool
	DeletionProtection bool
	Members            []GlobalClusterMember
	// Failover is set while a switchover or failover is pending or running.
	Failover *FailoverState
}

// GlobalClusterMember is one regional cluster of a global database.
type GlobalClusterMember struct {
	ClusterARN string
	IsWriter   bool
	Readers    []string // ARNs of the secondaries; only on the writer
	// SyncStatus is connected or pending-resync ("" when AWS omits it).
	SyncStatus string
}

// FailoverState describes a switchover or failover under way.
type FailoverState struct {
	Status          string // pending, failing-over, switching-over, cancelling
	FromClusterARN  string
	ToClusterARN    string
	DataLossAllowed bool
}

// Writer returns the writer member, if any.
func (g *GlobalCluster) Writer() (GlobalClusterMember, bool) {
	for _, m := range g.Members {
		if m.IsWriter {
			return m, true
		}
	}
	return GlobalClusterMember{}, false
}

// Member returns the member with the given cluster ARN.
func (g *GlobalCluster) Member(clusterARN string) (GlobalClusterMember, bool) {
	for _, m := range g.Members {
		if SameID(m.ClusterARN, clusterARN) {
			return m, true
		}
	}
	return GlobalClusterMember{}, false
}

// DBCluster is an Aurora DB cluster in one region.
type DBCluster struct {
	ID     string
	ARN    string
	Region string
	Status string // available, creating, deleting, modifying, promoting, failing-over, ...
	Engine string
	// EngineVersion, Port and the rest describe the cluster for plans and checks.
	EngineVersion      string
	Port               int
	DeletionProtection bool
	// StorageEncrypted and KmsKeyID say how the cluster's storage is
	// encrypted: KmsKeyID is the ARN of its KMS key ("" when it is not
	// encrypted). A secondary of an encrypted global cluster needs a key of
	// its own Region.
	StorageEncrypted bool
	KmsKeyID         string
	// BackupRetentionPeriod is how many days automated backups are kept.
	BackupRetentionPeriod int
	// GlobalClusterID is the global cluster this cluster belongs to ("" if
	// none). Membership is judged from it and from the global cluster's
	// member list, never from ReplicationSource.
	GlobalClusterID string
	// ReplicationSource is ReplicationSourceIdentifier: the source of a
	// cross-Region read replica cluster, and also, as AWS reports it, the
	// writer of the global cluster on a global secondary (the Terraform
	// provider tells users of global clusters to ignore its changes for
	// that reason,
	// https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/rds_cluster#replication_source_identifier).
	// No decision of drorch depends on it being absent.
	ReplicationSource string
	Members           []DBClusterMember

	// ParameterGroup is the DB cluster parameter group (readiness compares
	// the two sides of a global database).
	ParameterGroup string
}

// DBClusterMember is one instance of a cluster.
type DBClusterMember struct {
	InstanceID string
	IsWriter   bool
}

// Writer reports whether the cluster has a writer instance.
func (c *DBCluster) Writer() (DBClusterMember, bool) {
	for _, m := range c.Members {
		if m.IsWriter {
			return m, true
		}
	}
	return DBClusterMember{}, false
}

// DBInstance is an RDS DB instance (stand-alone, replica, or Aurora member).
type DBInstance struct {
	ID        string
	ARN       string
	Region    string
	Status    string // available, creating, modifying, rebooting, deleting, backing-up, ...
	Engine    string
	Class     string
	Port      int
	ClusterID string // Aurora: the cluster it belongs to
	// ReplicaSource is ReadReplicaSourceDBInstanceIdentifier: the source's
	// identifier, or its ARN when the source is in another region.
	ReplicaSource string
	// Replicas are ReadReplicaDBInstanceIdentifiers (ids or ARNs).
	Replicas []string
	// ReplicationStatus is the "read replication" StatusInfo status
	// (replicating, error, stopped, terminated), "" when absent.
	ReplicationStatus  string
	DeletionProtection bool

	// EngineVersion and ParameterGroup (the first DB parameter group)
	// describe the instance for capacity parity checks.
	EngineVersion  string
	ParameterGroup string
	// StorageEncrypted and KmsKeyID say how the instance's storage is
	// encrypted (KmsKeyID: the key's ARN, "" when not encrypted).
	StorageEncrypted bool
	KmsKeyID         string
	// BackupRetentionPeriod is how many days automated backups are kept: 0
	// means none, and AWS refuses a read replica of such a source.
	BackupRetentionPeriod int
}

// DBClusterSnapshot is a manual snapshot of an Aurora DB cluster, such as
// the final snapshot DeleteDBCluster takes before the cluster is deleted.
type DBClusterSnapshot struct {
	ID     string
	ARN    string
	Region string
	// ClusterID is the cluster the snapshot was taken of.
	ClusterID string
	Status    string // creating, available, copying, failed, ...
	Engine    string
	// StorageEncrypted and KmsKeyID are the cluster's when it was taken.
	StorageEncrypted bool
	KmsKeyID         string
}

// DBSnapshot is a manual snapshot of an RDS DB instance, such as the final
// snapshot DeleteDBInstance takes.
type DBSnapshot struct {
	ID     string
	ARN    string
	Region string
	// InstanceID is the instance the snapshot was taken of.
	InstanceID string
	Status     string // creating, available, failed, ...
	Engine     string
	Encrypted  bool
	KmsKeyID   string
}

// GlobalReplicationGroup is an ElastiCache global datastore.
type GlobalReplicationGroup struct {
	ID      string
	ARN     string
	Status  string // available, creating, modifying, primary-only, deleting, ...
	Engine  string
	Members []GlobalReplicationGroupMember
}

// GlobalReplicationGroupMember is one regional replication group.
type GlobalReplicationGroupMember struct {
	ReplicationGroupID string
	Region             string
	Role               string // PRIMARY or SECONDARY
	Status             string // associated, ...
}

// Member returns the member in region.
func (g *GlobalReplicationGroup) Member(region string) (GlobalReplicationGroupMember, bool) {
	for _, m := range g.Members {
		if m.Region == region {
			return m, true
		}
	}
	return GlobalReplicationGroupMember{}, false
}
