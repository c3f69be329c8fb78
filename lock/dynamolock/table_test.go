package dynamolock_test

import (
	"context"
	"strings"
	"testing"
	"time"

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
