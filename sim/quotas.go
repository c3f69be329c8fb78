package sim

import "slices"

// What a client can make the world hold is bounded, as AWS bounds it with
// quotas, so that a simulator on a shared host cannot be grown without end.
// RDS's default quotas per account and region ("Quotas in Amazon RDS", RDS
// User Guide): 40 DB instances, 40 DB clusters, 100 manual snapshots.
// Global clusters have no published default; the simulator takes 40.
const (
	quotaInstances      = 40
	quotaClusters       = 40
	quotaSnapshots      = 100
	quotaGlobalClusters = 40
	// MaxOps is how many finished operations the operation log keeps (the
	// newest); running ones are always kept.
	MaxOps = 10000
)

// instanceQuota refuses a new DB instance past the region's quota.
func (w *world) instanceQuota(region string) *apiError {
	if len(w.inOrder[region]) >= quotaInstances {
		return newErr("InstanceQuotaExceeded", 400, "Cannot create more than %d DB instances in %s.", quotaInstances, region)
	}
	return nil
}

// trimOps drops the oldest finished operations once the log holds twice
// MaxOps, so that trimming costs O(1) a call on average.
func (w *world) trimOps() {
	if len(w.ops) < 2*MaxOps {
		return
	}
	drop := len(w.ops) - MaxOps
	w.ops = slices.DeleteFunc(w.ops, func(o *operation) bool {
		if drop > 0 && o.Outcome != outcomeRunning {
			drop--
			return true
		}
		return false
	})
}
