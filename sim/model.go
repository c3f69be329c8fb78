package sim

import "time"

// The world's resources. These structs are both the simulator's live model
// and what State returns (deep copies): an operator or a test reads exactly
// what the simulated AWS holds. Identifiers are stored lower case, as AWS does.

// GlobalCluster is an Aurora (or DocumentDB) global database. It is global:
// every region sees it.
type GlobalCluster struct {
	ID                 string                `json:"id"`
	ARN                string                `json:"arn"`
	ResourceID         string                `json:"resourceId"`
	Status             string                `json:"status"`
	Engine             string                `json:"engine"`
	EngineVersion      string                `json:"engineVersion"`
	DatabaseName       string                `json:"databaseName,omitempty"`
	StorageEncrypted   bool                  `json:"storageEncrypted"`
	DeletionProtection bool                  `json:"deletionProtection"`
	Members            []GlobalClusterMember `json:"members"`
	// Failover is set while a switchover or failover is pending or running.
	Failover *FailoverState `json:"failover,omitempty"`
}

// GlobalClusterMember is one regional cluster of a global database. The
// writer's Readers are derived from the other members when rendered.
type GlobalClusterMember struct {
	ClusterARN string `json:"clusterArn"`
	IsWriter   bool   `json:"isWriter"`
	// SyncStatus is connected or pending-resync.
	SyncStatus string `json:"syncStatus"`
	// Leaving is set between RemoveFromGlobalCluster and the moment the
	// cluster leaves the member list (Durations.DetachDelay).
	Leaving bool `json:"leaving,omitempty"`
}

// FailoverState is a switchover or failover under way.
type FailoverState struct {
	Status          string `json:"status"` // pending, switching-over, failing-over
	FromClusterARN  string `json:"fromClusterArn"`
	ToClusterARN    string `json:"toClusterArn"`
	DataLossAllowed bool   `json:"dataLossAllowed"`
}

// DBCluster is an Aurora or DocumentDB cluster in one region.
type DBCluster struct {
	ID                        string            `json:"id"`
	Region                    string            `json:"region"`
	ARN                       string            `json:"arn"`
	ResourceID                string            `json:"resourceId"`
	Status                    string            `json:"status"`
	Engine                    string            `json:"engine"`
	EngineVersion             string            `json:"engineVersion"`
	Port                      int               `json:"port"`
	DBSubnetGroup             string            `json:"dbSubnetGroup,omitempty"`
	VpcSecurityGroupIDs       []string          `json:"vpcSecurityGroupIds,omitempty"`
	KmsKeyID                  string            `json:"kmsKeyId,omitempty"`
	StorageEncrypted          bool              `json:"storageEncrypted"`
	DeletionProtection        bool              `json:"deletionProtection"`
	IAMDatabaseAuthentication bool              `json:"iamDatabaseAuthentication"`
	CopyTagsToSnapshot        bool              `json:"copyTagsToSnapshot"`
	BackupRetentionPeriod     int               `json:"backupRetentionPeriod"`
	MasterUsername            string            `json:"masterUsername,omitempty"`
	GlobalClusterID           string            `json:"globalClusterId,omitempty"`
	ParameterGroup            string            `json:"parameterGroup,omitempty"`
	ReplicationSource         string            `json:"replicationSource,omitempty"`
	Members                   []DBClusterMember `json:"members"`
	CreateTime                time.Time         `json:"createTime"`
}

// DBClusterMember is one instance of a cluster.
type DBClusterMember struct {
	InstanceID string `json:"instanceId"`
	IsWriter   bool   `json:"isWriter"`
}

// DBInstance is an RDS instance: stand-alone, read replica or Aurora member.
type DBInstance struct {
	ID                        string   `json:"id"`
	Region                    string   `json:"region"`
	ARN                       string   `json:"arn"`
	ResourceID                string   `json:"resourceId"`
	Status                    string   `json:"status"`
	Engine                    string   `json:"engine"`
	EngineVersion             string   `json:"engineVersion"`
	Class                     string   `json:"class"`
	Port                      int      `json:"port"`
	ClusterID                 string   `json:"clusterId,omitempty"`
	DBSubnetGroup             string   `json:"dbSubnetGroup,omitempty"`
	VpcSecurityGroupIDs       []string `json:"vpcSecurityGroupIds,omitempty"`
	KmsKeyID                  string   `json:"kmsKeyId,omitempty"`
	StorageEncrypted          bool     `json:"storageEncrypted"`
	MultiAZ                   bool     `json:"multiAZ"`
	DeletionProtection        bool     `json:"deletionProtection"`
	AutoMinorVersionUpgrade   bool     `json:"autoMinorVersionUpgrade"`
	CopyTagsToSnapshot        bool     `json:"copyTagsToSnapshot"`
	IAMDatabaseAuthentication bool     `json:"iamDatabaseAuthentication"`
	MonitoringInterval        int      `json:"monitoringInterval"`
	MonitoringRoleARN         string   `json:"monitoringRoleArn,omitempty"`
	ParameterGroup            string   `json:"parameterGroup,omitempty"`
	BackupRetentionPeriod     int      `json:"backupRetentionPeriod"`
	AvailabilityZone          string   `json:"availabilityZone"`
	// ReplicaSource is ReadReplicaSourceDBInstanceIdentifier: the source's
	// id, or its ARN when the source is in another region.
	ReplicaSource string `json:"replicaSource,omitempty"`
	// Replicas are ReadReplicaDBInstanceIdentifiers (ARNs when cross-region).
	Replicas []string `json:"replicas,omitempty"`
	// ReplicationStatus is the "read replication" StatusInfo ("" = none).
	ReplicationStatus string    `json:"replicationStatus,omitempty"`
	CreateTime        time.Time `json:"createTime"`
}

// GlobalReplicationGroup is an ElastiCache global datastore (global).
type GlobalReplicationGroup struct {
	ID            string                         `json:"id"`
	ARN           string                         `json:"arn"`
	Description   string                         `json:"description,omitempty"`
	Status        string                         `json:"status"`
	Engine        string                         `json:"engine"`
	EngineVersion string                         `json:"engineVersion"`
	CacheNodeType string                         `json:"cacheNodeType"`
	Members       []GlobalReplicationGroupMember `json:"members"`
}

// GlobalReplicationGroupMember is one regional replication group.
type GlobalReplicationGroupMember struct {
	ReplicationGroupID string `json:"replicationGroupId"`
	Region             string `json:"region"`
	Role               string `json:"role"` // PRIMARY or SECONDARY
	Status             string `json:"status"`
}

// ReplicationGroup is an ElastiCache replication group in one region. Its
// global role is read from its global datastore's members.
type ReplicationGroup struct {
	ID              string    `json:"id"`
	Region          string    `json:"region"`
	ARN             string    `json:"arn"`
	Description     string    `json:"description,omitempty"`
	Status          string    `json:"status"`
	Engine          string    `json:"engine"`
	EngineVersion   string    `json:"engineVersion"`
	CacheNodeType   string    `json:"cacheNodeType"`
	Port            int       `json:"port"`
	Nodes           int       `json:"nodes"`
	GlobalGroupID   string    `json:"globalReplicationGroupId,omitempty"`
	CreateTime      time.Time `json:"createTime"`
	AtRestEncrypted bool      `json:"atRestEncrypted"`
}

// Export is a CloudFormation export of one region.
type Export struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	StackID string `json:"stackId"`
}

// Parameter is an SSM parameter of one region. State masks SecureString
// values: they never leave the simulator except through GetParameter.
type Parameter struct {
	Region       string    `json:"region"`
	Name         string    `json:"name"`
	Type         string    `json:"type"` // String, StringList, SecureString
	Value        string    `json:"value"`
	Version      int64     `json:"version"`
	LastModified time.Time `json:"lastModified"`
}

// Snapshot is a final snapshot taken by DeleteDBInstance (a DB snapshot)
// or DeleteDBCluster (a DB cluster snapshot). It keeps what the source was
// when the snapshot began.
type Snapshot struct {
	Region     string    `json:"region"`
	ID         string    `json:"id"`
	ARN        string    `json:"arn"`
	SourceID   string    `json:"sourceId"`
	SourceKind string    `json:"sourceKind"` // instance or cluster
	Time       time.Time `json:"time"`
	// Status is creating while the snapshot is taken, then available.
	Status           string    `json:"status"`
	Engine           string    `json:"engine"`
	EngineVersion    string    `json:"engineVersion"`
	Port             int       `json:"port"`
	StorageEncrypted bool      `json:"storageEncrypted"`
	KmsKeyID         string    `json:"kmsKeyId,omitempty"`
	MasterUsername   string    `json:"masterUsername,omitempty"`
	SourceCreateTime time.Time `json:"sourceCreateTime"`
	SourceResourceID string    `json:"sourceResourceId"`
	AllocatedStorage int       `json:"allocatedStorage"`
	AvailabilityZone string    `json:"availabilityZone,omitempty"`
}

// Message is an SNS message published to a topic, kept for inspection.
type Message struct {
	ID         string            `json:"id"`
	Region     string            `json:"region"`
	TopicARN   string            `json:"topicArn"`
	Subject    string            `json:"subject,omitempty"`
	Message    string            `json:"message"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Time       time.Time         `json:"time"`
}
