package dynamolock_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"drorch/internal/clock"
	"drorch/lock"
)

// One suite, run against drorch's simulator and against moto (an
// independent DynamoDB): the lock's guarantees hold on both.

func TestLockOnSim(t *testing.T) {
	t.Parallel()
	runSuite(t, func(t *testing.T) backend { return simBackend(t) }, 20)
}

func TestLockOnMoto(t *testing.T) {
	t.Parallel()
	runSuite(t, func(t *testing.T) backend { return motoBackend(t) }, 4)
}

func runSuite(t *testing.T, newBackend func(*testing.T) backend, rounds int) {
	cases := []struct {
		name string
		fn   func(*testing.T, backend)
	}{
		{"acquire, conflict, release", testAcquireConflictRelease},
		{"resume takes back its own keys", testResume},
		{"a lapsed lease is taken, and its holder learns", testLapsedLease},
		{"thousands of keys, all or nothing", testManyKeys},
		{"keys are stored as fingerprints only", testFingerprints},
		{"a failed batch releases what was taken", testFailureReleases},
		{"concurrent acquirers never overlap", func(t *testing.T, b backend) { testConcurrent(t, b, rounds) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newBackend(t))
		})
	}
}

const ttl = 2 * time.Minute

func holder(run string) lock.Holder {
	return lock.Holder{RunID: run, Owner: "host-" + run + ":4242", Kind: lock.KindCLI}
}

func keysN(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s:%04d", prefix, i)
	}
	return out
}

func testAcquireConflictRelease(t *testing.T, b backend) {
	ctx := context.Background()
	clk := clock.NewFake(t0)
	a := lock.New(b.lockTable(t), lock.Settings{Clock: clk})
	other := lock.New(b.lockTable(t), lock.Settings{Clock: clk}) // another machine
	lease, err := a.Acquire(ctx, lock.Request{Keys: []string{"aurora:global:db-a", "rds:us-east-1:db-b", "aurora:global:db-a"}, Holder: holder("run-1"), TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	if got := lease.Keys(); len(got) != 2 || !lease.Until().Equal(t0.Add(ttl)) {
		t.Errorf("lease: %v until %v", got, lease.Until())
	}
	_, err = other.Acquire(ctx, lock.Request{Keys: []string{"elasticache:global:c", "rds:us-east-1:db-b"}, Holder: lock.Holder{RunID: "run-2", Owner: "arn:aws:states:us-east-1:1:execution:x:y", Kind: lock.KindSFN}, TTL: ttl})
	var held *lock.HeldError
	if !errors.As(err, &held) || len(held.Conflicts) != 1 || held.Requested != 2 {
		t.Fatalf("second run: %v", err)
	}
	c := held.Conflicts[0]
	if c.Key != "rds:us-east-1:db-b" || c.Holder != holder("run-1") || !c.Until.Equal(t0.Add(ttl)) {
		t.Errorf("conflict: %+v", c)
	}
	for _, want := range []string{`1 of 2 keys are held by another run: "rds:us-east-1:db-b" is held by run run-1 (cli, host-run-1:4242) until 2026-03-01T09:02:00Z`,
		"lease to lapse after 2026-03-01T09:02:00Z"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%s", want, err)
		}
	}
	// The refused run left nothing: its other key is free.
	free, err := lock.New(b.lockTable(t), lock.Settings{Clock: clk}).Acquire(ctx, lock.Request{Keys: []string{"elasticache:global:c"}, Holder: holder("run-3"), TTL: ttl})
	if err != nil {
		t.Fatalf("key of a refused run: %v", err)
	}
	if err := free.Release(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if err := lease.Renew(ctx); err != nil || !lease.Until().Equal(t0.Add(time.Minute+ttl)) {
		t.Fatalf("renew: %v until %v", err, lease.Until())
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := lease.Release(cancelled); err != nil { // an interrupted run still releases
		t.Fatalf("release: %v", err)
	}
	if l2, err := other.Acquire(ctx, lock.Request{Keys: []string{"rds:us-east-1:db-b"}, Holder: holder("run-2"), TTL: ttl}); err != nil {
		t.Fatalf("after release: %v", err)
	} else if err := l2.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

func testResume(t *testing.T, b backend) {
	ctx := context.Background()
	clk := clock.NewFake(t0)
	first, err := lock.New(b.lockTable(t), lock.Settings{Clock: clk}).Acquire(ctx, lock.Request{Keys: keysN("db", 3), Holder: holder("run-1"), TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	// The same run, resumed on another machine, before the lease lapses.
	resumed := lock.Holder{RunID: "run-1", Owner: "other-host:7", Kind: lock.KindCLI}
	second, err := lock.New(b.lockTable(t), lock.Settings{Clock: clk}).Acquire(ctx, lock.Request{Keys: keysN("db", 4), Holder: resumed, TTL: ttl})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	// The old process's lease lost its keys to the new one.
	var lost *lock.LostError
	if err := first.Renew(ctx); !errors.As(err, &lost) || len(lost.Lost) != 3 || lost.Lost[0].Holder != resumed {
		t.Errorf("the old lease's renew: %v", err)
	}
	if err := second.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

func testLapsedLease(t *testing.T, b backend) {
	ctx := context.Background()
	clk := clock.NewFake(t0)
	set := lock.Settings{Clock: clk, SkewMargin: 10 * time.Second}
	old, err := lock.New(b.lockTable(t), set).Acquire(ctx, lock.Request{Keys: []string{"k1", "k2"}, Holder: holder("run-1"), TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	taker := lock.New(b.lockTable(t), set)
	// Within the skew margin after Until, the lease still counts.
	clk.Advance(ttl + 9*time.Second)
	var held *lock.HeldError
	if _, err := taker.Acquire(ctx, lock.Request{Keys: []string{"k2"}, Holder: holder("run-2"), TTL: ttl}); !errors.As(err, &held) {
		t.Fatalf("inside the margin: %v", err)
	}
	clk.Advance(2 * time.Second)
	nl, err := taker.Acquire(ctx, lock.Request{Keys: []string{"k2"}, Holder: holder("run-2"), TTL: ttl})
	if err != nil {
		t.Fatalf("after the margin: %v", err)
	}
	var lost *lock.LostError
	err = old.Renew(ctx)
	if !errors.As(err, &lost) || len(lost.Lost) != 1 || lost.Lost[0].Key != "k2" || lost.Lost[0].Holder.RunID != "run-2" {
		t.Fatalf("renew of a lapsed lease: %v", err)
	}
	if got := old.Keys(); !slices.Equal(got, []string{"k1"}) {
		t.Errorf("the old lease still holds %v", got)
	}
	if err := old.Release(ctx); err != nil {
		t.Errorf("release of what is left: %v", err)
	}
	// The old holder's release did not touch the new holder's key.
	if err := nl.Renew(ctx); err != nil {
		t.Errorf("the new holder's renew: %v", err)
	}
	if err := nl.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := nl.Release(ctx); err != nil {
		t.Errorf("a second release: %v", err)
	}
}

func testManyKeys(t *testing.T, b backend) {
	ctx := context.Background()
	clk := clock.NewFake(t0)
	n := 2050 // 21 batches
	if b.name == "moto" {
		n = 250 // moto copies the whole table for every transaction
	}
	keys := keysN("db", n)
	set := lock.Settings{Clock: clk}
	if b.name == "moto" {
		// Releasing is bounded by CleanupTimeout (30 s): moto's slow
		// transactions on a loaded machine need longer, as CallTimeout.
		set.CleanupTimeout = 4 * time.Minute
	}
	lease, err := lock.New(b.lockTable(t), set).Acquire(ctx, lock.Request{Keys: keys, Holder: holder("run-1"), TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	if len(lease.Keys()) != n {
		t.Fatalf("lease holds %d keys", len(lease.Keys()))
	}
	// A run wanting many free keys and one held key gets none of them.
	other := lock.New(b.lockTable(t), set)
	want := append(keysN("free", n), keys[n/2])
	_, err = other.Acquire(ctx, lock.Request{Keys: want, Holder: holder("run-2"), TTL: ttl})
	var held *lock.HeldError
	if !errors.As(err, &held) || len(held.Conflicts) != 1 || held.Conflicts[0].Key != keys[n/2] {
		t.Fatalf("overlap: %v", err)
	}
	free, err := lock.New(b.lockTable(t), set).Acquire(ctx, lock.Request{Keys: keysN("free", n), Holder: holder("run-3"), TTL: ttl})
	if err != nil {
		t.Fatalf("the refused run's keys were not all released: %v", err)
	}
	for _, l := range []*lock.Lease{free, lease} {
		if err := l.Renew(ctx); err != nil {
			t.Fatal(err)
		}
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := countItems(t, b); n != 1 {
		t.Errorf("%d items left after every release; want only the fingerprint secret", n)
	}
}

func countItems(t *testing.T, b backend) int {
	t.Helper()
	n := 0
	p := dynamodb.NewScanPaginator(b.client(t), &dynamodb.ScanInput{TableName: aws.String(b.table)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Items)
	}
	return n
}

func testFingerprints(t *testing.T, b backend) {
	ctx := context.Background()
	secretish := "rds:us-east-1:db-from-securestring-Zq9x"
	lease, err := lock.New(b.lockTable(t), lock.Settings{Clock: clock.NewFake(t0)}).Acquire(ctx, lock.Request{Keys: []string{secretish}, Holder: holder("run-1"), TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Release(ctx)
	out, err := b.client(t).Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(b.table)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 2 {
		t.Fatalf("%d items: want the secret and one lock", len(out.Items))
	}
	var parts []string
	for _, it := range out.Items {
		for name, v := range it {
			switch v := v.(type) {
			case *types.AttributeValueMemberS:
				parts = append(parts, name+"="+v.Value)
			case *types.AttributeValueMemberN:
				parts = append(parts, name+"="+v.Value)
			case *types.AttributeValueMemberB:
				parts = append(parts, name+"="+string(v.Value))
			}
		}
	}
	dump := strings.Join(parts, " ")
	for _, part := range []string{secretish, "Zq9x", "db-from-securestring"} {
		if strings.Contains(dump, part) {
			t.Errorf("the table holds %q in clear:\n%s", part, dump)
		}
	}
	if !strings.Contains(dump, "lock#") {
		t.Errorf("no fingerprinted lock item: %s", dump)
	}
}

// failing fails the Nth Apply (1-based) with an error that is not a
// condition: the batch may or may not have been written.
type failing struct {
	lock.Table
	n, calls int
	mu       sync.Mutex
}

func (f *failing) Apply(ctx context.Context, w []lock.Write) error {
	f.mu.Lock()
	f.calls++
	fail := f.calls == f.n
	f.mu.Unlock()
	if fail {
		if err := f.Table.Apply(ctx, w); err != nil { // written, then the answer is lost
			return err
		}
		return errors.New("read tcp: connection reset by peer")
	}
	return f.Table.Apply(ctx, w)
}

func testFailureReleases(t *testing.T, b backend) {
	ctx := context.Background()
	clk := clock.NewFake(t0)
	keys := keysN("db", 250) // three batches
	// Apply 1 creates the secret; 2 and 3 are batches; 4 "fails".
	tbl := &failing{Table: b.lockTable(t), n: 4}
	_, err := lock.New(tbl, lock.Settings{Clock: clk}).Acquire(ctx, lock.Request{Keys: keys, Holder: holder("run-1"), TTL: ttl})
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("acquire with a lost answer: %v", err)
	}
	l, err := lock.New(b.lockTable(t), lock.Settings{Clock: clk}).Acquire(ctx, lock.Request{Keys: keys, Holder: holder("run-2"), TTL: ttl})
	if err != nil {
		t.Fatalf("keys left behind by a failed acquire: %v", err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

// testConcurrent runs goroutines on two Lockers (two machines) asking for
// random overlapping key sets: a key is never held by two runs at once,
// and every attempt ends (no deadlock).
func testConcurrent(t *testing.T, b backend, rounds int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	clk := clock.NewAuto(t0) // contention pauses pass at once
	tables := []lock.Table{b.lockTable(t), b.lockTable(t)}
	if b.name == "moto" {
		// moto applies a transaction's writes one by one and, when one
		// fails, puts back a copy of the whole table taken before: two
		// transactions at once undo each other's writes. One call at a
		// time keeps it a faithful DynamoDB; the Lockers' batches still
		// interleave.
		var one sync.Mutex
		for i := range tables {
			tables[i] = serialized{Table: tables[i], mu: &one}
		}
	}
	lockers := []*lock.Locker{lock.New(tables[0], lock.Settings{Clock: clk}), lock.New(tables[1], lock.Settings{Clock: clk})}
	pool := keysN("db", 12)
	var mu sync.Mutex
	owner := map[string]string{}
	var wins, refusals atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for i := range rounds {
				run := fmt.Sprintf("run-%d-%d", g, i)
				var keys []string
				for _, k := range pool {
					if rng.IntN(3) == 0 {
						keys = append(keys, k)
					}
				}
				if len(keys) == 0 {
					keys = pool[:1]
				}
				lease, err := lockers[g%2].Acquire(ctx, lock.Request{Keys: keys, Holder: holder(run), TTL: time.Hour})
				var held *lock.HeldError
				switch {
				case errors.As(err, &held):
					refusals.Add(1)
					continue
				case err != nil:
					t.Errorf("%s: %v", run, err)
					return
				}
				wins.Add(1)
				mu.Lock()
				for _, k := range keys {
					if o := owner[k]; o != "" {
						t.Errorf("%s and %s both hold %s", o, run, k)
					}
					owner[k] = run
				}
				mu.Unlock()
				// Hold the keys across a round trip, so that others try
				// while they are held.
				if err := lease.Renew(ctx); err != nil {
					t.Errorf("%s renew: %v", run, err)
				}
				mu.Lock()
				for _, k := range keys {
					delete(owner, k)
				}
				mu.Unlock()
				if err := lease.Release(ctx); err != nil {
					t.Errorf("%s release: %v", run, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%s: %d acquisitions, %d refusals", b.name, wins.Load(), refusals.Load())
	if wins.Load() == 0 {
		t.Errorf("no acquisition succeeded")
	}
}

// serialized lets one call at a time through to a table.
type serialized struct {
	lock.Table
	mu *sync.Mutex
}

func (s serialized) Get(ctx context.Context, id string) (lock.Record, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Table.Get(ctx, id)
}

func (s serialized) Apply(ctx context.Context, w []lock.Write) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Table.Apply(ctx, w)
}
