package sim

import "fmt"

// Encryption at rest: which KMS key a cluster or instance uses, and the
// preconditions AWS enforces when storage is replicated across Regions.

// defaultKMSKey is the ARN of the account's AWS managed key for RDS
// (aws/rds) in region. "If the StorageEncrypted parameter is enabled and
// ReplicationSourceIdentifier isn't specified, then Amazon RDS uses your
// default KMS key ... Your Amazon Web Services account has a different
// default KMS key for each Amazon Web Services Region" (CreateDBCluster,
// KmsKeyId, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html).
func defaultKMSKey(account, region string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, account, stableUUID("aws/rds", account, region))
}

// kmsKeyElsewhere reports the Region of a KMS key ARN when it is not
// region ("" when the key is in region, or is a key id or alias, which
// AWS resolves in the Region of the call). "KMS keys are specific to the
// Amazon Web Services Region that they are created in, and you can't use
// KMS keys from one Amazon Web Services Region in another"
// (CreateDBInstanceReadReplica, KmsKeyId,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html).
func kmsKeyElsewhere(keyID, region string) string {
	if a, ok := parseARN(keyID); ok && a.service == "kms" && a.region != region {
		return a.region
	}
	return ""
}

// errKMSKeyElsewhere is the modeled KMSKeyNotAccessibleFault ("An error
// occurred accessing an Amazon Web Services KMS key") for a key of another
// Region.
func errKMSKeyElsewhere(keyID, keyRegion, region string) *apiError {
	return newErr("KMSKeyNotAccessibleFault", 400,
		"The KMS key %s is in %s; a resource in %s needs a KMS key of %s.", truncate(keyID, 256), keyRegion, region, region)
}

// secondaryEncryption checks what a secondary cluster joining the
// encrypted global cluster g needs, judged the way AWS can: SourceRegion
// never reaches AWS (the SDKs and the CLI turn it into PreSignedUrl), so a
// call without PreSignedUrl is one made without SourceRegion.
//
// "For an encrypted cluster, specify the --source-region option with a
// value that matches the primary AWS Region" (Aurora User Guide, Adding an
// AWS Region to an Aurora global database,
// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html#aurora-global-database-attaching),
// and "If you create a read replica of an encrypted DB cluster in another
// Amazon Web Services Region, make sure to set KmsKeyId to a KMS key
// identifier that is valid in the destination Amazon Web Services Region"
// (CreateDBCluster, KmsKeyId). The messages are those AWS answers
// (hashicorp/terraform#12985; hashicorp/terraform-provider-aws#13715, a
// secondary of an encrypted global cluster).
func (c *call) secondaryEncryption(g *GlobalCluster, writerARN string) *apiError {
	if !g.StorageEncrypted {
		return nil
	}
	if c.p.str("PreSignedUrl") == "" {
		return errParamCombination("Source cluster %s is encrypted; pre-signed URL has to be specified. Give SourceRegion (--source-region) %s so that the SDK signs one.",
			writerARN, regionOfARN(writerARN))
	}
	key := c.p.str("KmsKeyId")
	if key == "" {
		return errParamCombination("For encrypted cross-region replica, kmsKeyId should be explicitly specified: give KmsKeyId, a KMS key of %s.", c.region)
	}
	if r := kmsKeyElsewhere(key, c.region); r != "" {
		return errKMSKeyElsewhere(key, r, c.region)
	}
	return nil
}

// replicaEncryption checks a read replica of src made in the call's
// Region: a cross-Region replica of an encrypted source needs a KMS key of
// the destination Region. "If you create an encrypted read replica in a
// different Amazon Web Services Region, then you must specify a KMS key
// identifier for the destination Amazon Web Services Region"
// (CreateDBInstanceReadReplica, KmsKeyId); AWS answers "Cannot create a
// cross region unencrypted read replica from encrypted source."
// (terraform-aws-modules/terraform-aws-rds#428).
func (c *call) replicaEncryption(src *DBInstance) *apiError {
	if src.Region == c.region || !src.StorageEncrypted {
		return nil
	}
	key := c.p.str("KmsKeyId")
	if key == "" {
		return errParamCombination("Cannot create a cross region unencrypted read replica from encrypted source.")
	}
	if r := kmsKeyElsewhere(key, c.region); r != "" {
		return errKMSKeyElsewhere(key, r, c.region)
	}
	return nil
}

// regionOfARN is the Region part of an ARN ("" if s is not one).
func regionOfARN(s string) string {
	a, _ := parseARN(s)
	return a.region
}
