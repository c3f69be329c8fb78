package lock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/internal/clock"
)

// memTable is a hand-written Table: the write conditions as Table's
// documentation states them, over a map. The real adapter is tested
// against the simulator and moto in dynamolock.
type memTable struct {
	mu   sync.Mutex
	recs map[string]Record
	// before runs ahead of every Apply; a non-nil error is returned
	// instead.
	before  func(writes []Write) error
	applies int
}

func newMem() *memTable { return &memTable{recs: map[string]Record{}} }

func (m *memTable) Get(_ context.Context, id string) (Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	return r, ok, nil
}

func (m *memTable) Apply(_ context.Context, writes []Write) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.applies++
	if m.before != nil {
		if err := m.before(writes); err != nil {
			return err
		}
	}
	ce := &ConditionError{Failed: map[int]*Record{}}
	for i, w := range writes {
		cur, ok := m.recs[w.Record.ID]
		var pass bool
		switch w.Op {
		case Create:
			pass = !ok
		case Take:
			pass = !ok || cur.Until.Before(w.Cutoff) || cur.Run == w.Record.Run
		case Extend, Drop:
			pass = ok && cur.Token == w.Record.Token
		}
		if !pass {
			if ok {
				ce.Failed[i] = &cur
			} else {
				ce.Failed[i] = nil
			}
		}
	}
	if len(ce.Failed) > 0 {
		return ce
	}
	for _, w := range writes {
		switch w.Op {
		case Create, Take:
			m.recs[w.Record.ID] = w.Record
		case Extend:
			cur := m.recs[w.Record.ID]
			cur.Until, cur.Expire = w.Record.Until, w.Record.Expire
			m.recs[w.Record.ID] = cur
		case Drop:
			delete(m.recs, w.Record.ID)
		}
	}
	return nil
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func cli(run string) Holder { return Holder{RunID: run, Owner: "host:1", Kind: KindCLI} }

func TestRequestChecks(t *testing.T) {
	t.Parallel()
	l := New(newMem(), Settings{Clock: clock.NewFake(t0)})
	ok := Request{Keys: []string{"k"}, Holder: cli("r"), TTL: time.Minute + time.Second}
	cases := []struct {
		name string
		edit func(*Request)
		want string
	}{
		{"no keys", func(r *Request) { r.Keys = nil }, "no keys to lock"},
		{"empty key", func(r *Request) { r.Keys = []string{"a", ""} }, "key 2 of 2 must be 1 to 4096 bytes (got 0)"},
		{"huge key", func(r *Request) { r.Keys = []string{strings.Repeat("k", MaxKeyLen+1)} }, "must be 1 to 4096 bytes (got 4097)"},
		{"too many keys", func(r *Request) { r.Keys = make([]string, MaxKeys+1) }, "20001 keys to lock: at most 20000"},
		{"no run", func(r *Request) { r.Holder.RunID = "" }, "holder run id must be 1 to 256 bytes"},
		{"no owner", func(r *Request) { r.Holder.Owner = "" }, "holder owner (host:pid or execution ARN)"},
		{"kind", func(r *Request) { r.Holder.Kind = "CLI\x1b[2J" }, `holder kind "CLI\\x1b[2J" must be cli or sfn`},
		{"short ttl", func(r *Request) { r.TTL = time.Minute }, "lease TTL 1m0s must be more than twice the clock-skew margin (30s)"},
	}
	for _, tc := range cases {
		r := ok
		r.Keys = append([]string(nil), ok.Keys...)
		tc.edit(&r)
		_, err := l.Acquire(context.Background(), r)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "acquire locks: ") {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := l.Acquire(context.Background(), ok); err != nil {
		t.Errorf("a good request: %v", err)
	}
}

func TestFingerprints(t *testing.T) {
	t.Parallel()
	a := fingerprint([]byte("secret-a"), []string{"b", "a", "b", "c"})
	if len(a) != 3 {
		t.Fatalf("duplicates kept: %v", a)
	}
	for i := 1; i < len(a); i++ {
		if a[i-1].id >= a[i].id {
			t.Errorf("not sorted by id: %v", a)
		}
	}
	again := fingerprint([]byte("secret-a"), []string{"c", "a", "b"})
	other := fingerprint([]byte("secret-b"), []string{"a"})
	if a[0] != again[0] || !strings.HasPrefix(a[0].id, "lock#") || len(a[0].id) != len("lock#")+64 {
		t.Errorf("unstable or malformed ids: %v %v", a, again)
	}
	if other[0].id == recordID([]byte("secret-a"), "a") {
		t.Errorf("the secret does not change the id")
	}
	if id := recordID([]byte("s"), "rds:us-east-1:db-1"); strings.Contains(id, "rds") || strings.Contains(id, "db-1") {
		t.Errorf("the id holds the key: %s", id)
	}
}

// The secret is made once; a machine that loses the race to create it
// reads the winner's; a damaged secret is refused.
func TestSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMem()
	l1 := New(m, Settings{Clock: clock.NewFake(t0), Rand: bytes.NewReader(bytes.Repeat([]byte{1}, 64))})
	l2 := New(m, Settings{Clock: clock.NewFake(t0), Rand: bytes.NewReader(bytes.Repeat([]byte{2}, 64))})
	// l2 reads "no secret", then l1 creates it before l2's conditional put.
	s1, err := l1.loadSecret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	saved := m.recs[SecretID]
	delete(m.recs, SecretID)
	m.before = func(w []Write) error {
		if w[0].Op == Create {
			m.recs[SecretID] = saved // the other machine won
		}
		return nil
	}
	m.mu.Unlock()
	s2, err := l2.loadSecret(ctx)
	if err != nil || !bytes.Equal(s1, s2) {
		t.Fatalf("the loser uses its own secret: %x %x %v", s1, s2, err)
	}
	bad := newMem()
	bad.recs[SecretID] = Record{ID: SecretID, Secret: []byte("short")}
	if _, err := New(bad, Settings{}).Acquire(ctx, Request{Keys: []string{"k"}, Holder: cli("r"), TTL: time.Hour}); err == nil ||
		!strings.Contains(err.Error(), "is 5 bytes, not 32: the table is damaged or not a drorch lock table") {
		t.Errorf("damaged secret: %v", err)
	}
}

// Contention is tried again with growing pauses on the injected clock, a
// bounded number of times.
func TestContention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMem()
	conflicts := 3
	m.before = func(w []Write) error {
		if w[0].Op == Take && conflicts > 0 {
			conflicts--
			return ErrContention
		}
		return nil
	}
	clk := clock.NewAuto(t0)
	l := New(m, Settings{Clock: clk})
	lease, err := l.Acquire(ctx, Request{Keys: []string{"k"}, Holder: cli("r"), TTL: time.Hour})
	if err != nil {
		t.Fatalf("after 3 conflicts: %v", err)
	}
	if lease.Holder() != cli("r") {
		t.Errorf("lease held by %+v, want %+v", lease.Holder(), cli("r"))
	}
	if waited := clk.Now().Sub(t0); waited != 140*time.Millisecond { // 20 + 40 + 80 ms
		t.Errorf("paused %v", waited)
	}
	conflicts = 100
	_, err = l.Acquire(ctx, Request{Keys: []string{"k2"}, Holder: cli("r2"), TTL: time.Hour})
	if !errors.Is(err, ErrContention) {
		t.Errorf("endless contention: %v", err)
	}
}

// Batches go in record-id order, at most MaxBatch each; a refused batch
// releases the batches before it.
func TestBatchesAndRollback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMem()
	var sizes []int
	m.before = func(w []Write) error {
		if w[0].Op == Take {
			sizes = append(sizes, len(w))
		}
		return nil
	}
	clk := clock.NewFake(t0)
	keys := make([]string, 250)
	for i := range keys {
		keys[i] = strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i/26)
	}
	l := New(m, Settings{Clock: clk})
	lease, err := l.Acquire(ctx, Request{Keys: keys, Holder: cli("r1"), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 3 || sizes[0] != 100 || sizes[2] != 50 {
		t.Errorf("batch sizes %v", sizes)
	}
	// Hold the last key in record order: a second run's first two batches
	// go through, the third is refused, and the first two are released.
	last := lease.keys[len(lease.keys)-1].key
	if err := lease.Release(ctx); err != nil {
		t.Fatal(err)
	}
	blocker, err := l.Acquire(ctx, Request{Keys: []string{last}, Holder: cli("r0"), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Acquire(ctx, Request{Keys: keys, Holder: cli("r2"), TTL: time.Hour})
	var held *HeldError
	if !errors.As(err, &held) || len(held.Conflicts) != 1 || held.Conflicts[0].Key != last || held.Requested != 250 {
		t.Fatalf("refused third batch: %v", err)
	}
	if n := len(m.recs); n != 2 { // the secret and the blocker's key
		t.Errorf("%d records after the refusal", n)
	}
	if err := blocker.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	until := time.Date(2026, 3, 1, 9, 2, 0, 0, time.UTC)
	h := &HeldError{Requested: 9}
	for i := range 7 {
		h.Conflicts = append(h.Conflicts, Conflict{Key: "k" + string(rune('0'+i)), Holder: Holder{RunID: "run\x1b[31m", Owner: "arn:aws:states:x", Kind: KindSFN}, Until: until})
	}
	msg := h.Error()
	for _, want := range []string{"lock: 7 of 9 keys are held by another run", `"k0" is held by run run\x1b[31m (sfn, arn:aws:states:x) until 2026-03-01T09:02:00Z`,
		"; and 2 more", "for its lease to lapse after 2026-03-01T09:02:00Z, then try again"} {
		if !strings.Contains(msg, want) {
			t.Errorf("held message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "\x1b") {
		t.Errorf("control characters from the table reach the message")
	}
	lost := (&LostError{Lost: []Conflict{{Key: "k"}}}).Error()
	if !strings.Contains(lost, `"k" is held by nobody`) || !strings.Contains(lost, "stop acting on these databases") {
		t.Errorf("lost message: %s", lost)
	}
}

// A lease written down as a ticket is released, or renewed, by another
// process (another Locker over the same table); the ticket holds no key.
func TestTicket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMem()
	clk := clock.NewFake(t0)
	keys := []string{"aurora-global-cluster:secret-db", "rds-cluster:us-west-2:b"}
	lease, err := New(m, Settings{Clock: clk}).Acquire(ctx, Request{Keys: keys, Holder: cli("run-1"), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tk := lease.Ticket()
	if len(tk.Records) != 2 || tk.Token == "" || !tk.Until.Equal(t0.Add(time.Hour)) || tk.Holder != cli("run-1") {
		t.Fatalf("ticket = %+v", tk)
	}
	if s := fmt.Sprint(tk); strings.Contains(s, "secret-db") {
		t.Errorf("the ticket holds a key: %s", s)
	}
	other := New(m, Settings{Clock: clk}) // another process
	restored, err := other.Restore(tk)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute)
	if err := restored.Renew(ctx); err != nil || !restored.Until().Equal(t0.Add(70*time.Minute)) {
		t.Fatalf("renew the restored lease: %v (until %s)", err, restored.Until())
	}
	if _, err := other.Acquire(ctx, Request{Keys: keys[:1], Holder: cli("run-2"), TTL: time.Hour}); err == nil {
		t.Fatal("a second run took a key of the restored lease")
	}
	if err := restored.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(m.recs); n != 1 {
		t.Errorf("%d records after the release, want the secret only", n)
	}
	// Released twice (a retried finish): the keys are named by record id.
	again, _ := other.Restore(tk)
	var lost *LostError
	if err := again.Release(ctx); !errors.As(err, &lost) || len(lost.Lost) != 2 || !strings.HasPrefix(lost.Lost[0].Key, "lock#") {
		t.Errorf("second release: %v", err)
	}
	for _, bad := range []Ticket{{}, {Token: "t"}, {Token: "t", Records: []string{"lock#a"}}, {Token: "t", TTL: time.Hour, Records: []string{"rds:x"}}} {
		if _, err := other.Restore(bad); err == nil {
			t.Errorf("restored %+v", bad)
		}
	}
}
