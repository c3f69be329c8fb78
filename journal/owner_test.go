package journal_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"drorch/journal"
)

func TestOwnerProcess(t *testing.T) {
	t.Parallel()
	cases := []struct {
		owner    string
		wantHost string
		wantPID  int
		wantOK   bool
	}{
		{"vm:19122:78c61f", "vm", 19122, true},
		{"db-admin.example.com:7:abcdef", "db-admin.example.com", 7, true},
		{"host:with:colons:42:abcdef", "host:with:colons", 42, true},
		{"cancel:900:1a2b3c", "cancel", 900, true},
		{"test:1", "", 0, false},
		{"", "", 0, false},
		{"host:notapid:abcdef", "", 0, false},
		{"host:0:abcdef", "", 0, false},
		{"host:-3:abcdef", "", 0, false},
		{":42:abcdef", "", 0, false},
	}
	for _, tc := range cases {
		host, pid, ok := journal.OwnerProcess(tc.owner)
		if host != tc.wantHost || pid != tc.wantPID || ok != tc.wantOK {
			t.Errorf("OwnerProcess(%q) = %q, %d, %v; want %q, %d, %v", tc.owner, host, pid, ok, tc.wantHost, tc.wantPID, tc.wantOK)
		}
	}
}

// TestClaimStaleTakesOverAGoneOwnerAtOnce runs against both stores: a run
// whose owner was killed a second ago is taken over at once when the caller
// knows the owner is gone, never while the owner may live, and never from a
// process that claimed the run after the record was read.
func TestClaimStaleTakesOverAGoneOwnerAtOnce(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	const stale = 15 * time.Second
	stores := map[string]func(t *testing.T) journal.Store{
		"memory": func(t *testing.T) journal.Store { return journal.NewMemory() },
		"sqlite": func(t *testing.T) journal.Store {
			s, err := journal.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "journal.db"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
	cases := []struct {
		name       string
		gone       bool
		claimSince bool // another process claims the run after the record is read
		wantErr    error
		wantOwner  string
	}{
		{"owner gone: taken at once", true, false, nil, "me"},
		{"owner may live: refused", false, false, journal.ErrRunActive, "dead"},
		{"owner gone but claimed since: refused", true, true, journal.ErrRunActive, "other"},
	}
	for name, open := range stores {
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				s := open(t)
				t.Cleanup(func() { s.Close() })
				if err := s.Create(ctx, "run-1", t0, []string{"k"}); err != nil {
					t.Fatal(err)
				}
				if err := s.Claim(ctx, "run-1", "dead", t0, stale); err != nil {
					t.Fatal(err)
				}
				if err := s.Heartbeat(ctx, "run-1", "dead", t0.Add(2*time.Second)); err != nil {
					t.Fatal(err)
				}
				rec, err := s.Run(ctx, "run-1")
				if err != nil {
					t.Fatal(err)
				}
				now := t0.Add(3 * time.Second)
				if tc.claimSince {
					// other saw the owner gone first and took the run a
					// moment ago: it is live, and must keep it.
					if err := s.Claim(ctx, "run-1", "other", now.Add(-time.Millisecond), rec.ClaimStale(now.Add(-time.Millisecond), stale, true)); err != nil {
						t.Fatal(err)
					}
				}
				err = s.Claim(ctx, "run-1", "me", now, rec.ClaimStale(now, stale, tc.gone))
				if (tc.wantErr == nil) != (err == nil) || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
					t.Fatalf("Claim = %v, want %v", err, tc.wantErr)
				}
				if got, _ := s.Run(ctx, "run-1"); got.Owner != tc.wantOwner {
					t.Errorf("owner %q, want %q", got.Owner, tc.wantOwner)
				}
			})
		}
	}
}

func TestClaimStaleKeepsTheBoundOtherwise(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	const stale = 15 * time.Second
	cases := []struct {
		name string
		rec  journal.RunRecord
		now  time.Time
		gone bool
		want time.Duration
	}{
		{"owner may live", journal.RunRecord{Owner: "h:1:a", Heartbeat: t0}, t0.Add(time.Second), false, stale},
		{"owner gone", journal.RunRecord{Owner: "h:1:a", Heartbeat: t0}, t0.Add(time.Second), true, time.Second},
		{"no owner", journal.RunRecord{}, t0.Add(time.Second), true, stale},
		{"already stale", journal.RunRecord{Owner: "h:1:a", Heartbeat: t0}, t0.Add(time.Minute), true, stale},
		{"heartbeat in the future", journal.RunRecord{Owner: "h:1:a", Heartbeat: t0.Add(time.Second)}, t0, true, stale},
	}
	for _, tc := range cases {
		if got := tc.rec.ClaimStale(tc.now, stale, tc.gone); got != tc.want {
			t.Errorf("%s: ClaimStale = %v, want %v", tc.name, got, tc.want)
		}
	}
}
