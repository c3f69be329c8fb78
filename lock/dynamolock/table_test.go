package dynamolock_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"drorch/internal/clock"
	"drorch/lock"
	"drorch/lock/dynamolock"
)

// A table that is not there is named, with what to do.
func TestMissingTable(t *testing.T) {
	t.Parallel()
	b := simBackend(t)
	l := lock.New(dynamolock.New(b.client(t), "no-such-locks"), lock.Settings{Clock: clock.NewFake(t0)})
	_, err := l.Acquire(context.Background(), lock.Request{Keys: []string{"k"}, Holder: holder("run-1"), TTL: time.Hour})
	if err == nil || !strings.Contains(err.Error(), "lock table no-such-locks: no such table in this region (create it with drorch's CloudFormation template") {
		t.Errorf("missing table: %v", err)
	}
}

// A released lease cannot be renewed.
func TestRenewAfterRelease(t *testing.T) {
	t.Parallel()
	b := simBackend(t)
	ctx := context.Background()
	lease, err := lock.New(b.lockTable(t), lock.Settings{Clock: clock.NewFake(t0)}).Acquire(ctx, lock.Request{Keys: []string{"k"}, Holder: holder("run-1"), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := lease.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := lease.Renew(ctx); err == nil || !strings.Contains(err.Error(), "the lease was released") {
		t.Errorf("renew after release: %v", err)
	}
}

// recorder is the DynamoDB API, recording the IAM action of every request
// and of every action of a transaction.
type recorder struct {
	dynamolock.API
	mu      sync.Mutex
	actions map[string]bool
}

func (r *recorder) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	r.add("dynamodb:GetItem")
	return r.API.GetItem(ctx, in, opts...)
}

func (r *recorder) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			r.add("dynamodb:PutItem")
		case it.Update != nil:
			r.add("dynamodb:UpdateItem")
		case it.Delete != nil:
			r.add("dynamodb:DeleteItem")
		case it.ConditionCheck != nil:
			r.add("dynamodb:ConditionCheckItem")
		}
	}
	return r.API.TransactWriteItems(ctx, in, opts...)
}

func (r *recorder) add(a string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.actions[a] = true
}

// Actions are what the lock really asks of DynamoDB: a lease acquired
// (the secret created), refused, renewed and released.
func TestActions(t *testing.T) {
	t.Parallel()
	b := simBackend(t)
	ctx := context.Background()
	rec := &recorder{API: b.client(t), actions: map[string]bool{}}
	l := lock.New(dynamolock.New(rec, b.table), lock.Settings{Clock: clock.NewFake(t0)})
	lease, err := l.Acquire(ctx, lock.Request{Keys: []string{"k"}, Holder: holder("run-1"), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Acquire(ctx, lock.Request{Keys: []string{"k"}, Holder: holder("run-2"), TTL: time.Hour}); err == nil {
		t.Fatal("a held key was taken")
	}
	got := func() []string {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return slices.Sorted(maps.Keys(rec.actions))
	}
	if want := dynamolock.Actions(lock.Create, lock.Take); !slices.Equal(got(), want) {
		t.Errorf("acquire made %v, Actions says %v", got(), want)
	}
	if err := lease.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	if err := lease.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if want := dynamolock.Actions(lock.Create, lock.Take, lock.Extend, lock.Drop); !slices.Equal(got(), want) || len(want) != 4 {
		t.Errorf("the lock made %v, Actions says %v", got(), want)
	}
}
