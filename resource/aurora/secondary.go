package aurora

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"drorch/cloud"
	"drorch/manifest"
	"drorch/resource"
)

// SecondaryCluster is the CreateAuroraSecondaryDBCluster type: after an
// unplanned failover, remove the stale old cluster (and its global cluster)
// from ClusterRegion, then build the global database again from the
// current primary, with a new secondary cluster and instance in
// ClusterRegion.
type SecondaryCluster struct{}

// Spec returns SecondarySpec.
func (SecondaryCluster) Spec() manifest.TypeSpec { return SecondarySpec() }

// Recovery is false: the type rebuilds for a failback, whose duration is not an RTO.
func (SecondaryCluster) Recovery() bool { return false }

// Bind checks that the ARNs lie in the regions named beside them, that the
// two regions differ, and what monitoring and encryption need.
func (SecondaryCluster) Bind(p resource.Params, c resource.Context) (resource.Resource, []manifest.Problem) {
	old, probs := parseCluster(p, "DBClusterIdentifier")
	source, sp := parseCluster(p, "SourceDBClusterIdentifier")
	probs = append(probs, sp...)
	if probs != nil {
		return nil, probs
	}
	region, sourceRegion := cloud.ID(p.String("ClusterRegion")), cloud.ID(p.String("SourceRegion"))
	if old.Region != region {
		probs = append(probs, manifest.Problem{Field: "ClusterRegion",
			Message: fmt.Sprintf("ClusterRegion %s is not the region of DBClusterIdentifier %s (%s)", region, old.ARN, old.Region),
			Fix:     fmt.Sprintf("set ClusterRegion to %s, or name the stale cluster of %s in DBClusterIdentifier", old.Region, region)})
	}
	if source.Region != sourceRegion {
		probs = append(probs, manifest.Problem{Field: "SourceRegion",
			Message: fmt.Sprintf("SourceRegion %s is not the region of SourceDBClusterIdentifier %s (%s)", sourceRegion, source.ARN, source.Region),
			Fix:     fmt.Sprintf("set SourceRegion to %s", source.Region)})
	}
	if sourceRegion == region {
		probs = append(probs, manifest.Problem{Field: "SourceRegion",
			Message: fmt.Sprintf("SourceRegion and ClusterRegion are both %s: a secondary cluster lives in another region than its source", region),
			Fix:     "set ClusterRegion to the region where the secondary is rebuilt (the old primary's)"})
	}
	interval, role, key := p.Int("MonitoringInterval"), p.String("MonitoringRoleArn"), p.String("KmsKeyId")
	if interval > 0 && role == "" {
		probs = append(probs, manifest.Problem{Field: "MonitoringRoleArn",
			Message: fmt.Sprintf("MonitoringInterval is %d but no MonitoringRoleArn is given: Enhanced Monitoring needs a role", interval),
			Fix:     "set MonitoringRoleArn (e.g. arn:aws:iam::123456789012:role/rds-monitoring-role), or MonitoringInterval to 0"})
	}
	if p.Bool("StorageEncrypted") && key == "" {
		probs = append(probs, manifest.Problem{Field: "KmsKeyId",
			Message: fmt.Sprintf("StorageEncrypted is true and the secondary is in %s, another region than its source: a cross-region encrypted cluster needs a KMS key of %s", region, region),
			Fix:     fmt.Sprintf("set KmsKeyId to a key in %s", region)})
	}
	if a, err := manifest.ParseARN(key); err == nil && a.Region != region {
		probs = append(probs, manifest.Problem{Field: "KmsKeyId",
			Message: fmt.Sprintf("KmsKeyId %s is a key of %s, not of ClusterRegion %s", key, a.Region, region),
			Fix:     fmt.Sprintf("give a KMS key in %s", region)})
	}
	if probs != nil {
		return nil, probs
	}
	name, instance := cloud.ID(p.String("DBClusterName")), cloud.ID(p.String("DBInstanceIdentifier"))
	global := cloud.ID(p.String("GlobalClusterIdentifier"))
	s := &secondary{
		global: global, old: old, source: source, name: name, instance: instance,
		region: region, account: resource.OrAny(source.Account, c.Account),
		newARN: rdsARN(source.Partition, region, source.Account, "cluster", name),
		engine: p.String("Engine"), engineVersion: p.String("EngineVersion"), class: p.String("DBInstanceClass"),
		kmsKey: key, subnetGroup: cloud.ID(p.String("DBSubnetGroupName")), skipSnapshot: c.SkipFinalSnapshot,
		storageEncrypted: p.Bool("StorageEncrypted"),
		createCluster: rdsCall("CreateDBCluster", region,
			"DBClusterIdentifier", name, "GlobalClusterIdentifier", global,
			"Engine", p.String("Engine"), "EngineVersion", p.String("EngineVersion"), "Port", p.String("Port"),
			"DBSubnetGroupName", cloud.ID(p.String("DBSubnetGroupName")), "VpcSecurityGroupIds", strings.Join(p.List("VpcSecurityGroupIds"), ","),
			"KmsKeyId", key, "SourceRegion", sourceRegion, "BackupRetentionPeriod", p.String("BackupRetentionPeriod"),
			"StorageEncrypted", boolArg(p, "StorageEncrypted"), "EnableIAMDatabaseAuthentication", boolArg(p, "EnableIAMDatabaseAuthentication"),
			"DeletionProtection", boolArg(p, "DeletionProtection"), "CopyTagsToSnapshot", boolArg(p, "CopyTagsToSnapshot")),
	}
	if interval > 0 {
		// The role matters only with monitoring on; passing it otherwise
		// would need iam:PassRole for nothing.
		s.monitoringRole = role
	}
	s.createInstance = rdsCall("CreateDBInstance", region,
		"DBInstanceIdentifier", instance, "DBClusterIdentifier", name, "DBInstanceClass", s.class, "Engine", s.engine,
		"MonitoringInterval", strconv.Itoa(interval), "MonitoringRoleArn", s.monitoringRole,
		"AutoMinorVersionUpgrade", boolArg(p, "AutoMinorVersionUpgrade"))
	return s, nil
}

// boolArg is a boolean parameter as an API argument ("true"/"false").
func boolArg(p resource.Params, name string) string { return strconv.FormatBool(p.Bool(name)) }

// secondary is a bound CreateAuroraSecondaryDBCluster.
type secondary struct {
	global         string
	old            cluster // the stale cluster to remove, in region
	source         cluster // the current primary, in its own region
	name           string  // DBClusterName, the new secondary
	newARN         string
	instance       string
	region         string // ClusterRegion
	account        string
	engine         string
	engineVersion  string
	class          string
	kmsKey         string
	subnetGroup    string
	monitoringRole string
	// skipSnapshot is "finalSnapshot": false: the old cluster is deleted
	// without the final snapshot otherwise taken and waited for.
	skipSnapshot bool
	// storageEncrypted is the StorageEncrypted parameter.
	storageEncrypted bool
	createCluster    cloud.Call
	createInstance   cloud.Call
}

func (s *secondary) Region() string         { return s.region }
func (s *secondary) Timeout() time.Duration { return 3 * time.Hour }

func (s *secondary) Watch() []cloud.Key {
	keys := []cloud.Key{
		cloud.GlobalClusters.Key(s.region, s.global),
		cloud.DBClusters.Key(s.region, s.old.ARN),
		cloud.DBClusters.Key(s.source.Region, s.source.ARN),
		cloud.DBInstances.Key(s.region, s.instance),
	}
	if s.newARN != s.old.ARN {
		keys = append(keys, cloud.DBClusters.Key(s.region, s.newARN))
	}
	return keys
}

func (s *secondary) Locks() []string {
	locks := []string{
		resource.GlobalClusterLock(s.global),
		resource.ClusterLock(s.region, s.old.ID),
		resource.ClusterLock(s.source.Region, s.source.ID),
		resource.InstanceLock(s.region, s.instance),
	}
	if s.name != s.old.ID {
		locks = append(locks, resource.ClusterLock(s.region, s.name))
	}
	return locks
}

func (s *secondary) Permissions() []resource.Permission {
	part, acct := s.source.Partition, s.account
	g := globalClusterARN(part, acct, s.global)
	oldARN := rdsARN(part, s.region, acct, "cluster", s.old.ID)
	newARN := rdsARN(part, s.region, acct, "cluster", s.name)
	// The old cluster's instances are known only when the run reads them.
	instances := rdsARN(part, s.region, acct, "db", "*")
	perms := []resource.Permission{
		{Actions: []string{"rds:RemoveFromGlobalCluster"}, Resources: []string{g, oldARN}},
		{Actions: []string{"rds:DeleteDBInstance"}, Resources: []string{instances}},
		{Actions: []string{"rds:DeleteDBCluster"}, Resources: []string{oldARN}},
		{Actions: []string{"rds:DeleteGlobalCluster"}, Resources: []string{g}},
		{Actions: []string{"rds:CreateGlobalCluster"}, Resources: []string{g, s.source.ARN}},
		{Actions: []string{"rds:CreateDBCluster"}, Resources: []string{newARN, g, rdsARN(part, s.region, acct, "subgrp", s.subnetGroup)}},
		{Actions: []string{"rds:CreateDBInstance"}, Resources: []string{rdsARN(part, s.region, acct, "db", s.instance), newARN}},
		{Actions: []string{"rds:DescribeGlobalClusters"}, Resources: []string{g}},
		{Actions: []string{"rds:DescribeDBClusters"}, Resources: dedupe(oldARN, newARN, s.source.ARN)},
		{Actions: []string{"rds:DescribeDBInstances"}, Resources: []string{instances}},
	}
	if !s.skipSnapshot {
		// DeleteDBCluster with FinalDBSnapshotIdentifier needs
		// rds:CreateDBClusterSnapshot on the cluster and the snapshot.
		snap := rdsARN(part, s.region, acct, "cluster-snapshot", resource.SnapshotID("*", s.old.ID))
		perms = append(perms,
			resource.Permission{Actions: []string{"rds:CreateDBClusterSnapshot"}, Resources: []string{oldARN, snap}},
			resource.Permission{Actions: []string{"rds:DescribeDBClusterSnapshots"}, Resources: []string{snap}})
	}
	if k := s.kmsKey; k != "" {
		perms = append(perms, resource.Permission{Actions: []string{"kms:CreateGrant", "kms:DescribeKey"},
			Resources: []string{resource.KMSKeyARN(part, s.region, acct, k)}})
	}
	if r := s.monitoringRole; r != "" {
		perms = append(perms, resource.Permission{Actions: []string{"iam:PassRole"}, Resources: []string{r}})
	}
	return perms
}

func dedupe(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (s *secondary) Goal(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	g, err := getGlobal(ctx, v, s.region, s.global)
	if notFound(err) {
		return resource.Verdictf(resource.Ready, "global cluster %s does not exist", s.global), nil
	}
	if err != nil {
		return resource.Verdict{}, fmt.Errorf("describe global cluster %s in %s: %w", s.global, s.region, err)
	}
	w, _ := g.Writer()
	switch m, member := g.Member(s.newARN); {
	case !cloud.SameID(w.ClusterARN, s.source.ARN):
		return resource.Verdictf(resource.Ready, "the writer of global cluster %s is %s, not the source %s", s.global, nameOf(w.ClusterARN), s.source), nil
	case g.Status != "available":
		return resource.Verdictf(resource.Ready, "global cluster %s is %s", s.global, g.Status), nil
	case !member || m.IsWriter:
		return resource.Verdictf(resource.Ready, "%s (%s) is not a secondary of global cluster %s", s.name, s.region, s.global), nil
	}
	verdict, err := s.instanceState(ctx, v)
	return resource.GoalOf(verdict), err
}
