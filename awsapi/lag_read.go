package awsapi

import (
	"context"
	"time"

	"drorch/cloud"
)

// lagKinds serves cloud.ReplicationLags from CloudWatch: the newest lag
// data point of each replica within DefaultLagWindow of Reads.Now. A
// replica without data is a state (HasData false), never not-found: "no
// figure" is something the operator must be told, not a missing resource.
func (r *Reads) lagKinds(m map[cloud.Kind]kindReader) {
	m[cloud.ReplicationLags.Name] = kindReader{batchOnly(r.replicationLags), r.replicationLag}
}

func (r *Reads) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// replicationLags reads the lags of ids (cloud.LagKey ids) in region with
// one GetMetricData call for all of them.
func (r *Reads) replicationLags(ctx context.Context, region string, ids []string) (map[string]any, error) {
	var (
		replicas []lagReplica
		keys     []string
	)
	out := map[string]any{}
	for _, id := range ids {
		family, replica, ok := cloud.ParseLagID(id)
		if !ok {
			continue // no such replica: absent from the result
		}
		replicas = append(replicas, lagReplica{family, replica})
		keys = append(keys, id)
	}
	if len(replicas) == 0 {
		return out, nil
	}
	lags, err := r.c.Metrics().latestLags(ctx, region, DefaultLagWindow, r.now(), replicas)
	if err != nil {
		return nil, err
	}
	for i, l := range lags {
		out[keys[i]] = &cloud.ReplicationLag{Family: replicas[i].family, Replica: replicas[i].id, Region: region,
			HasData: l.HasData, Active: l.Active, Seconds: l.Seconds, At: l.At, Metric: l.Metric}
	}
	return out, nil
}

// replicationLag reads the lag of one replica.
func (r *Reads) replicationLag(ctx context.Context, region, id string) (any, error) {
	found, err := r.replicationLags(ctx, region, []string{id})
	if err != nil {
		return nil, err
	}
	v, ok := found[id]
	if !ok {
		return nil, cloud.NotFound(cloud.Key{Kind: cloud.ReplicationLags.Name, Region: region, ID: id})
	}
	return v, nil
}
