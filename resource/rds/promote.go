package rds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"drorch/cloud"
	"drorch/manifest"
	"drorch/resource"
)

// Promote is the PromoteRDSReadReplica type: make a cross-region read
// replica a stand-alone writable instance, calling only its own region.
type Promote struct{}

// Spec returns PromoteSpec.
func (Promote) Spec() manifest.TypeSpec { return PromoteSpec() }

// Recovery is true: the type is a failover, whose duration is a recovery time (RTO).
func (Promote) Recovery() bool { return true }

// Bind takes the region from TargetClusterIdentifier when given (its id
// must be RDSInstanceIdentifier), else from --region.
func (Promote) Bind(p resource.Params, c resource.Context) (resource.Resource, []manifest.Problem) {
	id := cloud.ID(p.String("RDSInstanceIdentifier"))
	pr := &promote{id: id, region: c.HomeRegion, partition: c.PartitionOr(""), account: c.Account}
	if v := cloud.ID(p.String("TargetClusterIdentifier")); v != "" {
		a, err := manifest.ParseARN(v)
		if err != nil || a.Service != "rds" || a.Region == "" || a.ResourceType != "db" {
			return nil, []manifest.Problem{{Field: "TargetClusterIdentifier",
				Message: fmt.Sprintf("%q is not an RDS instance ARN", v),
				Fix:     "give the replica's ARN, e.g. arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance, or leave it out"}}
		}
		if a.ResourceID != id {
			return nil, []manifest.Problem{{Field: "TargetClusterIdentifier",
				Message: fmt.Sprintf("TargetClusterIdentifier names instance %s but RDSInstanceIdentifier is %s", a.ResourceID, id),
				Fix:     "make both name the read replica to promote"}}
		}
		pr.region, pr.partition, pr.account = a.Region, a.Partition, a.Account
	}
	if pr.region == "" {
		return nil, []manifest.Problem{{Field: "TargetClusterIdentifier",
			Message: "the replica's region is unknown: TargetClusterIdentifier is not given and drorch has no --region",
			Fix:     "run drorch with --region <the replica's region>, or give TargetClusterIdentifier"}}
	}
	pr.account = resource.OrAny(pr.account)
	return pr, nil
}

// promote is a bound PromoteRDSReadReplica.
type promote struct {
	id        string
	region    string
	partition string
	account   string
}

func (r *promote) Region() string         { return r.region }
func (r *promote) Timeout() time.Duration { return time.Hour }
func (r *promote) Locks() []string        { return []string{resource.InstanceLock(r.region, r.id)} }

// ReplicationLag is the lag of the replica that is promoted (resource.RPOReporter).
func (r *promote) ReplicationLag() cloud.Key { return cloud.LagKey(r.region, cloud.LagRDS, r.id) }

// LosesWrites is true: promotion ends replication where it stands.
func (r *promote) LosesWrites() bool { return true }

func (r *promote) Watch() []cloud.Key {
	return []cloud.Key{cloud.DBInstances.Key(r.region, r.id)}
}

func (r *promote) Permissions() []resource.Permission {
	arn := instanceARN(r.partition, r.region, r.account, r.id)
	return []resource.Permission{
		{Actions: []string{"rds:PromoteReadReplica"}, Resources: []string{arn}},
		{Actions: []string{"rds:DescribeDBInstances"}, Resources: []string{arn}},
	}
}

func (r *promote) Steps() []resource.Step {
	return []resource.Step{resource.FuncStep{StepName: "promote", CheckFunc: r.check, CallsFunc: resource.Fixed(
		cloud.NewCall("rds", "PromoteReadReplica", r.region, "DBInstanceIdentifier", r.id))}}
}

func (r *promote) Goal(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	verdict, err := r.check(ctx, v)
	return resource.GoalOf(verdict), err
}

func (r *promote) check(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	in, err := cloud.DBInstances.Get(ctx, v.Read, r.region, r.id)
	if errors.Is(err, cloud.ErrNotFound) {
		return r.missing(), nil
	}
	if err != nil {
		return resource.Verdict{}, fmt.Errorf("describe instance %s in %s: %w", r.id, r.region, err)
	}
	return r.judge(in), nil
}

func (r *promote) missing() resource.Verdict {
	return resource.Verdictf(resource.Blocked, "instance %s not found in %s: check RDSInstanceIdentifier and the region (TargetClusterIdentifier or --region)", r.id, r.region)
}

func (r *promote) judge(in *cloud.DBInstance) resource.Verdict {
	switch {
	case in.ReplicaSource == "" && in.Status == "available":
		return resource.Verdictf(resource.Done, "%s (%s) is available with no replication source: a stand-alone writable instance", r.id, r.region)
	case resource.Stuck(in.Status):
		return resource.Verdictf(resource.Blocked, "%s (%s) is %s: it cannot be promoted", r.id, r.region, in.Status)
	case in.ReplicaSource == "":
		return resource.Verdictf(resource.InProgress, "%s (%s) has no replication source any more and is %s", r.id, r.region, in.Status)
	case in.Status == "available":
		return resource.Verdictf(resource.Ready, "%s (%s) is an available read replica of %s", r.id, r.region, in.ReplicaSource)
	}
	return resource.Verdictf(resource.InProgress, "%s (%s) is %s, still a replica of %s", r.id, r.region, in.Status, in.ReplicaSource)
}

func (r *promote) Preflight(ctx context.Context, v *resource.View) (resource.Preflight, error) {
	var pf resource.Preflight
	in, err := cloud.DBInstances.Get(ctx, v.Read, r.region, r.id)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		pf.Blockers = append(pf.Blockers, r.missing().Reason)
		return pf, nil
	case err != nil:
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("cannot read instance %s in %s, where the promotion is made: %v", r.id, r.region, err))
		return pf, nil
	}
	pf.State = append(pf.State, fmt.Sprintf("instance %s (%s): %s, %s %s", r.id, r.region, in.Status, in.Engine, in.Class))
	verdict := r.judge(in)
	switch verdict.State {
	case resource.Done:
		pf.AlreadyDone = true
		pf.State = append(pf.State, "already done: "+verdict.Reason)
		return pf, nil
	case resource.Blocked:
		pf.Blockers = append(pf.Blockers, verdict.Reason)
		return pf, nil
	}
	pf.State = append(pf.State, fmt.Sprintf("replicates from %s, replication %s", in.ReplicaSource, orUnreported(in.ReplicationStatus)))
	if in.ReplicationStatus != "replicating" {
		pf.Warnings = append(pf.Warnings, fmt.Sprintf("replication of %s is %s, not replicating: it may be behind its source, and writes not yet replicated are lost when it is promoted",
			r.id, orUnreported(in.ReplicationStatus)))
	}
	pf.Warnings = append(pf.Warnings, fmt.Sprintf("promoting %s ends replication from %s for good: writes to the source not yet replicated are lost, and a new replica must be created to fail back (CreateRDSReadReplica)",
		r.id, in.ReplicaSource))
	return pf, nil
}

func orUnreported(s string) string {
	if s == "" {
		return "not reported"
	}
	return s
}

func instanceARN(partition, region, account, id string) string {
	return manifest.ARN{Partition: partition, Service: "rds", Region: region, Account: account, ResourceType: "db", ResourceID: id}.String()
}
