package engine

import (
	"context"
	"sync"

	"drorch/cloud"
)

// prefetchPasses bounds the discovery of what the resources read: a
// handler reads a global cluster, then its members, then their instances,
// each known only once the one before is read.
const prefetchPasses = 4

// errDeferred answers a read of a key the snapshot does not hold yet
// during discovery: retryable, so that no handler takes it for an answer.
var errDeferred = &cloud.APIError{Kind: cloud.KindTransient, Message: "read deferred to a batched prefetch"}

// recorder is the cloud.Reader of a discovery pass: it answers from the
// snapshot and notes every key the snapshot lacks instead of reading it.
type recorder struct {
	s *snapshot

	mu     sync.Mutex
	missed []cloud.Key
}

func (r *recorder) Read(_ context.Context, k cloud.Key) (any, error) {
	e, ok := r.s.get(k)
	if !ok {
		r.mu.Lock()
		r.missed = append(r.missed, k)
		r.mu.Unlock()
		return nil, errDeferred
	}
	if e.err != nil {
		return nil, e.err
	}
	if e.val == nil {
		return nil, cloud.NotFound(k)
	}
	return e.val, nil
}

// prefetch fills s with what walk reads beyond the keys fetched already
// (a Preflight reading each member cluster of a global cluster, a step's
// Check reading an instance nobody watches), in batches: walk runs on the
// snapshot as it stands, with its reads of missing keys deferred, then the
// missing keys are read with one batched read per kind and region, until
// a pass misses nothing. Without it each of those reads is its own call
// through the snapshot's fall-through: at a thousand resources, a
// thousand calls back to back.
func prefetch(ctx context.Context, s *snapshot, b cloud.BatchReader, walk func(cloud.Reader)) {
	for range prefetchPasses {
		rec := &recorder{s: s}
		walk(rec)
		if len(rec.missed) == 0 || ctx.Err() != nil {
			return
		}
		s.fetch(ctx, b, rec.missed)
	}
}
