package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"drorch/journal"
	"drorch/resource"
)

// recorder journals every mutating call of one step: an intent event,
// durable before the call is made, then issued or failed. If the intent
// cannot be written the call is not made.
type recorder struct {
	e        *Engine
	runID    string
	layer    int
	resource int
	step     string
	issued   int // calls that returned success during this Do
}

// do journals and makes one call. The call runs on a context the operator's
// cancellation cannot cut short: an in-flight call is allowed to return, so
// that the journal says exactly what happened.
func (r *recorder) do(ctx context.Context, c journal.Call, call func(context.Context) error) error {
	c.ID = uuid.NewString()
	if err := r.e.append(ctx, r.runID, journal.Event{Kind: journal.CallIntent, Layer: r.layer, Resource: r.resource,
		Step: r.step, Message: describeCall(c), Data: mustJSON(c)}); err != nil {
		return fmt.Errorf("journal intent of %s: %w", c.Action, err)
	}
	err := call(context.WithoutCancel(ctx))
	ev := journal.Event{Layer: r.layer, Resource: r.resource, Step: r.step}
	if err == nil {
		r.issued++
		ev.Kind, ev.Message = journal.CallIssued, describeCall(c)
	} else {
		// Throttling means AWS refused the call before acting on it; any
		// other failure that could have reached AWS leaves the outcome open.
		c.Unknown = resource.Retryable(err) && !resource.IsKind(err, resource.KindThrottled)
		ev.Kind, ev.Error = journal.CallFailed, err.Error()
		var ae *resource.APIError
		if errors.As(err, &ae) {
			c.RequestID = ae.RequestID
		}
	}
	ev.Data = mustJSON(c)
	if jerr := r.e.append(ctx, r.runID, ev); jerr != nil {
		return errors.Join(err, fmt.Errorf("journal outcome of %s: %w", c.Action, jerr))
	}
	return err
}

func describeCall(c journal.Call) string {
	keys := make([]string, 0, len(c.Args))
	for k := range c.Args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+c.Args[k])
	}
	return fmt.Sprintf("%s %s in %s (%s)", c.Service, c.Action, c.Region, strings.Join(parts, ", "))
}

// journaled returns env with every mutating interface wrapped by rec.
func journaled(env resource.Env, rec *recorder) *resource.Env {
	out := env
	if env.GlobalClusters != nil {
		out.GlobalClusters = gcCalls{env.GlobalClusters, rec}
	}
	if env.Clusters != nil {
		out.Clusters = clusterCalls{env.Clusters, rec}
	}
	if env.Instances != nil {
		out.Instances = instanceCalls{env.Instances, rec}
	}
	if env.Datastores != nil {
		out.Datastores = datastoreCalls{env.Datastores, rec}
	}
	return &out
}

func rdsCall(action, region string, args ...string) journal.Call {
	return journal.Call{Service: "rds", Action: action, Region: region, Args: pairs(args)}
}

func pairs(kv []string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

type gcCalls struct {
	api resource.GlobalClusterAPI
	rec *recorder
}

func (g gcCalls) SwitchoverGlobalCluster(ctx context.Context, region, globalID, target string) error {
	return g.rec.do(ctx, rdsCall("SwitchoverGlobalCluster", region, "GlobalClusterIdentifier", globalID, "TargetDbClusterIdentifier", target),
		func(ctx context.Context) error { return g.api.SwitchoverGlobalCluster(ctx, region, globalID, target) })
}

func (g gcCalls) FailoverGlobalCluster(ctx context.Context, region, globalID, target string) error {
	return g.rec.do(ctx, rdsCall("FailoverGlobalCluster", region, "GlobalClusterIdentifier", globalID, "TargetDbClusterIdentifier", target, "AllowDataLoss", "true"),
		func(ctx context.Context) error { return g.api.FailoverGlobalCluster(ctx, region, globalID, target) })
}

func (g gcCalls) RemoveFromGlobalCluster(ctx context.Context, region, globalID, cluster string) error {
	return g.rec.do(ctx, rdsCall("RemoveFromGlobalCluster", region, "GlobalClusterIdentifier", globalID, "DbClusterIdentifier", cluster),
		func(ctx context.Context) error { return g.api.RemoveFromGlobalCluster(ctx, region, globalID, cluster) })
}

func (g gcCalls) CreateGlobalCluster(ctx context.Context, region string, in resource.CreateGlobalClusterInput) error {
	return g.rec.do(ctx, rdsCall("CreateGlobalCluster", region, "GlobalClusterIdentifier", in.GlobalClusterID, "SourceDBClusterIdentifier", in.SourceClusterARN),
		func(ctx context.Context) error { return g.api.CreateGlobalCluster(ctx, region, in) })
}

func (g gcCalls) DeleteGlobalCluster(ctx context.Context, region, globalID string) error {
	return g.rec.do(ctx, rdsCall("DeleteGlobalCluster", region, "GlobalClusterIdentifier", globalID),
		func(ctx context.Context) error { return g.api.DeleteGlobalCluster(ctx, region, globalID) })
}

type clusterCalls struct {
	api resource.ClusterAPI
	rec *recorder
}

func (c clusterCalls) CreateDBCluster(ctx context.Context, region string, in resource.CreateDBClusterInput) error {
	return c.rec.do(ctx, rdsCall("CreateDBCluster", region, "DBClusterIdentifier", in.ClusterID, "GlobalClusterIdentifier", in.GlobalClusterID, "Engine", in.Engine, "EngineVersion", in.EngineVersion),
		func(ctx context.Context) error { return c.api.CreateDBCluster(ctx, region, in) })
}

func (c clusterCalls) DeleteDBCluster(ctx context.Context, region, clusterID string) error {
	return c.rec.do(ctx, rdsCall("DeleteDBCluster", region, "DBClusterIdentifier", clusterID, "SkipFinalSnapshot", "true"),
		func(ctx context.Context) error { return c.api.DeleteDBCluster(ctx, region, clusterID) })
}

func (c clusterCalls) CreateDBInstance(ctx context.Context, region string, in resource.CreateDBInstanceInput) error {
	return c.rec.do(ctx, rdsCall("CreateDBInstance", region, "DBInstanceIdentifier", in.InstanceID, "DBClusterIdentifier", in.ClusterID, "DBInstanceClass", in.Class),
		func(ctx context.Context) error { return c.api.CreateDBInstance(ctx, region, in) })
}

type instanceCalls struct {
	api resource.InstanceAPI
	rec *recorder
}

func (i instanceCalls) PromoteReadReplica(ctx context.Context, region, id string) error {
	return i.rec.do(ctx, rdsCall("PromoteReadReplica", region, "DBInstanceIdentifier", id),
		func(ctx context.Context) error { return i.api.PromoteReadReplica(ctx, region, id) })
}

func (i instanceCalls) CreateDBInstanceReadReplica(ctx context.Context, region string, in resource.CreateReadReplicaInput) error {
	return i.rec.do(ctx, rdsCall("CreateDBInstanceReadReplica", region, "DBInstanceIdentifier", in.InstanceID, "SourceDBInstanceIdentifier", in.SourceInstanceARN, "DBInstanceClass", in.Class),
		func(ctx context.Context) error { return i.api.CreateDBInstanceReadReplica(ctx, region, in) })
}

func (i instanceCalls) DeleteDBInstance(ctx context.Context, region, id, finalSnapshot string) error {
	skip := strconv.FormatBool(finalSnapshot == "")
	return i.rec.do(ctx, rdsCall("DeleteDBInstance", region, "DBInstanceIdentifier", id, "FinalDBSnapshotIdentifier", finalSnapshot, "SkipFinalSnapshot", skip),
		func(ctx context.Context) error { return i.api.DeleteDBInstance(ctx, region, id, finalSnapshot) })
}

type datastoreCalls struct {
	api resource.DatastoreAPI
	rec *recorder
}

func (d datastoreCalls) FailoverGlobalReplicationGroup(ctx context.Context, region, globalID, primaryRegion, primaryRG string) error {
	c := journal.Call{Service: "elasticache", Action: "FailoverGlobalReplicationGroup", Region: region,
		Args: pairs([]string{"GlobalReplicationGroupId", globalID, "PrimaryRegion", primaryRegion, "PrimaryReplicationGroupId", primaryRG})}
	return d.rec.do(ctx, c, func(ctx context.Context) error {
		return d.api.FailoverGlobalReplicationGroup(ctx, region, globalID, primaryRegion, primaryRG)
	})
}
