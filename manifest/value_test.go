package manifest_test

import (
	"errors"
	"strings"
	"testing"

	"drorch/manifest"
)

func intp(n int) *int { return &n }

func TestCheckValue(t *testing.T) {
	t.Parallel()
	port := manifest.ParamSpec{Name: "Port", Kind: manifest.KindInt, Min: intp(1150), Max: intp(65535), Example: "3306"}
	tests := []struct {
		name  string
		spec  manifest.ParamSpec
		value string
		want  string // "" for valid, else the error's text (message; fix)
	}{
		{"identifier", manifest.ParamSpec{Kind: manifest.KindIdentifier}, "dbcluster-02", ""},
		{"identifier, capitals", manifest.ParamSpec{Kind: manifest.KindIdentifier}, "DbCluster2", ""},
		{"identifier, digit first", manifest.ParamSpec{Kind: manifest.KindIdentifier, Example: "db-1"}, "2db", `"2db" is not a valid identifier: it must start with a letter; write an identifier (letters, digits and single hyphens, starting with a letter), e.g. db-1`},
		{"identifier, trailing hyphen", manifest.ParamSpec{Kind: manifest.KindIdentifier}, "db-", `"db-" is not a valid identifier: it must not end with a hyphen; write an identifier (letters, digits and single hyphens, starting with a letter)`},
		{"identifier, double hyphen", manifest.ParamSpec{Kind: manifest.KindIdentifier}, "db--1", `"db--1" is not a valid identifier: it must not contain two hyphens in a row; write an identifier (letters, digits and single hyphens, starting with a letter)`},
		{"identifier, underscore", manifest.ParamSpec{Kind: manifest.KindIdentifier}, "db_1", `"db_1" is not a valid identifier: it contains '_': only letters, digits and hyphens are allowed; write an identifier (letters, digits and single hyphens, starting with a letter)`},
		{"identifier, too long", manifest.ParamSpec{Kind: manifest.KindIdentifier}, "a" + strings.Repeat("b", 255), `"a` + strings.Repeat("b", 116) + `..." is not a valid identifier: it is 256 characters long, more than 255; write an identifier (letters, digits and single hyphens, starting with a letter)`},
		{"identifier, 255 is fine", manifest.ParamSpec{Kind: manifest.KindIdentifier}, "a" + strings.Repeat("b", 254), ""},
		{"empty", manifest.ParamSpec{Kind: manifest.KindString, Example: "x"}, "", `"" is empty; write a non-empty value, e.g. x`},
		{"spaces around", manifest.ParamSpec{Kind: manifest.KindRegion}, " us-east-1", `" us-east-1" has leading or trailing spaces; write "us-east-1"`},
		{"bool True", manifest.ParamSpec{Kind: manifest.KindBool}, "True", ""},
		{"bool fALSE", manifest.ParamSpec{Kind: manifest.KindBool}, "fALSE", ""},
		{"bool maybe", manifest.ParamSpec{Kind: manifest.KindBool}, "maybe", `"maybe" is not a boolean; write "True" or "False"`},
		{"bool 1", manifest.ParamSpec{Kind: manifest.KindBool}, "1", `"1" is not a boolean; write "True" or "False"`},
		{"int", port, "3306", ""},
		{"int, bounds", port, "65535", ""},
		{"int, too big", port, "70000", `"70000" is out of range (1150 to 65535); write a whole number from 1150 to 65535, e.g. 3306`},
		{"int, too small", port, "80", `"80" is out of range (1150 to 65535); write a whole number from 1150 to 65535, e.g. 3306`},
		{"int, not a number", port, "33o6", `"33o6" is not a whole number; write a whole number from 1150 to 65535, e.g. 3306`},
		{"int, plus sign", port, "+3306", `"+3306" is not a whole number; write a whole number from 1150 to 65535, e.g. 3306`},
		{"int, overflow", manifest.ParamSpec{Kind: manifest.KindInt}, "99999999999999999999999", `"99999999999999999999999" is not a whole number; write a whole number`},
		{"int, only a minimum", manifest.ParamSpec{Kind: manifest.KindInt, Min: intp(1)}, "0", `"0" is out of range (at least 1); write a whole number`},
		{"int, enum", manifest.ParamSpec{Kind: manifest.KindInt, Enum: []string{"0", "60"}}, "30", `"30" is not one of 0 or 60; write one of 0 or 60`},
		{"enum, case", manifest.ParamSpec{Kind: manifest.KindString, Enum: []string{"aurora-mysql", "aurora-postgresql"}}, "Aurora-MySQL", `"Aurora-MySQL" is not one of aurora-mysql or aurora-postgresql; write "aurora-mysql" (the case matters)`},
		{"region", manifest.ParamSpec{Kind: manifest.KindRegion}, "us-gov-west-1", ""},
		{"region, iso", manifest.ParamSpec{Kind: manifest.KindRegion}, "us-isob-east-1", ""},
		{"region, future", manifest.ParamSpec{Kind: manifest.KindRegion}, "xx-newplace-9", ""},
		{"region, typo", manifest.ParamSpec{Kind: manifest.KindRegion}, "us-wset2", `"us-wset2" is not an AWS region name; did you mean us-west-2?`},
		{"region, capitals", manifest.ParamSpec{Kind: manifest.KindRegion}, "US-EAST-1", `"US-EAST-1" is not an AWS region name; did you mean us-east-1?`},
		{"region, zone", manifest.ParamSpec{Kind: manifest.KindRegion}, "eu-west-1b", `"eu-west-1b" is not an AWS region name: it is an availability zone; write the region, eu-west-1`},
		{"region, name", manifest.ParamSpec{Kind: manifest.KindRegion, Example: "us-west-2"}, "Oregon", `"Oregon" is not an AWS region name; write an AWS region name, e.g. us-west-2`},
		{"cluster ARN", manifest.ParamSpec{Kind: manifest.KindClusterARN}, "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02", ""},
		{"cluster ARN, gov", manifest.ParamSpec{Kind: manifest.KindClusterARN}, "arn:aws-us-gov:rds:us-gov-west-1:123456789012:cluster:c", ""},
		{"cluster ARN, an id", manifest.ParamSpec{Kind: manifest.KindClusterARN}, "dbcluster-02", `"dbcluster-02" is not a DB cluster ARN: it is an identifier, not an ARN; write the ARN, arn:aws:rds:<region>:<account>:cluster:dbcluster-02`},
		{"cluster ARN, instance", manifest.ParamSpec{Kind: manifest.KindClusterARN}, "arn:aws:rds:us-west-2:123456789012:db:x", `"arn:aws:rds:us-west-2:123456789012:db:x" is not a DB cluster ARN: it is a DB instance ARN (resource type "db"); write a DB cluster ARN, arn:aws:rds:<region>:<account>:cluster:<cluster-id>`},
		{"cluster ARN, global cluster", manifest.ParamSpec{Kind: manifest.KindClusterARN}, "arn:aws:rds::123456789012:global-cluster:g", `"arn:aws:rds::123456789012:global-cluster:g" is not a DB cluster ARN: it is a global cluster ARN (resource type "global-cluster"); write a DB cluster ARN, arn:aws:rds:<region>:<account>:cluster:<cluster-id>`},
		{"cluster ARN, no region", manifest.ParamSpec{Kind: manifest.KindClusterARN}, "arn:aws:rds::123456789012:cluster:c", `"arn:aws:rds::123456789012:cluster:c" is not a DB cluster ARN: the region is empty; write a DB cluster ARN, arn:aws:rds:<region>:<account>:cluster:<cluster-id>`},
		{"cluster ARN, service", manifest.ParamSpec{Kind: manifest.KindClusterARN}, "arn:aws:docdb:us-west-2:123456789012:cluster:x", `"arn:aws:docdb:us-west-2:123456789012:cluster:x" is not a DB cluster ARN: the service "docdb" is not "rds"; write a DB cluster ARN, arn:aws:rds:<region>:<account>:cluster:<cluster-id>`},
		{"cluster ARN, region", manifest.ParamSpec{Kind: manifest.KindClusterARN}, "arn:aws:rds:uswest2:123456789012:cluster:x", `"arn:aws:rds:uswest2:123456789012:cluster:x" is not a DB cluster ARN: the region "uswest2" is not an AWS region name; write a DB cluster ARN, arn:aws:rds:<region>:<account>:cluster:<cluster-id>`},
		{"cluster ARN, account", manifest.ParamSpec{Kind: manifest.KindClusterARN}, "arn:aws:rds:us-west-2:xxxxxxxxxxx:cluster:x", `"arn:aws:rds:us-west-2:xxxxxxxxxxx:cluster:x" is not a DB cluster ARN: the account "xxxxxxxxxxx" is not a 12-digit account id; write a DB cluster ARN, arn:aws:rds:<region>:<account>:cluster:<cluster-id>`},
		{"cluster ARN, id", manifest.ParamSpec{Kind: manifest.KindClusterARN}, "arn:aws:rds:us-west-2:123456789012:cluster:db_1", `"arn:aws:rds:us-west-2:123456789012:cluster:db_1" is not a DB cluster ARN: the resource id "db_1" contains '_': only letters, digits and hyphens are allowed; write a DB cluster ARN, arn:aws:rds:<region>:<account>:cluster:<cluster-id>`},
		{"cluster ARN, partition", manifest.ParamSpec{Kind: manifest.KindClusterARN}, "arn:azure:rds:us-west-2:123456789012:cluster:x", `"arn:azure:rds:us-west-2:123456789012:cluster:x" is not a DB cluster ARN: the partition "azure" is not an AWS partition (aws, aws-cn, aws-us-gov, ...); write a DB cluster ARN, arn:aws:rds:<region>:<account>:cluster:<cluster-id>`},
		{"cluster ARN, short", manifest.ParamSpec{Kind: manifest.KindClusterARN}, "arn:aws:rds:us-west-2", `"arn:aws:rds:us-west-2" is not a DB cluster ARN: the resource is missing: an ARN has six parts, arn:<partition>:<service>:<region>:<account>:<resource>, this one has 4; write a DB cluster ARN, arn:aws:rds:<region>:<account>:cluster:<cluster-id>`},
		{"instance ARN", manifest.ParamSpec{Kind: manifest.KindInstanceARN}, "arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance", ""},
		{"instance ARN, cluster", manifest.ParamSpec{Kind: manifest.KindInstanceARN}, "arn:aws:rds:us-west-2:123456789012:cluster:c", `"arn:aws:rds:us-west-2:123456789012:cluster:c" is not a DB instance ARN: it is a DB cluster ARN (resource type "cluster"); write a DB instance ARN, arn:aws:rds:<region>:<account>:db:<instance-id>`},
		{"role ARN", manifest.ParamSpec{Kind: manifest.KindRoleARN}, "arn:aws:iam::123456789012:role/service-role/rds-monitoring", ""},
		{"role ARN, region", manifest.ParamSpec{Kind: manifest.KindRoleARN}, "arn:aws:iam:us-east-1:123456789012:role/x", `"arn:aws:iam:us-east-1:123456789012:role/x" is not an IAM role ARN: the region "us-east-1" must be empty for iam; write an IAM role ARN, arn:aws:iam::<account>:role/<name>`},
		{"role ARN, user", manifest.ParamSpec{Kind: manifest.KindRoleARN}, "arn:aws:iam::123456789012:user/bob", `"arn:aws:iam::123456789012:user/bob" is not an IAM role ARN: it is an IAM user ARN (resource type "user"); write an IAM role ARN, arn:aws:iam::<account>:role/<name>`},
		{"role ARN, a name", manifest.ParamSpec{Kind: manifest.KindRoleARN}, "rds-monitoring-role", `"rds-monitoring-role" is not an IAM role ARN: it is an identifier, not an ARN; write an IAM role ARN, arn:aws:iam::<account>:role/<name>`},
		{"KMS key id", manifest.ParamSpec{Kind: manifest.KindKMSKey}, "1234abcd-12ab-34cd-56ef-1234567890ab", ""},
		{"KMS multi-region id", manifest.ParamSpec{Kind: manifest.KindKMSKey}, "mrk-1234abcd12ab34cd56ef1234567890ab", ""},
		{"KMS alias", manifest.ParamSpec{Kind: manifest.KindKMSKey}, "alias/aws/rds", ""},
		{"KMS key ARN", manifest.ParamSpec{Kind: manifest.KindKMSKey}, "arn:aws:kms:us-west-2:123456789012:key/1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6", ""},
		{"KMS alias ARN", manifest.ParamSpec{Kind: manifest.KindKMSKey}, "arn:aws:kms:us-west-2:123456789012:alias/dr", ""},
		{"KMS, bad key id in ARN", manifest.ParamSpec{Kind: manifest.KindKMSKey}, "arn:aws:kms:us-west-2:123456789012:key/abc", `"arn:aws:kms:us-west-2:123456789012:key/abc" is not a KMS key id, alias or ARN: the key id "abc" is not a key id (a UUID, or mrk- and 32 hex digits); write a KMS key id, alias/<name>, or a key or alias ARN`},
		{"KMS, a name", manifest.ParamSpec{Kind: manifest.KindKMSKey}, "my-key", `"my-key" is not a KMS key id, alias or ARN; write a KMS key id, alias/<name>, or a key or alias ARN`},
		{"KMS, bad alias", manifest.ParamSpec{Kind: manifest.KindKMSKey}, "alias/my key", `"alias/my key" is not a KMS key id, alias or ARN: an alias name may only hold letters, digits, /, _ and -; write a KMS key id, alias/<name>, or a key or alias ARN`},
		{"security groups", manifest.ParamSpec{Kind: manifest.KindSecurityGroups}, "sg-0a1b2c3d, sg-0a1b2c3d4e5f60001", ""},
		{"security groups, short", manifest.ParamSpec{Kind: manifest.KindSecurityGroups}, "sg-123", `"sg-123" is not a list of security group ids: a security group id is sg- followed by 8 or 17 hex digits; write security group ids (sg-...), separated by commas`},
		{"security groups, empty item", manifest.ParamSpec{Kind: manifest.KindSecurityGroups}, "sg-0a1b2c3d,,sg-0a1b2c3d", `"sg-0a1b2c3d,,sg-0a1b2c3d" is not a list of security group ids: item 2 is empty; write security group ids (sg-...), separated by commas`},
		{"instance class", manifest.ParamSpec{Kind: manifest.KindInstanceClass}, "db.r6g.2xlarge", ""},
		{"instance class, serverless", manifest.ParamSpec{Kind: manifest.KindInstanceClass}, "db.serverless", ""},
		{"instance class, no prefix", manifest.ParamSpec{Kind: manifest.KindInstanceClass}, "r5.large", `"r5.large" is not a DB instance class: it must start with "db."; write "db.r5.large"`},
		{"instance class, capitals", manifest.ParamSpec{Kind: manifest.KindInstanceClass}, "db.R5.Large", `"db.R5.Large" is not a DB instance class: it must look like db.<family>.<size>, in lower case; write a DB instance class, db.<family>.<size>`},
		{"string", manifest.ParamSpec{Kind: manifest.KindString}, "8.0.mysql_aurora.3.05.2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := manifest.CheckValue(tt.spec, tt.value)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckValue(%q) = %v, want nil", tt.value, err)
			case tt.want != "" && err == nil:
				t.Errorf("CheckValue(%q) = nil, want %s", tt.value, tt.want)
			case tt.want != "" && err.Error() != tt.want:
				t.Errorf("CheckValue(%q) =\n%s\nwant\n%s", tt.value, err, tt.want)
			}
			var ve *manifest.ValueError
			if err != nil && (!errors.As(err, &ve) || ve.Value != tt.value) {
				t.Errorf("error %T does not carry the value", err)
			}
		})
	}
}

func TestValueErrorResolved(t *testing.T) {
	t.Parallel()
	spec := manifest.ParamSpec{Name: "DBClusterIdentifier", Kind: manifest.KindClusterARN, Example: "arn:aws:rds:us-west-2:123456789012:cluster:c"}
	const secret = "arn:aws:rds:us-west-2:999999999999:cluster:hunter2-secret"
	var ve *manifest.ValueError
	if !errors.As(manifest.CheckValue(spec, "arn:aws:rds:us-west-2:123456789012:db:x"), &ve) {
		t.Fatal("no ValueError")
	}
	msg, fix := ve.Resolved("!Import x", false)
	if want := `!Import x resolved to "arn:aws:rds:us-west-2:123456789012:db:x", which is not a DB cluster ARN: it is a DB instance ARN (resource type "db")`; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
	if !strings.HasPrefix(fix, "correct the referenced value or reference another one: write a DB cluster ARN") {
		t.Errorf("fix %q", fix)
	}
	if !errors.As(manifest.CheckValue(spec, strings.Replace(secret, ":cluster:", ":db:", 1)), &ve) {
		t.Fatal("no ValueError")
	}
	msg, fix = ve.Resolved("resolve:ssm:/x", true)
	if strings.Contains(msg+fix, "hunter2") || strings.Contains(msg+fix, "999999999999") {
		t.Errorf("secret leaked: %q / %q", msg, fix)
	}
	if want := "resolve:ssm:/x resolved to a SecureString value, which is not a DB cluster ARN"; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
}

func TestParseARN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    manifest.ARN
		wantErr string
	}{
		{in: "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02", want: manifest.ARN{"aws", "rds", "us-west-2", "123456789012", "cluster", "dbcluster-02"}},
		{in: "arn:aws:iam::123456789012:role/path/name", want: manifest.ARN{"aws", "iam", "", "123456789012", "role", "path/name"}},
		{in: "arn:aws-cn:kms:cn-north-1:123456789012:key/abc", want: manifest.ARN{"aws-cn", "kms", "cn-north-1", "123456789012", "key", "abc"}},
		{in: "arn:aws:s3:::bucket", want: manifest.ARN{"aws", "s3", "", "", "", "bucket"}},
		{in: "dbcluster-02", wantErr: `the prefix is missing: an ARN starts with "arn:"`},
		{in: "arn:aws:rds", wantErr: "the resource is missing: an ARN has six parts, arn:<partition>:<service>:<region>:<account>:<resource>, this one has 3"},
		{in: "arn:gcp:rds:us-west-2:1:db:x", wantErr: `the partition "gcp" is not an AWS partition (aws, aws-cn, aws-us-gov, ...)`},
		{in: "arn:aws::us-west-2:1:db:x", wantErr: "the service is empty"},
		{in: "arn:aws:rds:us-west-2:1:", wantErr: "the resource is empty"},
	}
	for _, tt := range tests {
		got, err := manifest.ParseARN(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseARN(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseARN(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if got.String() != tt.in {
			t.Errorf("ARN.String() = %q, want %q", got.String(), tt.in)
		}
	}
}

func TestParseRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    manifest.Ref
		ssmName string
		wantErr string
	}{
		{in: "dbcluster-02", want: manifest.Ref{Kind: manifest.RefNone, Raw: "dbcluster-02"}},
		{in: "!Import my-export", want: manifest.Ref{Kind: manifest.RefImport, Raw: "!Import my-export", Name: "my-export"}},
		{in: "  !Import \t my-export  ", want: manifest.Ref{Kind: manifest.RefImport, Raw: "  !Import \t my-export  ", Name: "my-export"}},
		{in: "resolve:ssm:/dr/db-id", want: manifest.Ref{Kind: manifest.RefSSM, Raw: "resolve:ssm:/dr/db-id", Name: "/dr/db-id"}, ssmName: "/dr/db-id"},
		{in: "resolve:ssm:/dr/db-id:12", want: manifest.Ref{Kind: manifest.RefSSM, Raw: "resolve:ssm:/dr/db-id:12", Name: "/dr/db-id", Version: 12}, ssmName: "/dr/db-id:12"},
		{in: "resolve:ssm:arn:aws:ssm:us-east-1:123456789012:parameter/x", want: manifest.Ref{Kind: manifest.RefSSM, Raw: "resolve:ssm:arn:aws:ssm:us-east-1:123456789012:parameter/x", Name: "arn:aws:ssm:us-east-1:123456789012:parameter/x"}, ssmName: "arn:aws:ssm:us-east-1:123456789012:parameter/x"},
		{in: "!Import", wantErr: "!Import without an export name; write !Import <export-name>"},
		{in: "!Import a b", wantErr: `export name "a b" contains spaces; write !Import <export-name>, one name without spaces`},
		{in: "!ImportValue x", wantErr: "unknown reference !ImportValue; did you mean !Import x?"},
		{in: "!import x", wantErr: "unknown reference !import; did you mean !Import x?"},
		{in: "!GetAtt Db.Arn", wantErr: "unknown reference !GetAtt; write !Import <export-name> for an export, or quote the text differently if it is a literal"},
		{in: "resolve:ssm:", wantErr: "resolve:ssm: without a parameter name; write resolve:ssm:<name> or resolve:ssm:<name>:<version>"},
		{in: "resolve:ssm:/x:0", wantErr: `SSM parameter version "0" is not a positive number; write resolve:ssm:<name>:<version>, versions count from 1`},
		{in: "resolve:ssm:/my param", wantErr: `"/my param" is not an SSM parameter name; SSM names hold letters, digits and _.-/ only: write resolve:ssm:/path/name`},
		{in: "{{resolve:ssm:/x:1}}", wantErr: "CloudFormation dynamic-reference braces are not part of drorch's form; write resolve:ssm:/x:1 without the braces"},
		{in: "Resolve:SSM:/x", wantErr: "the reference prefix is written in the wrong case; write resolve:ssm:<name> in lower case"},
	}
	for _, tt := range tests {
		got, err := manifest.ParseRef(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseRef(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if tt.ssmName != "" && got.SSMName() != tt.ssmName {
			t.Errorf("SSMName() = %q, want %q", got.SSMName(), tt.ssmName)
		}
	}
}
