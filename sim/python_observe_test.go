package sim_test

import "testing"

// CloudWatch (RPC v2 CBOR) and IAM SimulatePrincipalPolicy through boto3 and
// the AWS CLI; runScript fails instead of skipping when
// DRORCH_REQUIRE_PYTHON=1.

func TestBoto3ObserveConformance(t *testing.T) {
	t.Parallel()
	runScript(t, "observe_boto3.py")
}

func TestAWSCLIObserveConformance(t *testing.T) {
	t.Parallel()
	runScript(t, "observe_cli.py", "aws")
}
