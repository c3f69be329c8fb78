// Package dynamolock implements lock.Table over aws-sdk-go-v2's DynamoDB
// client: GetItem with a strongly consistent read, and TransactWriteItems
// whose condition expressions are exactly the lock's write conditions.
//
// The table (created by drorch's CloudFormation template, or by
// CreateTableInput in tests):
//
//	KeySchema:            pk (HASH)
//	AttributeDefinitions: pk S
//	BillingMode:          PAY_PER_REQUEST
//	TimeToLiveSpecification: expires_at (enabled; a day after a lease's end,
//	                      to clean up abandoned locks; correctness never
//	                      depends on it)
//
// Items: pk ("lock#" + the key's HMAC-SHA256, or the fingerprint secret's
// record), run, owner, kind, token (S), until_ms (N, Unix milliseconds),
// expires_at (N, Unix seconds), secret (B, the secret's record only).
package dynamolock

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"drorch/lock"
)

// API is the part of aws-sdk-go-v2's *dynamodb.Client the table uses.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Attribute names of the lock table.
const (
	AttrID     = "pk"
	AttrRun    = "run"
	AttrOwner  = "owner"
	AttrKind   = "kind"
	AttrToken  = "token"
	AttrUntil  = "until_ms"
	AttrExpire = "expires_at" // the table's TTL attribute
	AttrSecret = "secret"
)

// DefaultCallTimeout bounds one DynamoDB call.
const DefaultCallTimeout = 10 * time.Second

// Table is a lock table. It implements lock.Table.
type Table struct {
	api  API
	name string
	// CallTimeout bounds each DynamoDB call (default DefaultCallTimeout).
	CallTimeout time.Duration
}

// New returns the lock table name reached through api.
func New(api API, name string) *Table {
	return &Table{api: api, name: name, CallTimeout: DefaultCallTimeout}
}

var _ lock.Table = (*Table)(nil)

func (t *Table) timeout(ctx context.Context) (context.Context, context.CancelFunc) {
	d := t.CallTimeout
	if d <= 0 {
		d = DefaultCallTimeout
	}
	return context.WithTimeout(ctx, d)
}

// Get reads one record, consistently.
func (t *Table) Get(ctx context.Context, id string) (lock.Record, bool, error) {
	ctx, cancel := t.timeout(ctx)
	defer cancel()
	out, err := t.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.name), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{AttrID: &types.AttributeValueMemberS{Value: id}}})
	if err != nil {
		return lock.Record{}, false, t.wrap("read "+id+" from", err)
	}
	if out.Item == nil {
		return lock.Record{}, false, nil
	}
	rec, err := decode(out.Item)
	if err != nil {
		return lock.Record{}, false, fmt.Errorf("get %s from lock table %s: %w", id, t.name, err)
	}
	return rec, true, nil
}

// Apply runs writes as one TransactWriteItems.
func (t *Table) Apply(ctx context.Context, writes []lock.Write) error {
	if len(writes) == 0 || len(writes) > lock.MaxBatch {
		return fmt.Errorf("write to lock table %s: %d writes (1 to %d)", t.name, len(writes), lock.MaxBatch)
	}
	items := make([]types.TransactWriteItem, len(writes))
	for i, w := range writes {
		item, err := t.transactItem(w)
		if err != nil {
			return err
		}
		items[i] = item
	}
	ctx, cancel := t.timeout(ctx)
	defer cancel()
	_, err := t.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return t.wrap("write to", err)
	}
	ce := &lock.ConditionError{Failed: map[int]*lock.Record{}}
	contention := false
	for i, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "ConditionalCheckFailed":
			var found *lock.Record
			if r.Item != nil {
				rec, derr := decode(r.Item)
				if derr != nil {
					return fmt.Errorf("write to lock table %s: %w", t.name, derr)
				}
				found = &rec
			}
			ce.Failed[i] = found
		case "TransactionConflict", "ThrottlingError":
			contention = true
		}
	}
	switch {
	case len(ce.Failed) > 0:
		return ce
	case contention:
		return fmt.Errorf("write to lock table %s: %w", t.name, lock.ErrContention)
	}
	return fmt.Errorf("write to lock table %s: %w", t.name, err)
}

// wrap names the operation and, for a table that does not exist, what to
// do about it.
func (t *Table) wrap(op string, err error) error {
	var rnf *types.ResourceNotFoundException
	if errors.As(err, &rnf) {
		return fmt.Errorf("%s lock table %s: no such table in this region (create it with drorch's CloudFormation template, or name another): %w", op, t.name, err)
	}
	return fmt.Errorf("%s lock table %s: %w", op, t.name, err)
}

// names are the placeholders every expression uses: all attribute names go
// through them, so that no reserved word (OWNER is one) gets in the way.
func names(keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		m["#"+k] = k
	}
	return m
}

func (t *Table) transactItem(w lock.Write) (types.TransactWriteItem, error) {
	r := w.Record
	key := map[string]types.AttributeValue{AttrID: str(r.ID)}
	fail := types.ReturnValuesOnConditionCheckFailureAllOld
	switch w.Op {
	case lock.Create:
		return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(t.name), Item: encode(r),
			ConditionExpression:                 aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames:            names(AttrID),
			ReturnValuesOnConditionCheckFailure: fail}}, nil
	case lock.Take:
		return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(t.name), Item: encode(r),
			ConditionExpression:      aws.String("attribute_not_exists(#pk) OR #until_ms < :cutoff OR #run = :run"),
			ExpressionAttributeNames: names(AttrID, AttrUntil, AttrRun),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":cutoff": millis(w.Cutoff), ":run": str(r.Run)},
			ReturnValuesOnConditionCheckFailure: fail}}, nil
	case lock.Extend:
		return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(t.name), Key: key,
			UpdateExpression:         aws.String("SET #until_ms = :until, #expires_at = :expire, #owner = :owner"),
			ConditionExpression:      aws.String("#token = :token"),
			ExpressionAttributeNames: names(AttrUntil, AttrExpire, AttrOwner, AttrToken),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":until": millis(r.Until), ":expire": seconds(r.Expire), ":owner": str(r.Owner), ":token": str(r.Token)},
			ReturnValuesOnConditionCheckFailure: fail}}, nil
	case lock.Drop:
		return types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(t.name), Key: key,
			ConditionExpression:                 aws.String("#token = :token"),
			ExpressionAttributeNames:            names(AttrToken),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":token": str(r.Token)},
			ReturnValuesOnConditionCheckFailure: fail}}, nil
	}
	return types.TransactWriteItem{}, fmt.Errorf("write to lock table %s: unknown write op %d", t.name, w.Op)
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func millis(t time.Time) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(t.UnixMilli(), 10)}
}

func seconds(t time.Time) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(t.Unix(), 10)}
}

// encode is a record as an item (empty fields left out).
func encode(r lock.Record) map[string]types.AttributeValue {
	item := map[string]types.AttributeValue{AttrID: str(r.ID)}
	for name, v := range map[string]string{AttrRun: r.Run, AttrOwner: r.Owner, AttrKind: r.Kind, AttrToken: r.Token} {
		if v != "" {
			item[name] = str(v)
		}
	}
	if !r.Until.IsZero() {
		item[AttrUntil] = millis(r.Until)
	}
	if !r.Expire.IsZero() {
		item[AttrExpire] = seconds(r.Expire)
	}
	if r.Secret != nil {
		item[AttrSecret] = &types.AttributeValueMemberB{Value: r.Secret}
	}
	return item
}

// decode reads an item back; an attribute of the wrong type is an error
// (the table is not a drorch lock table, or was edited by hand).
func decode(item map[string]types.AttributeValue) (lock.Record, error) {
	var r lock.Record
	var bad []string
	s := func(name string, dst *string) {
		switch v := item[name].(type) {
		case nil:
		case *types.AttributeValueMemberS:
			*dst = v.Value
		default:
			bad = append(bad, name)
		}
	}
	n := func(name string) int64 {
		switch v := item[name].(type) {
		case nil:
		case *types.AttributeValueMemberN:
			if x, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
				return x
			}
			bad = append(bad, name)
		default:
			bad = append(bad, name)
		}
		return 0
	}
	s(AttrID, &r.ID)
	s(AttrRun, &r.Run)
	s(AttrOwner, &r.Owner)
	s(AttrKind, &r.Kind)
	s(AttrToken, &r.Token)
	if ms := n(AttrUntil); ms != 0 {
		r.Until = time.UnixMilli(ms).UTC()
	}
	if sec := n(AttrExpire); sec != 0 {
		r.Expire = time.Unix(sec, 0).UTC()
	}
	switch v := item[AttrSecret].(type) {
	case nil:
	case *types.AttributeValueMemberB:
		r.Secret = v.Value
	default:
		bad = append(bad, AttrSecret)
	}
	if len(bad) > 0 {
		return r, fmt.Errorf("lock item %q has attributes of the wrong type %v: is this a drorch lock table?", r.ID, bad)
	}
	return r, nil
}

// CreateTableInput is the lock table's definition, as drorch's
// CloudFormation template creates it (tests and drills use it directly).
// Enable TTL on AttrExpire after it is ACTIVE (TTLInput).
func CreateTableInput(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(AttrID), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(AttrID), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest,
	}
}

// TTLInput turns on the table's TTL on AttrExpire.
func TTLInput(name string) *dynamodb.UpdateTimeToLiveInput {
	return &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String(AttrExpire)}}
}
