// Package elasticache holds the ElastiCache global datastore resource type
// FailoverElastiCacheCluster.
package elasticache

import "drorch/manifest"

// FailoverSpec is FailoverElastiCacheCluster.
func FailoverSpec() manifest.TypeSpec {
	return manifest.TypeSpec{
		Name: "FailoverElastiCacheCluster",
		Doc:  "Fails an ElastiCache global datastore over so that TargetReplicationGroupId in TargetRegion becomes its primary (FailoverGlobalReplicationGroup, called in TargetRegion).",
		Params: []manifest.ParamSpec{
			{Name: "GlobalReplicationGroupId", Kind: manifest.KindString, Required: true, Fold: true, Shared: true, Doc: "global datastore id, with its AWS prefix", Example: "ldgnf-demo-redis-global-datastore"},
			{Name: "TargetRegion", Kind: manifest.KindRegion, Required: true, Doc: "region whose member becomes primary", Example: "us-west-2"},
			{Name: "TargetReplicationGroupId", Kind: manifest.KindIdentifier, Required: true, Doc: "replication group in TargetRegion that becomes primary", Example: "demo-redis-cluster"},
		},
	}
}
