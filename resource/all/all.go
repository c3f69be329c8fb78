// Package all gathers every resource type drorch knows into one registry,
// the catalog that validation, plans and both engines look types up in.
package all

import (
	"drorch/resource"
	"drorch/resource/approval"
	"drorch/resource/aurora"
	"drorch/resource/elasticache"
	"drorch/resource/rds"
)

// Registry returns a registry with every resource type: the six of the
// original framework, ManagedFailoverAurora and ManualApproval.
func Registry() *resource.Registry {
	return resource.NewRegistry(
		aurora.PlannedFailover{},
		aurora.UnplannedFailover{},
		aurora.ManagedFailover{},
		aurora.SecondaryCluster{},
		rds.Promote{},
		rds.ReadReplica{},
		elasticache.Failover{},
		approval.ManualApproval{},
	)
}
