package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"drorch/journal"
)

func testLockContention(t *testing.T, s journal.Store) {
	ctx := context.Background()
	create(t, s, "run-a", t0, "aurora/gc-1", "rds/db-1")
	err := s.Create(ctx, "run-b", t0, []string{"rds/db-1", "elasticache/grg-1", "rds/db-1"})
	var busy *journal.BusyError
	if !errors.As(err, &busy) {
		t.Fatalf("Create on a held key = %v, want *BusyError", err)
	}
	if busy.RunID != "run-a" || fmt.Sprint(busy.Keys) != "[rds/db-1]" {
		t.Errorf("BusyError = %+v, want holder run-a and keys [rds/db-1]", busy)
	}
	if _, err := s.Run(ctx, "run-b"); !errors.Is(err, journal.ErrRunNotFound) {
		t.Errorf("refused run-b exists anyway: Run = %v", err)
	}
	// Nothing of the refused Create was kept: its free key is still free.
	create(t, s, "run-c", t0, "elasticache/grg-1")
	if got, want := run(t, s, "run-a").Locks, fps(s, "aurora/gc-1", "rds/db-1"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("run-a locks = %v, want fingerprints %v", got, want)
	}
}

func testLocksFreedByTerminalStatus(t *testing.T, s journal.Store) {
	for _, st := range []journal.Status{journal.StatusSucceeded, journal.StatusFailed, journal.StatusCancelled, journal.StatusAlreadyDone} {
		a, b := "a-"+string(st), "b-"+string(st)
		key := "key-" + string(st)
		create(t, s, a, t0, key)
		appendOK(t, s, a, finished(t0.Add(time.Minute), st))
		if got := run(t, s, a).Status; got != st {
			t.Errorf("status of %s after run.finished = %s, want %s", a, got, st)
		}
		create(t, s, b, t0.Add(time.Hour), key) // a finished run holds nothing
		if got := run(t, s, b).Locks; fmt.Sprint(got) != fmt.Sprint(fps(s, key)) {
			t.Errorf("%s locks = %v, want the fingerprint of %s", b, got, key)
		}
		if got := run(t, s, a).Locks; len(got) != 0 {
			t.Errorf("%s still lists locks %v taken over by %s", a, got, b)
		}
	}
}

func testRelease(t *testing.T, s journal.Store) {
	ctx := context.Background()
	create(t, s, "run-a", t0, "k1", "k2")
	claim(t, s, "run-a", "owner-1", t0)

	// Unfinished: the lease goes, the locks stay (it can still be resumed).
	if err := s.Release(ctx, "run-a"); err != nil {
		t.Fatalf("Release: %v", err)
	}
	rec := run(t, s, "run-a")
	if rec.Owner != "" || !rec.Heartbeat.IsZero() {
		t.Errorf("after Release owner=%q heartbeat=%v, want none", rec.Owner, rec.Heartbeat)
	}
	if fmt.Sprint(rec.Locks) != fmt.Sprint(fps(s, "k1", "k2")) {
		t.Errorf("Release of an unfinished run dropped its locks: %v", rec.Locks)
	}
	if err := s.Create(ctx, "run-b", t0, []string{"k2"}); !isBusy(err, "run-a") {
		t.Errorf("Create on k2 after releasing an unfinished run = %v, want *BusyError naming run-a", err)
	}
	claim(t, s, "run-a", "owner-2", t0.Add(time.Second)) // no wait for staleness

	appendOK(t, s, "run-a", finished(t0.Add(time.Minute), journal.StatusFailed))
	if err := s.Release(ctx, "run-a"); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if rec := run(t, s, "run-a"); len(rec.Locks) != 0 || rec.Owner != "" {
		t.Errorf("after Release of a finished run: locks %v owner %q, want none", rec.Locks, rec.Owner)
	}
	create(t, s, "run-b", t0, "k1", "k2")
	if err := s.Release(ctx, "run-a"); err != nil {
		t.Errorf("second Release: %v", err)
	}
	if got := run(t, s, "run-b").Locks; fmt.Sprint(got) != fmt.Sprint(fps(s, "k1", "k2")) {
		t.Errorf("releasing run-a again took run-b's locks: %v", got)
	}
}

func testClaimHeartbeatTakeover(t *testing.T, s journal.Store) {
	ctx := context.Background()
	const stale = 30 * time.Second
	create(t, s, "run-1", t0)
	steps := []struct {
		what  string
		do    func() error
		want  error
		owner string
		hb    time.Time
	}{
		{"claim by o1", func() error { return s.Claim(ctx, "run-1", "o1", t0, stale) }, nil, "o1", t0},
		{"o1 claims again", func() error { return s.Claim(ctx, "run-1", "o1", t0.Add(5*time.Second), stale) }, nil, "o1", t0.Add(5 * time.Second)},
		{"o2 while o1 is live", func() error { return s.Claim(ctx, "run-1", "o2", t0.Add(10*time.Second), stale) }, journal.ErrRunActive, "o1", t0.Add(5 * time.Second)},
		{"o1 heartbeats", func() error { return s.Heartbeat(ctx, "run-1", "o1", t0.Add(20*time.Second)) }, nil, "o1", t0.Add(20 * time.Second)},
		{"o2 heartbeats", func() error { return s.Heartbeat(ctx, "run-1", "o2", t0.Add(21*time.Second)) }, journal.ErrNotOwner, "o1", t0.Add(20 * time.Second)},
		{"o2 just before stale", func() error { return s.Claim(ctx, "run-1", "o2", t0.Add(49*time.Second), stale) }, journal.ErrRunActive, "o1", t0.Add(20 * time.Second)},
		{"o2 takes over a stale lease", func() error { return s.Claim(ctx, "run-1", "o2", t0.Add(50*time.Second), stale) }, nil, "o2", t0.Add(50 * time.Second)},
		{"o1 comes back", func() error { return s.Heartbeat(ctx, "run-1", "o1", t0.Add(51*time.Second)) }, journal.ErrNotOwner, "o2", t0.Add(50 * time.Second)},
		{"empty owner", func() error { return s.Claim(ctx, "run-1", "", t0.Add(99*time.Second), stale) }, errAny, "o2", t0.Add(50 * time.Second)},
		{"release", func() error { return s.Release(ctx, "run-1") }, nil, "", time.Time{}},
		{"heartbeat without owner", func() error { return s.Heartbeat(ctx, "run-1", "o2", t0.Add(52*time.Second)) }, journal.ErrNotOwner, "", time.Time{}},
		{"o3 claims a released run", func() error { return s.Claim(ctx, "run-1", "o3", t0.Add(53*time.Second), stale) }, nil, "o3", t0.Add(53 * time.Second)},
	}
	for _, st := range steps {
		err := st.do()
		switch {
		case st.want == nil && err != nil:
			t.Fatalf("%s: %v", st.what, err)
		case st.want == errAny && err == nil, st.want != nil && st.want != errAny && !errors.Is(err, st.want):
			t.Fatalf("%s = %v, want %v", st.what, err, st.want)
		}
		rec := run(t, s, "run-1")
		if rec.Owner != st.owner || !rec.Heartbeat.Equal(st.hb) {
			t.Fatalf("after %s: owner %q heartbeat %v, want %q %v", st.what, rec.Owner, rec.Heartbeat, st.owner, st.hb)
		}
	}
}

var errAny = errors.New("any error")

func testPrefixLookup(t *testing.T, s journal.Store) {
	ctx := context.Background()
	for _, id := range []string{"0a1b2c3d-run-one", "0a1b2c3d-run-two", "ffee0011-x", "abcd1", "abcd12"} {
		create(t, s, id, t0)
	}
	tests := []struct {
		q, want string
		err     error
	}{
		{"0a1b2c3d-run-one", "0a1b2c3d-run-one", nil},
		{"0a1b2c3d-run-t", "0a1b2c3d-run-two", nil},
		{"0a1b", "", journal.ErrRunAmbiguous},
		{"ffee", "ffee0011-x", nil},
		{"ffe", "", journal.ErrRunNotFound}, // unique, but shorter than MinRunPrefix
		{"f", "", journal.ErrRunNotFound},
		{"", "", journal.ErrRunNotFound},
		{"9999", "", journal.ErrRunNotFound},
		{"abcd1", "abcd1", nil}, // an exact id wins over being a prefix of abcd12
		{"abcd", "", journal.ErrRunAmbiguous},
		{"ab%_", "", journal.ErrRunNotFound}, // no wildcards: LIKE would match abcd1 and abcd12
		{"ab__", "", journal.ErrRunNotFound},
		{"a%", "", journal.ErrRunNotFound},
		{"abc\x1b[2J", "", journal.ErrRunNotFound},
	}
	for _, tc := range tests {
		rec, err := s.Run(ctx, tc.q)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("Run(%q) = %+v, %v; want %v", tc.q, rec, err, tc.err)
			}
			if strings.ContainsRune(err.Error(), 0x1b) {
				t.Errorf("Run(%q) error carries the escape sequence: %q", tc.q, err)
			}
			continue
		}
		if err != nil || rec.ID != tc.want {
			t.Errorf("Run(%q) = %q, %v; want %q", tc.q, rec.ID, err, tc.want)
		}
	}
}

func testRunsNewestFirst(t *testing.T, s journal.Store) {
	ctx := context.Background()
	empty, err := s.Runs(ctx)
	if err != nil || len(empty) != 0 {
		t.Fatalf("Runs on an empty store = %v, %v", empty, err)
	}
	create(t, s, "middle", t0.Add(time.Hour), "m")
	create(t, s, "oldest", t0)
	create(t, s, "newest", t0.Add(2*time.Hour), "n2", "n1")
	create(t, s, "tie-first", t0.Add(30*time.Minute))
	create(t, s, "tie-second", t0.Add(30*time.Minute))
	appendOK(t, s, "middle", finished(t0.Add(time.Hour), journal.StatusSucceeded))
	runs, err := s.Runs(ctx)
	if err != nil {
		t.Fatalf("Runs: %v", err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, fmt.Sprintf("%s:%s:%v", r.ID, r.Status, r.Locks))
	}
	want := []string{"newest:running:" + fmt.Sprint(fps(s, "n1", "n2")), "middle:succeeded:" + fmt.Sprint(fps(s, "m")),
		"tie-second:running:[]", "tie-first:running:[]", "oldest:running:[]"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Runs = %v\nwant   %v", got, want)
	}
}

func testCancelledContext(t *testing.T, s journal.Store) {
	create(t, s, "run-1", t0, "k")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Append(ctx, "run-1", journal.Event{Time: t0, Kind: journal.RunStarted}); !errors.Is(err, context.Canceled) {
		t.Errorf("Append with a cancelled context = %v, want context.Canceled", err)
	}
	if err := s.Create(ctx, "run-2", t0, []string{"x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Create with a cancelled context = %v, want context.Canceled", err)
	}
	evs, err := s.Events(context.Background(), "run-1", 0)
	if err != nil || len(evs) != 0 {
		t.Errorf("after a cancelled Append: events %v, %v; want none", evs, err)
	}
	if _, err := s.Run(context.Background(), "run-2"); !errors.Is(err, journal.ErrRunNotFound) {
		t.Errorf("a Create with a cancelled context created the run: %v", err)
	}
}

func isBusy(err error, holder string) bool {
	var busy *journal.BusyError
	return errors.As(err, &busy) && busy.RunID == holder
}

// testClaimStaleGoneOwner: a run whose owner was killed a second ago is
// taken over at once when the caller knows the owner is gone
// (RunRecord.ClaimStale), never while the owner may live, and never from a
// process that claimed the run after the record was read.
func testClaimStaleGoneOwner(t *testing.T, s journal.Store) {
	const stale = 15 * time.Second
	cases := []struct {
		id         string
		gone       bool
		claimSince bool // another process claims the run after the record is read
		wantErr    error
		wantOwner  string
	}{
		{"gone-taken-at-once", true, false, nil, "me"},
		{"may-live-refused", false, false, journal.ErrRunActive, "dead"},
		{"gone-but-claimed-since", true, true, journal.ErrRunActive, "other"},
	}
	ctx := context.Background()
	for _, tc := range cases {
		create(t, s, tc.id, t0, "k-"+tc.id)
		claim(t, s, tc.id, "dead", t0)
		if err := s.Heartbeat(ctx, tc.id, "dead", t0.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		rec := run(t, s, tc.id)
		now := t0.Add(3 * time.Second)
		if tc.claimSince {
			// other saw the owner gone first and took the run a moment
			// ago: it is live, and must keep it.
			if err := s.Claim(ctx, tc.id, "other", now.Add(-time.Millisecond), rec.ClaimStale(now.Add(-time.Millisecond), stale, true)); err != nil {
				t.Fatal(err)
			}
		}
		err := s.Claim(ctx, tc.id, "me", now, rec.ClaimStale(now, stale, tc.gone))
		if (tc.wantErr == nil) != (err == nil) || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
			t.Errorf("%s: Claim = %v, want %v", tc.id, err, tc.wantErr)
		}
		if got := run(t, s, tc.id); got.Owner != tc.wantOwner {
			t.Errorf("%s: owner %q, want %q", tc.id, got.Owner, tc.wantOwner)
		}
	}
}
