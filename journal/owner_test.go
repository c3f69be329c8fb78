package journal_test

import (
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
