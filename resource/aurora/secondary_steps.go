package aurora

import (
	"context"
	"fmt"
	"strings"

	"drorch/cloud"
	"drorch/resource"
)

// The steps of CreateAuroraSecondaryDBCluster, in the original's order. The
// old cluster and the new one often share a name (dbcluster-01 is removed,
// then created again): the checks of the removal steps recognise the new
// secondary (a member of the global cluster whose writer is the source) and
// leave it alone, so that running the payload again never destroys it.

func (s *secondary) Steps() []resource.Step {
	return []resource.Step{
		resource.FuncStep{StepName: "detach-old", CheckFunc: s.checkDetachOld, CallsFunc: s.detachOld},
		resource.FuncStep{StepName: "delete-old-instances", CheckFunc: s.checkDeleteInstances, CallsFunc: s.deleteInstances},
		resource.FuncStep{StepName: "delete-old-cluster", CheckFunc: s.checkDeleteCluster, CallsFunc: s.deleteCluster},
		resource.FuncStep{StepName: "delete-old-global-cluster", CheckFunc: s.checkDeleteGlobal, CallsFunc: resource.Fixed(
			rdsCall("DeleteGlobalCluster", s.region, "GlobalClusterIdentifier", s.global))},
		// AWS creates a global cluster in its source's region.
		resource.FuncStep{StepName: "create-global-cluster", CheckFunc: s.checkCreateGlobal, CallsFunc: resource.Fixed(
			rdsCall("CreateGlobalCluster", s.source.Region, "GlobalClusterIdentifier", s.global, "SourceDBClusterIdentifier", s.source.ARN))},
		resource.FuncStep{StepName: "create-cluster", CheckFunc: s.checkCreateCluster, CallsFunc: resource.Fixed(s.createCluster)},
		resource.FuncStep{StepName: "create-instance", CheckFunc: s.instanceState, CallsFunc: resource.Fixed(s.createInstance)},
	}
}

// oldCluster reads the old cluster. gone is true when it does not exist or
// when it is in fact the new secondary already in place (same name).
func (s *secondary) oldCluster(ctx context.Context, v *resource.View) (cl *cloud.DBCluster, gone string, err error) {
	cl, err = getCluster(ctx, v, s.region, s.old.ARN)
	if notFound(err) {
		return nil, fmt.Sprintf("the old cluster %s does not exist in %s", s.old.ID, s.region), nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("describe old cluster %s: %w", s.old, err)
	}
	if cl.ID != s.name || !cloud.SameID(cl.GlobalClusterID, s.global) {
		return cl, "", nil
	}
	g, err := getGlobal(ctx, v, s.region, s.global)
	if notFound(err) {
		return cl, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("describe global cluster %s in %s: %w", s.global, s.region, err)
	}
	if w, ok := g.Writer(); ok && cloud.SameID(w.ClusterARN, s.source.ARN) && !cloud.SameID(w.ClusterARN, cl.ARN) {
		return cl, fmt.Sprintf("%s is already the new secondary of global cluster %s (writer %s): nothing old to remove", s.old, s.global, s.source), nil
	}
	return cl, "", nil
}

func (s *secondary) checkDetachOld(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	cl, gone, err := s.oldCluster(ctx, v)
	if err != nil {
		return resource.Verdict{}, err
	}
	if gone != "" {
		return resource.Verdictf(resource.Done, "%s", gone), nil
	}
	if cl.GlobalClusterID == "" {
		if cl.Status == "promoting" {
			return resource.Verdictf(resource.InProgress, "old cluster %s has left its global cluster and is promoting", s.old), nil
		}
		return resource.Verdictf(resource.Done, "old cluster %s is in no global cluster (%s)", s.old, cl.Status), nil
	}
	if !cloud.SameID(cl.GlobalClusterID, s.global) {
		// The run removes the old cluster from its global cluster and
		// rebuilds GlobalClusterIdentifier: two different global clusters
		// mean the payload names the wrong cluster or the wrong global one.
		return resource.Verdictf(resource.Blocked, "old cluster %s is a member of global cluster %s, not of %s, the one this run rebuilds: drorch would take it out of %s; check DBClusterIdentifier and GlobalClusterIdentifier",
			s.old, cl.GlobalClusterID, s.global, cl.GlobalClusterID), nil
	}
	g, err := getGlobal(ctx, v, s.region, cl.GlobalClusterID)
	if notFound(err) {
		return resource.Verdictf(resource.Blocked, "old cluster %s says it belongs to global cluster %s, which %s cannot find", s.old, cl.GlobalClusterID, s.region), nil
	}
	if err != nil {
		return resource.Verdict{}, fmt.Errorf("describe global cluster %s in %s: %w", cl.GlobalClusterID, s.region, err)
	}
	m, ok := g.Member(cl.ARN)
	switch {
	case !ok:
		return resource.Verdictf(resource.InProgress, "old cluster %s is leaving global cluster %s", s.old, g.ID), nil
	case cl.Status == "promoting":
		return detachUnderWay("old cluster "+s.old.String(), g.ID), nil
	case m.IsWriter && len(g.Members) > 1:
		return resource.Verdictf(resource.Blocked, "old cluster %s is still the writer of global cluster %s with secondaries (%s): it is the live primary, so drorch will not remove it; fail over first (PlannedFailoverAurora or UnPlannedFailoverAurora), or fix DBClusterIdentifier",
			s.old, g.ID, names(g.Members)), nil
	}
	return resource.Verdictf(resource.Ready, "old cluster %s is in global cluster %s (%s): it will be removed from it", s.old, g.ID, describeMember(m)), nil
}

func (s *secondary) detachOld(ctx context.Context, v *resource.View) ([]cloud.Call, error) {
	cl, gone, err := s.oldCluster(ctx, v)
	if err != nil || gone != "" || cl.GlobalClusterID == "" {
		return nil, err
	}
	return []cloud.Call{rdsCall("RemoveFromGlobalCluster", s.region, "GlobalClusterIdentifier", cl.GlobalClusterID, "DbClusterIdentifier", cl.ARN)}, nil
}

// oldInstances lists the old cluster's instances still to delete (not yet
// deleting) and those being deleted.
func (s *secondary) oldInstances(ctx context.Context, v *resource.View, cl *cloud.DBCluster) (todo, deleting []*cloud.DBInstance, err error) {
	for _, m := range cl.Members {
		in, err := getInstance(ctx, v, s.region, m.InstanceID)
		if notFound(err) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("describe instance %s of old cluster %s: %w", m.InstanceID, s.old, err)
		}
		if in.Status == "deleting" {
			deleting = append(deleting, in)
		} else {
			todo = append(todo, in)
		}
	}
	return todo, deleting, nil
}

func ids(ins []*cloud.DBInstance) string {
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = in.ID
	}
	return strings.Join(out, ", ")
}

func (s *secondary) checkDeleteInstances(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	cl, gone, err := s.oldCluster(ctx, v)
	if err != nil {
		return resource.Verdict{}, err
	}
	if gone != "" {
		return resource.Verdictf(resource.Done, "%s", gone), nil
	}
	if len(cl.Members) == 0 {
		return resource.Verdictf(resource.Done, "old cluster %s has no instances left", s.old), nil
	}
	todo, deleting, err := s.oldInstances(ctx, v, cl)
	if err != nil {
		return resource.Verdict{}, err
	}
	for _, in := range todo {
		if in.DeletionProtection {
			return resource.Verdictf(resource.Blocked, "instance %s of old cluster %s has deletion protection on: turn it off with `aws rds modify-db-instance --region %s --db-instance-identifier %s --no-deletion-protection --apply-immediately`, then resume the run",
				in.ID, s.old, s.region, in.ID), nil
		}
	}
	if len(todo) > 0 {
		return resource.Verdictf(resource.Ready, "instances of old cluster %s to delete: %s", s.old, ids(todo)), nil
	}
	// AWS deletes a cluster whose instances are all deleting: the cluster's
	// deletion overlaps theirs instead of waiting for them to be gone.
	if len(deleting) > 0 {
		return resource.Verdictf(resource.Done, "instances of old cluster %s deleting: %s", s.old, ids(deleting)), nil
	}
	return resource.Verdictf(resource.Done, "old cluster %s lists only instances that are gone", s.old), nil
}

func (s *secondary) deleteInstances(ctx context.Context, v *resource.View) ([]cloud.Call, error) {
	cl, gone, err := s.oldCluster(ctx, v)
	if err != nil || gone != "" {
		return nil, err
	}
	todo, _, err := s.oldInstances(ctx, v, cl)
	if err != nil {
		return nil, err
	}
	var calls []cloud.Call
	for _, in := range todo {
		// Aurora instances take no final snapshot: the data is in the
		// cluster volume.
		calls = append(calls, rdsCall("DeleteDBInstance", s.region, "DBInstanceIdentifier", in.ID, "SkipFinalSnapshot", "true"))
	}
	return calls, nil
}

// readGlobal describes the global cluster from ClusterRegion (it is visible
// from every region); nil when it does not exist.
func (s *secondary) readGlobal(ctx context.Context, v *resource.View) (*cloud.GlobalCluster, error) {
	g, err := getGlobal(ctx, v, s.region, s.global)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe global cluster %s in %s: %w", s.global, s.region, err)
	}
	return g, nil
}

// sourceWrites reports whether g has the source as its writer: then it is
// the global cluster wanted, and is reused rather than deleted and created.
func (s *secondary) sourceWrites(g *cloud.GlobalCluster) bool {
	w, ok := g.Writer()
	return ok && cloud.SameID(w.ClusterARN, s.source.ARN)
}

func (s *secondary) checkDeleteGlobal(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	g, err := s.readGlobal(ctx, v)
	switch {
	case err != nil:
		return resource.Verdict{}, err
	case g == nil:
		return resource.Verdictf(resource.Done, "global cluster %s does not exist", s.global), nil
	case s.sourceWrites(g):
		return resource.Verdictf(resource.Done, "global cluster %s already has the source %s as writer: it is reused", s.global, s.source), nil
	case g.Status == "deleting":
		return resource.Verdictf(resource.InProgress, "global cluster %s is deleting", s.global), nil
	case len(g.Members) > 0:
		return resource.Verdictf(resource.Blocked, "global cluster %s still has members (%s), none of them the source %s as writer: drorch deletes it only when it is empty; remove them, or choose another GlobalClusterIdentifier",
			s.global, names(g.Members), s.source), nil
	case g.Status != "available":
		return resource.Verdictf(resource.InProgress, "global cluster %s is empty and %s: waiting for available to delete it", s.global, g.Status), nil
	}
	return resource.Verdictf(resource.Ready, "global cluster %s is empty: it will be deleted and created again from %s", s.global, s.source), nil
}

func (s *secondary) checkCreateGlobal(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	g, err := s.readGlobal(ctx, v)
	switch {
	case err != nil:
		return resource.Verdict{}, err
	case g != nil && s.sourceWrites(g) && g.Status == "available":
		return resource.Verdictf(resource.Done, "global cluster %s is available with the source %s as writer", s.global, s.source), nil
	case g != nil && s.sourceWrites(g):
		return resource.Verdictf(resource.InProgress, "global cluster %s is %s with the source %s as writer", s.global, g.Status, s.source), nil
	case g != nil && g.Status == "deleting":
		return resource.Verdictf(resource.InProgress, "waiting for the old global cluster %s to be deleted", s.global), nil
	case g != nil:
		return resource.Verdictf(resource.Blocked, "global cluster %s exists with members %s, not with the source %s as writer: choose another GlobalClusterIdentifier, or remove it",
			s.global, names(g.Members), s.source), nil
	}
	src, err := getCluster(ctx, v, s.source.Region, s.source.ARN)
	switch {
	case notFound(err):
		return resource.Verdictf(resource.Blocked, "source cluster %s not found: check SourceDBClusterIdentifier", s.source), nil
	case err != nil:
		return resource.Verdict{}, fmt.Errorf("describe source cluster %s: %w", s.source, err)
	case src.GlobalClusterID != "":
		return resource.Verdictf(resource.Blocked, "source cluster %s is already a member of global cluster %s: a cluster belongs to one global cluster; check GlobalClusterIdentifier", s.source, src.GlobalClusterID), nil
	case resource.Stuck(src.Status):
		return resource.Verdictf(resource.Blocked, "source cluster %s is %s: a global cluster needs an available source", s.source, src.Status), nil
	case src.Status != "available":
		return resource.Verdictf(resource.InProgress, "source cluster %s is %s: waiting for available to create global cluster %s from it", s.source, src.Status, s.global), nil
	}
	return resource.Verdictf(resource.Ready, "global cluster %s will be created from %s", s.global, s.source), nil
}

func (s *secondary) checkCreateCluster(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	cl, err := getCluster(ctx, v, s.region, s.newARN)
	switch {
	case err == nil && cloud.SameID(cl.GlobalClusterID, s.global):
		// Done even while creating: the instance is created while the
		// cluster builds, as the original does.
		return resource.Verdictf(resource.Done, "cluster %s (%s) is a member of global cluster %s (%s)", s.name, s.region, s.global, cl.Status), nil
	case err == nil && cl.Status == "deleting":
		return resource.Verdictf(resource.InProgress, "waiting for the deleting cluster %s (%s) to be gone", s.name, s.region), nil
	case err == nil:
		return resource.Verdictf(resource.Blocked, "a cluster named %s already exists in %s outside global cluster %s (%s, in global cluster %q): choose another DBClusterName, or remove it",
			s.name, s.region, s.global, cl.Status, cl.GlobalClusterID), nil
	case !notFound(err):
		return resource.Verdict{}, fmt.Errorf("describe cluster %s in %s: %w", s.name, s.region, err)
	}
	g, err := s.readGlobal(ctx, v)
	switch {
	case err != nil:
		return resource.Verdict{}, err
	case g == nil:
		return resource.Verdictf(resource.Blocked, "global cluster %s does not exist, so %s cannot join it", s.global, s.name), nil
	case g.Status != "available":
		return resource.Verdictf(resource.InProgress, "global cluster %s is %s: waiting for available to add %s", s.global, g.Status, s.name), nil
	}
	return resource.Verdictf(resource.Ready, "cluster %s will be created in %s as a secondary of global cluster %s", s.name, s.region, s.global), nil
}

// instanceState is the check of create-instance and the end of the goal:
// the instance and its cluster both available.
func (s *secondary) instanceState(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	cl, err := getCluster(ctx, v, s.region, s.newARN)
	if notFound(err) {
		return resource.Verdictf(resource.Blocked, "cluster %s does not exist in %s, so instance %s cannot be created in it", s.name, s.region, s.instance), nil
	}
	if err != nil {
		return resource.Verdict{}, fmt.Errorf("describe cluster %s in %s: %w", s.name, s.region, err)
	}
	in, err := getInstance(ctx, v, s.region, s.instance)
	switch {
	case notFound(err) && resource.Stuck(cl.Status):
		return resource.Verdictf(resource.Blocked, "cluster %s (%s) is %s: no instance can be added", s.name, s.region, cl.Status), nil
	case notFound(err):
		return resource.Verdictf(resource.Ready, "instance %s (%s) will be created in cluster %s (%s)", s.instance, s.class, s.name, cl.Status), nil
	case err != nil:
		return resource.Verdict{}, fmt.Errorf("describe instance %s in %s: %w", s.instance, s.region, err)
	case !cloud.SameID(in.ClusterID, s.name) && in.Status == "deleting":
		return resource.Verdictf(resource.InProgress, "waiting for the deleting instance %s (of cluster %q) to be gone before creating it in %s", s.instance, in.ClusterID, s.name), nil
	case !cloud.SameID(in.ClusterID, s.name):
		return resource.Verdictf(resource.Blocked, "an instance named %s already exists in %s outside cluster %s (cluster %q, %s): choose another DBInstanceIdentifier, or remove it",
			s.instance, s.region, s.name, in.ClusterID, in.Status), nil
	case in.Status == "failed" || resource.Stuck(in.Status):
		return resource.Verdictf(resource.Failed, "instance %s of cluster %s is %s", s.instance, s.name, in.Status), nil
	case in.Status != "available":
		return resource.Verdictf(resource.InProgress, "instance %s is %s; cluster %s is %s", s.instance, in.Status, s.name, cl.Status), nil
	case cl.Status != "available":
		return resource.Verdictf(resource.InProgress, "instance %s is available; cluster %s is %s", s.instance, s.name, cl.Status), nil
	}
	return resource.Verdictf(resource.Done, "instance %s and cluster %s are available in %s", s.instance, s.name, s.region), nil
}
