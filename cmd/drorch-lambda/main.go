// Command drorch-lambda is drorch's Step Functions function: the state
// machines that `drorch sfn asl` prints (and deploy/ deploys) invoke it
// with {"op": "prepare" | "step" | "layer" | "finish", ...}; the contract
// is package sfn's doc. It wires AWS (the awsapi adapter, S3, KMS, the
// DynamoDB lock table, SNS) to package sfn/ops and serves it with
// aws-lambda-go. It links no SQLite (a test checks its dependencies).
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
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"drorch/awsapi"
	"drorch/internal/clock"
	"drorch/resource/all"
	"drorch/sfn"
	"drorch/sfn/ops"
)

func main() {
	h, err := newHandler(context.Background(), os.Getenv)
	if err != nil {
		// The runtime reports the failed init; the log says why.
		line, _ := json.Marshal(map[string]string{"event": "init.failed", "error": err.Error()})
		fmt.Fprintln(os.Stderr, string(line))
		os.Exit(1)
	}
	lambda.Start(h.invoke)
}

// handler is the function: the operations and their adapters.
type handler struct {
	f *ops.Functions
}

// newHandler reads the configuration and builds the adapters.
func newHandler(ctx context.Context, getenv func(string) string) (*handler, error) {
	need := func(name string) (string, error) {
		v := getenv(name)
		if v == "" {
			return "", fmt.Errorf("%s is not set: deploy the function with deploy/template.yaml, which sets it", name)
		}
		return v, nil
	}
	var settings ops.Settings
	var table, topic, key string
	var err error
	for _, v := range []struct {
		dst  *string
		name string
	}{{&settings.Region, "AWS_REGION"}, {&settings.Bucket, "DRORCH_RUN_BUCKET"}, {&table, "DRORCH_LOCK_TABLE"},
		{&topic, "DRORCH_TOPIC_ARN"}, {&key, "DRORCH_FINGERPRINT_KEY"}} {
		if *v.dst, err = need(v.name); err != nil {
			return nil, err
		}
	}
	if s := getenv("DRORCH_POLLS_PER_SECOND"); s != "" {
		if settings.PollsPerSecond, err = strconv.ParseFloat(s, 64); err != nil || settings.PollsPerSecond <= 0 {
			return nil, fmt.Errorf("DRORCH_POLLS_PER_SECOND %q: write a positive number", s)
		}
	}
	clients, err := awsapi.New(ctx, awsapi.Config{Region: settings.Region})
	if err != nil {
		return nil, fmt.Errorf("set up AWS clients: %w", err)
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(settings.Region))
	if err != nil {
		return nil, fmt.Errorf("load the AWS configuration: %w", err)
	}
	return &handler{f: &ops.Functions{
		Registry:     all.Registry(),
		Exports:      clients.Refs(),
		Parameters:   clients.Refs(),
		Identity:     clients.Identity(),
		Locks:        &lease{db: dynamodb.NewFromConfig(cfg), table: table, now: clock.Real().Now},
		Store:        &bucketStore{s3: s3.NewFromConfig(cfg)},
		Notify:       topicNotifier{clients: clients, region: settings.Region, topic: topic},
		Fingerprints: &kmsKey{kms: kms.NewFromConfig(cfg), keyID: key},
		Settings:     settings,
		Log:          os.Stdout,
		Clock:        clock.Real(),
	}}, nil
}

// invoke serves one invocation. A failure is returned as Lambda's error
// response with the sfn error name as its type: what Step Functions shows
// as the state's Error, and what Retry and Catch match.
func (h *handler) invoke(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
	out, err := h.f.Handle(ctx, payload)
	if err != nil {
		var se *sfn.Error
		if errors.As(err, &se) {
			return nil, messages.InvokeResponse_Error{Type: se.Name, Message: se.Message}
		}
		return nil, messages.InvokeResponse_Error{Type: sfn.ErrInternal, Message: err.Error()}
	}
	return out, nil
}

// topicNotifier publishes to the run topic through awsapi.
type topicNotifier struct {
	clients *awsapi.Clients
	region  string
	topic   string
}

func (n topicNotifier) Publish(ctx context.Context, subject, message string) error {
	return n.clients.Notifier().Publish(ctx, n.region, n.topic, subject, message)
}
