package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

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

// lease is the lock in the DynamoDB lock table (partition key "pk", the
// holder in "owner", its expiry in "expires", the table's TTL attribute,
// in epoch seconds): one item per key, taken with a conditional put that
// succeeds when the key is free, expired, or already this owner's. It
// stands in for package lock, whose table it shares, until that package
// lands: phase 2 wires ops.Locker to it instead.
type lease struct {
	db    *dynamodb.Client
	table string
	now   func() time.Time
}

func (l *lease) Acquire(ctx context.Context, owner string, keys []string, ttl time.Duration) error {
	now := l.now()
	expires := strconv.FormatInt(now.Add(ttl).Unix(), 10)
	for i, key := range keys {
		_, err := l.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(l.table),
			Item: map[string]ddb.AttributeValue{
				"pk": &ddb.AttributeValueMemberS{Value: key}, "owner": &ddb.AttributeValueMemberS{Value: owner},
				"expires": &ddb.AttributeValueMemberN{Value: expires},
			},
			ConditionExpression:      aws.String("attribute_not_exists(pk) OR #owner = :owner OR #expires < :now"),
			ExpressionAttributeNames: map[string]string{"#owner": "owner", "#expires": "expires"},
			ExpressionAttributeValues: map[string]ddb.AttributeValue{
				":owner": &ddb.AttributeValueMemberS{Value: owner},
				":now":   &ddb.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
			},
		})
		if err == nil {
			continue
		}
		// All or nothing: give back what this call took.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		_ = l.Release(rctx, owner, keys[:i])
		cancel()
		var failed *ddb.ConditionalCheckFailedException
		if errors.As(err, &failed) {
			return fmt.Errorf("%s is %w %s", key, ops.ErrHeld, l.holder(ctx, key))
		}
		return fmt.Errorf("lock %s in table %s: %w", key, l.table, err)
	}
	return nil
}

// holder names who holds key, for the refusal's message.
func (l *lease) holder(ctx context.Context, key string) string {
	out, err := l.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(l.table),
		Key: map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: key}}, ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item == nil {
		return ""
	}
	if o, ok := out.Item["owner"].(*ddb.AttributeValueMemberS); ok {
		return "(" + o.Value + ")"
	}
	return ""
}

func (l *lease) Release(ctx context.Context, owner string, keys []string) error {
	var errs []error
	for _, key := range keys {
		_, err := l.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                 aws.String(l.table),
			Key:                       map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: key}},
			ConditionExpression:       aws.String("#owner = :owner"),
			ExpressionAttributeNames:  map[string]string{"#owner": "owner"},
			ExpressionAttributeValues: map[string]ddb.AttributeValue{":owner": &ddb.AttributeValueMemberS{Value: owner}},
		})
		var failed *ddb.ConditionalCheckFailedException
		if err != nil && !errors.As(err, &failed) { // not ours (any more): nothing to give back
			errs = append(errs, fmt.Errorf("unlock %s in table %s: %w", key, l.table, err))
		}
	}
	return errors.Join(errs...)
}
