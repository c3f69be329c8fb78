package sfntest

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"drorch/sfn/ops"
)

// Bucket is the run bucket in memory, an ops.Store, for tests of the
// function against the simulator, which serves no S3.
type Bucket struct {
	mu      sync.Mutex
	objects map[string][]byte
}

// NewBucket returns an empty Bucket.
func NewBucket() *Bucket { return &Bucket{objects: map[string][]byte{}} }

// Put stores a copy of data.
func (b *Bucket) Put(_ context.Context, bucket, key string, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objects[bucket+"/"+key] = bytes.Clone(data)
	return nil
}

// Get returns the object, or an error wrapping ops.ErrNoObject.
func (b *Bucket) Get(_ context.Context, bucket, key string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.objects[bucket+"/"+key]
	if !ok {
		return nil, fmt.Errorf("s3://%s/%s: %w", bucket, key, ops.ErrNoObject)
	}
	return bytes.Clone(data), nil
}

// String lists every object, "bucket/key" then its content, in key order.
func (b *Bucket) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	keys := make([]string, 0, len(b.objects))
	for k := range b.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var s strings.Builder
	for _, k := range keys {
		s.WriteString(k + "\n" + string(b.objects[k]) + "\n")
	}
	return s.String()
}
