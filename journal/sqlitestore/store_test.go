package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/journal"
	"drorch/journal/storetest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestStoreSuite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) journal.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "journal.db"), Create)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

func openTest(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, Create)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	return fi.Mode().Perm()
}

// TestOpenModes: MustExist refuses a missing journal and creates nothing,
// not even its directory; Create makes the journal and its key file.
func TestOpenModes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := t.TempDir()
	missing := filepath.Join(root, "no", "such", "journal.db")
	s, err := Open(ctx, missing, MustExist)
	var nj *NoJournalError
	if !errors.As(err, &nj) || !errors.Is(err, fs.ErrNotExist) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open(MustExist) of a missing journal = %v, want *NoJournalError", err)
	}
	if nj.Path != missing || !strings.Contains(err.Error(), "no journal at "+missing) {
		t.Errorf("error %q does not name %s", err, missing)
	}
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("a refused open created %v", ents)
	}
	if _, err := Open(ctx, missing, Mode(7)); err == nil {
		t.Error("Open with an unknown mode succeeded")
	}

	c := openTest(t, missing)
	if err := c.Create(ctx, "run-1", t0, []string{"k"}); err != nil {
		t.Fatal(err)
	}
	if c.KeyPath() != missing+".key" || mode(t, c.KeyPath()) != 0o600 {
		t.Errorf("key file %s, mode %v; want %s.key, 0600", c.KeyPath(), mode(t, c.KeyPath()), missing)
	}
	again, err := Open(ctx, missing, MustExist)
	if err != nil {
		t.Fatalf("Open(MustExist) of an existing journal: %v", err)
	}
	defer again.Close()
	if again.Fingerprint("k") != c.Fingerprint("k") {
		t.Error("two handles on one journal fingerprint differently")
	}
	if rec, err := again.Run(ctx, "run-1"); err != nil || fmt.Sprint(rec.Locks) != fmt.Sprint([]string{c.Fingerprint("k")}) {
		t.Errorf("run-1 through MustExist: %+v, %v", rec, err)
	}
}

func TestFileModes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state", "drorch")
	path := filepath.Join(dir, "journal.db")
	s := openTest(t, path)
	if err := s.Create(context.Background(), "run-1", t0, nil); err != nil {
		t.Fatalf("Create: %v", err)
	}
	want := map[string]os.FileMode{
		filepath.Dir(dir): 0o700,
		dir:               0o700,
		path:              0o600,
		path + "-wal":     0o600,
		path + "-shm":     0o600,
		path + ".key":     0o600,
	}
	for p, m := range want {
		if got := mode(t, p); got != m {
			t.Errorf("%s has mode %v, want %v", filepath.Base(p), got, m)
		}
	}
	if s.Path() != path {
		t.Errorf("Path() = %s, want %s", s.Path(), path)
	}
}

func TestKeepsExistingPermissions(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal.db")
	if err := os.WriteFile(path, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	s := openTest(t, path)
	if err := s.Create(context.Background(), "run-1", t0, nil); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if got := mode(t, path); got != 0o640 {
		t.Errorf("an existing journal's mode changed to %v (drorch must not touch it)", got)
	}
	if got := mode(t, path+"-wal"); got&^0o640 != 0 {
		t.Errorf("-wal mode %v is wider than the journal's 0640", got)
	}
	if got := mode(t, path+".key"); got != 0o600 {
		t.Errorf("key file mode %v, want 0600 whatever the journal's", got)
	}
}

func TestPragmas(t *testing.T) {
	t.Parallel()
	s := openTest(t, filepath.Join(t.TempDir(), "journal.db"))
	ctx := context.Background()
	// Hold several connections at once so that each comes from its own
	// open: every connection needs the pragmas, not just the first.
	var conns []*sql.Conn
	for range 3 {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	want := map[string]string{
		"journal_mode":   "wal",
		"synchronous":    "2", // FULL: the WAL is fsynced at every commit
		"foreign_keys":   "1",
		"secure_delete":  "1",
		"busy_timeout":   fmt.Sprint(BusyTimeout.Milliseconds()),
		"user_version":   fmt.Sprint(SchemaVersion),
		"application_id": fmt.Sprint(applicationID),
	}
	for i, c := range conns {
		for name, w := range want {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+name).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", name, err)
			}
			if !strings.EqualFold(got, w) {
				t.Errorf("connection %d: PRAGMA %s = %s, want %s", i, name, got, w)
			}
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

// TestTwoHandles stands for two processes on one file (`drorch run` and
// `drorch cancel` or `drorch runs`): each *Store has its own connections
// and its own in-process write lock, so only SQLite's file locking and busy
// timeout keep them apart.
func TestTwoHandles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	a, b := openTest(t, path), openTest(t, path)

	if err := a.Create(ctx, "run-a", t0, []string{"aurora/gc"}); err != nil {
		t.Fatal(err)
	}
	if rec, err := b.Run(ctx, "run-"); err != nil || rec.ID != "run-a" || fmt.Sprint(rec.Locks) != "["+a.Fingerprint("aurora/gc")+"]" {
		t.Fatalf("other handle sees %+v, %v", rec, err)
	}
	var busy *journal.BusyError
	if err := b.Create(ctx, "run-b", t0, []string{"aurora/gc"}); !errors.As(err, &busy) || busy.RunID != "run-a" || fmt.Sprint(busy.Keys) != "[aurora/gc]" {
		t.Fatalf("Create through the other handle = %v, want *BusyError naming run-a and aurora/gc", err)
	}

	const each = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, h := range []*Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := h.Append(ctx, "run-a", journal.Event{Time: t0, Kind: journal.StepObserved, Layer: 0, Resource: 0, Step: "s", Message: fmt.Sprint(i)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Append: %v", err)
	}
	if err := b.Claim(ctx, "run-a", "cancel-process", t0, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := a.Claim(ctx, "run-a", "run-process", t0.Add(time.Second), time.Minute); !errors.Is(err, journal.ErrRunActive) {
		t.Errorf("Claim of a lease held through the other handle = %v, want ErrRunActive", err)
	}
	if _, err := b.Append(ctx, "run-a", journal.Event{Time: t0, Kind: journal.RunFinished, Layer: -1, Resource: -1, Data: []byte(`{"status":"cancelled"}`)}); err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]*Store{"a": a, "b": b} {
		evs, err := h.Events(ctx, "run-a", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2*each+1 || evs[len(evs)-1].Seq != int64(2*each+1) || evs[len(evs)-1].Kind != journal.RunFinished {
			t.Errorf("handle %s sees %d events ending with seq %d: want %d, dense", name, len(evs), evs[len(evs)-1].Seq, 2*each+1)
		}
	}
	if err := a.Create(ctx, "run-b", t0, []string{"aurora/gc"}); err != nil {
		t.Errorf("Create after the run was cancelled through the other handle: %v", err)
	}
}
