package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"drorch/engine"
	"drorch/internal/clock"
	"drorch/journal"
	"drorch/lock"
)

// DefaultLockTTL is the lease of a CLI run on the shared lock. A live run
// renews it every third of it, with its journal heartbeat; a run whose
// process died keeps its databases for at most this long (plus the lock's
// clock-skew margin) unless it is resumed or cancelled.
const DefaultLockTTL = 2 * time.Minute

// SharedLock is the lock that operators on other machines and Step
// Functions executions share (package lock over the DynamoDB lock table),
// as the engine takes it (engine.Locker): all or nothing on the plan's
// lock keys, which the table stores as keyed fingerprints only.
//
// A run holds it as RunHolder(journal, run id): the run id and a keyed
// fingerprint of it under the journal's key, so that runs of the same id in
// two journals (two machines, `--run-id` chosen alike) are two holders,
// while a resume or cancel through the same journal is the same one and
// takes the lock back.
type SharedLock struct {
	Locker  *lock.Locker
	Journal journal.Store
	// Owner is the process (journal.Process.Owner: host:pid:nonce), shown
	// to whoever is refused.
	Owner string
	// TTL is the lease (default DefaultLockTTL).
	TTL time.Duration
	// Clock decides renewals (default: the wall clock, which leases are
	// judged by).
	Clock clock.Clock

	mu   sync.Mutex
	held map[string]*sharedHeld // by run id, until released
}

var _ engine.Locker = (*SharedLock)(nil)

// RunHolder is a run's id in the shared lock.
func RunHolder(store journal.Store, runID string) string {
	return runID + "@" + store.Fingerprint("drorch-shared-lock\x00" + runID)[:12]
}

func (s *SharedLock) ttl() time.Duration {
	if s.TTL <= 0 {
		return DefaultLockTTL
	}
	return s.TTL
}

func (s *SharedLock) clock() clock.Clock {
	if s.Clock == nil {
		return clock.Real()
	}
	return s.Clock
}

// Take takes the lock on keys for runID. The CLI takes it before it shows
// a plan, so that a second operator is refused before anything is read;
// the engine's own Take for the same run then gets the lease already held,
// renewed first if a third of it has passed (the operator may have read
// the plan for long: it may have lapsed, and been taken by another run).
func (s *SharedLock) Take(ctx context.Context, runID string, keys []string) (engine.Held, error) {
	s.mu.Lock()
	h := s.held[runID]
	s.mu.Unlock()
	if h != nil {
		if err := h.renewNow(ctx); err != nil {
			return nil, err
		}
		return h, nil
	}
	lease, err := s.Locker.Acquire(ctx, lock.Request{Keys: keys, TTL: s.ttl(),
		Holder: lock.Holder{RunID: RunHolder(s.Journal, runID), Owner: s.Owner, Kind: lock.KindCLI}})
	if err != nil {
		return nil, err
	}
	h = &sharedHeld{s: s, runID: runID, lease: lease, renewed: s.clock().Now()}
	s.mu.Lock()
	if s.held == nil {
		s.held = map[string]*sharedHeld{}
	}
	s.held[runID] = h
	s.mu.Unlock()
	return h, nil
}

// Free releases the lock a run that no process runs any more left behind
// (`drorch cancel` of an interrupted run): it takes the keys back as that
// run, then releases them. Keys another run holds by now are left to it.
func (s *SharedLock) Free(ctx context.Context, runID string, keys []string) error {
	h, err := s.Take(ctx, runID, keys)
	var held *lock.HeldError
	switch {
	case errors.As(err, &held):
		return nil // its lease lapsed and another run took them: nothing of this run's is left
	case err != nil:
		return err
	}
	return h.Release(ctx)
}

// sharedHeld is a run's lease on the shared lock.
type sharedHeld struct {
	s     *SharedLock
	runID string
	lease *lock.Lease

	mu      sync.Mutex
	renewed time.Time
}

// Renew renews the lease once a third of it has passed. A lost lease is
// an error at once; a renewal that fails otherwise (the table unreachable)
// is tried again on the next heartbeat, and is an error only once less
// than a sixth of the lease is left: the run must stop before another may
// take its databases.
func (h *sharedHeld) Renew(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.s.clock().Now()
	if now.Sub(h.renewed) < h.s.ttl()/3 {
		return nil
	}
	return h.renew(ctx, now)
}

func (h *sharedHeld) renewNow(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.s.clock().Now().Sub(h.renewed) < h.s.ttl()/3 {
		return nil
	}
	if err := h.lease.Renew(ctx); err != nil {
		return fmt.Errorf("renew the shared lock of run %s: %w", h.runID, err)
	}
	h.renewed = h.s.clock().Now()
	return nil
}

func (h *sharedHeld) renew(ctx context.Context, now time.Time) error {
	err := h.lease.Renew(ctx)
	var lost *lock.LostError
	switch {
	case err == nil:
		h.renewed = now
		return nil
	case errors.As(err, &lost):
		return err
	case h.lease.Until().Sub(now) < h.s.ttl()/6:
		return fmt.Errorf("%w; the lease ends at %s", err, h.lease.Until().UTC().Format(time.RFC3339))
	}
	return nil
}

// Release gives the lock back.
func (h *sharedHeld) Release(ctx context.Context) error {
	h.s.mu.Lock()
	if h.s.held[h.runID] == h {
		delete(h.s.held, h.runID)
	}
	h.s.mu.Unlock()
	err := h.lease.Release(ctx)
	var lost *lock.LostError
	if errors.As(err, &lost) {
		return nil // lapsed and taken, or released already: nothing of this run's is left
	}
	return err
}
