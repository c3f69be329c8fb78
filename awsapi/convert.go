package awsapi

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"drorch/resource"
)

// The SDK shapes mapped to drorch's domain view (resource/state.go). Absent
// optional members become zero values; nothing is invented.

func globalCluster(g rdstypes.GlobalCluster) resource.GlobalCluster {
	out := resource.GlobalCluster{
		ID:                 aws.ToString(g.GlobalClusterIdentifier),
		ARN:                aws.ToString(g.GlobalClusterArn),
		Status:             aws.ToString(g.Status),
		Engine:             aws.ToString(g.Engine),
		EngineVersion:      aws.ToString(g.EngineVersion),
		StorageEncrypted:   aws.ToBool(g.StorageEncrypted),
		DeletionProtection: aws.ToBool(g.DeletionProtection),
	}
	for _, m := range g.GlobalClusterMembers {
		out.Members = append(out.Members, resource.GlobalClusterMember{
			ClusterARN: aws.ToString(m.DBClusterArn),
			IsWriter:   aws.ToBool(m.IsWriter),
			Readers:    append([]string(nil), m.Readers...),
			SyncStatus: string(m.SynchronizationStatus),
		})
	}
	if f := g.FailoverState; f != nil && (f.Status != "" || f.FromDbClusterArn != nil || f.ToDbClusterArn != nil) {
		out.Failover = &resource.FailoverState{
			Status:          string(f.Status),
			FromClusterARN:  aws.ToString(f.FromDbClusterArn),
			ToClusterARN:    aws.ToString(f.ToDbClusterArn),
			DataLossAllowed: aws.ToBool(f.IsDataLossAllowed),
		}
	}
	return out
}

func dbCluster(c rdstypes.DBCluster, callRegion string) resource.DBCluster {
	arn := aws.ToString(c.DBClusterArn)
	out := resource.DBCluster{
		ID:                 aws.ToString(c.DBClusterIdentifier),
		ARN:                arn,
		Region:             regionOf(arn, callRegion),
		Status:             aws.ToString(c.Status),
		Engine:             aws.ToString(c.Engine),
		EngineVersion:      aws.ToString(c.EngineVersion),
		Port:               int(aws.ToInt32(c.Port)),
		DeletionProtection: aws.ToBool(c.DeletionProtection),
		GlobalClusterID:    aws.ToString(c.GlobalClusterIdentifier),
		ReplicationSource:  aws.ToString(c.ReplicationSourceIdentifier),
	}
	for _, m := range c.DBClusterMembers {
		out.Members = append(out.Members, resource.DBClusterMember{
			InstanceID: aws.ToString(m.DBInstanceIdentifier),
			IsWriter:   aws.ToBool(m.IsClusterWriter),
		})
	}
	return out
}

func dbInstance(i rdstypes.DBInstance, callRegion string) resource.DBInstance {
	arn := aws.ToString(i.DBInstanceArn)
	out := resource.DBInstance{
		ID:                 aws.ToString(i.DBInstanceIdentifier),
		ARN:                arn,
		Region:             regionOf(arn, callRegion),
		Status:             aws.ToString(i.DBInstanceStatus),
		Engine:             aws.ToString(i.Engine),
		Class:              aws.ToString(i.DBInstanceClass),
		ClusterID:          aws.ToString(i.DBClusterIdentifier),
		ReplicaSource:      aws.ToString(i.ReadReplicaSourceDBInstanceIdentifier),
		Replicas:           append([]string(nil), i.ReadReplicaDBInstanceIdentifiers...),
		DeletionProtection: aws.ToBool(i.DeletionProtection),
	}
	// The endpoint is absent while an instance is being created; the
	// instance's own port is known from the start.
	if i.Endpoint != nil && i.Endpoint.Port != nil {
		out.Port = int(*i.Endpoint.Port)
	} else {
		out.Port = int(aws.ToInt32(i.DbInstancePort))
	}
	for _, s := range i.StatusInfos {
		if aws.ToString(s.StatusType) == "read replication" {
			out.ReplicationStatus = aws.ToString(s.Status)
		}
	}
	return out
}

func globalReplicationGroup(g ectypes.GlobalReplicationGroup) resource.GlobalReplicationGroup {
	out := resource.GlobalReplicationGroup{
		ID:     aws.ToString(g.GlobalReplicationGroupId),
		Status: aws.ToString(g.Status),
		Engine: aws.ToString(g.Engine),
	}
	for _, m := range g.Members {
		out.Members = append(out.Members, resource.GlobalReplicationGroupMember{
			ReplicationGroupID: aws.ToString(m.ReplicationGroupId),
			Region:             aws.ToString(m.ReplicationGroupRegion),
			Role:               aws.ToString(m.Role),
			Status:             aws.ToString(m.Status),
		})
	}
	return out
}

// regionOf is the region field of an ARN (arn:aws:rds:REGION:ACCOUNT:...),
// or fallback when s is not a regional ARN.
func regionOf(s, fallback string) string {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[3] != "" {
		return parts[3]
	}
	return fallback
}

// isARN tells an ARN from a plain identifier.
func isARN(s string) bool { return strings.HasPrefix(s, "arn:") }

// matchesID reports whether a resource with identifier id and ARN arn is
// the one named by idOrARN.
func matchesID(idOrARN, id, arn string) bool {
	if isARN(idOrARN) {
		return idOrARN == arn
	}
	return strings.EqualFold(idOrARN, id)
}
