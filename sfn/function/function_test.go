package function

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"drorch/internal/motoserver"
	"drorch/resource/all"
	"drorch/sfn"
	"drorch/sfn/ops"
)

// invoke calls the handler the way the Lambda runtime does, through
// aws-lambda-go's handler, and returns the error response it would send.
func invokeLambda(t *testing.T, h *Handler, req any) ([]byte, *messages.InvokeResponse_Error) {
	t.Helper()
	payload, _ := json.Marshal(req)
	out, err := lambda.NewHandler(h.Invoke).Invoke(context.Background(), payload)
	if err == nil {
		return out, nil
	}
	var ie messages.InvokeResponse_Error
	if !errors.As(err, &ie) {
		t.Fatalf("error %T %v is not a Lambda error response", err, err)
	}
	return nil, &ie
}

// TestInvokeErrorType: a refused payload reaches Step Functions as an
// error whose type is drorch.BadInput, its message the problems.
func TestInvokeErrorType(t *testing.T) {
	t.Parallel()
	h := &Handler{F: &ops.Functions{Registry: all.Registry(), Settings: ops.Settings{Region: "us-west-2"}}}
	_, ie := invokeLambda(t, h, sfn.Request{Op: sfn.OpPrepare, Workflow: "failback",
		Execution: sfn.Execution{ID: "arn:aws:states:us-west-2:1:execution:m:e"},
		Input:     json.RawMessage(`{"StatePayload":[{"layer":1,"resources":[{"resourceType":"PromoteRDSReadReplica","resourceName":"p","parameters":{"RDSInstanceIdentifier":"db"}}]}]}`)})
	if ie == nil || ie.Type != sfn.ErrBadInput || !strings.Contains(ie.Message, "not run by the failback state machine") {
		t.Fatalf("error = %+v", ie)
	}
	_, ie = invokeLambda(t, h, map[string]string{"op": "step"})
	if ie == nil || ie.Type != sfn.ErrInternal {
		t.Fatalf("error = %+v", ie)
	}
}

// TestConfigFromEnv: a function deployed without its settings says
// which one is missing.
func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{"AWS_REGION": "us-west-2", "DRORCH_RUN_BUCKET": "b", "DRORCH_LOCK_TABLE": "t"}
	_, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "DRORCH_TOPIC_ARN is not set") {
		t.Fatalf("err = %v", err)
	}
	env["DRORCH_TOPIC_ARN"], env["DRORCH_FINGERPRINT_KEY"], env["DRORCH_POLLS_PER_SECOND"] = "arn", "k", "-1"
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "DRORCH_POLLS_PER_SECOND") {
		t.Fatalf("err = %v", err)
	}
	env["DRORCH_POLLS_PER_SECOND"] = "2.5"
	if c, err := ConfigFromEnv(func(k string) string { return env[k] }); err != nil || c.PollsPerSecond != 2.5 || c.LockTable != "t" {
		t.Fatalf("config %+v, %v", c, err)
	}
}

// TestAdaptersAgainstMoto runs prepare, finish and release through the
// real adapters (S3, package lock over DynamoDB, KMS HMAC fingerprints,
// SNS, SSM) against moto: the items and the run record land in the bucket,
// the lock refuses a second execution, a secret's value stays out of
// everything written, and finish gives the lock back; a release after it
// finds nothing left, and a release of an execution never prepared finds
// no record. Then the check op reads its payload from the bucket and keeps
// its state there, through the real S3 adapter.
func TestAdaptersAgainstMoto(t *testing.T) {
	endpoint := motoserver.Start(t)
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-west-2")
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("drorch-runs"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintUsWest2}}))
	must(dynamodb.NewFromConfig(cfg).CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("drorch-locks"),
		BillingMode:          ddb.BillingModePayPerRequest,
		AttributeDefinitions: []ddb.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddb.ScalarAttributeTypeS}},
		KeySchema:            []ddb.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddb.KeyTypeHash}}}))
	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecHmac256, KeyUsage: kmstypes.KeyUsageTypeGenerateVerifyMac})
	if err != nil {
		t.Fatal(err)
	}
	topic, err := sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("drorch-runs")})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "arn:aws:rds:us-west-2:123456789012:db:orders-replica"
	must(ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/dr/orders-arn"), Value: aws.String(secret),
		Type: ssmtypes.ParameterTypeSecureString}))

	env := map[string]string{"AWS_REGION": "us-west-2", "DRORCH_RUN_BUCKET": "drorch-runs", "DRORCH_LOCK_TABLE": "drorch-locks",
		"DRORCH_TOPIC_ARN": aws.ToString(topic.TopicArn), "DRORCH_FINGERPRINT_KEY": aws.ToString(key.KeyMetadata.KeyId)}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	h.F.Log = &log
	input := json.RawMessage(`{"StatePayload":[{"layer":1,"resources":[{"resourceType":"PromoteRDSReadReplica","resourceName":"orders",
	  "parameters":{"RDSInstanceIdentifier":"orders-replica","TargetClusterIdentifier":"resolve:ssm:/dr/orders-arn"}}]}]}`)
	ex := sfn.Execution{ID: "arn:aws:states:us-west-2:123456789012:execution:drorch-failover:first", Name: "first",
		StartTime: "2025-03-01T12:00:00Z"}
	out, ie := invokeLambda(t, h, sfn.Request{Op: sfn.OpPrepare, Workflow: "failover", Execution: ex, Input: input})
	if ie != nil {
		t.Fatalf("prepare: %+v", ie)
	}
	var p sfn.Progress
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	obj, err := h.F.Store.Get(ctx, p.Layer.Bucket, p.Layer.Key)
	if err != nil {
		t.Fatal(err)
	}
	var items []sfn.Item
	if err := json.Unmarshal(obj, &items); err != nil || len(items) != 1 || items[0].Secrets["TargetClusterIdentifier"].Fingerprint == "" {
		t.Fatalf("items = %s (%v)", obj, err)
	}
	if strings.Contains(string(out)+string(obj)+log.String(), secret) {
		t.Fatal("the secret value was written")
	}
	if err := h.F.CheckSecret(ctx, &items[0], "TargetClusterIdentifier", secret); err != nil {
		t.Errorf("KMS refused the same value: %v", err)
	}
	if err := h.F.CheckSecret(ctx, &items[0], "TargetClusterIdentifier", "other"); err == nil {
		t.Error("KMS accepted another value")
	}

	second := ex
	second.ID, second.Name = strings.Replace(ex.ID, "first", "second", 1), "second"
	if _, ie := invokeLambda(t, h, sfn.Request{Op: sfn.OpPrepare, Workflow: "failover", Execution: second, Input: input}); ie == nil ||
		ie.Type != sfn.ErrLocked || !strings.Contains(ie.Message, ex.ID) {
		t.Fatalf("second prepare: %+v", ie)
	}

	p.Status = sfn.StatusSucceeded
	out, ie = invokeLambda(t, h, sfn.Request{Op: sfn.OpFinish, Execution: ex, Progress: &p})
	if ie != nil {
		t.Fatalf("finish: %+v", ie)
	}
	var o sfn.Outcome
	if err := json.Unmarshal(out, &o); err != nil || o.Status != sfn.StatusSucceeded || !o.Notified {
		t.Fatalf("outcome = %s (%v)", out, err)
	}
	out, ie = invokeLambda(t, h, sfn.Request{Op: sfn.OpRelease, Execution: ex})
	if ie != nil || string(out) != `{"records":0}` {
		t.Fatalf("release after finish: %s %+v", out, ie)
	}
	if _, ie := invokeLambda(t, h, sfn.Request{Op: sfn.OpPrepare, Workflow: "failover", Execution: second, Input: input}); ie != nil {
		t.Fatalf("prepare after the release: %+v", ie)
	}
	out, ie = invokeLambda(t, h, sfn.Request{Op: sfn.OpRelease, Execution: second})
	if ie != nil || string(out) != `{"records":1}` {
		t.Fatalf("release of a prepared execution: %s %+v", out, ie)
	}
	never := ex
	never.ID = strings.Replace(ex.ID, "first", "never", 1)
	if out, ie = invokeLambda(t, h, sfn.Request{Op: sfn.OpRelease, Execution: never}); ie != nil || string(out) != `{"records":0}` {
		t.Fatalf("release of an execution never prepared: %s %+v", out, ie)
	}
	checkAgainstMoto(t, h, cfg, input, secret)
}

// checkAgainstMoto runs the check op with its payload in moto's S3: moto
// has no such replica, so the payload is not ready; the first check tells
// the topic, the second, reading the state the first wrote, does not.
func checkAgainstMoto(t *testing.T, h *Handler, cfg aws.Config, payload []byte, secret string) {
	ctx := context.Background()
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("drorch-runs"), Key: aws.String(payloadKey),
		Body: bytes.NewReader(payload)}); err != nil {
		t.Fatal(err)
	}
	req := sfn.Request{Op: sfn.OpCheck, PayloadKey: payloadKey, Workflow: "failover"}
	var first, second sfn.Checked
	for i, c := range []*sfn.Checked{&first, &second} {
		out, ie := invokeLambda(t, h, req)
		if ie != nil {
			t.Fatalf("check %d: %+v", i+1, ie)
		}
		if err := json.Unmarshal(out, c); err != nil {
			t.Fatal(err)
		}
	}
	if first.Ready || !first.Notified || second.Ready || second.Notified || !strings.Contains(strings.Join(first.Failures, "\n"), "[exists]") {
		t.Fatalf("checks %+v\n%+v", first, second)
	}
	obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("drorch-runs"), Key: aws.String(first.StateKey)})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	state, _ := io.ReadAll(obj.Body)
	if !strings.Contains(string(state), `"told":{"notReady":true`) || strings.Contains(string(state), secret) {
		t.Errorf("state object %s", state)
	}
	req.PayloadKey = "checks/payloads/missing.json"
	if _, ie := invokeLambda(t, h, req); ie == nil || ie.Type != sfn.ErrBadInput || !strings.Contains(ie.Message, "does not exist") {
		t.Errorf("missing payload: %+v", ie)
	}
}
