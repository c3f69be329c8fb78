// Package cloud is drorch's model of the AWS resources it works on, in
// drorch's words and without the AWS SDK: their state (GlobalCluster,
// DBCluster, DBInstance, GlobalReplicationGroup, ...), the kinds of resources
// that can be read and how a read names one (Kind, Key), the one read
// interface (Reader) and the one write path (Call, Executor), identity, and
// the classified errors every adapter returns (APIError).
//
// Reads and writes are deliberately shaped differently. A read names a key
// and gets a state back, so that one batched describe can serve many
// resources (BatchReader). A write is a Call value: the step that makes it
// declares it, the plan shows it, the journal records it before it is made,
// and an Executor makes it. Nothing else in drorch changes AWS, so a new
// service or action is journaled without anyone having to list it.
//
// Identifiers of RDS, Aurora and ElastiCache resources are compared the way
// AWS compares them (ID and SameARN): AWS stores and returns them lower-cased.
package cloud
