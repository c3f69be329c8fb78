package awsapi_test

import (
	"context"
	"testing"
	"time"

	"drorch/cloud"
)

// The final snapshots drorch's runs wait for, read through the real SDK:
// one by one (AWS's not-found codes) and in batches (the snapshot-id
// filters), both kinds, with what the snapshot was taken of.
func TestSimSnapshotReads(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil, nil)
	ctx := context.Background()

	// A stand-alone cluster (detached) and instance (promoted) to delete
	// with final snapshots.
	ok(t, e.c.RemoveFromGlobalCluster(ctx, west, "dr-globaldb-cluster-mysql", clusterARN(west, "dbcluster-02")))
	ok(t, e.c.PromoteReadReplica(ctx, west, "rds-mysql-instance"))
	e.advance(91 * time.Second)
	ok(t, e.c.DeleteDBInstance(ctx, west, "dbcluster-02-usw2-instance-2", ""))
	ok(t, e.c.Exec(ctx, "rds", "DeleteDBCluster", west, "DBClusterIdentifier", "dbcluster-02", "FinalDBSnapshotIdentifier", "Final-Cluster"))
	ok(t, e.c.DeleteDBInstance(ctx, west, "rds-mysql-instance", "final-instance"))

	// Taken while the cluster stays available: the snapshot is creating.
	cs := res(cloud.DBClusterSnapshots.Get(ctx, e.c.Reads(), west, "FINAL-CLUSTER")).must(t)
	if cs.ID != "final-cluster" || cs.ClusterID != "dbcluster-02" || cs.Status != "creating" || cs.Region != west || !cs.StorageEncrypted ||
		cs.ARN != "arn:aws:rds:us-west-2:123456789012:cluster-snapshot:final-cluster" {
		t.Errorf("cluster snapshot while taken: %+v", cs)
	}
	if cl := res(e.c.DBCluster(ctx, west, "dbcluster-02")).must(t); cl.Status != "available" {
		t.Errorf("a cluster whose final snapshot is taken is %s, want available", cl.Status)
	}
	e.advance(121 * time.Second)
	css := res(batch(ctx, e.c, cloud.DBClusterSnapshots, west, "final-cluster", "no-such-snapshot")).must(t)
	if len(css) != 1 || css[0].Status != "available" {
		t.Errorf("cluster snapshots read in a batch: %+v", css)
	}
	if cl := res(e.c.DBCluster(ctx, west, "dbcluster-02")).must(t); cl.Status != "deleting" {
		t.Errorf("after its final snapshot the cluster is %s, want deleting", cl.Status)
	}
	ds := res(cloud.DBSnapshots.Get(ctx, e.c.Reads(), west, "final-instance")).must(t)
	if ds.InstanceID != "rds-mysql-instance" || ds.Status != "available" || !ds.Encrypted || ds.KmsKeyID == "" {
		t.Errorf("DB snapshot: %+v", ds)
	}
	dss := res(batch(ctx, e.c, cloud.DBSnapshots, west, "final-instance", "other")).must(t)
	if len(dss) != 1 || dss[0].ID != "final-instance" {
		t.Errorf("DB snapshots read in a batch: %+v", dss)
	}

	_, err := cloud.DBClusterSnapshots.Get(ctx, e.c.Reads(), east, "final-cluster")
	wantKind(t, err, cloud.KindNotFound, "DBClusterSnapshotNotFoundFault")
	_, err = cloud.DBSnapshots.Get(ctx, e.c.Reads(), west, "nope")
	wantKind(t, err, cloud.KindNotFound, "DBSnapshotNotFound")
}
