package lock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"drorch/internal/clock"
)

// Settings tune a Locker. The zero value is usable.
type Settings struct {
	// Clock decides expiry and stamps leases (default: the wall clock).
	Clock clock.Clock
	// SkewMargin is how far apart the clocks of the machines sharing the
	// table may be (default 30 s). A lease counts as expired to others
	// only SkewMargin after its Until, so a holder whose clock is behind
	// by less than that never loses a lease it is renewing in time.
	SkewMargin time.Duration
	// Contention is how many times a batch is tried again when DynamoDB
	// cancels it because another transaction touched the same records at
	// that moment (default 5), with a pause that doubles from 20 ms.
	Contention int
	// Rand supplies lease tokens and the fingerprint secret (default
	// crypto/rand).
	Rand io.Reader
	// CleanupTimeout bounds releasing what a failed Acquire had taken,
	// which runs even when the caller's context is done (default 30 s).
	CleanupTimeout time.Duration
}

// DefaultSkewMargin is SkewMargin's default.
const DefaultSkewMargin = 30 * time.Second

func (s Settings) withDefaults() Settings {
	if s.Clock == nil {
		s.Clock = clock.Real()
	}
	if s.SkewMargin <= 0 {
		s.SkewMargin = DefaultSkewMargin
	}
	if s.Contention <= 0 {
		s.Contention = 5
	}
	if s.Rand == nil {
		s.Rand = rand.Reader
	}
	if s.CleanupTimeout <= 0 {
		s.CleanupTimeout = 30 * time.Second
	}
	return s
}

// Holder says who takes locks: a run, and where it runs.
type Holder struct {
	// RunID is the run's id; a run that takes its locks again (resume)
	// gets them back even before its old lease lapses.
	RunID string
	// Owner is where the run runs: host:pid, or the Step Functions
	// execution ARN.
	Owner string
	// Kind is KindCLI or KindSFN.
	Kind string
}

// Holder kinds.
const (
	KindCLI = "cli"
	KindSFN = "sfn"
)

// Request asks for the locks of a run.
type Request struct {
	// Keys are the lock keys, in the form identifiers are compared in
	// (duplicates are fine). They are never stored: the table holds a
	// keyed fingerprint of each.
	Keys []string
	// Holder is who asks.
	Holder Holder
	// TTL is the lease's length: it lapses TTL after the last Acquire or
	// Renew unless renewed (renew every TTL/3 or so). It must be more than
	// twice the SkewMargin.
	TTL time.Duration
}

// Limits on a Request.
const (
	MaxKeys      = 20000
	MaxKeyLen    = 4096
	maxRunIDLen  = 256
	maxOwnerLen  = 2048
	expireMargin = 24 * time.Hour
)

// Locker takes locks on a table. It is safe for concurrent use.
type Locker struct {
	table Table
	set   Settings

	mu     sync.Mutex
	secret []byte
}

// New returns a Locker over t.
func New(t Table, s Settings) *Locker {
	return &Locker{table: t, set: s.withDefaults()}
}

func (r Request) check(margin time.Duration) error {
	switch {
	case len(r.Keys) == 0:
		return errors.New("no keys to lock: give at least one")
	case len(r.Keys) > MaxKeys:
		return fmt.Errorf("%d keys to lock: at most %d", len(r.Keys), MaxKeys)
	case r.Holder.RunID == "" || len(r.Holder.RunID) > maxRunIDLen:
		return fmt.Errorf("holder run id must be 1 to %d bytes (got %d)", maxRunIDLen, len(r.Holder.RunID))
	case r.Holder.Owner == "" || len(r.Holder.Owner) > maxOwnerLen:
		return fmt.Errorf("holder owner (host:pid or execution ARN) must be 1 to %d bytes (got %d)", maxOwnerLen, len(r.Holder.Owner))
	case r.Holder.Kind != KindCLI && r.Holder.Kind != KindSFN:
		return fmt.Errorf("holder kind %q must be %s or %s", clean(r.Holder.Kind), KindCLI, KindSFN)
	case r.TTL <= 2*margin:
		return fmt.Errorf("lease TTL %v must be more than twice the clock-skew margin (%v)", r.TTL, margin)
	}
	for i, k := range r.Keys {
		if k == "" || len(k) > MaxKeyLen {
			return fmt.Errorf("key %d of %d must be 1 to %d bytes (got %d)", i+1, len(r.Keys), MaxKeyLen, len(k))
		}
	}
	return nil
}

// held is one key of a lease: the caller's key and its record id.
type held struct {
	key, id string
}

// Acquire takes the locks on every key of r, or none. Keys are taken in
// batches of MaxBatch in the order of their record ids, which every
// machine computes alike, so that two runs asking for overlapping keys
// meet on the first key they share instead of each holding part of what
// the other needs; a run that finds a key held releases what it took and
// returns a *HeldError at once (it never waits). A key held by r's own
// run id is taken back (resume).
func (l *Locker) Acquire(ctx context.Context, r Request) (*Lease, error) {
	if err := r.check(l.set.SkewMargin); err != nil {
		return nil, fmt.Errorf("acquire locks: %w", err)
	}
	secret, err := l.loadSecret(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire locks: %w", err)
	}
	keys := fingerprint(secret, r.Keys)
	token, err := l.token()
	if err != nil {
		return nil, fmt.Errorf("acquire locks: %w", err)
	}
	now := l.set.Clock.Now()
	lease := &Lease{l: l, holder: r.Holder, token: token, ttl: r.TTL, keys: keys, until: now.Add(r.TTL)}
	rec := lease.record(lease.until)
	taken := 0
	for start := 0; start < len(keys); start += MaxBatch {
		batch := keys[start:min(start+MaxBatch, len(keys))]
		writes := make([]Write, len(batch))
		for i, k := range batch {
			w := Write{Op: Take, Record: rec, Cutoff: now.Add(-l.set.SkewMargin)}
			w.Record.ID = k.id
			writes[i] = w
		}
		err := l.apply(ctx, writes)
		if err == nil {
			taken += len(batch)
			continue
		}
		// A refused batch wrote nothing; any other failure may have
		// written it (a timeout does not say), so its keys are released
		// too: Drop only deletes what carries this attempt's token.
		var ce *ConditionError
		undo := keys[:taken]
		if !errors.As(err, &ce) {
			undo = keys[:taken+len(batch)]
		}
		if cerr := lease.drop(undo); cerr != nil {
			err = fmt.Errorf("%w (and releasing the %d keys taken before failed: %v; they lapse at %s)", err, len(undo), cerr,
				lease.until.UTC().Format(time.RFC3339))
		}
		if ce != nil {
			return nil, held2error(r.Keys, keys, batch, ce)
		}
		return nil, fmt.Errorf("acquire locks for run %s: %w", clean(r.Holder.RunID), err)
	}
	return lease, nil
}

// held2error turns failed conditions into a HeldError naming the caller's
// keys in the caller's order.
func held2error(requested []string, keys, batch []held, ce *ConditionError) *HeldError {
	byKey := map[string]Conflict{}
	for i, rec := range ce.Failed {
		c := Conflict{Key: batch[i].key}
		if rec != nil {
			c.Holder, c.Until = Holder{RunID: rec.Run, Owner: rec.Owner, Kind: rec.Kind}, rec.Until
		}
		byKey[c.Key] = c
	}
	e := &HeldError{Requested: len(keys)}
	for _, k := range requested {
		if c, ok := byKey[k]; ok {
			e.Conflicts = append(e.Conflicts, c)
			delete(byKey, k)
		}
	}
	return e
}

// apply runs one batch, trying again while DynamoDB reports contention.
func (l *Locker) apply(ctx context.Context, writes []Write) error {
	pause := 20 * time.Millisecond
	for try := 0; ; try++ {
		err := l.table.Apply(ctx, writes)
		if err == nil || !errors.Is(err, ErrContention) || try >= l.set.Contention {
			return err
		}
		if err := clock.Sleep(ctx, l.set.Clock, pause); err != nil {
			return err
		}
		pause *= 2
	}
}

func (l *Locker) token() (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(l.set.Rand, b); err != nil {
		return "", fmt.Errorf("make lease token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// fingerprint maps keys to record ids, without duplicates, sorted by id.
func fingerprint(secret []byte, keys []string) []held {
	seen := map[string]bool{}
	var out []held
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, held{key: k, id: recordID(secret, k)})
	}
	slices.SortFunc(out, func(a, b held) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	return out
}
