// Package awstest gives tests and benchmarks one typed method per AWS call
// drorch makes, each going through the adapters drorch itself uses:
// awsapi's Calls (the executor), Reads, Refs, Identity and Notifier. Code
// outside tests declares cloud.Call values instead.
package awstest

import (
	"context"

	"drorch/awsapi"
	"drorch/cloud"
	"drorch/ref"
)

// API wraps the clients with one typed method per call.
type API struct{ *awsapi.Clients }

// Exec makes one call from alternating argument names and values.
func (a API) Exec(ctx context.Context, service, action, region string, kv ...string) error {
	_, err := a.Calls().Execute(ctx, cloud.NewCall(service, action, region, kv...))
	return err
}

// SwitchoverGlobalCluster makes or reads what its name says.
func (a API) SwitchoverGlobalCluster(ctx context.Context, region, global, target string) error {
	return a.Exec(ctx, "rds", "SwitchoverGlobalCluster", region, "GlobalClusterIdentifier", global, "TargetDbClusterIdentifier", target)
}

// FailoverGlobalCluster makes or reads what its name says.
func (a API) FailoverGlobalCluster(ctx context.Context, region, global, target string) error {
	return a.Exec(ctx, "rds", "FailoverGlobalCluster", region, "GlobalClusterIdentifier", global, "TargetDbClusterIdentifier", target, "AllowDataLoss", "true")
}

// RemoveFromGlobalCluster makes or reads what its name says.
func (a API) RemoveFromGlobalCluster(ctx context.Context, region, global, cluster string) error {
	return a.Exec(ctx, "rds", "RemoveFromGlobalCluster", region, "GlobalClusterIdentifier", global, "DbClusterIdentifier", cluster)
}

// CreateGlobalCluster makes or reads what its name says.
func (a API) CreateGlobalCluster(ctx context.Context, region, global, source string) error {
	return a.Exec(ctx, "rds", "CreateGlobalCluster", region, "GlobalClusterIdentifier", global, "SourceDBClusterIdentifier", source)
}

// DeleteGlobalCluster makes or reads what its name says.
func (a API) DeleteGlobalCluster(ctx context.Context, region, global string) error {
	return a.Exec(ctx, "rds", "DeleteGlobalCluster", region, "GlobalClusterIdentifier", global)
}

// DeleteDBCluster makes or reads what its name says.
func (a API) DeleteDBCluster(ctx context.Context, region, id string) error {
	return a.Exec(ctx, "rds", "DeleteDBCluster", region, "DBClusterIdentifier", id, "SkipFinalSnapshot", "true")
}

// PromoteReadReplica makes or reads what its name says.
func (a API) PromoteReadReplica(ctx context.Context, region, id string) error {
	return a.Exec(ctx, "rds", "PromoteReadReplica", region, "DBInstanceIdentifier", id)
}

// DeleteDBInstance deletes an instance; snapshot "" skips the final snapshot.
func (a API) DeleteDBInstance(ctx context.Context, region, id, snapshot string) error {
	if snapshot == "" {
		return a.Exec(ctx, "rds", "DeleteDBInstance", region, "DBInstanceIdentifier", id, "SkipFinalSnapshot", "true")
	}
	return a.Exec(ctx, "rds", "DeleteDBInstance", region, "DBInstanceIdentifier", id, "FinalDBSnapshotIdentifier", snapshot)
}

// FailoverGlobalReplicationGroup makes or reads what its name says.
func (a API) FailoverGlobalReplicationGroup(ctx context.Context, region, global, primaryRegion, primary string) error {
	return a.Exec(ctx, "elasticache", "FailoverGlobalReplicationGroup", region, "GlobalReplicationGroupId", global,
		"PrimaryRegion", primaryRegion, "PrimaryReplicationGroupId", primary)
}

// Call executes c.
func (a API) Call(ctx context.Context, c cloud.Call) error {
	_, err := a.Calls().Execute(ctx, c)
	return err
}

// GlobalCluster makes or reads what its name says.
func (a API) GlobalCluster(ctx context.Context, region, id string) (*cloud.GlobalCluster, error) {
	return cloud.GlobalClusters.Get(ctx, a.Reads(), region, id)
}

// DBCluster makes or reads what its name says.
func (a API) DBCluster(ctx context.Context, region, id string) (*cloud.DBCluster, error) {
	return cloud.DBClusters.Get(ctx, a.Reads(), region, id)
}

// DBInstance makes or reads what its name says.
func (a API) DBInstance(ctx context.Context, region, id string) (*cloud.DBInstance, error) {
	return cloud.DBInstances.Get(ctx, a.Reads(), region, id)
}

// GlobalReplicationGroup makes or reads what its name says.
func (a API) GlobalReplicationGroup(ctx context.Context, region, id string) (*cloud.GlobalReplicationGroup, error) {
	return cloud.GlobalReplicationGroups.Get(ctx, a.Reads(), region, id)
}

// Batch reads ids of kind in region and returns what was found, typed.
func Batch[T any](ctx context.Context, a API, k cloud.KindOf[T], region string, ids ...string) ([]T, error) {
	canon := make([]string, len(ids))
	for i, id := range ids {
		canon[i] = cloud.ID(id)
	}
	found, err := a.Reads().ReadBatch(ctx, k.Name, region, canon)
	if err != nil {
		return nil, err
	}
	var out []T
	seen := map[*T]bool{}
	for _, id := range canon {
		if v, ok := found[id].(*T); ok && !seen[v] {
			seen[v] = true
			out = append(out, *v)
		}
	}
	return out, nil
}

// AccountID makes or reads what its name says.
func (a API) AccountID(ctx context.Context, region string) (string, error) {
	who, err := a.Identity().Caller(ctx, region)
	return who.Account, err
}

// Publish makes or reads what its name says.
func (a API) Publish(ctx context.Context, region, topic, subject, message string) error {
	return a.Notifier().Publish(ctx, region, topic, subject, message)
}

// ListExports makes or reads what its name says.
func (a API) ListExports(ctx context.Context, region, token string) ([]ref.Export, string, error) {
	return a.Refs().ListExports(ctx, region, token)
}

// GetParameter makes or reads what its name says.
func (a API) GetParameter(ctx context.Context, region, name string, decrypt bool) (ref.Parameter, error) {
	return a.Refs().GetParameter(ctx, region, name, decrypt)
}
