package ops_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"drorch/cloud"

	"drorch/internal/clock"
	"drorch/lock"
	"drorch/lock/locktest"
	"drorch/ref"
	"drorch/resource/all"
	"drorch/sfn"
	"drorch/sfn/ops"
	"drorch/sim"
)

// world is every fake a Functions needs, in one place.
type world struct {
	exports map[string]string
	params  map[string]ref.Parameter
	locks   *locktest.Table
	store   *fakeStore
	topic   *fakeTopic
	log     *syncBuffer
	clock   *clock.Fake
}

func newWorld(region string) *world {
	exports := map[string]string{}
	for k, v := range sim.SeedScenario().Exports[region] {
		exports[k] = v
	}
	return &world{exports: exports, params: map[string]ref.Parameter{}, locks: locktest.New(),
		store: &fakeStore{objects: map[string][]byte{}}, topic: &fakeTopic{}, log: &syncBuffer{},
		clock: clock.NewFake(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))}
}

func (w *world) functions(region string) *ops.Functions {
	return &ops.Functions{
		Registry: all.Registry(), Exports: w, Parameters: w, Identity: w, Locks: lock.New(w.locks, lock.Settings{Clock: w.clock}), Store: w.store,
		Notify: w.topic, Fingerprints: hmacKey("test key"), Log: w.log, Clock: w.clock,
		Settings: ops.Settings{Region: region, Bucket: "drorch-runs", PollsPerSecond: 5},
	}
}

func (w *world) ListExports(_ context.Context, _, token string) ([]ref.Export, string, error) {
	if token != "" {
		return nil, "", errors.New("unexpected token")
	}
	names := make([]string, 0, len(w.exports))
	for k := range w.exports {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]ref.Export, 0, len(names))
	for _, n := range names {
		out = append(out, ref.Export{Name: n, Value: w.exports[n]})
	}
	return out, "", nil
}

func (w *world) GetParameter(_ context.Context, _, name string, _ bool) (ref.Parameter, error) {
	p, ok := w.params[name]
	if !ok {
		return ref.Parameter{}, &cloud.APIError{Kind: cloud.KindNotFound, Code: "ParameterNotFound", Message: name}
	}
	return p, nil
}

func (w *world) Caller(context.Context, string) (cloud.Caller, error) {
	return cloud.Caller{Account: "123456789012", Partition: "aws"}, nil
}

type fakeStore struct {
	mu      sync.Mutex
	objects map[string][]byte
	failPut bool
}

func (s *fakeStore) Put(_ context.Context, bucket, key string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failPut {
		return errors.New("AccessDenied")
	}
	s.objects[bucket+"/"+key] = bytes.Clone(data)
	return nil
}

func (s *fakeStore) Get(_ context.Context, bucket, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.objects[bucket+"/"+key]
	if !ok {
		return nil, fmt.Errorf("NoSuchKey: %s/%s: %w", bucket, key, ops.ErrNoObject)
	}
	return b, nil
}

type fakeTopic struct {
	mu       sync.Mutex
	messages []string
	fail     bool
}

func (t *fakeTopic) Publish(_ context.Context, _, message string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fail {
		return errors.New("KMSAccessDenied")
	}
	t.messages = append(t.messages, message)
	return nil
}

func (t *fakeTopic) all() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.messages...)
}

// hmacKey fingerprints with a local HMAC key, as KMS does with its own.
type hmacKey string

func (k hmacKey) Fingerprint(_ context.Context, msg []byte) (string, error) {
	m := hmac.New(sha256.New, []byte(k))
	m.Write(msg)
	return base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

func (k hmacKey) Verify(ctx context.Context, msg []byte, fp string) (bool, error) {
	want, _ := k.Fingerprint(ctx, msg)
	return hmac.Equal([]byte(want), []byte(fp)), nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// seedPayload reads one of the original README's payloads.
func seedPayload(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "seed", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var _ = sfn.OpPrepare
