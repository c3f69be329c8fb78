package engine

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"drorch/cloud"
	"drorch/internal/clock"
)

// snapshot is the state read in one round: what the batched reads returned
// for the watched keys, plus what direct reads added during the round.
type snapshot struct {
	direct cloud.Reader

	mu      sync.Mutex
	entries map[cloud.Key]entry
}

type entry struct {
	val any // *cloud.GlobalCluster, *cloud.DBCluster, ...; nil = not found
	err error
}

func newSnapshot(direct cloud.Reader) *snapshot {
	return &snapshot{direct: direct, entries: map[cloud.Key]entry{}}
}

func (s *snapshot) put(k cloud.Key, e entry) {
	s.mu.Lock()
	s.entries[k] = e
	s.mu.Unlock()
}

func (s *snapshot) get(k cloud.Key) (entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[k]
	return e, ok
}

// group is a kind of resource in a region: what one batched read covers.
type group struct {
	kind   cloud.Kind
	region string
}

func groupOf(k cloud.Key) group { return group{k.Kind, k.Region} }

// fetch fills the snapshot for keys with one batched read per kind and
// region, the groups read at once. Keys along are read only as far as the
// calls for keys of their kind and region cover them (cloud.AlongReader):
// what they cost nothing to read; the rest stay unread.
func (s *snapshot) fetch(ctx context.Context, b cloud.BatchReader, keys []cloud.Key, along ...cloud.Key) {
	groups := map[group][]string{}
	for _, k := range keys {
		if _, ok := s.get(k); ok {
			continue
		}
		g := groupOf(k)
		groups[g] = appendUnique(groups[g], k.ID)
	}
	extra := map[group][]string{}
	for _, k := range along {
		if _, ok := s.get(k); ok {
			continue
		}
		if g := groupOf(k); groups[g] != nil && !slices.Contains(groups[g], k.ID) {
			extra[g] = appendUnique(extra[g], k.ID)
		}
	}
	var wg sync.WaitGroup
	for g, ids := range groups {
		wg.Go(func() {
			found, read, err := readAlong(ctx, b, g, ids, extra[g])
			for _, id := range ids {
				k := cloud.Key{Kind: g.kind, Region: g.region, ID: id}
				if err != nil {
					s.put(k, entry{err: err})
					continue
				}
				s.put(k, entry{val: found[id]}) // nil: not found
			}
			for _, id := range read {
				s.put(cloud.Key{Kind: g.kind, Region: g.region, ID: id}, entry{val: found[id]})
			}
		})
	}
	wg.Wait()
}

// readAlong reads ids of g and what b reads of along with them; a reader
// that cannot read along reads them all, as ids.
func readAlong(ctx context.Context, b cloud.BatchReader, g group, ids, along []string) (map[string]any, []string, error) {
	if len(along) == 0 {
		found, err := b.ReadBatch(ctx, g.kind, g.region, ids)
		return found, nil, err
	}
	if ar, ok := b.(cloud.AlongReader); ok {
		return ar.ReadAlong(ctx, g.kind, g.region, ids, along)
	}
	found, err := b.ReadBatch(ctx, g.kind, g.region, append(append([]string(nil), ids...), along...))
	if err != nil {
		return nil, nil, err
	}
	return found, along, nil
}

func appendUnique(ids []string, id string) []string {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

// reader is the cloud.Reader the steps see during a round: the snapshot,
// falling through to a direct read (remembered for the rest of the round)
// for keys nobody watched.
type reader struct{ s *snapshot }

func (r reader) Read(ctx context.Context, k cloud.Key) (any, error) {
	e, ok := r.s.get(k)
	if !ok {
		v, err := r.s.direct.Read(ctx, k)
		switch {
		case err == nil:
			e = entry{val: v}
		case cloud.IsKind(err, cloud.KindNotFound):
			e = entry{}
		default:
			return nil, err // not remembered: a later read in the round may succeed
		}
		r.s.put(k, e)
	}
	if e.err != nil {
		return nil, e.err
	}
	if e.val == nil {
		return nil, cloud.NotFound(k)
	}
	return e.val, nil
}

// rounds serves every wait of a run from shared polling rounds. Rounds
// happen on a grid of ticks (whole seconds of the clock at the default
// tick of 1 s): a wait is snapped to the tick nearest its due time, and
// the round of a tick reads, with one batched read per kind and region,
// the keys of every resource due then, and serves them all. N resources
// waiting in a layer therefore cost one round per tick whatever N is, and
// a kind none of whose waiters is due is not read at all. There is no
// randomness: the same run makes the same rounds.
type rounds struct {
	clock  clock.Clock
	batch  cloud.BatchReader
	direct cloud.Reader
	tick   time.Duration
	// observe, if set, is told of each round once it is read.
	observe func(Round)

	mu      sync.Mutex
	waiters []*waiter
	kick    chan struct{}
	// carried are keys a round reads besides its waiters', of the kinds
	// and regions it reads for them (the next layer's, while the current
	// one finishes); last is the latest round's snapshot.
	carried []cloud.Key
	last    *snapshot
}

// Round is what one polling round did: when it fired, how many waits it
// served and how many keys it read (for the benchmark and progress).
type Round struct {
	At     time.Time
	Served int
	Keys   int
}

type waiter struct {
	slot  time.Time // the tick whose round serves it
	keys  []cloud.Key
	ready chan *snapshot
}

func newRounds(c clock.Clock, b cloud.BatchReader, direct cloud.Reader, tick time.Duration) *rounds {
	return &rounds{clock: c, batch: b, direct: direct, tick: max(tick, time.Millisecond), kick: make(chan struct{}, 1)}
}

// slot is the tick that serves a wait due at due, decided at now: the
// nearest tick to due, and never one already past (a wait that is due
// already is served by the next tick, or at once on one).
func (r *rounds) slot(due, now time.Time) time.Time {
	t := due.Round(r.tick)
	if t.Before(now) {
		t = now.Truncate(r.tick)
		if t.Before(now) {
			t = t.Add(r.tick)
		}
	}
	return t
}

// wait blocks until the round of the tick nearest due has read keys, and
// returns that round's snapshot.
func (r *rounds) wait(ctx context.Context, due time.Time, keys []cloud.Key) (*snapshot, error) {
	w := &waiter{slot: r.slot(due, r.clock.Now()), keys: keys, ready: make(chan *snapshot, 1)}
	r.mu.Lock()
	r.waiters = append(r.waiters, w)
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
	select {
	case s := <-w.ready:
		return s, nil
	case <-ctx.Done():
		r.mu.Lock()
		for i, x := range r.waiters {
			if x == w {
				r.waiters = append(r.waiters[:i], r.waiters[i+1:]...)
				break
			}
		}
		r.mu.Unlock()
		return nil, ctx.Err()
	}
}

// run serves rounds until ctx is done.
func (r *rounds) run(ctx context.Context) {
	for {
		r.mu.Lock()
		var next time.Time
		for i, w := range r.waiters {
			if i == 0 || w.slot.Before(next) {
				next = w.slot
			}
		}
		n := len(r.waiters)
		r.mu.Unlock()
		if n == 0 {
			select {
			case <-ctx.Done():
				return
			case <-r.kick:
				continue
			}
		}
		if d := next.Sub(r.clock.Now()); d > 0 {
			select {
			case <-ctx.Done():
				return
			case <-r.kick:
				continue // someone may be due earlier
			case <-r.clock.After(d):
			}
		}
		r.fire(ctx)
	}
}

// fire reads, in one round, the keys of every wait whose tick has come.
func (r *rounds) fire(ctx context.Context) {
	now := r.clock.Now()
	r.mu.Lock()
	var due []*waiter
	keep := r.waiters[:0]
	for _, w := range r.waiters {
		if !w.slot.After(now) {
			due = append(due, w)
		} else {
			keep = append(keep, w)
		}
	}
	r.waiters = keep
	r.mu.Unlock()
	if len(due) == 0 {
		return
	}
	var keys []cloud.Key
	for _, w := range due {
		keys = append(keys, w.keys...)
	}
	// Carried keys ride along only with reads the round makes anyway, and
	// only as far as those calls cover them: a round of RDS instances
	// alone lists no global cluster for the next layer, nor a page more
	// (which would cost pages every second); the next layer's opening
	// reads what its last round did not.
	r.mu.Lock()
	carried := r.carried
	r.mu.Unlock()
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	s := newSnapshot(r.direct)
	s.fetch(ctx, r.batch, keys, carried...)
	r.mu.Lock()
	r.last = s
	r.mu.Unlock()
	if r.observe != nil {
		r.observe(Round{At: now, Served: len(due), Keys: len(slices.CompactFunc(keys, func(a, b cloud.Key) bool { return a == b }))})
	}
	for _, w := range due {
		w.ready <- s
	}
}

func keyLess(a, b cloud.Key) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.Region != b.Region {
		return a.Region < b.Region
	}
	return a.ID < b.ID
}

// carry makes every round from now on read keys too (nil: no more).
func (r *rounds) carry(keys []cloud.Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.carried = keys
}

// begin starts a layer: it returns the latest round's snapshot (nil if
// none), and forgets it, so that a later layer never takes the rounds of
// an earlier one for its own.
func (r *rounds) begin() *snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.last
	r.last = nil
	return s
}
