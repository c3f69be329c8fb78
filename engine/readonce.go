package engine

import (
	"context"

	"drorch/cloud"
)

// ReadOnce reads keys now, with one batched read per kind and region, and
// returns a Reader that serves them from that read, and any other key by a
// direct read (remembered). It is one polling round of this engine, for a
// caller that decides for one resource at a time: the Step Functions
// function, whose every invocation looks at AWS afresh. Both engines thus
// read state the same way: a resource not found is cloud.ErrNotFound, and
// a failed batch is the error of each of its keys.
func ReadOnce(ctx context.Context, b cloud.BatchReader, direct cloud.Reader, keys []cloud.Key) cloud.Reader {
	s := newSnapshot(direct)
	s.fetch(ctx, b, keys)
	return reader{s}
}
