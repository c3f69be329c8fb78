package runner

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"drorch/internal/clock"
	"drorch/journal"
	"drorch/lock"
	"drorch/lock/locktest"
)

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func sharedLock(tbl *locktest.Table, clk *clock.Fake, store journal.Store, owner string) *SharedLock {
	return &SharedLock{Locker: lock.New(tbl, lock.Settings{Clock: clk}), Journal: store, Owner: owner, Clock: clk}
}

// Two machines (two journals) that pick the same run id are two holders:
// the second is refused, naming the first; the same journal takes its own
// run's lock back.
func TestSharedLockHolders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tbl, clk := locktest.New(), clock.NewFake(t0)
	j1, j2 := journal.NewMemory(clk), journal.NewMemory(clk)
	a := sharedLock(tbl, clk, j1, "host-a:1:aa")
	b := sharedLock(tbl, clk, j2, "host-b:2:bb")
	keys := []string{"aurora-global-cluster:dr-globaldb-cluster-mysql"}
	h, err := a.Take(ctx, "failover", keys)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Take(ctx, "failover", keys)
	var held *lock.HeldError
	if !errors.As(err, &held) || !strings.Contains(err.Error(), "held by run "+RunHolder(j1, "failover")+" (cli, host-a:1:aa)") {
		t.Fatalf("the second machine: %v", err)
	}
	again := sharedLock(tbl, clk, j1, "host-a:7:cc") // a resume, in another process of machine a
	h2, err := again.Take(ctx, "failover", keys)
	if err != nil {
		t.Fatalf("the same journal's run: %v", err)
	}
	if err := h.Renew(ctx); err != nil {
		t.Errorf("a renewal before a third of the lease touches nothing: %v", err)
	}
	if err := h2.Release(ctx); err != nil || tbl.Held() != 0 {
		t.Errorf("release: %v, %d held", err, tbl.Held())
	}
}

// Renewals: every third of the lease; a table out of reach is tried again
// until a sixth of the lease is left; a lease another run took is lost at
// once.
func TestSharedLockRenew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tbl, clk := locktest.New(), clock.NewFake(t0)
	s := sharedLock(tbl, clk, journal.NewMemory(clk), "host:1:aa")
	h, err := s.Take(ctx, "run-1", []string{"k"})
	if err != nil {
		t.Fatal(err)
	}
	tbl.Fail = errors.New("dynamodb: connection refused")
	clk.Advance(DefaultLockTTL / 2)
	if err := h.Renew(ctx); err != nil {
		t.Errorf("a failed renewal with half the lease left: %v", err)
	}
	clk.Advance(DefaultLockTTL/3 + time.Second)
	if err := h.Renew(ctx); err == nil || !strings.Contains(err.Error(), "connection refused; the lease ends at 2026-05-01T10:02:00Z") {
		t.Errorf("a failed renewal with a sixth of the lease left: %v", err)
	}
	tbl.Fail = nil
	if err := h.Renew(ctx); err != nil {
		t.Fatalf("renewal back: %v", err)
	}
	// The lease lapses (the process stalled); another run takes the key.
	clk.Advance(DefaultLockTTL + time.Minute)
	other := sharedLock(tbl, clk, journal.NewMemory(clk), "host:2:bb")
	if _, err := other.Take(ctx, "run-2", []string{"k"}); err != nil {
		t.Fatal(err)
	}
	var lost *lock.LostError
	if err := h.Renew(ctx); !errors.As(err, &lost) {
		t.Errorf("renewal of a lease taken by another run: %v", err)
	}
}

// The CLI takes the lock before it shows the plan; the engine's Take of the
// same run gets that lease, renewed, or is refused if it was lost
// meanwhile. Free releases what a dead run left.
func TestSharedLockTakeTwiceAndFree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tbl, clk := locktest.New(), clock.NewFake(t0)
	j := journal.NewMemory(clk)
	s := sharedLock(tbl, clk, j, "host:1:aa")
	early, err := s.Take(ctx, "run-1", []string{"k"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Take(ctx, "run-1", []string{"k"})
	if err != nil || again != early {
		t.Fatalf("the engine's take at once: %v (same lease: %v)", err, again == early)
	}
	clk.Advance(time.Minute) // the operator read the plan for a minute
	again, err = s.Take(ctx, "run-1", []string{"k"})
	if err != nil || again != early || !early.(*sharedHeld).lease.Until().Equal(clk.Now().Add(DefaultLockTTL)) {
		t.Fatalf("the engine's take a minute later: %v (same lease: %v), not renewed", err, again == early)
	}
	// A process that died holding it: Free, from another process of the
	// same journal, releases it.
	if err := sharedLock(tbl, clk, j, "host:9:cancel").Free(ctx, "run-1", []string{"k"}); err != nil || tbl.Held() != 0 {
		t.Fatalf("free: %v, %d held", err, tbl.Held())
	}
	// The early lease is gone: the engine's take, a while later, renews it
	// and must not act on it.
	clk.Advance(time.Minute)
	if _, err := s.Take(ctx, "run-1", []string{"k"}); err == nil {
		t.Error("a released lease was handed to the engine")
	}
	// Free of a run whose keys another run took since: nothing to do.
	if _, err := sharedLock(tbl, clk, journal.NewMemory(clk), "host:3:cc").Take(ctx, "run-3", []string{"k"}); err != nil {
		t.Fatal(err)
	}
	if err := sharedLock(tbl, clk, j, "host:9:cancel").Free(ctx, "run-1", []string{"k"}); err != nil || tbl.Held() != 1 {
		t.Errorf("free of a lock taken by another run: %v, %d held", err, tbl.Held())
	}
}
