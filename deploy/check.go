package deploy

import "drorch/sfn/ops"

// CheckStatements are the IAM statements the function's check op needs
// beyond a run's (the check is package readiness, read-only, on the
// function's own role):
//
//   - the describe calls of its health, parity and exists checks, on the
//     primary side too, in whichever region it lives;
//   - CloudWatch's replication lag (GetMetricData has no resource-level
//     permission: CloudWatch UG, "Actions, resources, and condition keys
//     for Amazon CloudWatch");
//   - IAM's policy simulator, asked about the function's own role only;
//   - SSM parameters of the other regions, where the payload is resolved
//     again to compare the shared values (a run reads only its own
//     region's), SecureStrings decrypted through SSM only;
//   - its state objects in the run bucket. The scheduled payload's key is
//     granted apart, only when a schedule is set (FunctionCheckPayloadPolicy);
//   - sts:GetCallerIdentity, which the call itself does not need (STS API
//     reference, GetCallerIdentity), but which the payload's policy lists
//     (runner.Policy), so that the check asks IAM's policy simulator about
//     it, and the simulator denies what no statement allows.
func CheckStatements() []Statement {
	return []Statement{
		{Sid: "CheckDescribe", Action: []string{"rds:DescribeDBClusters", "rds:DescribeDBInstances"},
			Resource: []string{"arn:${AWS::Partition}:rds:*:${AWS::AccountId}:cluster:*", "arn:${AWS::Partition}:rds:*:${AWS::AccountId}:db:*"}},
		{Sid: "CheckDescribeGlobal", Action: []string{"rds:DescribeGlobalClusters"},
			Resource: []string{"arn:${AWS::Partition}:rds::${AWS::AccountId}:global-cluster:*"}},
		{Sid: "CheckDescribeDatastores", Action: []string{"elasticache:DescribeGlobalReplicationGroups"},
			Resource: []string{"arn:${AWS::Partition}:elasticache::${AWS::AccountId}:globalreplicationgroup:*"}},
		{Sid: "CheckLag", Action: []string{"cloudwatch:GetMetricData"}, Resource: []string{"*"}},
		{Sid: "CheckPermissions", Action: []string{"iam:SimulatePrincipalPolicy"}, Resource: []string{"${FunctionRole.Arn}"}},
		{Sid: "CheckIdentity", Action: []string{"sts:GetCallerIdentity"}, Resource: []string{"*"}},
		{Sid: "CheckOtherRegionParameters", Action: []string{"ssm:GetParameter"},
			Resource: []string{"arn:${AWS::Partition}:ssm:*:${AWS::AccountId}:parameter/*"}},
		{Sid: "CheckOtherRegionSecureStrings", Action: []string{"kms:Decrypt"},
			Resource:  []string{"arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*"},
			Condition: map[string]map[string]string{"StringLike": {"kms:ViaService": "ssm.*.amazonaws.com"}}},
		{Sid: "CheckState", Action: []string{"s3:GetObject", "s3:PutObject"},
			Resource: []string{"${RunBucket.Arn}/" + ops.CheckStatePrefix + "*"}},
	}
}
