package awsapi

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"drorch/cloud"
)

// The SDK shapes mapped to drorch's domain view (package cloud). Absent
// optional members become zero values; nothing is invented. Identifiers and
// ARNs are put in the form AWS compares them in (cloud.ID): AWS returns
// them lower-cased, and an emulator that does not must not make drorch
// see two resources where AWS sees one.
//
// The describe answers of a polling round are decoded by lean.go, which
// fills only what these functions read: a field read here must be decoded
// there too (TestLeanDecodingMatchesTheSDKs compares the two).

func globalCluster(g rdstypes.GlobalCluster) cloud.GlobalCluster {
	out := cloud.GlobalCluster{
		ID:                 cloud.ID(aws.ToString(g.GlobalClusterIdentifier)),
		ARN:                cloud.ID(aws.ToString(g.GlobalClusterArn)),
		Status:             aws.ToString(g.Status),
		Engine:             aws.ToString(g.Engine),
		EngineVersion:      aws.ToString(g.EngineVersion),
		StorageEncrypted:   aws.ToBool(g.StorageEncrypted),
		DeletionProtection: aws.ToBool(g.DeletionProtection),
	}
	for _, m := range g.GlobalClusterMembers {
		out.Members = append(out.Members, cloud.GlobalClusterMember{
			ClusterARN: cloud.ID(aws.ToString(m.DBClusterArn)),
			IsWriter:   aws.ToBool(m.IsWriter),
			Readers:    ids(m.Readers),
			SyncStatus: string(m.SynchronizationStatus),
		})
	}
	if f := g.FailoverState; f != nil && (f.Status != "" || f.FromDbClusterArn != nil || f.ToDbClusterArn != nil) {
		out.Failover = &cloud.FailoverState{
			Status:          string(f.Status),
			FromClusterARN:  cloud.ID(aws.ToString(f.FromDbClusterArn)),
			ToClusterARN:    cloud.ID(aws.ToString(f.ToDbClusterArn)),
			DataLossAllowed: aws.ToBool(f.IsDataLossAllowed),
		}
	}
	return out
}

func dbCluster(c rdstypes.DBCluster, callRegion string) cloud.DBCluster {
	arn := cloud.ID(aws.ToString(c.DBClusterArn))
	out := cloud.DBCluster{
		ID:                    cloud.ID(aws.ToString(c.DBClusterIdentifier)),
		ARN:                   arn,
		Region:                regionOf(arn, callRegion),
		Status:                aws.ToString(c.Status),
		Engine:                aws.ToString(c.Engine),
		EngineVersion:         aws.ToString(c.EngineVersion),
		Port:                  int(aws.ToInt32(c.Port)),
		DeletionProtection:    aws.ToBool(c.DeletionProtection),
		StorageEncrypted:      aws.ToBool(c.StorageEncrypted),
		KmsKeyID:              aws.ToString(c.KmsKeyId),
		BackupRetentionPeriod: int(aws.ToInt32(c.BackupRetentionPeriod)),
		GlobalClusterID:       cloud.ID(aws.ToString(c.GlobalClusterIdentifier)),
		ReplicationSource:     cloud.ID(aws.ToString(c.ReplicationSourceIdentifier)),
		ParameterGroup:        aws.ToString(c.DBClusterParameterGroup),
	}
	for _, m := range c.DBClusterMembers {
		out.Members = append(out.Members, cloud.DBClusterMember{
			InstanceID: cloud.ID(aws.ToString(m.DBInstanceIdentifier)),
			IsWriter:   aws.ToBool(m.IsClusterWriter),
		})
	}
	return out
}

func dbInstance(i rdstypes.DBInstance, callRegion string) cloud.DBInstance {
	arn := cloud.ID(aws.ToString(i.DBInstanceArn))
	out := cloud.DBInstance{
		ID:                 cloud.ID(aws.ToString(i.DBInstanceIdentifier)),
		ARN:                arn,
		Region:             regionOf(arn, callRegion),
		Status:             aws.ToString(i.DBInstanceStatus),
		Engine:             aws.ToString(i.Engine),
		Class:              aws.ToString(i.DBInstanceClass),
		ClusterID:          cloud.ID(aws.ToString(i.DBClusterIdentifier)),
		ReplicaSource:      cloud.ID(aws.ToString(i.ReadReplicaSourceDBInstanceIdentifier)),
		Replicas:           ids(i.ReadReplicaDBInstanceIdentifiers),
		DeletionProtection: aws.ToBool(i.DeletionProtection),
		EngineVersion:      aws.ToString(i.EngineVersion),
		StorageEncrypted:   aws.ToBool(i.StorageEncrypted),
		KmsKeyID:           aws.ToString(i.KmsKeyId),
		// DescribeDBInstances always reports it; 0 means no automated
		// backups, and so no read replica of this instance.
		BackupRetentionPeriod: int(aws.ToInt32(i.BackupRetentionPeriod)),
	}
	if len(i.DBParameterGroups) > 0 {
		out.ParameterGroup = aws.ToString(i.DBParameterGroups[0].DBParameterGroupName)
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

func globalReplicationGroup(g ectypes.GlobalReplicationGroup) cloud.GlobalReplicationGroup {
	out := cloud.GlobalReplicationGroup{
		ID:     cloud.ID(aws.ToString(g.GlobalReplicationGroupId)),
		ARN:    cloud.ID(aws.ToString(g.ARN)),
		Status: aws.ToString(g.Status),
		Engine: aws.ToString(g.Engine),
	}
	for _, m := range g.Members {
		out.Members = append(out.Members, cloud.GlobalReplicationGroupMember{
			ReplicationGroupID: cloud.ID(aws.ToString(m.ReplicationGroupId)),
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

// ids puts a list of identifiers or ARNs in canonical form.
func ids(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = cloud.ID(s)
	}
	return out
}
