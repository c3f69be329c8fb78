package resourcetest

import (
	"drorch/cloud"
	"drorch/manifest"
)

// The preconditions AWS enforces on the calls that copy storage across
// regions, as the simulator enforces them (sim/encryption.go cites the
// documentation). Callers hold c.mu.

// secondaryChecks is CreateDBCluster joining the global cluster g in
// region: one member per region ("Each secondary cluster must be in a
// different AWS Region than the primary cluster and any other secondary
// clusters", Aurora User Guide, Adding an AWS Region to an Aurora global
// database); a secondary of an encrypted global cluster needs SourceRegion
// (the SDK signs a PreSignedUrl from it) and a KMS key of its own region;
// an unencrypted global cluster takes no encrypted secondary.
func (c *Cloud) secondaryChecks(region string, a args, g *cloud.GlobalCluster) error {
	const action = "CreateDBCluster"
	for _, m := range g.Members {
		if regionOfARN(m.ClusterARN) == region {
			return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterCombination",
				"Global cluster %s already has a member cluster in %s (%s).", g.ID, region, m.ClusterARN)
		}
	}
	if _, hasWriter := g.Writer(); !hasWriter {
		return nil // the first member is the primary: nothing is copied
	}
	key := a["KmsKeyId"]
	switch {
	case !g.StorageEncrypted && (key != "" || a.bool("StorageEncrypted")):
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterCombination",
			"Global cluster %s is not encrypted: a secondary cluster of it cannot be; omit StorageEncrypted and KmsKeyId.", g.ID)
	case !g.StorageEncrypted:
		return nil
	case a["SourceRegion"] == "":
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterCombination",
			"Source cluster is encrypted; pre-signed URL has to be specified.")
	case key == "":
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterCombination",
			"For encrypted cross-region replica, kmsKeyId should be explicitly specified.")
	}
	return keyInRegion(region, action, key)
}

// replicaChecks is CreateDBInstanceReadReplica of src made in region: the
// source keeps automated backups; a cross-region replica of an encrypted
// source needs a KMS key of region; an unencrypted source takes no
// encrypted replica.
func replicaChecks(region, action, key string, src *cloud.DBInstance) error {
	switch {
	case src.BackupRetentionPeriod == 0:
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidDBInstanceState",
			"Automated backups are not enabled for this database instance. To enable automated backups, use ModifyDBInstance to set the backup retention period to a non-zero value.")
	case !src.StorageEncrypted && key != "":
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterCombination",
			"Cannot create an encrypted read replica from an unencrypted source DB instance %s: omit KmsKeyId.", src.ARN)
	case src.Region == region || !src.StorageEncrypted:
		return nil
	case key == "":
		return fault("rds", action, region, cloud.KindInvalidInput, "InvalidParameterCombination",
			"Cannot create a cross region unencrypted read replica from encrypted source.")
	}
	return keyInRegion(region, action, key)
}

// keyInRegion refuses a KMS key ARN of another region: "KMS keys are
// specific to the Amazon Web Services Region that they are created in"
// (CreateDBInstanceReadReplica, KmsKeyId).
func keyInRegion(region, action, key string) error {
	if r := regionOfARN(key); r != "" && r != region {
		return fault("rds", action, region, cloud.KindOther, "KMSKeyNotAccessibleFault",
			"The KMS key %s is in %s; a resource in %s needs a KMS key of %s.", key, r, region, region)
	}
	return nil
}

// regionOfARN is the region of an ARN ("" for anything else).
func regionOfARN(s string) string {
	a, err := manifest.ParseARN(s)
	if err != nil {
		return ""
	}
	return a.Region
}
