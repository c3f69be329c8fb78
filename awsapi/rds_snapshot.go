package awsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"drorch/cloud"
)

// The snapshots drorch reads: the final snapshots its runs take before
// deleting a stale cluster or instance, so that a run waits for its
// snapshot to be available and a plan knows the name is free. Both
// describes filter by many snapshot ids at once (db-cluster-snapshot-id,
// db-snapshot-id: RDS API reference, DescribeDBClusterSnapshots and
// DescribeDBSnapshots, Filters).

// rdsSnapshotKinds are the RDS snapshot kinds drorch reads.
func (c *Clients) rdsSnapshotKinds(m map[cloud.Kind]kindReader) {
	m[cloud.DBClusterSnapshots.Name] = kindReader{c.dbClusterSnapshots, c.dbClusterSnapshot}
	m[cloud.DBSnapshots.Name] = kindReader{c.dbSnapshots, c.dbSnapshot}
}

// dbClusterSnapshot describes one DB cluster snapshot by identifier or ARN.
func (c *Clients) dbClusterSnapshot(ctx context.Context, region, id string) (any, error) {
	o := op{"rds", "DescribeDBClusterSnapshots", id, region}
	var out *rds.DescribeDBClusterSnapshotsOutput
	err := c.call(ctx, o, func(ctx context.Context) (err error) {
		out, err = c.rds(region).DescribeDBClusterSnapshots(ctx, &rds.DescribeDBClusterSnapshotsInput{DBClusterSnapshotIdentifier: aws.String(id)})
		return err
	})
	if err != nil {
		return nil, err
	}
	m := newMatcher([]string{id})
	for _, s := range out.DBClusterSnapshots {
		d := dbClusterSnapshot(s, region)
		m.add(&d, d.ID, d.ARN)
	}
	return m.one(o)
}

// dbSnapshot describes one DB snapshot by identifier or ARN.
func (c *Clients) dbSnapshot(ctx context.Context, region, id string) (any, error) {
	o := op{"rds", "DescribeDBSnapshots", id, region}
	var out *rds.DescribeDBSnapshotsOutput
	err := c.call(ctx, o, func(ctx context.Context) (err error) {
		out, err = c.rds(region).DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String(id)})
		return err
	})
	if err != nil {
		return nil, err
	}
	m := newMatcher([]string{id})
	for _, s := range out.DBSnapshots {
		d := dbSnapshot(s, region)
		m.add(&d, d.ID, d.ARN)
	}
	return m.one(o)
}

// dbClusterSnapshots describes the named cluster snapshots with the
// db-cluster-snapshot-id filter.
func (c *Clients) dbClusterSnapshots(ctx context.Context, region string, ids, along []string) (map[string]any, []string, error) {
	return describeFiltered(ctx, c, region, ids, along, "DescribeDBClusterSnapshots", "db cluster snapshots", "db-cluster-snapshot-id",
		func(ctx context.Context, filters []rdstypes.Filter, marker *string) ([]cloud.DBClusterSnapshot, *string, error) {
			out, err := c.rds(region).DescribeDBClusterSnapshots(ctx, &rds.DescribeDBClusterSnapshotsInput{Filters: filters, Marker: marker})
			if err != nil {
				return nil, nil, err
			}
			return convert(out.DBClusterSnapshots, region, dbClusterSnapshot), out.Marker, nil
		}, func(d *cloud.DBClusterSnapshot) (string, string) { return d.ID, d.ARN })
}

// dbSnapshots describes the named DB snapshots with the db-snapshot-id
// filter.
func (c *Clients) dbSnapshots(ctx context.Context, region string, ids, along []string) (map[string]any, []string, error) {
	return describeFiltered(ctx, c, region, ids, along, "DescribeDBSnapshots", "db snapshots", "db-snapshot-id",
		func(ctx context.Context, filters []rdstypes.Filter, marker *string) ([]cloud.DBSnapshot, *string, error) {
			out, err := c.rds(region).DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{Filters: filters, Marker: marker})
			if err != nil {
				return nil, nil, err
			}
			return convert(out.DBSnapshots, region, dbSnapshot), out.Marker, nil
		}, func(d *cloud.DBSnapshot) (string, string) { return d.ID, d.ARN })
}

func dbClusterSnapshot(s rdstypes.DBClusterSnapshot, callRegion string) cloud.DBClusterSnapshot {
	arn := cloud.ID(aws.ToString(s.DBClusterSnapshotArn))
	return cloud.DBClusterSnapshot{
		ID:               cloud.ID(aws.ToString(s.DBClusterSnapshotIdentifier)),
		ARN:              arn,
		Region:           regionOf(arn, callRegion),
		ClusterID:        cloud.ID(aws.ToString(s.DBClusterIdentifier)),
		Status:           aws.ToString(s.Status),
		Engine:           aws.ToString(s.Engine),
		StorageEncrypted: aws.ToBool(s.StorageEncrypted),
		KmsKeyID:         aws.ToString(s.KmsKeyId),
	}
}

func dbSnapshot(s rdstypes.DBSnapshot, callRegion string) cloud.DBSnapshot {
	arn := cloud.ID(aws.ToString(s.DBSnapshotArn))
	return cloud.DBSnapshot{
		ID:         cloud.ID(aws.ToString(s.DBSnapshotIdentifier)),
		ARN:        arn,
		Region:     regionOf(arn, callRegion),
		InstanceID: cloud.ID(aws.ToString(s.DBInstanceIdentifier)),
		Status:     aws.ToString(s.Status),
		Engine:     aws.ToString(s.Engine),
		Encrypted:  aws.ToBool(s.Encrypted),
		KmsKeyID:   aws.ToString(s.KmsKeyId),
	}
}
