package aurora

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"drorch/cloud"
	"drorch/manifest"
	"drorch/resource"
)

// cluster is a cluster named by ARN: its calls go to the ARN's region. Its
// ARN and ID are in canonical form (cloud.ID).
type cluster struct {
	ARN       string
	Partition string
	Region    string
	Account   string
	ID        string
}

// parseCluster reads a cluster ARN parameter; a value that is not one is a
// problem on that parameter.
func parseCluster(p resource.Params, name string) (cluster, []manifest.Problem) {
	v := cloud.ID(p.String(name))
	a, err := manifest.ParseARN(v)
	if err != nil || a.Service != "rds" || a.Region == "" || a.ResourceType != "cluster" {
		return cluster{}, []manifest.Problem{{
			Field:   name,
			Message: fmt.Sprintf("%q is not an Aurora cluster ARN", p.String(name)),
			Fix:     "give the cluster's ARN, e.g. arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02",
		}}
	}
	return cluster{ARN: v, Partition: a.Partition, Region: a.Region, Account: a.Account, ID: a.ResourceID}, nil
}

func (c cluster) String() string { return c.ID + " (" + c.Region + ")" }

// regionOf returns the region of a cluster ARN ("" if it is not one).
func regionOf(arn string) string {
	a, err := manifest.ParseARN(arn)
	if err != nil {
		return ""
	}
	return a.Region
}

// nameOf shortens a cluster ARN to "id (region)" for messages.
func nameOf(arn string) string {
	a, err := manifest.ParseARN(arn)
	if err != nil {
		return arn
	}
	return a.ResourceID + " (" + a.Region + ")"
}

// names shortens the member clusters of a global cluster for messages.
func names(ms []cloud.GlobalClusterMember) string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = nameOf(m.ClusterARN)
		if m.IsWriter {
			out[i] += " writer"
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// describeMember says what a global cluster member is, for plans.
func describeMember(m cloud.GlobalClusterMember) string {
	role := "secondary"
	if m.IsWriter {
		role = "writer"
	}
	if m.SyncStatus != "" {
		role += ", " + m.SyncStatus
	}
	return nameOf(m.ClusterARN) + ": " + role
}

// notFound reports whether err says the resource does not exist.
func notFound(err error) bool { return errors.Is(err, cloud.ErrNotFound) }

// IAM resource ARNs.

func globalClusterARN(partition, account, id string) string {
	return manifest.ARN{Partition: partition, Service: "rds", Account: account, ResourceType: "global-cluster", ResourceID: id}.String()
}

func rdsARN(partition, region, account, kind, id string) string {
	return manifest.ARN{Partition: partition, Service: "rds", Region: region, Account: account, ResourceType: kind, ResourceID: id}.String()
}

// Reads, each in the region named.

func getGlobal(ctx context.Context, v *resource.View, region, id string) (*cloud.GlobalCluster, error) {
	return cloud.GlobalClusters.Get(ctx, v.Read, region, id)
}

func getCluster(ctx context.Context, v *resource.View, region, idOrARN string) (*cloud.DBCluster, error) {
	return cloud.DBClusters.Get(ctx, v.Read, region, idOrARN)
}

func getInstance(ctx context.Context, v *resource.View, region, id string) (*cloud.DBInstance, error) {
	return cloud.DBInstances.Get(ctx, v.Read, region, id)
}

// rdsCall is a mutating RDS call made in region.
func rdsCall(action, region string, kv ...string) cloud.Call {
	return cloud.NewCall("rds", action, region, kv...)
}
