package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestSchemaVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if got := len(migrations()); got != SchemaVersion {
		t.Fatalf("%d migrations but SchemaVersion %d", got, SchemaVersion)
	}

	t.Run("newer journal refused", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "journal.db")
		setUserVersion(t, path, SchemaVersion+1)
		s, err := Open(ctx, path, Create)
		if err == nil {
			s.Close()
			t.Fatal("Open accepted a journal from a newer drorch")
		}
		if !strings.Contains(err.Error(), "newer than this drorch") {
			t.Errorf("error %q does not tell the operator the journal is newer", err)
		}
	})

	t.Run("reopen keeps data", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "journal.db")
		s, err := Open(ctx, path, Create)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, "run-1", t0, []string{"k"}); err != nil {
			t.Fatal(err)
		}
		fp := s.Fingerprint("k")
		s.Close()
		s = openTest(t, path)
		if rec, err := s.Run(ctx, "run-1"); err != nil || fmt.Sprint(rec.Locks) != "["+fp+"]" {
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
		steps := append(migrations(), migration{sql: `ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT ''`})
		for range 2 { // the second time finds nothing to do
			if err := migrate(ctx, s.db, steps, s.key.fp); err != nil {
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
		steps := append(migrations(), migration{sql: `CREATE TABLE extra (x INTEGER)`}, migration{sql: `THIS IS NOT SQL`})
		if err := migrate(ctx, s.db, steps, s.key.fp); err == nil {
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

// writeV1Journal writes a journal as drorch wrote it before schema 2: lock
// keys in clear, no key file. runs maps run id to its status and locks;
// the locks of runs that are not running are then released, as schema-1
// drorch did, which leaves their keys in free pages.
func writeV1Journal(t *testing.T, path string, runs map[string]v1Run) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(migrations()[0].sql + "; PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	for id, r := range runs {
		if _, err := db.Exec(`INSERT INTO runs (id, created, status) VALUES (?, ?, ?)`, id, t0.UnixNano(), r.status); err != nil {
			t.Fatal(err)
		}
		for _, k := range r.locks {
			if _, err := db.Exec(`INSERT INTO locks (key, run_id) VALUES (?, ?)`, k, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.Exec(`DELETE FROM locks WHERE run_id IN (SELECT id FROM runs WHERE status != 'running')`); err != nil {
		t.Fatal(err)
	}
}

type v1Run struct {
	status string
	locks  []string
}
