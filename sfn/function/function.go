// Package function is drorch's Step Functions Lambda function, as
// cmd/drorch-lambda serves it with aws-lambda-go: its configuration (the
// environment deploy/template.yaml sets), its adapters (awsapi for the
// databases, references, identity, SNS, CloudWatch's replication lag and
// IAM's policy simulator; S3 for the run bucket; KMS for
// the fingerprint key; package lock over the DynamoDB lock table), and
// Invoke, which answers one invocation of sfn/ops as Step Functions expects
// it. It is a package of its own so that tests run the real handler the
// way the Lambda runtime does (lambda.NewHandler(h.Invoke).Invoke) against
// drorch's simulator. It links no SQLite.
package function

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"drorch/awsapi"
	"drorch/internal/clock"
	"drorch/lock"
	"drorch/lock/dynamolock"
	"drorch/notify"
	"drorch/resource/all"
	"drorch/sfn"
	"drorch/sfn/ops"
)

// Config is the function's configuration.
type Config struct {
	// Region is where the function runs (AWS_REGION, set by Lambda).
	Region string
	// Bucket holds the runs' items and records (DRORCH_RUN_BUCKET).
	Bucket string
	// LockTable is the DynamoDB lock table (DRORCH_LOCK_TABLE).
	LockTable string
	// Topic is the SNS topic of the runs' ends (DRORCH_TOPIC_ARN).
	Topic string
	// FingerprintKey is the KMS HMAC key of secrets' fingerprints
	// (DRORCH_FINGERPRINT_KEY).
	FingerprintKey string
	// PollsPerSecond is a layer's poll rate (DRORCH_POLLS_PER_SECOND;
	// 0: sfn.DefaultPollsPerSecond).
	PollsPerSecond float64
	// EndpointURL sends every AWS call to one endpoint (tests: drorch's
	// simulator); Credentials replaces the credential chain. Deployed,
	// both are empty.
	EndpointURL string
	Credentials aws.CredentialsProvider
}

// ConfigFromEnv reads the configuration deploy/template.yaml sets.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	for _, v := range []struct {
		dst  *string
		name string
	}{{&c.Region, "AWS_REGION"}, {&c.Bucket, "DRORCH_RUN_BUCKET"}, {&c.LockTable, "DRORCH_LOCK_TABLE"},
		{&c.Topic, "DRORCH_TOPIC_ARN"}, {&c.FingerprintKey, "DRORCH_FINGERPRINT_KEY"}} {
		if *v.dst = getenv(v.name); *v.dst == "" {
			return Config{}, fmt.Errorf("%s is not set: deploy the function with deploy/template.yaml, which sets it", v.name)
		}
	}
	if s := getenv("DRORCH_POLLS_PER_SECOND"); s != "" {
		var err error
		if c.PollsPerSecond, err = strconv.ParseFloat(s, 64); err != nil || c.PollsPerSecond <= 0 {
			return Config{}, fmt.Errorf("DRORCH_POLLS_PER_SECOND %q: write a positive number", s)
		}
	}
	return c, nil
}

// Handler is the function: the operations and their adapters.
type Handler struct {
	// F is the operations. Tests may replace adapters the simulator does
	// not serve (the run bucket, the fingerprint key).
	F *ops.Functions
}

// New builds the adapters of c. It makes no network call.
func New(ctx context.Context, c Config) (*Handler, error) {
	clients, err := awsapi.New(ctx, awsapi.Config{Region: c.Region, EndpointURL: c.EndpointURL, Credentials: c.Credentials})
	if err != nil {
		return nil, fmt.Errorf("set up AWS clients: %w", err)
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(c.Region)}
	if c.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(c.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load the AWS configuration: %w", err)
	}
	endpoint := func(base **string) {
		if c.EndpointURL != "" {
			*base = aws.String(c.EndpointURL)
		}
	}
	topic, err := notify.NewSNS(clients.Notifier(), c.Topic)
	if err != nil {
		return nil, fmt.Errorf("DRORCH_TOPIC_ARN: %w", err)
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { endpoint(&o.BaseEndpoint) })
	reads := clients.Reads()
	return &Handler{F: &ops.Functions{
		Registry:   all.Registry(),
		Exports:    clients.Refs(),
		Parameters: clients.Refs(),
		Identity:   clients.Identity(),
		Reader:     reads,
		Batch:      reads,
		Executor:   clients.Calls(),
		// The lease is sized to the run's longest length and released by
		// finish (ops.Prepare): no renewal, no clock of its own.
		Locks: lock.New(dynamolock.New(db, c.LockTable), lock.Settings{}),
		Store: &bucketStore{s3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			endpoint(&o.BaseEndpoint)
			o.UsePathStyle = c.EndpointURL != ""
		})},
		Notify:       topicNotifier{clients: clients, region: c.Region, topic: c.Topic},
		Fingerprints: &kmsKey{kms: kms.NewFromConfig(cfg, func(o *kms.Options) { endpoint(&o.BaseEndpoint) }), keyID: c.FingerprintKey},
		Permissions:  iamChecker{sim: clients.PolicySimulator()},
		// Each message is tried a few times within the invocation; one
		// still not sent fails it, and the next check sends it again.
		Readiness: notify.Readiness{Senders: []notify.Sender{topic}, Clock: clock.Real()},
		Settings:  ops.Settings{Region: c.Region, Bucket: c.Bucket, PollsPerSecond: c.PollsPerSecond},
		Log:       os.Stdout,
		Clock:     clock.Real(),
	}}, nil
}

// Invoke serves one invocation. A failure is returned as Lambda's error
// response with the sfn error name as its type: what Step Functions shows
// as the state's Error, and what Retry and Catch match.
func (h *Handler) Invoke(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
	out, err := h.F.Handle(ctx, payload)
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
