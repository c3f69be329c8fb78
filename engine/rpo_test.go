package engine

import (
	"strings"
	"testing"
	"time"

	"drorch/journal"
)

// limitRPO blocks above --max-rpo and when the figure is unknown under it,
// and turns both into warnings on --override-max-rpo.
func TestLimitRPO(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	known := func(s float64) *journal.RPO {
		return &journal.RPO{Replica: "db2", Region: "us-west-2", Metric: "ReplicaLag", Known: true, Seconds: s, At: at}
	}
	unknown := &journal.RPO{Replica: "db2", Region: "us-west-2", Note: "no data"}
	tests := []struct {
		name               string
		rpo                *journal.RPO
		max                time.Duration
		override           bool
		blockers, warnings int
		want               string
	}{
		{"no limit", known(30), 0, false, 0, 0, ""},
		{"within the limit", known(4.9), 5 * time.Second, false, 0, 0, ""},
		{"above the limit", known(30), 5 * time.Second, false, 1, 0, "writes at risk: about 30 s (replication lag of db2 in us-west-2 at 2026-03-01T12:00:00Z), above --max-rpo 5s"},
		{"above, overridden", known(30), 5 * time.Second, true, 0, 1, "--override-max-rpo runs it anyway"},
		{"unknown, no limit", unknown, 0, false, 0, 1, "writes at risk unknown: no data"},
		{"unknown under a limit", unknown, 5 * time.Second, false, 1, 1, "--max-rpo 5s is set but the writes at risk are unknown (no data)"},
		{"unknown, overridden", unknown, 5 * time.Second, true, 0, 2, "--override-max-rpo runs it anyway"},
	}
	for _, tc := range tests {
		c := *tc.rpo
		rp := ResourcePreview{RPO: &c}
		limitRPO(&rp, tc.max, tc.override)
		all := strings.Join(append(rp.Blockers, rp.Warnings...), "\n")
		if len(rp.Blockers) != tc.blockers || len(rp.Warnings) != tc.warnings || !strings.Contains(all, tc.want) {
			t.Errorf("%s: blockers %q, warnings %q", tc.name, rp.Blockers, rp.Warnings)
		}
		if rp.RPO.OverLimit != (tc.override && tc.max > 0 && (tc.blockers+tc.warnings) > 0 && tc.name != "no limit") {
			t.Errorf("%s: OverLimit %v", tc.name, rp.RPO.OverLimit)
		}
	}
	for d, want := range map[time.Duration]string{420 * time.Millisecond: "0.42 s", 12 * time.Second: "12 s", 185 * time.Second: "3m5s"} {
		if got := FormatLag(d); got != want {
			t.Errorf("FormatLag(%v) = %q, want %q", d, got, want)
		}
	}
}
