package resource

import "drorch/cloud"

// Lock keys: what no two active runs may hold at once. Identifiers are in
// canonical form, so that two spellings of one database are one lock.

// GlobalClusterLock is the lock of an Aurora global cluster (a global
// resource: the same whatever region names it).
func GlobalClusterLock(id string) string { return "aurora-global-cluster:" + cloud.ID(id) }

// ClusterLock is the lock of a DB cluster in region.
func ClusterLock(region, id string) string {
	return "rds-cluster:" + cloud.ID(region) + ":" + cloud.ID(id)
}

// InstanceLock is the lock of a DB instance in region.
func InstanceLock(region, id string) string {
	return "rds-instance:" + cloud.ID(region) + ":" + cloud.ID(id)
}

// DatastoreLock is the lock of an ElastiCache global datastore.
func DatastoreLock(id string) string { return "elasticache-global-datastore:" + cloud.ID(id) }
