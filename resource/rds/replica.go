package rds

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"drorch/manifest"
	"drorch/resource"
)

// ReadReplica is the CreateRDSReadReplica type: re-create a cross-region
// read replica in --region from the source instance in SourceRegion,
// deleting first a stale stand-alone instance of the same name (with a
// final snapshot).
type ReadReplica struct{}

// Spec returns ReplicaSpec.
func (ReadReplica) Spec() manifest.TypeSpec { return ReplicaSpec() }

// Bind checks that the source is in another region than the replica and
// what monitoring needs.
func (ReadReplica) Bind(p resource.Params, c resource.Context) (resource.Resource, []manifest.Problem) {
	var probs []manifest.Problem
	sourceRegion := p.String("SourceRegion")
	switch {
	case c.HomeRegion == "":
		probs = append(probs, manifest.Problem{Message: "the replica's region is unknown: drorch has no --region",
			Fix: "run drorch with --region <the replica's region>"})
	case sourceRegion == c.HomeRegion:
		probs = append(probs, manifest.Problem{Field: "SourceRegion",
			Message: fmt.Sprintf("SourceRegion is %s, the region drorch runs in: the replica is created in --region, so its source must be elsewhere", sourceRegion),
			Fix:     "run drorch with --region <the replica's region>"})
	}
	interval, role := p.Int("MonitoringInterval"), p.String("MonitoringRoleArn")
	if interval > 0 && role == "" {
		probs = append(probs, manifest.Problem{Field: "MonitoringRoleArn",
			Message: fmt.Sprintf("MonitoringInterval is %d but no MonitoringRoleArn is given: Enhanced Monitoring needs a role", interval),
			Fix:     "set MonitoringRoleArn (e.g. arn:aws:iam::123456789012:role/rds-monitoring-role), or MonitoringInterval to 0"})
	}
	if probs != nil {
		return nil, probs
	}
	r := &replica{
		id: p.String("RDSInstanceIdentifier"), region: c.HomeRegion, sourceID: p.String("SourceRDSInstanceIdentifier"),
		sourceRegion: sourceRegion, knownAccount: c.Account,
		in: resource.CreateReadReplicaInput{
			InstanceID: p.String("RDSInstanceIdentifier"), SourceRegion: sourceRegion, Class: p.String("DBInstanceClass"),
			MultiAZ: p.Bool("MultiAZ"), DBSubnetGroupName: p.String("DBSubnetGroup"), VpcSecurityGroupIDs: p.List("DBSecurityGroup"),
			KmsKeyID: p.String("KmsKeyId"), AutoMinorVersionUpgrade: p.Bool("AutoMinorVersionUpgrade"), Port: p.Int("Port"),
			CopyTagsToSnapshot: p.Bool("CopyTagsToSnapshot"), MonitoringInterval: interval,
			IAMDatabaseAuthentication: p.Bool("EnableIAMDatabaseAuthentication"),
		},
	}
	if interval > 0 {
		r.in.MonitoringRoleARN = role
	}
	return r, nil
}

// replica is a bound CreateRDSReadReplica.
type replica struct {
	id           string
	region       string // HomeRegion: where the replica is
	sourceID     string
	sourceRegion string
	knownAccount string // Context.Account, for IAM policies
	in           resource.CreateReadReplicaInput

	mu      sync.Mutex
	account string // from env.Identity, once asked
}

func (r *replica) Region() string         { return r.region }
func (r *replica) Timeout() time.Duration { return 4 * time.Hour }

func (r *replica) Locks() []string {
	return []string{instanceLock(r.region, r.id), instanceLock(r.sourceRegion, r.sourceID)}
}

func (r *replica) Watch() []resource.Key {
	return []resource.Key{
		{Kind: resource.KeyDBInstance, Region: r.region, ID: r.id},
		{Kind: resource.KeyDBInstance, Region: r.sourceRegion, ID: r.sourceID},
	}
}

func (r *replica) Permissions() []resource.Permission {
	acct := resource.OrAny(r.knownAccount)
	self := instanceARN("aws", r.region, acct, r.id)
	source := instanceARN("aws", r.sourceRegion, acct, r.sourceID)
	create := []string{self, source}
	if r.in.DBSubnetGroupName != "" {
		create = append(create, manifest.ARN{Partition: "aws", Service: "rds", Region: r.region, Account: acct, ResourceType: "subgrp", ResourceID: r.in.DBSubnetGroupName}.String())
	}
	perms := []resource.Permission{
		// Deleting the stale instance takes a final snapshot.
		{Actions: []string{"rds:DeleteDBInstance"}, Resources: []string{self}},
		{Actions: []string{"rds:CreateDBSnapshot"}, Resources: []string{self, manifest.ARN{Partition: "aws", Service: "rds", Region: r.region, Account: acct, ResourceType: "snapshot", ResourceID: "backup-" + r.id + "-*"}.String()}},
		{Actions: []string{"rds:CreateDBInstanceReadReplica"}, Resources: create},
		{Actions: []string{"rds:DescribeDBInstances"}, Resources: []string{self, source}},
	}
	if k := r.in.KmsKeyID; k != "" {
		perms = append(perms, resource.Permission{Actions: []string{"kms:CreateGrant", "kms:DescribeKey"},
			Resources: []string{resource.KMSKeyARN("aws", r.region, acct, k)}})
	}
	if role := r.in.MonitoringRoleARN; role != "" {
		perms = append(perms, resource.Permission{Actions: []string{"iam:PassRole"}, Resources: []string{role}})
	}
	return perms
}

// sourceARN is arn:aws:rds:<SourceRegion>:<account>:db:<source id>, the
// account asked of env.Identity once and kept.
func (r *replica) sourceARN(ctx context.Context, env *resource.Env) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.account == "" {
		acct, err := env.Identity.AccountID(ctx, r.region)
		if err != nil {
			return "", fmt.Errorf("find the account of source instance %s: %w", r.sourceID, err)
		}
		r.account = acct
	}
	return instanceARN("aws", r.sourceRegion, r.account, r.sourceID), nil
}

// fromSource reports whether a ReadReplicaSourceDBInstanceIdentifier names
// the source: its ARN, whatever the account, as AWS shows a cross-region
// source.
func (r *replica) fromSource(replicaSource string) bool {
	a, err := manifest.ParseARN(replicaSource)
	return err == nil && a.Region == r.sourceRegion && a.ResourceType == "db" && a.ResourceID == r.sourceID
}

func (r *replica) source() string { return r.sourceID + " (" + r.sourceRegion + ")" }
func (r *replica) self() string   { return r.id + " (" + r.region + ")" }

// snapshotID names the stale instance's final snapshot after the engine's
// clock: backup-<id>-<yyyymmdd-hhmmss UTC>.
func (r *replica) snapshotID(now time.Time) string {
	return "backup-" + r.id + "-" + now.UTC().Format("20060102-150405")
}

func (r *replica) Steps() []resource.Step {
	in := r.in
	return []resource.Step{
		resource.FuncStep{StepName: "delete-stale", CheckFunc: r.checkStale, DoFunc: r.deleteStale,
			StepCalls: []resource.Call{{Service: "rds", Action: "DeleteDBInstance", Region: r.region, Args: map[string]string{
				"DBInstanceIdentifier": r.id, "FinalDBSnapshotIdentifier": "backup-" + r.id + "-<yyyymmdd-hhmmss>"}}}},
		resource.FuncStep{StepName: "create-replica", CheckFunc: r.checkReplica, DoFunc: r.create,
			StepCalls: []resource.Call{{Service: "rds", Action: "CreateDBInstanceReadReplica", Region: r.region, Args: map[string]string{
				"DBInstanceIdentifier": r.id, "SourceDBInstanceIdentifier": instanceARN("aws", r.sourceRegion, resource.OrAny(r.knownAccount), r.sourceID),
				"DBInstanceClass": in.Class, "MultiAZ": strconv.FormatBool(in.MultiAZ), "DBSubnetGroupName": in.DBSubnetGroupName,
				"VpcSecurityGroupIds": strings.Join(in.VpcSecurityGroupIDs, ","), "KmsKeyId": in.KmsKeyID, "Port": strconv.Itoa(in.Port)}}}},
	}
}

// readSelf describes the replica's name in its region; nil when absent.
func (r *replica) readSelf(ctx context.Context, env *resource.Env) (*resource.DBInstance, error) {
	in, err := env.Read.DBInstance(ctx, r.region, r.id)
	if errors.Is(err, resource.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe instance %s: %w", r.self(), err)
	}
	return in, nil
}

// stale judges an existing instance with the replica's name for the
// delete-stale step.
func (r *replica) stale(in *resource.DBInstance) resource.Verdict {
	switch {
	case in == nil:
		return resource.Verdictf(resource.Done, "no instance %s: nothing stale to delete", r.self())
	case r.fromSource(in.ReplicaSource):
		return resource.Verdictf(resource.Done, "%s already replicates from %s", r.self(), r.source())
	case in.ReplicaSource != "":
		return resource.Verdictf(resource.Blocked, "%s is a read replica of %s, not of %s: drorch deletes only a stand-alone instance; check SourceRDSInstanceIdentifier and SourceRegion",
			r.self(), in.ReplicaSource, r.source())
	case len(in.Replicas) > 0:
		return resource.Verdictf(resource.Blocked, "%s is the source of read replicas (%s): it may be the live primary, so drorch will not delete it; check --region",
			r.self(), strings.Join(in.Replicas, ", "))
	case in.Status == "deleting":
		return resource.Verdictf(resource.InProgress, "the stale instance %s is deleting", r.self())
	case in.DeletionProtection:
		return resource.Verdictf(resource.Blocked, "the stale instance %s has deletion protection on: turn it off with `aws rds modify-db-instance --region %s --db-instance-identifier %s --no-deletion-protection --apply-immediately`, then resume the run",
			r.self(), r.region, r.id)
	}
	return resource.Verdictf(resource.Ready, "%s is a stand-alone instance (%s): it will be deleted with a final snapshot", r.self(), in.Status)
}

func (r *replica) checkStale(ctx context.Context, env *resource.Env) (resource.Verdict, error) {
	in, err := r.readSelf(ctx, env)
	if err != nil {
		return resource.Verdict{}, err
	}
	return r.stale(in), nil
}

func (r *replica) deleteStale(ctx context.Context, env *resource.Env) error {
	in, err := r.readSelf(ctx, env)
	if err != nil {
		return err
	}
	if r.stale(in).State != resource.Ready {
		return nil // gone, deleting already, or not ours to delete
	}
	snap := r.snapshotID(env.Now())
	if err := env.Instances.DeleteDBInstance(ctx, r.region, r.id, snap); err != nil {
		return fmt.Errorf("delete stale instance %s with final snapshot %s: %w", r.self(), snap, err)
	}
	return nil
}

func (r *replica) checkReplica(ctx context.Context, env *resource.Env) (resource.Verdict, error) {
	in, err := r.readSelf(ctx, env)
	if err != nil {
		return resource.Verdict{}, err
	}
	if in == nil {
		return r.sourceReady(ctx, env)
	}
	switch {
	case !r.fromSource(in.ReplicaSource) && in.Status == "deleting":
		return resource.Verdictf(resource.InProgress, "waiting for the deleting instance %s to be gone", r.self()), nil
	case in.ReplicaSource == "":
		return resource.Verdictf(resource.Blocked, "a stand-alone instance %s exists (%s): it is not a replica of %s; delete it or choose another RDSInstanceIdentifier", r.self(), in.Status, r.source()), nil
	case !r.fromSource(in.ReplicaSource):
		return resource.Verdictf(resource.Blocked, "%s replicates from %s, not from %s", r.self(), in.ReplicaSource, r.source()), nil
	case in.Status == "failed" || resource.Stuck(in.Status):
		return resource.Verdictf(resource.Failed, "replica %s is %s", r.self(), in.Status), nil
	case in.Status != "available":
		return resource.Verdictf(resource.InProgress, "replica %s of %s is %s", r.self(), r.source(), in.Status), nil
	case in.ReplicationStatus != "" && in.ReplicationStatus != "replicating":
		return resource.Verdictf(resource.Failed, "replica %s is available but its replication is %s", r.self(), in.ReplicationStatus), nil
	}
	return resource.Verdictf(resource.Done, "%s is available and replicates from %s", r.self(), r.source()), nil
}

// sourceReady tells whether CreateDBInstanceReadReplica can be made now: the
// source exists and is available.
func (r *replica) sourceReady(ctx context.Context, env *resource.Env) (resource.Verdict, error) {
	src, err := env.Read.DBInstance(ctx, r.sourceRegion, r.sourceID)
	switch {
	case errors.Is(err, resource.ErrNotFound):
		return resource.Verdictf(resource.Blocked, "source instance %s not found: check SourceRDSInstanceIdentifier and SourceRegion", r.source()), nil
	case err != nil:
		return resource.Verdict{}, fmt.Errorf("describe source instance %s: %w", r.source(), err)
	case resource.Stuck(src.Status):
		return resource.Verdictf(resource.Blocked, "source instance %s is %s: a replica needs an available source", r.source(), src.Status), nil
	case src.Status != "available":
		return resource.Verdictf(resource.InProgress, "source instance %s is %s: waiting for available to create the replica", r.source(), src.Status), nil
	}
	return resource.Verdictf(resource.Ready, "%s will be created as a read replica of %s", r.self(), r.source()), nil
}

func (r *replica) create(ctx context.Context, env *resource.Env) error {
	arn, err := r.sourceARN(ctx, env)
	if err != nil {
		return err
	}
	in := r.in
	in.SourceInstanceARN = arn
	if err := env.Instances.CreateDBInstanceReadReplica(ctx, r.region, in); err != nil {
		return fmt.Errorf("create read replica %s of %s: %w", r.self(), arn, err)
	}
	return nil
}

func (r *replica) Goal(ctx context.Context, env *resource.Env) (resource.Verdict, error) {
	v, err := r.checkReplica(ctx, env)
	return resource.GoalOf(v), err
}

// Preflight says whether a stale instance will be deleted (and refuses
// when the instance is not a stale stand-alone one) and whether the source
// can seed a replica now.
func (r *replica) Preflight(ctx context.Context, env *resource.Env) (resource.Preflight, error) {
	var pf resource.Preflight
	in, err := r.readSelf(ctx, env)
	if err != nil {
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("cannot read --region %s, where the replica is created: %v", r.region, err))
		return pf, nil
	}
	if in == nil {
		pf.State = append(pf.State, fmt.Sprintf("no instance %s: the replica will be created", r.self()))
	} else {
		pf.State = append(pf.State, fmt.Sprintf("instance %s: %s, replication source %q, replicas %q", r.self(), in.Status, in.ReplicaSource, strings.Join(in.Replicas, ", ")))
		if g, err := r.Goal(ctx, env); err == nil && g.State == resource.Done {
			pf.AlreadyDone = true
			pf.State = append(pf.State, "already done: "+g.Reason)
			return pf, nil
		}
		switch v := r.stale(in); v.State {
		case resource.Blocked:
			pf.Blockers = append(pf.Blockers, v.Reason)
		case resource.Ready:
			pf.Warnings = append(pf.Warnings, fmt.Sprintf("the stand-alone instance %s will be deleted, with a final snapshot %s (named at the time of the run)", r.self(), r.snapshotID(env.Now())))
		}
	}
	src, err := env.Read.DBInstance(ctx, r.sourceRegion, r.sourceID)
	switch {
	case errors.Is(err, resource.ErrNotFound):
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("source instance %s not found: check SourceRDSInstanceIdentifier and SourceRegion", r.source()))
		return pf, nil
	case err != nil:
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("SourceRegion %s is unreachable (%v): a read replica is created from a reachable, available source; wait for the region", r.sourceRegion, err))
		return pf, nil
	}
	pf.State = append(pf.State, fmt.Sprintf("source instance %s: %s, %s %s", r.source(), src.Status, src.Engine, src.Class))
	switch {
	case resource.Stuck(src.Status):
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("source instance %s is %s: a replica needs an available source", r.source(), src.Status))
	case src.Status != "available":
		pf.Warnings = append(pf.Warnings, fmt.Sprintf("source instance %s is %s: the run waits for it to be available", r.source(), src.Status))
	}
	return pf, nil
}
