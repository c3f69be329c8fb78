// Command drorch-lambda is drorch's Step Functions function: the state
// machines that `drorch sfn asl` prints (and deploy/ deploys) invoke it
// with {"op": "prepare" | "step" | "layer" | "finish" | "release", ...};
// the contract is package sfn's doc. Package sfn/function wires AWS to the
// operations; this command serves it with aws-lambda-go. It links no
// SQLite (internal/archtest checks its dependencies).
//
// Configuration, from the environment the template sets:
//
//	AWS_REGION                the region the function runs in (set by Lambda)
//	DRORCH_RUN_BUCKET         the bucket of the runs' items and records
//	DRORCH_LOCK_TABLE         the DynamoDB lock table
//	DRORCH_TOPIC_ARN          the SNS topic for the runs' ends
//	DRORCH_FINGERPRINT_KEY    the KMS HMAC key that fingerprints secrets
//	DRORCH_POLLS_PER_SECOND   a layer's poll rate (default 5)
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"drorch/sfn/function"
)

func main() {
	ctx := context.Background()
	c, err := function.ConfigFromEnv(os.Getenv)
	var h *function.Handler
	if err == nil {
		h, err = function.New(ctx, c)
	}
	if err != nil {
		// The runtime reports the failed init; the log says why.
		line, _ := json.Marshal(map[string]string{"event": "init.failed", "error": err.Error()})
		fmt.Fprintln(os.Stderr, string(line))
		os.Exit(1)
	}
	lambda.Start(h.Invoke)
}
