package awsapi

import (
	"context"
	"fmt"
	"sync"
	"time"

	"drorch/cloud"
)

// kindReader reads one kind of resource.
type kindReader struct {
	// batch reads the resources ids (canonical identifiers or ARNs) in
	// region with the fewest describe calls the API allows, and returns
	// the state of each one found, keyed by the id asked for.
	batch func(ctx context.Context, region string, ids []string) (map[string]any, error)
	// one describes a single resource by its identifier: a missing one is
	// AWS's own not-found error, with its code and request id.
	one func(ctx context.Context, region, id string) (any, error)
}

// Reads is drorch's cloud.Reader and cloud.BatchReader over the SDK. Each
// service's file adds the kinds it can read.
type Reads struct {
	c     *Clients
	kinds map[cloud.Kind]kindReader
	// Now is the clock that replication-lag windows end at (default the
	// wall clock): drorch passes its own, the simulator's virtual time in
	// the demo. Set it before the first read.
	Now func() time.Time
}

// Reads returns the reader of every kind drorch watches.
func (c *Clients) Reads() *Reads {
	r := &Reads{c: c, kinds: map[cloud.Kind]kindReader{}}
	for _, add := range []func(map[cloud.Kind]kindReader){c.rdsKinds, c.rdsSnapshotKinds, c.elasticacheKinds, r.lagKinds} {
		add(r.kinds)
	}
	return r
}

func (r *Reads) kind(kind cloud.Kind, region string) (kindReader, error) {
	kr, ok := r.kinds[kind]
	if !ok {
		return kr, &cloud.APIError{Service: kind.Service(), Region: region, Kind: cloud.KindInvalidInput,
			Message: fmt.Sprintf("drorch has no adapter to read %s", kind)}
	}
	return kr, nil
}

// ReadBatch reads ids of kind in region.
func (r *Reads) ReadBatch(ctx context.Context, kind cloud.Kind, region string, ids []string) (map[string]any, error) {
	kr, err := r.kind(kind, region)
	if err != nil {
		return nil, err
	}
	return kr.batch(ctx, region, ids)
}

// Read describes one resource by its identifier or ARN.
func (r *Reads) Read(ctx context.Context, k cloud.Key) (any, error) {
	kr, err := r.kind(k.Kind, k.Region)
	if err != nil {
		return nil, err
	}
	return kr.one(ctx, k.Region, k.ID)
}

// matcher maps what a describe returned back to the ids asked for, by
// identifier or ARN, compared as AWS compares them.
type matcher struct {
	want  map[string]bool
	found map[string]any
}

func newMatcher(ids []string) *matcher {
	m := &matcher{want: map[string]bool{}, found: map[string]any{}}
	for _, id := range ids {
		m.want[cloud.ID(id)] = true
	}
	return m
}

// add records v, known by id and arn, under whichever of them was asked for.
func (m *matcher) add(v any, id, arn string) {
	for _, k := range []string{cloud.ID(id), cloud.ID(arn)} {
		if k != "" && m.want[k] {
			m.found[k] = v
		}
	}
}

// complete reports whether every id asked for has been found: a listing
// read page by page stops there, since the rest of the account's
// resources would be read only to be dropped.
func (m *matcher) complete() bool { return len(m.found) == len(m.want) }

// one returns the single resource asked for, or the not-found error of a
// describe that answered without it (an emulator that ignores the
// identifier, or an empty list).
func (m *matcher) one(o op) (any, error) {
	for _, v := range m.found {
		return v, nil
	}
	return nil, &cloud.APIError{Service: o.service, Action: o.action, Resource: o.resource, Region: o.region,
		Kind: cloud.KindNotFound, Message: "not found"}
}

// listing remembers, per kind and region, how many pages the last listing
// took (to the page where the last resource asked for was found), so that a round describes few resources one by one when
// that is cheaper than listing them all.
type listing struct {
	mu    sync.Mutex
	pages map[string]int
}

func (l *listing) cheaperByID(key string, n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	pages, known := l.pages[key]
	return known && n < pages || !known && n == 1
}

func (l *listing) took(key string, pages int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pages == nil {
		l.pages = map[string]int{}
	}
	l.pages[key] = max(pages, 1)
}
