package function

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"drorch/awsapi"
	"drorch/readiness"
	"drorch/sfn/ops"
)

// bucketStore keeps a run's objects in S3, encrypted with the bucket's key.
type bucketStore struct {
	s3 *s3.Client
}

// maxObject bounds what Get reads: a layer of sfn.MaxLayerResources items.
const maxObject = 64 << 20

func (b *bucketStore) Put(ctx context.Context, bucket, key string, data []byte) error {
	_, err := b.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(data), ContentType: aws.String("application/json"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

func (b *bucketStore) Get(ctx context.Context, bucket, key string) ([]byte, error) {
	out, err := b.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	var missing *s3types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, fmt.Errorf("get s3://%s/%s: %w", bucket, key, ops.ErrNoObject)
	}
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxObject))
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	return data, nil
}

// kmsKey fingerprints secrets with a KMS HMAC key (HMAC_SHA_256): the key
// never leaves KMS, so a fingerprint in the execution history cannot be
// checked against guessed values by anyone who reads the history.
type kmsKey struct {
	kms   *kms.Client
	keyID string
}

func (k *kmsKey) Fingerprint(ctx context.Context, message []byte) (string, error) {
	out, err := k.kms.GenerateMac(ctx, &kms.GenerateMacInput{KeyId: aws.String(k.keyID), Message: message,
		MacAlgorithm: kmstypes.MacAlgorithmSpecHmacSha256})
	if err != nil {
		return "", fmt.Errorf("kms generate-mac: %w", err)
	}
	return base64.StdEncoding.EncodeToString(out.Mac), nil
}

func (k *kmsKey) Verify(ctx context.Context, message []byte, fingerprint string) (bool, error) {
	mac, err := base64.StdEncoding.DecodeString(fingerprint)
	if err != nil {
		return false, nil // not a fingerprint drorch wrote: no match
	}
	out, err := k.kms.VerifyMac(ctx, &kms.VerifyMacInput{KeyId: aws.String(k.keyID), Message: message, Mac: mac,
		MacAlgorithm: kmstypes.MacAlgorithmSpecHmacSha256})
	var invalid *kmstypes.KMSInvalidMacException
	if errors.As(err, &invalid) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("kms verify-mac: %w", err)
	}
	return out.MacValid, nil
}

// iamChecker answers the check op's permissions check with IAM's policy
// simulator, about the function's own role (the template creates it
// without a path, the default awsapi.PermissionQuery.RolePath).
type iamChecker struct {
	sim awsapi.PolicySimulator
}

func (c iamChecker) Denied(ctx context.Context, actions, resources []string) ([]readiness.Denial, error) {
	p, err := c.sim.CheckPermissions(ctx, awsapi.PermissionQuery{Actions: actions, Resources: resources})
	if err != nil {
		return nil, err
	}
	out := make([]readiness.Denial, 0, len(p.Denied))
	for _, d := range p.Denied {
		out = append(out, readiness.Denial{Action: d.Action, Resource: d.Resource, Decision: d.Decision, MissingContext: d.MissingContext})
	}
	return out, nil
}
