package aurora

import (
	"context"
	"fmt"

	"drorch/cloud"
	"drorch/resource"
)

// Preflight says what the rebuild would remove and create, and proves,
// before the first change, that every later step can succeed, reading the
// live state whatever the payload says: it blocks a protected old cluster
// (the run would detach it and delete its instances, then fail), an old
// cluster of another global cluster, an unreachable region, a source that
// cannot seed a global cluster, a name already taken (cluster, instance,
// final snapshot), a second member in ClusterRegion, and encryption the
// new secondary cannot have.
func (s *secondary) Preflight(ctx context.Context, v *resource.View) (resource.Preflight, error) {
	var pf resource.Preflight
	if g, err := s.Goal(ctx, v); err == nil && g.State == resource.Done {
		pf.AlreadyDone = true
		pf.State = append(pf.State, "already done: "+g.Reason)
		return pf, nil
	}
	if !s.preflightOld(ctx, v, &pf) {
		return pf, nil
	}
	src := s.preflightSource(ctx, v, &pf)
	g := s.preflightGlobal(ctx, v, &pf)
	s.preflightJoin(src, g, &pf)
	s.preflightNew(ctx, v, &pf)
	return pf, nil
}

// preflightOld reports on the old cluster; false when ClusterRegion cannot
// be read at all (nothing else there can be judged).
func (s *secondary) preflightOld(ctx context.Context, v *resource.View, pf *resource.Preflight) bool {
	cl, gone, err := s.oldCluster(ctx, v)
	if err != nil {
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("cannot read ClusterRegion %s, where the secondary is rebuilt: %v", s.region, err))
		return false
	}
	if gone != "" {
		pf.State = append(pf.State, gone)
		return true
	}
	membership := "stand-alone"
	if cl.GlobalClusterID != "" {
		membership = "member of global cluster " + cl.GlobalClusterID
	}
	todo, deleting, err := s.oldInstances(ctx, v, cl)
	if err != nil {
		pf.Blockers = append(pf.Blockers, err.Error())
		return true
	}
	all := append(todo, deleting...)
	pf.State = append(pf.State, fmt.Sprintf("old cluster %s: %s, %s, instances: %s", s.old, cl.Status, membership, orNone(ids(all))))
	if d, err := s.checkDetachOld(ctx, v); err == nil && d.State == resource.Blocked {
		pf.Blockers = append(pf.Blockers, d.Reason)
	}
	if cl.DeletionProtection {
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("old cluster %s has deletion protection on: the run would detach it and delete its instances, then stop; turn it off first with `aws rds modify-db-cluster --region %s --db-cluster-identifier %s --no-deletion-protection --apply-immediately`",
			s.old, s.region, s.old.ID))
	}
	for _, in := range todo {
		if in.DeletionProtection {
			pf.Blockers = append(pf.Blockers, fmt.Sprintf("instance %s of old cluster %s has deletion protection on: turn it off first with `aws rds modify-db-instance --region %s --db-instance-identifier %s --no-deletion-protection --apply-immediately`",
				in.ID, s.old, s.region, in.ID))
		}
	}
	warning := fmt.Sprintf("the run deletes the old cluster %s and its instances (%s) after a final snapshot %s", s.old, orNone(ids(all)), s.snapshotID(v))
	if s.skipSnapshot {
		warning = fmt.Sprintf("the run deletes the old cluster %s and its instances (%s) without a final snapshot", s.old, orNone(ids(all)))
	}
	if _, writable := cl.Writer(); writable && cl.GlobalClusterID == "" && cl.Status == "available" {
		warning += "; it is a stand-alone writable cluster now: make sure no application writes to it"
	}
	pf.Warnings = append(pf.Warnings, warning)
	s.preflightSnapshot(ctx, v, cl, pf)
	return true
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// preflightSource reports on the source cluster and returns it (nil when
// it cannot be read).
func (s *secondary) preflightSource(ctx context.Context, v *resource.View, pf *resource.Preflight) *cloud.DBCluster {
	src, err := getCluster(ctx, v, s.source.Region, s.source.ARN)
	switch {
	case notFound(err):
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("source cluster %s not found: check SourceDBClusterIdentifier", s.source))
		return nil
	case err != nil:
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("SourceRegion %s is unreachable (%v): the global cluster is created there and the secondary replicates from it; wait for the region", s.source.Region, err))
		return nil
	}
	pf.State = append(pf.State, fmt.Sprintf("source cluster %s: %s, %s %s, global cluster %q", s.source, src.Status, src.Engine, src.EngineVersion, src.GlobalClusterID))
	if src.Engine != s.engine {
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("Engine is %s but the source cluster %s runs %s: a secondary has its global cluster's engine; fix Engine", s.engine, s.source, src.Engine))
	} else if src.EngineVersion != s.engineVersion {
		pf.Warnings = append(pf.Warnings, fmt.Sprintf("EngineVersion %s differs from the source's %s: AWS refuses a secondary of another major version", s.engineVersion, src.EngineVersion))
	}
	if src.GlobalClusterID != "" && src.GlobalClusterID != s.global {
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("source cluster %s is a member of global cluster %s, not %s: check GlobalClusterIdentifier", s.source, src.GlobalClusterID, s.global))
	}
	switch {
	case resource.Stuck(src.Status):
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("source cluster %s is %s: a global cluster needs an available source", s.source, src.Status))
	case src.Status != "available":
		pf.Warnings = append(pf.Warnings, fmt.Sprintf("source cluster %s is %s: the run waits for it to be available", s.source, src.Status))
	}
	return src
}

// preflightGlobal reports on the global cluster and returns it when it is
// reused (its writer is the source); nil when it will be created anew.
func (s *secondary) preflightGlobal(ctx context.Context, v *resource.View, pf *resource.Preflight) *cloud.GlobalCluster {
	g, err := s.readGlobal(ctx, v)
	switch {
	case err != nil:
		pf.Blockers = append(pf.Blockers, err.Error())
		return nil
	case g == nil:
		pf.State = append(pf.State, fmt.Sprintf("global cluster %s: does not exist; it will be created from %s", s.global, s.source))
		return nil
	case s.sourceWrites(g):
		pf.State = append(pf.State, fmt.Sprintf("global cluster %s: %s, writer %s: reused", s.global, g.Status, s.source))
		return g
	}
	pf.State = append(pf.State, fmt.Sprintf("global cluster %s: %s, members %s: it will be deleted and created again from %s", s.global, g.Status, names(g.Members), s.source))
	var others []cloud.GlobalClusterMember
	for _, m := range g.Members {
		if !cloud.SameID(m.ClusterARN, s.old.ARN) {
			others = append(others, m)
		}
	}
	if len(others) > 0 {
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("global cluster %s has members besides the old cluster %s (%s): drorch deletes it only when it is empty; remove them, or choose another GlobalClusterIdentifier",
			s.global, s.old, names(others)))
	}
	return nil
}

func (s *secondary) preflightNew(ctx context.Context, v *resource.View, pf *resource.Preflight) {
	if s.newARN != s.old.ARN {
		cl, err := getCluster(ctx, v, s.region, s.newARN)
		if err == nil && !cloud.SameID(cl.GlobalClusterID, s.global) {
			pf.Blockers = append(pf.Blockers, fmt.Sprintf("a cluster named %s already exists in %s outside global cluster %s (%s): choose another DBClusterName, or remove it", s.name, s.region, s.global, cl.Status))
		}
	}
	in, err := getInstance(ctx, v, s.region, s.instance)
	if err == nil && !cloud.SameID(in.ClusterID, s.name) && !cloud.SameID(in.ClusterID, s.old.ID) {
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("an instance named %s already exists in %s in cluster %q: choose another DBInstanceIdentifier, or remove it", s.instance, s.region, in.ClusterID))
	}
	pf.State = append(pf.State, fmt.Sprintf("to create: cluster %s and instance %s (%s) in %s, secondary of %s", s.name, s.instance, s.class, s.region, s.global))
}

// preflightJoin checks what AWS enforces when the new cluster joins the
// global cluster as a secondary, on the live state: the global cluster
// reused, or the source it is created from (a global cluster takes its
// encryption from its primary).
//
//   - "Each secondary cluster must be in a different AWS Region than the
//     primary cluster and any other secondary clusters" (Aurora User Guide,
//     Adding an AWS Region to an Aurora global database,
//     https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html#aurora-global-database-attaching).
//   - An encrypted global cluster's secondary needs --source-region (the
//     createCluster call always carries SourceRegion, a required
//     parameter) and a KMS key valid in its own region ("make sure to set
//     KmsKeyId to a KMS key identifier that is valid in the destination
//     Amazon Web Services Region", CreateDBCluster, KmsKeyId; a key ARN of
//     another region is refused at bind time).
//   - An unencrypted global cluster takes no encrypted secondary ("You
//     can't create an encrypted read replica from an unencrypted DB
//     instance or Multi-AZ DB cluster", CreateDBInstanceReadReplica).
func (s *secondary) preflightJoin(src *cloud.DBCluster, reused *cloud.GlobalCluster, pf *resource.Preflight) {
	var encrypted bool
	switch {
	case reused != nil:
		encrypted = reused.StorageEncrypted
		for _, m := range reused.Members {
			if regionOf(m.ClusterARN) == s.region && !cloud.SameID(m.ClusterARN, s.old.ARN) && !cloud.SameID(m.ClusterARN, s.newARN) {
				pf.Blockers = append(pf.Blockers, fmt.Sprintf("global cluster %s already has a member in %s, %s: AWS allows one cluster per region in a global cluster, so %s could not join it; remove that member, or rebuild in another ClusterRegion",
					s.global, s.region, nameOf(m.ClusterARN), s.name))
			}
		}
	case src != nil:
		encrypted = src.StorageEncrypted
	default:
		return // the source is unknown: already a blocker
	}
	what := fmt.Sprintf("the source cluster %s", s.source)
	if reused != nil {
		what = "global cluster " + s.global
	}
	switch {
	case encrypted && s.kmsKey == "":
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("%s is encrypted, so a secondary in %s needs a KMS key of %s, and KmsKeyId is empty: AWS would refuse CreateDBCluster after the old cluster is gone; set KmsKeyId to a key of %s",
			what, s.region, s.region, s.region))
	case !encrypted && (s.kmsKey != "" || s.storageEncrypted):
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("%s is not encrypted, so its secondary cannot be, yet StorageEncrypted is %v and KmsKeyId is %q: AWS would refuse CreateDBCluster after the old cluster is gone; set StorageEncrypted to False and remove KmsKeyId, or rebuild from an encrypted source",
			what, s.storageEncrypted, s.kmsKey))
	case encrypted:
		pf.State = append(pf.State, fmt.Sprintf("encryption: %s is encrypted; the secondary uses KMS key %s in %s", what, s.kmsKey, s.region))
	}
}
