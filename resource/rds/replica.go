package rds

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"drorch/cloud"
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

// Recovery is false: the type rebuilds for a failback, whose duration is not an RTO.
func (ReadReplica) Recovery() bool { return false }

// Bind checks that the source is in another region than the replica and
// what monitoring needs.
func (ReadReplica) Bind(p resource.Params, c resource.Context) (resource.Resource, []manifest.Problem) {
	var probs []manifest.Problem
	sourceRegion := cloud.ID(p.String("SourceRegion"))
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
	if a, err := manifest.ParseARN(p.String("KmsKeyId")); err == nil && c.HomeRegion != "" && a.Region != c.HomeRegion {
		// "KMS keys are specific to the Amazon Web Services Region that
		// they are created in" (CreateDBInstanceReadReplica, KmsKeyId).
		probs = append(probs, manifest.Problem{Field: "KmsKeyId",
			Message: fmt.Sprintf("KmsKeyId %s is a key of %s, not of %s where the replica is created", p.String("KmsKeyId"), a.Region, c.HomeRegion),
			Fix:     fmt.Sprintf("give a KMS key of %s", c.HomeRegion)})
	}
	if interval > 0 && role == "" {
		probs = append(probs, manifest.Problem{Field: "MonitoringRoleArn",
			Message: fmt.Sprintf("MonitoringInterval is %d but no MonitoringRoleArn is given: Enhanced Monitoring needs a role", interval),
			Fix:     "set MonitoringRoleArn (e.g. arn:aws:iam::123456789012:role/rds-monitoring-role), or MonitoringInterval to 0"})
	}
	if probs != nil {
		return nil, probs
	}
	r := &replica{
		id: cloud.ID(p.String("RDSInstanceIdentifier")), region: c.HomeRegion, sourceID: cloud.ID(p.String("SourceRDSInstanceIdentifier")),
		sourceRegion: sourceRegion, knownAccount: c.Account, partition: c.PartitionOr(""),
		class: p.String("DBInstanceClass"), subnetGroup: cloud.ID(p.String("DBSubnetGroup")), kmsKey: p.String("KmsKeyId"),
		skipSnapshot: c.SkipFinalSnapshot,
	}
	if interval > 0 {
		r.monitoringRole = role
	}
	// Every argument CreateDBInstanceReadReplica sends but the source's
	// ARN, which needs the account (known only once drorch asks AWS).
	r.args = []string{
		"DBInstanceIdentifier", r.id, "SourceRegion", sourceRegion, "DBInstanceClass", r.class,
		"MultiAZ", boolArg(p, "MultiAZ"), "DBSubnetGroupName", r.subnetGroup, "VpcSecurityGroupIds", strings.Join(p.List("DBSecurityGroup"), ","),
		"KmsKeyId", r.kmsKey, "AutoMinorVersionUpgrade", boolArg(p, "AutoMinorVersionUpgrade"), "Port", p.String("Port"),
		"CopyTagsToSnapshot", boolArg(p, "CopyTagsToSnapshot"), "MonitoringInterval", strconv.Itoa(interval),
		"MonitoringRoleArn", r.monitoringRole, "EnableIAMDatabaseAuthentication", boolArg(p, "EnableIAMDatabaseAuthentication"),
	}
	return r, nil
}

// boolArg is a boolean parameter as an API argument ("true"/"false").
func boolArg(p resource.Params, name string) string { return strconv.FormatBool(p.Bool(name)) }

// replica is a bound CreateRDSReadReplica.
type replica struct {
	id             string
	region         string // HomeRegion: where the replica is
	sourceID       string
	sourceRegion   string
	knownAccount   string // Context.Account, for IAM policies
	partition      string
	class          string
	subnetGroup    string
	kmsKey         string
	monitoringRole string
	// skipSnapshot is "finalSnapshot": false: a stale instance is deleted
	// without the final snapshot otherwise taken.
	skipSnapshot bool
	args         []string // CreateDBInstanceReadReplica's arguments, as name, value pairs
}

func (r *replica) Region() string         { return r.region }
func (r *replica) Timeout() time.Duration { return 4 * time.Hour }

func (r *replica) Locks() []string {
	return []string{resource.InstanceLock(r.region, r.id), resource.InstanceLock(r.sourceRegion, r.sourceID)}
}

func (r *replica) Watch() []cloud.Key {
	return []cloud.Key{cloud.DBInstances.Key(r.region, r.id), cloud.DBInstances.Key(r.sourceRegion, r.sourceID)}
}

func (r *replica) Permissions() []resource.Permission {
	acct, part := resource.OrAny(r.knownAccount), r.partition
	self := instanceARN(part, r.region, acct, r.id)
	source := instanceARN(part, r.sourceRegion, acct, r.sourceID)
	create := []string{self, source}
	if r.subnetGroup != "" {
		create = append(create, manifest.ARN{Partition: part, Service: "rds", Region: r.region, Account: acct, ResourceType: "subgrp", ResourceID: r.subnetGroup}.String())
	}
	perms := []resource.Permission{
		{Actions: []string{"rds:DeleteDBInstance"}, Resources: []string{self}},
		{Actions: []string{"rds:CreateDBInstanceReadReplica"}, Resources: create},
		{Actions: []string{"rds:DescribeDBInstances"}, Resources: []string{self, source}},
	}
	if !r.skipSnapshot {
		// Deleting the stale instance takes a final snapshot.
		snap := manifest.ARN{Partition: part, Service: "rds", Region: r.region, Account: acct, ResourceType: "snapshot", ResourceID: resource.SnapshotID("*", r.id)}.String()
		perms = append(perms,
			resource.Permission{Actions: []string{"rds:CreateDBSnapshot"}, Resources: []string{self, snap}},
			resource.Permission{Actions: []string{"rds:DescribeDBSnapshots"}, Resources: []string{snap}})
	}
	if k := r.kmsKey; k != "" {
		perms = append(perms, resource.Permission{Actions: []string{"kms:CreateGrant", "kms:DescribeKey"},
			Resources: []string{resource.KMSKeyARN(part, r.region, acct, k)}})
	}
	if role := r.monitoringRole; role != "" {
		perms = append(perms, resource.Permission{Actions: []string{"iam:PassRole"}, Resources: []string{role}})
	}
	return perms
}

// sourceARN is arn:<partition>:rds:<SourceRegion>:<account>:db:<source id>,
// with the account and partition of the caller: a cross-region replica's
// source is named by ARN.
func (r *replica) sourceARN(ctx context.Context, v *resource.View) (string, error) {
	who, err := v.Identity.Caller(ctx, r.region)
	if err != nil {
		return "", fmt.Errorf("find the account of source instance %s: %w", r.source(), err)
	}
	return instanceARN(orAWS(who.Partition), r.sourceRegion, who.Account, r.sourceID), nil
}

func orAWS(partition string) string {
	if partition == "" {
		return "aws"
	}
	return partition
}

// fromSource reports whether a ReadReplicaSourceDBInstanceIdentifier names
// the source: its ARN, whatever the account, as AWS shows a cross-region
// source.
func (r *replica) fromSource(replicaSource string) bool {
	a, err := manifest.ParseARN(cloud.ID(replicaSource))
	return err == nil && a.Region == r.sourceRegion && a.ResourceType == "db" && a.ResourceID == r.sourceID
}

func (r *replica) source() string { return r.sourceID + " (" + r.sourceRegion + ")" }
func (r *replica) self() string   { return r.id + " (" + r.region + ")" }

func (r *replica) Steps() []resource.Step {
	return []resource.Step{
		resource.FuncStep{StepName: "delete-stale", CheckFunc: r.checkStale, CallsFunc: r.deleteStale},
		resource.FuncStep{StepName: "create-replica", CheckFunc: r.checkReplica, CallsFunc: r.create},
	}
}

// readSelf describes the replica's name in its region; nil when absent.
func (r *replica) readSelf(ctx context.Context, v *resource.View) (*cloud.DBInstance, error) {
	in, err := cloud.DBInstances.Get(ctx, v.Read, r.region, r.id)
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe instance %s: %w", r.self(), err)
	}
	return in, nil
}

// stale judges an existing instance with the replica's name for the
// delete-stale step.
func (r *replica) stale(in *cloud.DBInstance) resource.Verdict {
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
	case r.skipSnapshot:
		return resource.Verdictf(resource.Ready, "%s is a stand-alone instance (%s): it will be deleted without a final snapshot (finalSnapshot: false)", r.self(), in.Status)
	}
	return resource.Verdictf(resource.Ready, "%s is a stand-alone instance (%s): it will be deleted with a final snapshot", r.self(), in.Status)
}

func (r *replica) checkStale(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	in, err := r.readSelf(ctx, v)
	if err != nil {
		return resource.Verdict{}, err
	}
	verdict := r.stale(in)
	if verdict.State != resource.Ready {
		return verdict, nil
	}
	if taken, err := r.snapshotTaken(ctx, v); err != nil || taken != "" {
		return resource.Verdictf(resource.Blocked, "%s", taken), err
	}
	return verdict, nil
}

// snapshotTaken says why the final snapshot's name cannot be used ("" when
// it is free, in a plan, or when no snapshot is taken).
func (r *replica) snapshotTaken(ctx context.Context, v *resource.View) (string, error) {
	if r.skipSnapshot || v.RunID == "" {
		return "", nil
	}
	id := resource.SnapshotID(v.RunID, r.id)
	snap, err := cloud.DBSnapshots.Get(ctx, v.Read, r.region, id)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("describe DB snapshot %s in %s: %w", id, r.region, err)
	}
	return fmt.Sprintf("a DB snapshot named %s already exists in %s (of instance %s): the final snapshot of the stale %s needs that name; run with another --run-id, or delete that snapshot",
		id, r.region, snap.InstanceID, r.self()), nil
}

func (r *replica) deleteStale(ctx context.Context, v *resource.View) ([]cloud.Call, error) {
	in, err := r.readSelf(ctx, v)
	if err != nil || r.stale(in).State != resource.Ready {
		return nil, err // gone, deleting already, or not ours to delete
	}
	if r.skipSnapshot {
		return []cloud.Call{cloud.NewCall("rds", "DeleteDBInstance", r.region, "DBInstanceIdentifier", r.id, "SkipFinalSnapshot", "true")}, nil
	}
	return []cloud.Call{cloud.NewCall("rds", "DeleteDBInstance", r.region,
		"DBInstanceIdentifier", r.id, "FinalDBSnapshotIdentifier", resource.SnapshotID(v.RunID, r.id))}, nil
}

func (r *replica) checkReplica(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	in, err := r.readSelf(ctx, v)
	if err != nil {
		return resource.Verdict{}, err
	}
	if in == nil {
		return r.sourceReady(ctx, v)
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
func (r *replica) sourceReady(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	src, err := cloud.DBInstances.Get(ctx, v.Read, r.sourceRegion, r.sourceID)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		return resource.Verdictf(resource.Blocked, "source instance %s not found: check SourceRDSInstanceIdentifier and SourceRegion", r.source()), nil
	case err != nil:
		return resource.Verdict{}, fmt.Errorf("describe source instance %s: %w", r.source(), err)
	case resource.Stuck(src.Status):
		return resource.Verdictf(resource.Blocked, "source instance %s is %s: a replica needs an available source", r.source(), src.Status), nil
	case src.Status != "available":
		return resource.Verdictf(resource.InProgress, "source instance %s is %s: waiting for available to create the replica", r.source(), src.Status), nil
	}
	if why := r.refusal(src); why != "" {
		return resource.Verdictf(resource.Blocked, "%s", why), nil
	}
	return resource.Verdictf(resource.Ready, "%s will be created as a read replica of %s", r.self(), r.source()), nil
}

// refusal says why AWS would refuse CreateDBInstanceReadReplica of src
// with this resource's parameters ("" when it would not), from what the
// source is, whatever the payload says:
//
//   - "Before a DB instance can serve as a source DB instance, you must
//     enable automatic backups on the source DB instance" (RDS User Guide,
//     Working with DB instance read replicas,
//     https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.html);
//   - "If you create an encrypted read replica in a different Amazon Web
//     Services Region, then you must specify a KMS key identifier for the
//     destination Amazon Web Services Region" (CreateDBInstanceReadReplica,
//     KmsKeyId; a key ARN of another region is refused at bind time);
//   - "You can't create an encrypted read replica from an unencrypted DB
//     instance" (same).
func (r *replica) refusal(src *cloud.DBInstance) string {
	switch {
	case src.BackupRetentionPeriod == 0:
		return fmt.Sprintf("source instance %s keeps no automated backups (BackupRetentionPeriod 0), and AWS creates no read replica of such a source: turn them on with `aws rds modify-db-instance --region %s --db-instance-identifier %s --backup-retention-period 7 --apply-immediately`",
			r.source(), r.sourceRegion, r.sourceID)
	case src.StorageEncrypted && r.kmsKey == "":
		return fmt.Sprintf("source instance %s is encrypted, and a replica of it in %s needs a KMS key of %s: set KmsKeyId", r.source(), r.region, r.region)
	case !src.StorageEncrypted && r.kmsKey != "":
		return fmt.Sprintf("source instance %s is not encrypted, so its replica cannot be, yet KmsKeyId is %s: remove KmsKeyId", r.source(), r.kmsKey)
	}
	return ""
}

func (r *replica) create(ctx context.Context, v *resource.View) ([]cloud.Call, error) {
	arn, err := r.sourceARN(ctx, v)
	if err != nil {
		return nil, err
	}
	return []cloud.Call{cloud.NewCall("rds", "CreateDBInstanceReadReplica", r.region,
		append([]string{"SourceDBInstanceIdentifier", arn}, r.args...)...)}, nil
}

func (r *replica) Goal(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	verdict, err := r.checkReplica(ctx, v)
	return resource.GoalOf(verdict), err
}

// Preflight says whether a stale instance will be deleted (and refuses
// when the instance is not a stale stand-alone one) and whether the source
// can seed a replica now.
func (r *replica) Preflight(ctx context.Context, v *resource.View) (resource.Preflight, error) {
	var pf resource.Preflight
	in, err := r.readSelf(ctx, v)
	if err != nil {
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("cannot read --region %s, where the replica is created: %v", r.region, err))
		return pf, nil
	}
	if in == nil {
		pf.State = append(pf.State, fmt.Sprintf("no instance %s: the replica will be created", r.self()))
	} else {
		pf.State = append(pf.State, fmt.Sprintf("instance %s: %s, replication source %q, replicas %q", r.self(), in.Status, in.ReplicaSource, strings.Join(in.Replicas, ", ")))
		if g, err := r.Goal(ctx, v); err == nil && g.State == resource.Done {
			pf.AlreadyDone = true
			pf.State = append(pf.State, "already done: "+g.Reason)
			return pf, nil
		}
		switch verdict := r.stale(in); verdict.State {
		case resource.Blocked:
			pf.Blockers = append(pf.Blockers, verdict.Reason)
		case resource.Ready:
			r.preflightStale(ctx, v, &pf)
		}
	}
	src, err := cloud.DBInstances.Get(ctx, v.Read, r.sourceRegion, r.sourceID)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
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
	if why := r.refusal(src); why != "" {
		pf.Blockers = append(pf.Blockers, why)
	}
	return pf, nil
}

// preflightStale says what becomes of the stale instance, and blocks when
// its final snapshot's name is taken.
func (r *replica) preflightStale(ctx context.Context, v *resource.View, pf *resource.Preflight) {
	if r.skipSnapshot {
		pf.Warnings = append(pf.Warnings, fmt.Sprintf("the stand-alone instance %s will be deleted without a final snapshot (finalSnapshot: false): the writes it holds that never reached %s are lost for good", r.self(), r.sourceRegion))
		return
	}
	pf.Warnings = append(pf.Warnings, fmt.Sprintf("the stand-alone instance %s will be deleted, with a final snapshot %s", r.self(), resource.SnapshotID(v.RunID, r.id)))
	taken, err := r.snapshotTaken(ctx, v)
	switch {
	case err != nil:
		pf.Blockers = append(pf.Blockers, fmt.Sprintf("cannot tell whether the final snapshot's name is free: %v", err))
	case taken != "":
		pf.Blockers = append(pf.Blockers, taken)
	}
}
