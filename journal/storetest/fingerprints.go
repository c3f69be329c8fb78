package storetest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"drorch/journal"
)

// canary stands for a secret value that ends up in a lock key (a database
// identifier read from an SSM SecureString).
const canary = "CANARY-s3cr3t-lock-key-7f3a9c"

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// testLocksKeptAsFingerprints: a store keeps and shows only keyed
// fingerprints of lock keys; Fingerprint is deterministic, keyed (another
// store fingerprints differently) and reveals nothing of its value.
func testLocksKeptAsFingerprints(t *testing.T, s, other journal.Store) {
	t.Cleanup(func() { other.Close() })
	key := "rds-instance:us-west-2:" + canary
	create(t, s, "run-1", t0, key, "aurora-global-cluster:g1")
	rec := run(t, s, "run-1")
	if want := fps(s, key, "aurora-global-cluster:g1"); fmt.Sprint(rec.Locks) != fmt.Sprint(want) {
		t.Errorf("Run locks = %v, want the fingerprints %v", rec.Locks, want)
	}
	runs, err := s.Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, shown := range append(rec.Locks, fmt.Sprint(runs)) {
		if strings.Contains(shown, canary) || strings.Contains(shown, "aurora-global-cluster") {
			t.Errorf("a lock key is shown in clear: %s", shown)
		}
	}
	fp := s.Fingerprint(canary)
	switch {
	case !hex64.MatchString(fp):
		t.Errorf("Fingerprint = %q, want 64 hex digits", fp)
	case s.Fingerprint(canary) != fp:
		t.Error("Fingerprint is not deterministic")
	case s.Fingerprint(canary+"x") == fp || s.Fingerprint("") == fp:
		t.Error("different values have the same fingerprint")
	case other.Fingerprint(canary) == fp:
		t.Error("two stores fingerprint alike: the fingerprint is not keyed")
	}
}

// testBusyNamesCallersKeys: a refused Create names the caller's own keys
// that are held (the store only has their fingerprints) and the holder.
func testBusyNamesCallersKeys(t *testing.T, s journal.Store) {
	secret := "rds-instance:us-west-2:" + canary
	create(t, s, "holder", t0, secret, "aurora-global-cluster:g1", "other-key")
	err := s.Create(context.Background(), "second", t0, []string{"own-key", secret, "aurora-global-cluster:g1", secret, ""})
	var busy *journal.BusyError
	if !errors.As(err, &busy) {
		t.Fatalf("Create on held keys = %v, want *BusyError", err)
	}
	if want := []string{"aurora-global-cluster:g1", secret}; busy.RunID != "holder" || fmt.Sprint(busy.Keys) != fmt.Sprint(want) {
		t.Errorf("BusyError = %+v, want holder and the caller's keys %v", busy, want)
	}
	if !strings.Contains(err.Error(), "drorch cancel holder") {
		t.Errorf("BusyError %q does not say how to free the locks", err)
	}
	create(t, s, "third", t0, "own-key") // the refused Create took nothing
}

// testInvalidRunIDs: only ^[a-z0-9-]{4,64}$ names a run; others are
// refused with ErrInvalidRunID, shown harmlessly, and create nothing.
func testInvalidRunIDs(t *testing.T, s journal.Store) {
	ctx := context.Background()
	bad := []string{"", "abc", "ABCD", "Run-1", "run_1", "run 1", "run.1", "../../etc/passwd", "rün-1",
		"evil\x1b[2J\x1b]0;pwned\a", "run-1\n", strings.Repeat("a", 65), strings.Repeat("x", 1<<20)}
	for _, id := range bad {
		err := s.Create(ctx, id, t0, []string{"k"})
		if !errors.Is(err, journal.ErrInvalidRunID) {
			t.Errorf("Create(%q) = %v, want ErrInvalidRunID", id, err)
			continue
		}
		if msg := err.Error(); strings.ContainsAny(msg, "\x1b\a\n") || len(msg) > 400 {
			t.Errorf("Create(%q) error is not safe to print: %q", id, msg)
		}
		if c, ok := s.(journal.EventCreator); ok {
			if _, err := c.CreateWithEvents(ctx, id, t0, []string{"k"}); !errors.Is(err, journal.ErrInvalidRunID) {
				t.Errorf("CreateWithEvents(%q) = %v, want ErrInvalidRunID", id, err)
			}
		}
	}
	if runs, err := s.Runs(ctx); err != nil || len(runs) != 0 {
		t.Fatalf("refused ids left runs %v, %v", runs, err)
	}
	for _, id := range []string{"abcd", "0123", "----", strings.Repeat("z", 64), "3f9a2c81d0"} {
		if err := journal.ValidRunID(id); err != nil {
			t.Errorf("ValidRunID(%q) = %v", id, err)
		}
		create(t, s, id, t0)
	}
}
