package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func openTest(t *testing.T, path string) *SQLite {
	t.Helper()
	s, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
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

func TestSQLiteFileModes(t *testing.T) {
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

func TestSQLiteKeepsExistingPermissions(t *testing.T) {
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
}

func TestSQLitePragmas(t *testing.T) {
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
		"journal_mode": "wal",
		"synchronous":  "2", // FULL: the WAL is fsynced at every commit
		"foreign_keys": "1",
		"busy_timeout": fmt.Sprint(BusyTimeout.Milliseconds()),
		"user_version": fmt.Sprint(SchemaVersion),
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

func TestSQLiteSchemaVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if got := len(migrations()); got != SchemaVersion {
		t.Fatalf("%d migrations but SchemaVersion %d", got, SchemaVersion)
	}

	t.Run("newer journal refused", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "journal.db")
		setUserVersion(t, path, SchemaVersion+1)
		s, err := OpenSQLite(ctx, path)
		if err == nil {
			s.Close()
			t.Fatal("OpenSQLite accepted a journal from a newer drorch")
		}
		if !strings.Contains(err.Error(), "newer than this drorch") {
			t.Errorf("error %q does not tell the operator the journal is newer", err)
		}
	})

	t.Run("reopen keeps data", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "journal.db")
		s, err := OpenSQLite(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, "run-1", t0, []string{"k"}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s = openTest(t, path)
		if rec, err := s.Run(ctx, "run-1"); err != nil || fmt.Sprint(rec.Locks) != "[k]" {
			t.Errorf("after reopening: %+v, %v", rec, err)
		}
	})

	t.Run("later migration applied once", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "journal.db")
		s := openTest(t, path)
		if err := s.Create(ctx, "run-1", t0, nil); err != nil {
			t.Fatal(err)
		}
		steps := append(migrations(), `ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT ''`)
		for range 2 { // the second time finds nothing to do
			if err := migrate(ctx, s.db, path, steps); err != nil {
				t.Fatalf("migrate: %v", err)
			}
		}
		var v int
		var note string
		if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion+1 {
			t.Errorf("user_version = %d, %v; want %d", v, err, SchemaVersion+1)
		}
		if err := s.db.QueryRowContext(ctx, "SELECT note FROM runs WHERE id = 'run-1'").Scan(&note); err != nil {
			t.Errorf("migrated column: %v", err)
		}
	})

	t.Run("failed migration leaves the journal as it was", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "journal.db")
		s := openTest(t, path)
		steps := append(migrations(), `CREATE TABLE extra (x INTEGER)`, `THIS IS NOT SQL`)
		if err := migrate(ctx, s.db, path, steps); err == nil {
			t.Fatal("migrate with a broken step succeeded")
		}
		var v, n int
		s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)                                     //nolint:errcheck
		s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'extra'").Scan(&n) //nolint:errcheck
		if v != SchemaVersion || n != 0 {
			t.Errorf("after a failed migration: version %d, extra table %d; want %d and none", v, n, SchemaVersion)
		}
	})
}

func setUserVersion(t *testing.T, path string, v int) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		t.Fatal(err)
	}
}

// TestSQLiteTwoHandles stands for two processes on one file (`drorch run`
// and `drorch cancel` or `drorch runs`): each *SQLite has its own
// connections and its own in-process write lock, so only SQLite's file
// locking and busy timeout keep them apart.
func TestSQLiteTwoHandles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	a, b := openTest(t, path), openTest(t, path)

	if err := a.Create(ctx, "run-a", t0, []string{"aurora/gc"}); err != nil {
		t.Fatal(err)
	}
	if rec, err := b.Run(ctx, "run-"); err != nil || rec.ID != "run-a" || fmt.Sprint(rec.Locks) != "[aurora/gc]" {
		t.Fatalf("other handle sees %+v, %v", rec, err)
	}
	var busy *BusyError
	if err := b.Create(ctx, "run-b", t0, []string{"aurora/gc"}); !errors.As(err, &busy) || busy.RunID != "run-a" {
		t.Fatalf("Create through the other handle = %v, want *BusyError naming run-a", err)
	}

	const each = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, h := range []*SQLite{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := h.Append(ctx, "run-a", Event{Time: t0, Kind: StepObserved, Layer: 0, Resource: 0, Step: "s", Message: fmt.Sprint(i)}); err != nil {
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
	if err := a.Claim(ctx, "run-a", "run-process", t0.Add(time.Second), time.Minute); !errors.Is(err, ErrRunActive) {
		t.Errorf("Claim of a lease held through the other handle = %v, want ErrRunActive", err)
	}
	if _, err := b.Append(ctx, "run-a", Event{Time: t0, Kind: RunFinished, Layer: -1, Resource: -1, Data: []byte(`{"status":"cancelled"}`)}); err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]*SQLite{"a": a, "b": b} {
		evs, err := h.Events(ctx, "run-a", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2*each+1 || evs[len(evs)-1].Seq != int64(2*each+1) || evs[len(evs)-1].Kind != RunFinished {
			t.Errorf("handle %s sees %d events ending with seq %d: want %d, dense", name, len(evs), evs[len(evs)-1].Seq, 2*each+1)
		}
	}
	if err := a.Create(ctx, "run-b", t0, []string{"aurora/gc"}); err != nil {
		t.Errorf("Create after the run was cancelled through the other handle: %v", err)
	}
}
