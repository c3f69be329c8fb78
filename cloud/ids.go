package cloud

import "strings"

// ID is the form in which AWS stores and compares an RDS, Aurora or
// ElastiCache identifier, or the ARN of such a resource: lower case. The RDS
// API reference says of every identifier "This parameter isn't
// case-sensitive" and returns them lower-cased (DescribeDBClusters,
// DescribeGlobalClusters), and ElastiCache stores replication group ids "as
// a lowercase string" (CreateReplicationGroup). drorch binds every such
// identifier to this form once, so that comparisons, lock keys, plans and
// the journal all use it.
func ID(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// SameID reports whether two identifiers (or ARNs) of RDS, Aurora or
// ElastiCache resources name the same resource, as AWS compares them.
func SameID(a, b string) bool { return ID(a) == ID(b) }
