package resource

import "drorch/cloud"

// RPOReporter is implemented by the resource types that make a replica
// writable (a secondary cluster, a read replica, a secondary replication
// group). The replica's replication lag, read in its own region, is how far
// behind its primary it is: for an operation that does not wait for
// replication (an unplanned failover) it is the recovery point, about how
// many seconds of writes are at risk. Plans show it, runs journal it, and
// `drorch check` holds it to a threshold.
type RPOReporter interface {
	// ReplicationLag names the lag of the replica the operation makes
	// writable: a cloud.LagKey in the replica's region.
	ReplicationLag() cloud.Key
	// LosesWrites reports whether the operation may lose the writes not
	// yet replicated (detach, promote, failover with data loss); a
	// switchover waits for them and loses none.
	LosesWrites() bool
}
