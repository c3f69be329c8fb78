package aurora

import (
	"context"
	"fmt"

	"drorch/cloud"
	"drorch/resource"
)

// The old cluster's final snapshot. After an unplanned failover the old
// primary holds the only copy of the writes that never reached the new
// region (a detach takes no snapshot), so the rebuild deletes it with a
// final snapshot named after the run (resource.SnapshotID) and waits for
// that snapshot to be available before going on, unless the resource says
// "finalSnapshot": false.
//
// AWS takes the snapshot while the cluster stays available, then deletes
// it: "The status of the DB cluster is available while the snapshot is
// being taken" (CLI reference example delete-db-cluster,
// https://docs.aws.amazon.com/cli/latest/reference/rds/delete-db-cluster.html).
// The step tells that from a cluster nobody deleted by the snapshot of its
// name: creating, of the old cluster, means the deletion is under way.

// snapshotID is the name of the old cluster's final snapshot in v's run
// ("drorch-<run>-<cluster>" in a plan, where no run exists yet).
func (s *secondary) snapshotID(v *resource.View) string {
	return resource.SnapshotID(v.RunID, s.old.ID)
}

// deleteCluster is the delete-old-cluster step's call.
func (s *secondary) deleteCluster(_ context.Context, v *resource.View) ([]cloud.Call, error) {
	if s.skipSnapshot {
		return []cloud.Call{rdsCall("DeleteDBCluster", s.region, "DBClusterIdentifier", s.old.ID, "SkipFinalSnapshot", "true")}, nil
	}
	return []cloud.Call{rdsCall("DeleteDBCluster", s.region, "DBClusterIdentifier", s.old.ID, "FinalDBSnapshotIdentifier", s.snapshotID(v))}, nil
}

// readSnapshot reads the final snapshot of v's run; nil when it does not
// exist, or in a plan (no run has taken it: its name is not even known).
func (s *secondary) readSnapshot(ctx context.Context, v *resource.View) (*cloud.DBClusterSnapshot, error) {
	if s.skipSnapshot || v.RunID == "" {
		return nil, nil
	}
	id := s.snapshotID(v)
	snap, err := cloud.DBClusterSnapshots.Get(ctx, v.Read, s.region, id)
	switch {
	case notFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe DB cluster snapshot %s in %s: %w", id, s.region, err)
	}
	return snap, nil
}

func (s *secondary) checkDeleteCluster(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	cl, gone, err := s.oldCluster(ctx, v)
	if err != nil {
		return resource.Verdict{}, err
	}
	snap, err := s.readSnapshot(ctx, v)
	if err != nil {
		return resource.Verdict{}, err
	}
	if gone != "" {
		return s.snapshotTaken(v, snap, gone), nil
	}
	switch {
	case cl.Status == "deleting":
		return resource.Verdictf(resource.InProgress, "old cluster %s is deleting", s.old), nil
	case cl.DeletionProtection:
		return resource.Verdictf(resource.Blocked, "old cluster %s has deletion protection on, so drorch cannot delete it: turn it off with `aws rds modify-db-cluster --region %s --db-cluster-identifier %s --no-deletion-protection --apply-immediately`, then resume the run",
			s.old, s.region, s.old.ID), nil
	case cl.GlobalClusterID != "":
		return resource.Verdictf(resource.Blocked, "old cluster %s is a member of global cluster %s again: remove it from the global cluster, then resume the run", s.old, cl.GlobalClusterID), nil
	case s.skipSnapshot:
		return resource.Verdictf(resource.Ready, "old cluster %s (%s) will be deleted without a final snapshot (finalSnapshot: false)", s.old, cl.Status), nil
	case snap != nil && cloud.SameID(snap.ClusterID, s.old.ID):
		return resource.Verdictf(resource.InProgress, "the final snapshot %s of old cluster %s is %s; the cluster stays %s until it is taken, then is deleted",
			snap.ID, s.old, snap.Status, cl.Status), nil
	case snap != nil:
		return resource.Verdictf(resource.Blocked, "a DB cluster snapshot named %s already exists in %s, of cluster %s: the final snapshot of %s needs that name; delete or rename that snapshot, then resume the run",
			snap.ID, s.region, snap.ClusterID, s.old), nil
	case resource.Stuck(cl.Status):
		return resource.Verdictf(resource.Blocked, "old cluster %s is %s: AWS takes a final snapshot only of an available cluster", s.old, cl.Status), nil
	case cl.Status != "available":
		// Promoting, right after its removal from the global cluster: AWS
		// refuses a snapshot until it is available.
		return resource.Verdictf(resource.InProgress, "old cluster %s is %s: waiting for available to take its final snapshot", s.old, cl.Status), nil
	}
	return resource.Verdictf(resource.Ready, "old cluster %s (%s) will be deleted after a final snapshot %s", s.old, cl.Status, s.snapshotID(v)), nil
}

// snapshotTaken judges the final snapshot once the old cluster is gone:
// the step is done when the snapshot is available.
func (s *secondary) snapshotTaken(v *resource.View, snap *cloud.DBClusterSnapshot, gone string) resource.Verdict {
	switch {
	case s.skipSnapshot || v.RunID == "":
		return resource.Verdictf(resource.Done, "%s", gone)
	case snap == nil:
		return resource.Verdictf(resource.Done, "%s; this run took no final snapshot of it (none named %s)", gone, s.snapshotID(v))
	case snap.Status == "available":
		return resource.Verdictf(resource.Done, "%s; its final snapshot %s is available", gone, snap.ID)
	case snap.Status == "failed" || snap.Status == "deleting":
		return resource.Verdictf(resource.Failed, "%s, but its final snapshot %s is %s", gone, snap.ID, snap.Status)
	}
	return resource.Verdictf(resource.InProgress, "%s; waiting for its final snapshot %s (%s) to be available", gone, snap.ID, snap.Status)
}

// preflightSnapshot says what becomes of the old cluster's data, and
// blocks when the final snapshot's name is taken.
func (s *secondary) preflightSnapshot(ctx context.Context, v *resource.View, cl *cloud.DBCluster, pf *resource.Preflight) {
	if s.skipSnapshot {
		pf.Warnings = append(pf.Warnings, fmt.Sprintf("finalSnapshot is false: old cluster %s is deleted without a final snapshot, and the writes it holds that never reached %s are lost for good", s.old, s.source.Region))
		return
	}
	pf.State = append(pf.State, fmt.Sprintf("final snapshot of old cluster %s: %s, in %s; kept after the run", s.old, s.snapshotID(v), s.region))
	snap, err := s.readSnapshot(ctx, v)
	switch {
	case err != nil:
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("cannot tell whether the final snapshot's name is free: %v", err))
	case snap != nil && !cloud.SameID(snap.ClusterID, cl.ID):
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("a DB cluster snapshot named %s already exists in %s, of cluster %s: the final snapshot of %s needs that name; run with another --run-id, or delete that snapshot",
			snap.ID, s.region, snap.ClusterID, s.old))
	}
	if cl.Status != "available" && resource.Stuck(cl.Status) {
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("old cluster %s is %s: AWS takes a final snapshot only of an available cluster, so the run would stop after removing it; fix the cluster, or set \"finalSnapshot\": false to delete it without one", s.old, cl.Status))
	}
}
