package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"drorch/journal/sqlitestore"
)

// TestMissingJournalRefused: every command but run refuses a journal path
// that does not exist (exit 2, "no journal at PATH") and creates nothing,
// neither the file nor its directories; the default path too.
func TestMissingJournalRefused(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	state := filepath.Join(root, "no", "such", "file")
	for _, args := range [][]string{{"runs"}, {"show", "3f9a2c81d0"}, {"resume", "3f9a2c81d0"}, {"cancel", "3f9a2c81d0"}, {"show", "--events", "3f9a"}} {
		c := newCLI(t, "", "us-west-2")
		c.state = state
		r := c.run(args...)
		if r.code != exitBadInput || !strings.Contains(r.stderr, "no journal at "+state) {
			t.Errorf("want exit 2 and %q\n%s", "no journal at "+state, r)
		}
		if r.stdout != "" {
			t.Errorf("a refused command printed on stdout\n%s", r)
		}

		xdg := t.TempDir()
		c = newCLI(t, "", "us-west-2")
		c.state, c.env["XDG_STATE_HOME"] = "", xdg
		if r := c.run(args...); r.code != exitBadInput || !strings.Contains(r.stderr, "no journal at "+filepath.Join(xdg, "drorch", "journal.db")) {
			t.Errorf("default path: want exit 2 and no journal at it\n%s", r)
		}
		if ents, _ := os.ReadDir(xdg); len(ents) != 0 {
			t.Errorf("%s created %v under XDG_STATE_HOME", args[0], ents)
		}
	}
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("refused commands created %v", ents)
	}
}

// TestDamagedJournalExits1: a damaged journal is never shown as empty: the
// command fails (exit 1) naming the journal and what to do.
func TestDamagedJournalExits1(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "", "us-west-2")
	s, err := sqlitestore.Open(context.Background(), c.state, sqlitestore.Create)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(context.Background(), "held-run", time.Now(), []string{"rds-instance:us-west-2:db-1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Without its key file the journal's locks cannot be recognised.
	if err := os.Remove(c.state + ".key"); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"runs"}, {"show", "held-run"}, {"cancel", "held-run"}} {
		r := c.run(args...)
		if r.code != exitFailed || !strings.Contains(r.stderr, "journal "+c.state+" is damaged") || !strings.Contains(r.stderr, "from a backup") {
			t.Errorf("want exit 1 and the journal named as damaged\n%s", r)
		}
		if strings.Contains(r.stdout, "no runs yet") {
			t.Errorf("a damaged journal was shown as empty\n%s", r)
		}
	}
}

// TestRunIDRefused: --run-id takes only ^[a-z0-9-]{4,64}$; anything else is
// bad input, refused before any AWS call, and shown harmlessly.
func TestRunIDRefused(t *testing.T) {
	t.Parallel()
	s, endpoint := startTestSim(t)
	for _, id := range []string{"x", "Run-1", "evil\x1b[2J\x1b]0;pwned\a", strings.Repeat("a", 65), "../etc"} {
		c := newCLI(t, endpoint, "us-west-2")
		r := c.run(append([]string{"run", "--yes", "--run-id", id}, append(fastPoll, seedPayload("1-planned-switchover.json"))...)...)
		if r.code != exitBadInput || !strings.Contains(r.stderr, "invalid run id") {
			t.Errorf("--run-id %q: want exit 2 and invalid run id\n%s", id, r)
		}
		if strings.ContainsAny(r.stderr, "\x1b\a") {
			t.Errorf("--run-id %q: the error carries the escape sequence to the terminal: %q", id, r.stderr)
		}
		if _, err := os.Stat(c.state); !os.IsNotExist(err) {
			t.Errorf("--run-id %q: a refused run created the journal (%v)", id, err)
		}
	}
	noMutations(t, s, "refused run ids")
}

// createJournal creates an empty journal at path, as a first `drorch run` does.
func createJournal(t *testing.T, path string) {
	t.Helper()
	s, err := sqlitestore.Open(context.Background(), path, sqlitestore.Create)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
