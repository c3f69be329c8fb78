package lock

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Lease is the locks a run holds. Renew it well before Until (every TTL/3
// or so, a heartbeat) and Release it at the end. It is safe for concurrent
// use.
type Lease struct {
	l      *Locker
	holder Holder
	token  string
	ttl    time.Duration

	mu       sync.Mutex
	keys     []held // still held, sorted by id
	until    time.Time
	released bool
}

// Until is when the lease lapses unless renewed, by this machine's clock.
// Past it the run must assume others may take its keys.
func (s *Lease) Until() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.until
}

// Keys lists the caller's keys the lease still holds, in record order.
func (s *Lease) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.keys))
	for i, k := range s.keys {
		out[i] = k.key
	}
	return out
}

// Holder is who holds the lease.
func (s *Lease) Holder() Holder { return s.holder }

// record is the lease's record for one key (ID left to the caller).
func (s *Lease) record(until time.Time) Record {
	return Record{Run: s.holder.RunID, Owner: s.holder.Owner, Kind: s.holder.Kind, Token: s.token,
		Until: until, Expire: until.Add(expireMargin)}
}

// Renew extends the lease by its TTL from now. When some keys are no
// longer held (the lease lapsed and another run took them) it renews the
// others and returns a *LostError naming the lost keys; the run must stop.
func (s *Lease) Renew(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released {
		return fmt.Errorf("renew locks of run %s: the lease was released", clean(s.holder.RunID))
	}
	until := s.l.set.Clock.Now().Add(s.ttl)
	lost, err := s.each(ctx, s.keys, Extend, s.record(until))
	s.forget(lost)
	if err != nil {
		return fmt.Errorf("renew locks of run %s: %w", clean(s.holder.RunID), err)
	}
	s.until = until
	if len(lost) > 0 {
		return &LostError{Lost: lost}
	}
	return nil
}

// Release gives every key back (only those the lease still holds: a key
// another run has taken since is left to it and named in a *LostError).
// It runs on a context the caller's cancellation cannot cut short, bounded
// by Settings.CleanupTimeout, so that an interrupted run still releases.
func (s *Lease) Release(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.l.set.CleanupTimeout)
	defer cancel()
	lost, err := s.each(ctx, s.keys, Drop, s.record(s.until))
	if err != nil {
		return fmt.Errorf("release locks of run %s: %w", clean(s.holder.RunID), err)
	}
	s.keys, s.released = nil, true
	if len(lost) > 0 {
		return &LostError{Lost: lost}
	}
	return nil
}

// drop releases keys taken by a failed Acquire (no lock held: the lease
// is not shared yet).
func (s *Lease) drop(keys []held) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.l.set.CleanupTimeout)
	defer cancel()
	_, err := s.each(ctx, keys, Drop, s.record(s.until))
	return err
}

// each applies op to keys in batches. Writes whose condition fails are
// reported as lost and the rest of their batch is applied again without
// them (a transaction is all or nothing).
func (s *Lease) each(ctx context.Context, keys []held, op WriteOp, rec Record) ([]Conflict, error) {
	var lost []Conflict
	for start := 0; start < len(keys); start += MaxBatch {
		batch := slices.Clone(keys[start:min(start+MaxBatch, len(keys))])
		for len(batch) > 0 {
			writes := make([]Write, len(batch))
			for i, k := range batch {
				writes[i] = Write{Op: op, Record: rec}
				writes[i].Record.ID = k.id
			}
			err := s.l.apply(ctx, writes)
			if err == nil {
				break
			}
			var ce *ConditionError
			if !errors.As(err, &ce) || len(ce.Failed) == 0 {
				return lost, err
			}
			var rest []held
			for i, k := range batch {
				found, failed := ce.Failed[i]
				if !failed {
					rest = append(rest, k)
					continue
				}
				c := Conflict{Key: k.key}
				if found != nil {
					c.Holder, c.Until = Holder{RunID: found.Run, Owner: found.Owner, Kind: found.Kind}, found.Until
				}
				lost = append(lost, c)
			}
			batch = rest
		}
	}
	return lost, nil
}

// forget drops lost keys from the lease.
func (s *Lease) forget(lost []Conflict) {
	if len(lost) == 0 {
		return
	}
	gone := map[string]bool{}
	for _, c := range lost {
		gone[c.Key] = true
	}
	s.keys = slices.DeleteFunc(s.keys, func(k held) bool { return gone[k.key] })
}
