package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"drorch/journal"
)

// closedJournal makes a journal, closed cleanly, with run "held" holding
// lock "k" and run "done" finished; it returns the journal's path.
func closedJournal(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	s, err := Open(ctx, path, Create)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "done", t0, []string{"d"}); err != nil {
		t.Fatal(err)
	}
	for range 200 { // several pages of events
		if _, err := s.Append(ctx, "done", journal.Event{Time: t0, Kind: journal.StepObserved, Layer: 0, Resource: 0, Step: "s", Message: strings.Repeat("observed ", 8)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Append(ctx, "done", journal.Event{Time: t0, Kind: journal.RunFinished, Layer: -1, Resource: -1, Data: []byte(`{"status":"succeeded"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "held", t0, []string{"k"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDamagedJournalRefused: journals that cannot be trusted, found without
// a crash, are refused with a *DamagedError naming the journal, and left as
// they were.
func TestDamagedJournalRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		damage  func(t *testing.T, path string)
		problem string
	}{
		{"key file missing while runs hold locks", func(t *testing.T, path string) { os.Remove(path + ".key") }, "key file " + "%s.key is missing"},
		{"key file of another journal", func(t *testing.T, path string) {
			other := closedJournal(t)
			writeFile(t, path+".key", readFile(t, other+".key"))
		}, "belongs to another journal"},
		{"key file garbage", func(t *testing.T, path string) {
			writeFile(t, path+".key", []byte("{\"version\":1,\"key\":\"c2hvcnQ=\"}"))
		}, "is unreadable"},
		{"key file huge", func(t *testing.T, path string) { writeFile(t, path+".key", bytes.Repeat([]byte{' '}, 1<<20)) }, "is unreadable (too large)"},
		{"older copy of the journal", func(t *testing.T, path string) {
			// The journal as it was before run "held": a backup restored
			// without its key file, which knows of one more run.
			old := readFile(t, path)
			s, err := Open(context.Background(), path, MustExist)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Create(context.Background(), "later", t0, []string{"l"}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			writeFile(t, path, old)
		}, "it holds 2 runs, but"},
		{"main file truncated", func(t *testing.T, path string) {
			b := readFile(t, path)
			writeFile(t, path, b[:len(b)/2])
		}, "was truncated"},
		{"main file shorter than a header", func(t *testing.T, path string) { writeFile(t, path, readFile(t, path)[:60]) }, "shorter than a SQLite header"},
		{"main file garbage", func(t *testing.T, path string) { writeFile(t, path, bytes.Repeat([]byte("garbage!"), 1024)) }, "not a SQLite database"},
		{"main file deleted, key file kept", func(t *testing.T, path string) { os.Remove(path) }, "it is missing, but its key file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := closedJournal(t)
			tc.damage(t, path)
			before := snapshot(t, path)
			for _, mode := range []Mode{MustExist, Create} {
				s, err := Open(context.Background(), path, mode)
				var de *DamagedError
				var nj *NoJournalError
				if mode == MustExist && errors.As(err, &nj) && strings.HasPrefix(tc.name, "main file deleted") {
					continue // as any missing journal
				}
				if !errors.As(err, &de) || de.Path != path {
					if s != nil {
						s.Close()
					}
					t.Fatalf("Open = %v, want *DamagedError for %s", err, path)
				}
				if want := strings.ReplaceAll(tc.problem, "%s", path); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "from a backup") {
					t.Errorf("error %q does not say %q and what to do", err, want)
				}
			}
			if after := snapshot(t, path); !after.same(before) {
				t.Errorf("refusing the journal changed its files")
			}
		})
	}
}

// TestKeyFileLostWithoutLocks: a journal whose key file is lost while no
// unfinished run holds a lock loses nothing that matters: it opens with a
// new key, and its runs are all there.
func TestKeyFileLostWithoutLocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := closedJournal(t)
	s := openTest(t, path)
	if _, err := s.Append(ctx, "held", journal.Event{Time: t0, Kind: journal.RunFinished, Layer: -1, Resource: -1, Data: []byte(`{"status":"failed"}`)}); err != nil {
		t.Fatal(err)
	}
	old := s.Fingerprint("k")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path + ".key"); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path, MustExist)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if s.Fingerprint("k") == old || mode(t, path+".key") != 0o600 {
		t.Errorf("no new key file made (mode %v)", mode(t, path+".key"))
	}
	runs, err := s.Runs(ctx)
	if err != nil || len(runs) != 2 {
		t.Errorf("runs %+v, %v; want both", runs, err)
	}
	if err := s.Create(ctx, "new-run", t0, []string{"k"}); err != nil {
		t.Errorf("Create after a new key: %v", err)
	}
}

// TestNotAJournalRefused: --state pointing at another program's SQLite
// database is refused, and that database is not touched.
func TestNotAJournalRefused(t *testing.T) {
	t.Parallel()
	for name, setup := range map[string]string{
		"tables of its own": `CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT); INSERT INTO moz_places (url) VALUES ('https://example.com')`,
		"application id":    `PRAGMA application_id = 1234`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "places.sqlite")
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(setup); err != nil {
				t.Fatal(err)
			}
			db.Close()
			before := readFile(t, path)
			s, err := Open(context.Background(), path, Create)
			if err == nil {
				s.Close()
				t.Fatal("Open accepted another program's database")
			}
			if !strings.Contains(err.Error(), "not a drorch journal") || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not say it is not a journal", err)
			}
			if !bytes.Equal(readFile(t, path), before) {
				t.Error("the other program's database was changed")
			}
			if _, err := os.Stat(path + ".key"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a key file was made beside it (%v)", err)
			}
		})
	}
}

// TestCorruptPageFoundLater: a corrupt page that no check at open reads
// (the journal was closed cleanly) is reported as damage when a read hits
// it, never as missing events.
func TestCorruptPageFoundLater(t *testing.T) {
	t.Parallel()
	path := closedJournal(t)
	b := readFile(t, path)
	const ps = 4096
	leaf := -1 // a page in the middle of the file that holds only events
	for p := len(b) / ps / 2; p < len(b)/ps && leaf < 0; p++ {
		if page := b[p*ps : (p+1)*ps]; bytes.Count(page, []byte("observed observed")) > 10 {
			leaf = p
		}
	}
	if leaf < 0 {
		t.Fatal("no page of events found")
	}
	copy(b[leaf*ps:], bytes.Repeat([]byte{0xff}, 16)) // its b-tree page header
	writeFile(t, path, b)
	s, err := Open(context.Background(), path, MustExist)
	if err != nil {
		t.Fatalf("Open = %v; the checks at open read no event page", err)
	}
	defer s.Close()
	_, err = s.Events(context.Background(), "done", 0)
	var de *DamagedError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("Events over a corrupt page = %v, want *DamagedError", err)
	}
}
