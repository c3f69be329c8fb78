package journal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"drorch/internal/clock"
)

// errClosed is returned by every method of a closed store.
var errClosed = errors.New("journal store is closed")

// Memory is the in-memory Store: the same contract as the SQLite store
// without a file, for tests of the engine, the CLI and the HTTP API. It is
// safe for concurrent use. Nothing survives the process. Like every store it
// keeps only fingerprints of lock keys, under a random key of its own.
type Memory struct {
	clock clock.Clock
	fp    Fingerprinter

	mu     sync.Mutex
	closed bool
	runs   map[string]*memRun
	order  int64             // creation counter, breaks ties between equal Created times
	locks  map[string]string // lock key fingerprint -> run id
}

type memRun struct {
	rec    RunRecord // Locks is filled on the way out
	order  int64
	events []Event
}

// NewMemory returns an empty in-memory store. The optional clock stamps
// events appended with a zero Time (default: the wall clock); only the first
// clock given is used.
func NewMemory(c ...clock.Clock) *Memory {
	fp, _ := NewFingerprinter(NewKey()) // a new key is always KeySize bytes
	m := &Memory{clock: clock.Real(), fp: fp, runs: map[string]*memRun{}, locks: map[string]string{}}
	if len(c) > 0 && c[0] != nil {
		m.clock = c[0]
	}
	return m
}

var _ Store = (*Memory)(nil)

// Create registers a run and takes its locks, all or none.
func (m *Memory) Create(ctx context.Context, runID string, created time.Time, locks []string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create run %s: %w", runID, err)
	}
	if err := ValidRunID(runID); err != nil {
		return fmt.Errorf("create run: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, err := m.createLocked(runID, created, m.fp.Locks(locks))
	return err
}

// CreateWithEvents registers a run, takes its locks and appends its first
// events, all or none (see EventCreator).
func (m *Memory) CreateWithEvents(ctx context.Context, runID string, created time.Time, locks []string, events ...Event) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("create run %s: %w", runID, err)
	}
	if err := ValidRunID(runID); err != nil {
		return nil, fmt.Errorf("create run: %w", err)
	}
	p, err := PrepareAppend(runID, events, m.clock.Now)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.createLocked(runID, created, m.fp.Locks(locks))
	if err != nil {
		return nil, err
	}
	r.appendLocked(p)
	return cloneEvents(p.Events), nil
}

// createLocked adds a run and takes its locks unless another unfinished run
// holds any of them. Callers hold m.mu.
func (m *Memory) createLocked(runID string, created time.Time, locks []Lock) (*memRun, error) {
	if m.closed {
		return nil, fmt.Errorf("create run %s: %w", runID, errClosed)
	}
	if _, ok := m.runs[runID]; ok {
		return nil, fmt.Errorf("create run %s: a run with this id already exists", runID)
	}
	err := CheckLocks(locks, func(fp string) (string, error) {
		holder, ok := m.locks[fp]
		if !ok || m.runs[holder].rec.Status.Terminal() {
			return "", nil
		}
		return holder, nil
	})
	if err != nil {
		return nil, err
	}
	m.order++
	r := &memRun{
		rec:   RunRecord{ID: runID, Created: normTime(created), Status: StatusRunning},
		order: m.order,
	}
	m.runs[runID] = r
	for _, l := range locks {
		m.locks[l.FP] = runID
	}
	return r, nil
}

// Append adds events to a run, assigning consecutive sequence numbers.
func (m *Memory) Append(ctx context.Context, runID string, events ...Event) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("append to run %s: %w", runID, err)
	}
	p, err := PrepareAppend(runID, events, m.clock.Now)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.get("append to run", runID)
	if err != nil {
		return nil, err
	}
	r.appendLocked(p)
	return cloneEvents(p.Events), nil
}

// appendLocked adds prepared events, assigning their Seq. Callers hold the
// store's mutex.
func (r *memRun) appendLocked(p Batch) {
	p.Number(int64(len(r.events)))
	r.events = append(r.events, p.Events...)
	if p.Final != "" {
		r.rec.Status = p.Final
	}
}

// Events returns the run's events after afterSeq.
func (m *Memory) Events(ctx context.Context, runID string, afterSeq int64) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("events of run %s: %w", runID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.get("events of run", runID)
	if err != nil {
		return nil, err
	}
	// Seq is dense from 1, so seq n sits at index n-1.
	from := min(max(afterSeq, 0), int64(len(r.events)))
	return cloneEvents(r.events[from:]), nil
}

// Run returns the record of the run with this id or unique id prefix.
func (m *Memory) Run(ctx context.Context, runID string) (RunRecord, error) {
	if err := ctx.Err(); err != nil {
		return RunRecord{}, fmt.Errorf("run %s: %w", runID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return RunRecord{}, fmt.Errorf("run %s: %w", runID, errClosed)
	}
	ids := make([]string, 0, len(m.runs))
	for id := range m.runs {
		ids = append(ids, id)
	}
	id, err := ResolveRunID(runID, ids)
	if err != nil {
		return RunRecord{}, err
	}
	return m.record(m.runs[id]), nil
}

// Runs lists every run, newest first.
func (m *Memory) Runs(ctx context.Context) ([]RunRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("list runs: %w", errClosed)
	}
	rs := make([]*memRun, 0, len(m.runs))
	for _, r := range m.runs {
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b *memRun) int {
		if c := b.rec.Created.Compare(a.rec.Created); c != 0 {
			return c
		}
		return int(b.order - a.order)
	})
	out := make([]RunRecord, len(rs))
	for i, r := range rs {
		out[i] = m.record(r)
	}
	return out, nil
}

// Claim takes the run's lease for owner unless a live owner holds it.
func (m *Memory) Claim(ctx context.Context, runID, owner string, now time.Time, stale time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("claim run %s: %w", runID, err)
	}
	if owner == "" {
		return fmt.Errorf("claim run %s: empty owner", runID)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.get("claim run", runID)
	if err != nil {
		return err
	}
	if err := r.rec.CheckClaim(owner, now, stale); err != nil {
		return err
	}
	r.rec.Owner, r.rec.Heartbeat = owner, normTime(now)
	return nil
}

// Heartbeat renews owner's lease on the run.
func (m *Memory) Heartbeat(ctx context.Context, runID, owner string, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("heartbeat run %s: %w", runID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.get("heartbeat run", runID)
	if err != nil {
		return err
	}
	if err := r.rec.CheckHeartbeat(owner); err != nil {
		return err
	}
	r.rec.Heartbeat = normTime(now)
	return nil
}

// Release clears the run's lease and, once the run is finished, its locks.
func (m *Memory) Release(ctx context.Context, runID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("release run %s: %w", runID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.get("release run", runID)
	if err != nil {
		return err
	}
	r.rec.Owner, r.rec.Heartbeat = "", time.Time{}
	if !r.rec.Status.Terminal() {
		return nil
	}
	for k, holder := range m.locks {
		if holder == runID {
			delete(m.locks, k)
		}
	}
	return nil
}

// Fingerprint returns the fingerprint of value under this store's key.
func (m *Memory) Fingerprint(value string) string { return m.fp.Fingerprint(value) }

// Close makes every later call fail; the data is dropped.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.runs, m.locks = nil, nil
	return nil
}

// get returns the run with exactly this id; m.mu must be held.
func (m *Memory) get(op, runID string) (*memRun, error) {
	if m.closed {
		return nil, fmt.Errorf("%s %s: %w", op, runID, errClosed)
	}
	r, ok := m.runs[runID]
	if !ok {
		return nil, fmt.Errorf("%s %s: %w", op, quoteRunID(runID), ErrRunNotFound)
	}
	return r, nil
}

// record copies r's record with its locks, sorted; m.mu must be held.
func (m *Memory) record(r *memRun) RunRecord {
	rec := r.rec
	rec.Locks = nil
	for k, holder := range m.locks {
		if holder == rec.ID {
			rec.Locks = append(rec.Locks, k)
		}
	}
	slices.Sort(rec.Locks)
	return rec
}
