package resource

import (
	"context"
	"time"
)

// The narrow cloud interfaces handlers use. Every method takes the region the
// call must go to explicitly: a call is always made where its resource lives,
// so an unplanned operation never needs the failed region. Errors are
// classified with *APIError; a missing resource is errors.Is(err, ErrNotFound).

// Reader reads the current state of resources. In the local engine it is
// served from a per-round cache filled by batched describe calls.
type Reader interface {
	// GlobalCluster describes a global cluster (a global resource; region is
	// the endpoint the call is made to).
	GlobalCluster(ctx context.Context, region, id string) (*GlobalCluster, error)
	// DBCluster describes a cluster by identifier or ARN.
	DBCluster(ctx context.Context, region, idOrARN string) (*DBCluster, error)
	// DBInstance describes an instance by identifier or ARN.
	DBInstance(ctx context.Context, region, idOrARN string) (*DBInstance, error)
	// GlobalReplicationGroup describes a global datastore with member info.
	GlobalReplicationGroup(ctx context.Context, region, id string) (*GlobalReplicationGroup, error)
}

// GlobalClusterAPI changes Aurora global clusters.
type GlobalClusterAPI interface {
	// SwitchoverGlobalCluster is the planned, no-data-loss switchover.
	SwitchoverGlobalCluster(ctx context.Context, region, globalID, targetClusterARN string) error
	// FailoverGlobalCluster with AllowDataLoss: the managed unplanned failover.
	FailoverGlobalCluster(ctx context.Context, region, globalID, targetClusterARN string) error
	RemoveFromGlobalCluster(ctx context.Context, region, globalID, clusterARN string) error
	CreateGlobalCluster(ctx context.Context, region string, in CreateGlobalClusterInput) error
	DeleteGlobalCluster(ctx context.Context, region, globalID string) error
}

// ClusterAPI creates and deletes Aurora clusters and their instances.
type ClusterAPI interface {
	CreateDBCluster(ctx context.Context, region string, in CreateDBClusterInput) error
	DeleteDBCluster(ctx context.Context, region, clusterID string) error // no final snapshot, as the original
	CreateDBInstance(ctx context.Context, region string, in CreateDBInstanceInput) error
}

// InstanceAPI changes RDS instances.
type InstanceAPI interface {
	PromoteReadReplica(ctx context.Context, region, instanceID string) error
	CreateDBInstanceReadReplica(ctx context.Context, region string, in CreateReadReplicaInput) error
	// DeleteDBInstance deletes an instance; finalSnapshotID "" skips the final snapshot.
	DeleteDBInstance(ctx context.Context, region, instanceID, finalSnapshotID string) error
}

// DatastoreAPI changes ElastiCache global datastores.
type DatastoreAPI interface {
	FailoverGlobalReplicationGroup(ctx context.Context, region, globalID, primaryRegion, primaryReplicationGroupID string) error
}

// Identity tells who drorch runs as.
type Identity interface {
	AccountID(ctx context.Context, region string) (string, error)
}

// CreateGlobalClusterInput is CreateGlobalCluster from an existing cluster.
type CreateGlobalClusterInput struct {
	GlobalClusterID  string
	SourceClusterARN string
}

// CreateDBClusterInput creates a secondary cluster joined to a global cluster.
type CreateDBClusterInput struct {
	ClusterID                 string
	GlobalClusterID           string
	Engine                    string
	EngineVersion             string
	Port                      int
	DBSubnetGroupName         string
	VpcSecurityGroupIDs       []string
	KmsKeyID                  string
	SourceRegion              string
	BackupRetentionPeriod     int
	StorageEncrypted          bool
	IAMDatabaseAuthentication bool
	DeletionProtection        bool
	CopyTagsToSnapshot        bool
}

// CreateDBInstanceInput creates an instance in an Aurora cluster.
type CreateDBInstanceInput struct {
	InstanceID              string
	ClusterID               string
	Class                   string
	Engine                  string
	MonitoringInterval      int
	MonitoringRoleARN       string
	AutoMinorVersionUpgrade bool
}

// CreateReadReplicaInput creates a cross-region RDS read replica.
type CreateReadReplicaInput struct {
	InstanceID                string
	SourceInstanceARN         string
	SourceRegion              string
	Class                     string
	MultiAZ                   bool
	DBSubnetGroupName         string
	VpcSecurityGroupIDs       []string
	KmsKeyID                  string
	AutoMinorVersionUpgrade   bool
	Port                      int
	CopyTagsToSnapshot        bool
	MonitoringInterval        int
	MonitoringRoleARN         string
	IAMDatabaseAuthentication bool
}

// Env is what a step works with. The engine fills it; it wraps every
// mutating interface so that each call is journaled before and after.
type Env struct {
	Read           Reader
	GlobalClusters GlobalClusterAPI
	Clusters       ClusterAPI
	Instances      InstanceAPI
	Datastores     DatastoreAPI
	Identity       Identity
	// Now is the engine's clock (names such as final snapshot ids use it).
	Now func() time.Time
}
