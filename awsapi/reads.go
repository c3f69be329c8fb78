package awsapi

import (
	"context"
	"fmt"
	"time"

	"drorch/cloud"
)

// kindReader reads one kind of resource.
type kindReader struct {
	// batch reads the resources ids (canonical identifiers or ARNs) in
	// region with the fewest describe calls the API allows, and returns
	// the state of each one found, keyed by the id asked for; with them,
	// those of along the same calls cover (cloud.AlongReader), and which
	// of along it knows of.
	batch func(ctx context.Context, region string, ids, along []string) (map[string]any, []string, error)
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
	found, _, err := r.ReadAlong(ctx, kind, region, ids, nil)
	return found, err
}

// ReadAlong reads ids of kind in region, and those of along the same
// calls cover.
func (r *Reads) ReadAlong(ctx context.Context, kind cloud.Kind, region string, ids, along []string) (map[string]any, []string, error) {
	kr, err := r.kind(kind, region)
	if err != nil {
		return nil, nil, err
	}
	return kr.batch(ctx, region, ids, along)
}

// batchOnly is the batch read of a kind that reads nothing along.
func batchOnly(batch func(ctx context.Context, region string, ids []string) (map[string]any, error)) func(context.Context, string, []string, []string) (map[string]any, []string, error) {
	return func(ctx context.Context, region string, ids, _ []string) (map[string]any, []string, error) {
		found, err := batch(ctx, region, ids)
		return found, nil, err
	}
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
// identifier or ARN, compared as AWS compares them. Ids read along (also)
// are kept when met, and never make a read incomplete.
type matcher struct {
	want     map[string]bool   // every id to keep
	along    map[string]string // of them, those read along, as given
	required int               // ids asked for, not along, found so far
	asked    int               // ids asked for, not along
	found    map[string]any
}

func newMatcher(ids []string) *matcher {
	m := &matcher{want: map[string]bool{}, along: map[string]string{}, found: map[string]any{}}
	for _, id := range ids {
		m.want[cloud.ID(id)] = true
	}
	m.asked = len(m.want)
	return m
}

// also keeps the resources of along when they are met.
func (m *matcher) also(along []string) {
	for _, id := range along {
		if k := cloud.ID(id); !m.want[k] {
			m.want[k], m.along[k] = true, id
		}
	}
}

// add records v, known by id and arn, under whichever of them was asked
// for, and reports whether one was (not along).
func (m *matcher) add(v any, id, arn string) bool {
	asked := false
	for _, k := range []string{cloud.ID(id), cloud.ID(arn)} {
		if k == "" || !m.want[k] {
			continue
		}
		_, along := m.along[k]
		if _, seen := m.found[k]; !seen && !along {
			m.required++
		}
		m.found[k] = v
		asked = asked || !along
	}
	return asked
}

// complete reports whether every id asked for has been found: a listing
// read page by page stops there, since the rest of the account's
// resources would be read only to be dropped.
func (m *matcher) complete() bool { return m.required == m.asked }

// alongFound are the ids read along that were met, as given.
func (m *matcher) alongFound() []string {
	var out []string
	for k, id := range m.along {
		if _, ok := m.found[k]; ok {
			out = append(out, id)
		}
	}
	return out
}

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
