package ref

import (
	"drorch/manifest"
	"drorch/resource/approval"
	"drorch/resource/aurora"
	"drorch/resource/elasticache"
	"drorch/resource/rds"
)

// testCatalog holds the real specs of the built-in resource types.
func testCatalog() manifest.StaticCatalog {
	return manifest.NewCatalog(
		aurora.PlannedSpec(), aurora.UnplannedSpec(), aurora.ManagedSpec(), aurora.SecondarySpec(),
		rds.PromoteSpec(), rds.ReplicaSpec(), elasticache.FailoverSpec(), approval.Spec(),
	)
}
