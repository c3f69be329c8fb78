//go:build unix

package sqlitestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"drorch/journal"
)

// canary stands for a secret value (an identifier read from an SSM
// SecureString) that ends up in a lock key.
const canary = "CANARY-s3cr3t-9d2e71"

// rawJournal returns the bytes of the journal's files as they are on disk:
// journal.db, its -wal and -shm files and its key file. It reads them
// through another process, since closing a descriptor of the journal here
// would drop this process's SQLite locks on it.
func rawJournal(t *testing.T, path string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, suf := range journalFiles {
		if _, err := os.Stat(path + suf); errors.Is(err, os.ErrNotExist) {
			continue
		}
		b, err := exec.Command("cat", path+suf).Output()
		if err != nil {
			t.Fatalf("cat %s: %v", path+suf, err)
		}
		out[filepath.Base(path+suf)] = b
	}
	return out
}

func noCanary(t *testing.T, when, path string) {
	t.Helper()
	files := rawJournal(t, path)
	if len(files) < 2 {
		t.Fatalf("%s: only %d journal files to look at", when, len(files))
	}
	for name, b := range files {
		for _, form := range [][]byte{[]byte(canary), bytes.ToLower([]byte(canary)), []byte(canary[:12])} {
			if bytes.Contains(b, form) {
				t.Errorf("%s: %s holds the secret of a lock key (%q)", when, name, form)
			}
		}
	}
}

// TestNoSecretInJournalFiles: a secret used in a lock key never reaches any
// file of the journal, while its run runs, once it is finished and released,
// nor after a refused Create named it in a BusyError.
func TestNoSecretInJournalFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	s := openTest(t, path)
	secretKey := "rds-instance:us-west-2:" + canary
	created := journal.Event{Kind: journal.RunCreated, Layer: -1, Resource: -1, Data: []byte(`{"command":"run","region":"us-west-2","payloadSha256":"x","layers":[]}`)}
	if _, err := s.CreateWithEvents(ctx, "run-1", t0, []string{secretKey, "aurora-global-cluster:g1"}, created); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := s.Append(ctx, "run-1", journal.Event{Kind: journal.StepObserved, Layer: 0, Resource: 0, Step: "s", Message: "status available"}); err != nil {
			t.Fatal(err)
		}
	}
	var busy *journal.BusyError
	if err := s.Create(ctx, "run-2", t0, []string{secretKey}); !errors.As(err, &busy) || busy.Keys[0] != secretKey {
		t.Fatalf("Create on the held key = %v, want *BusyError naming the caller's key", err)
	}
	noCanary(t, "while the run runs", path)

	if _, err := s.Append(ctx, "run-1", journal.Event{Kind: journal.RunFinished, Layer: -1, Resource: -1, Data: []byte(`{"status":"succeeded"}`)}); err != nil {
		t.Fatal(err)
	}
	noCanary(t, "after the run finished", path)
	if err := s.Release(ctx, "run-1"); err != nil {
		t.Fatal(err)
	}
	noCanary(t, "after its release", path)
	if err := s.Create(ctx, "run-3", t0, []string{secretKey}); err != nil {
		t.Fatalf("the released key is not free: %v", err)
	}
	noCanary(t, "after another run took the key", path)
}

// TestSchema1LocksScrubbed: a journal from before fingerprints held lock keys
// in clear. Opening it fingerprints them, keeps them held, and leaves no
// trace of the keys in any file, the free pages and the -wal included.
func TestSchema1LocksScrubbed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	secretKey := "rds-instance:us-west-2:" + canary
	runs := map[string]v1Run{
		"held": {status: "running", locks: []string{secretKey, "aurora-global-cluster:g1"}},
		"done": {status: "succeeded", locks: []string{"rds-instance:us-west-2:" + canary + "-old"}},
	}
	for i := range 300 { // enough rows for several pages of locks
		runs[fmt.Sprintf("old-%03d", i)] = v1Run{status: "failed", locks: []string{fmt.Sprintf("rds-instance:us-east-1:%s-%03d", canary, i)}}
	}
	writeV1Journal(t, path, runs)
	if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte(canary)) {
		t.Fatal("the schema-1 journal should hold the keys in clear (test premise)")
	}
	s := openTest(t, path)
	noCanary(t, "after opening a schema-1 journal", path)
	rec, err := s.Run(ctx, "held")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Locks) != 2 || (rec.Locks[0] != s.Fingerprint(secretKey) && rec.Locks[1] != s.Fingerprint(secretKey)) {
		t.Errorf("held's locks %v are not the fingerprints of its keys", rec.Locks)
	}
	var busy *journal.BusyError
	if err := s.Create(ctx, "next", t0, []string{secretKey}); !errors.As(err, &busy) || busy.RunID != "held" {
		t.Errorf("a schema-1 lock is no longer held after the migration: %v", err)
	}
}
