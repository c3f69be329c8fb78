package engine

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"drorch/internal/clock"
	"drorch/resource"
)

// BatchReader reads many resources of one kind in one region with one
// describe call (plus pages). The engine uses it so that a polling round
// costs one call per kind and region, not one per resource.
type BatchReader interface {
	GlobalClusters(ctx context.Context, region string) ([]resource.GlobalCluster, error)
	DBClusters(ctx context.Context, region string, idsOrARNs []string) ([]resource.DBCluster, error)
	DBInstances(ctx context.Context, region string, idsOrARNs []string) ([]resource.DBInstance, error)
	GlobalReplicationGroups(ctx context.Context, region string) ([]resource.GlobalReplicationGroup, error)
}

// snapshot is the state read in one round: what the batched calls returned
// for the watched keys, plus what direct reads added during the round.
type snapshot struct {
	direct resource.Reader

	mu      sync.Mutex
	entries map[resource.Key]entry
}

type entry struct {
	val any // *resource.GlobalCluster, *resource.DBCluster, ...; nil = not found
	err error
}

func newSnapshot(direct resource.Reader) *snapshot {
	return &snapshot{direct: direct, entries: map[resource.Key]entry{}}
}

func (s *snapshot) put(k resource.Key, e entry) {
	s.mu.Lock()
	s.entries[k] = e
	s.mu.Unlock()
}

func (s *snapshot) get(k resource.Key) (entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[k]
	return e, ok
}

// fetch fills the snapshot for keys with one batched call per kind and region.
func (s *snapshot) fetch(ctx context.Context, b BatchReader, keys []resource.Key) {
	type group struct {
		kind   resource.KeyKind
		region string
	}
	groups := map[group][]string{}
	for _, k := range keys {
		if _, ok := s.get(k); ok {
			continue
		}
		g := group{k.Kind, k.Region}
		groups[g] = appendUnique(groups[g], k.ID)
	}
	var wg sync.WaitGroup
	for g, ids := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.fetchGroup(ctx, b, g.kind, g.region, ids)
		}()
	}
	wg.Wait()
}

func (s *snapshot) fetchGroup(ctx context.Context, b BatchReader, kind resource.KeyKind, region string, ids []string) {
	found := map[string]any{}
	var err error
	// Global clusters and datastores are listed whole (there is no filter
	// by id); for a single one, describing it by id is one small call
	// instead of every page of the account's list.
	single := len(ids) == 1 && (kind == resource.KeyGlobalCluster || kind == resource.KeyGlobalReplicationGroup)
	if single {
		s.fetchOne(ctx, resource.Key{Kind: kind, Region: region, ID: ids[0]})
		return
	}
	switch kind {
	case resource.KeyGlobalCluster:
		var gcs []resource.GlobalCluster
		gcs, err = b.GlobalClusters(ctx, region)
		for i := range gcs {
			found[gcs[i].ID] = &gcs[i]
			found[gcs[i].ARN] = &gcs[i]
		}
	case resource.KeyDBCluster:
		var cs []resource.DBCluster
		cs, err = b.DBClusters(ctx, region, ids)
		for i := range cs {
			found[cs[i].ID] = &cs[i]
			found[cs[i].ARN] = &cs[i]
		}
	case resource.KeyDBInstance:
		var is []resource.DBInstance
		is, err = b.DBInstances(ctx, region, ids)
		for i := range is {
			found[is[i].ID] = &is[i]
			found[is[i].ARN] = &is[i]
		}
	case resource.KeyGlobalReplicationGroup:
		var gs []resource.GlobalReplicationGroup
		gs, err = b.GlobalReplicationGroups(ctx, region)
		for i := range gs {
			found[gs[i].ID] = &gs[i]
		}
	default:
		err = fmt.Errorf("engine: cannot batch-read %s", kind)
	}
	for _, id := range ids {
		k := resource.Key{Kind: kind, Region: region, ID: id}
		if err != nil {
			s.put(k, entry{err: err})
			continue
		}
		s.put(k, entry{val: found[id]}) // nil: not found
	}
}

// fetchOne reads one key with a direct describe.
func (s *snapshot) fetchOne(ctx context.Context, k resource.Key) {
	var (
		val any
		err error
	)
	switch k.Kind {
	case resource.KeyGlobalCluster:
		val, err = s.direct.GlobalCluster(ctx, k.Region, k.ID)
	case resource.KeyGlobalReplicationGroup:
		val, err = s.direct.GlobalReplicationGroup(ctx, k.Region, k.ID)
	default:
		err = fmt.Errorf("engine: cannot read %s alone", k.Kind)
	}
	switch {
	case resource.IsKind(err, resource.KindNotFound):
		s.put(k, entry{})
	case err != nil:
		s.put(k, entry{err: err})
	default:
		s.put(k, entry{val: val})
	}
}

func appendUnique(ids []string, id string) []string {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

// notFound builds the error a describe of a missing resource gives.
func notFound(k resource.Key) error {
	service, action, code := "rds", "", ""
	switch k.Kind {
	case resource.KeyGlobalCluster:
		action, code = "DescribeGlobalClusters", "GlobalClusterNotFoundFault"
	case resource.KeyDBCluster:
		action, code = "DescribeDBClusters", "DBClusterNotFoundFault"
	case resource.KeyDBInstance:
		action, code = "DescribeDBInstances", "DBInstanceNotFound"
	case resource.KeyGlobalReplicationGroup:
		service, action, code = "elasticache", "DescribeGlobalReplicationGroups", "GlobalReplicationGroupNotFoundFault"
	}
	return &resource.APIError{Service: service, Action: action, Region: k.Region, Kind: resource.KindNotFound,
		Code: code, Message: fmt.Sprintf("%s %s not found in %s", k.Kind, k.ID, k.Region)}
}

// lookup serves a read from the snapshot, falling through to a direct call
// (remembered for the rest of the round) for keys nobody watched.
func lookup[T any](ctx context.Context, s *snapshot, k resource.Key, read func() (*T, error)) (*T, error) {
	e, ok := s.get(k)
	if !ok {
		v, err := read()
		switch {
		case err == nil:
			e = entry{val: v}
		case resource.IsKind(err, resource.KindNotFound):
			e = entry{}
		default:
			return nil, err // not remembered: a later read in the round may succeed
		}
		s.put(k, e)
	}
	if e.err != nil {
		return nil, e.err
	}
	if e.val == nil {
		return nil, notFound(k)
	}
	v, ok := e.val.(*T)
	if !ok || v == nil {
		return nil, notFound(k)
	}
	cp := *v // handlers get their own copy
	return &cp, nil
}

// reader is the resource.Reader the steps see during a round.
type reader struct{ s *snapshot }

func (r reader) GlobalCluster(ctx context.Context, region, id string) (*resource.GlobalCluster, error) {
	return lookup(ctx, r.s, resource.Key{Kind: resource.KeyGlobalCluster, Region: region, ID: id},
		func() (*resource.GlobalCluster, error) { return r.s.direct.GlobalCluster(ctx, region, id) })
}

func (r reader) DBCluster(ctx context.Context, region, id string) (*resource.DBCluster, error) {
	return lookup(ctx, r.s, resource.Key{Kind: resource.KeyDBCluster, Region: region, ID: id},
		func() (*resource.DBCluster, error) { return r.s.direct.DBCluster(ctx, region, id) })
}

func (r reader) DBInstance(ctx context.Context, region, id string) (*resource.DBInstance, error) {
	return lookup(ctx, r.s, resource.Key{Kind: resource.KeyDBInstance, Region: region, ID: id},
		func() (*resource.DBInstance, error) { return r.s.direct.DBInstance(ctx, region, id) })
}

func (r reader) GlobalReplicationGroup(ctx context.Context, region, id string) (*resource.GlobalReplicationGroup, error) {
	return lookup(ctx, r.s, resource.Key{Kind: resource.KeyGlobalReplicationGroup, Region: region, ID: id},
		func() (*resource.GlobalReplicationGroup, error) {
			return r.s.direct.GlobalReplicationGroup(ctx, region, id)
		})
}

// rounds gathers the polls that fall due at about the same time into one
// round served by one snapshot, so that N resources waiting in a layer cost
// one describe call per kind and region per round.
type rounds struct {
	clock  clock.Clock
	batch  BatchReader
	direct resource.Reader

	mu      sync.Mutex
	waiters []*waiter
	kick    chan struct{}
}

type waiter struct {
	due, earliest time.Time
	keys          []resource.Key
	ready         chan *snapshot
}

func newRounds(c clock.Clock, b BatchReader, direct resource.Reader) *rounds {
	return &rounds{clock: c, batch: b, direct: direct, kick: make(chan struct{}, 1)}
}

// wait blocks until a round at or a little before due (by at most slack)
// has read keys, and returns that round's snapshot.
func (r *rounds) wait(ctx context.Context, due time.Time, slack time.Duration, keys []resource.Key) (*snapshot, error) {
	w := &waiter{due: due, earliest: due.Add(-slack), keys: keys, ready: make(chan *snapshot, 1)}
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
			if i == 0 || w.due.Before(next) {
				next = w.due
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

func (r *rounds) fire(ctx context.Context) {
	now := r.clock.Now()
	r.mu.Lock()
	var due []*waiter
	keep := r.waiters[:0]
	for _, w := range r.waiters {
		if !w.earliest.After(now) {
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
	var keys []resource.Key
	for _, w := range due {
		keys = append(keys, w.keys...)
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	s := newSnapshot(r.direct)
	s.fetch(ctx, r.batch, keys)
	for _, w := range due {
		w.ready <- s
	}
}

func keyLess(a, b resource.Key) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.Region != b.Region {
		return a.Region < b.Region
	}
	return a.ID < b.ID
}
