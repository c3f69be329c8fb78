package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"drorch/journal"
)

// SchemaVersion is the journal schema this drorch writes (PRAGMA
// user_version); it equals len(migrations()).
const SchemaVersion = 2

// migration is one schema change: sql, then fix (when set) for what SQL
// alone cannot do, in the same transaction.
type migration struct {
	sql string
	fix func(ctx context.Context, tx *sql.Tx, fp journal.Fingerprinter) error
}

// migrations are the schema changes, in order: migrations()[i] takes a
// journal from version i to i+1. Append new ones and bump SchemaVersion;
// never edit a released one, because journals in the field went through it.
func migrations() []migration {
	return []migration{
		// 1: runs, their events and the per-resource locks. Times are Unix
		// nanoseconds (UTC) so that ORDER BY is chronological.
		{sql: `CREATE TABLE runs (
		id        TEXT PRIMARY KEY,
		created   INTEGER NOT NULL,
		status    TEXT    NOT NULL,
		owner     TEXT    NOT NULL DEFAULT '',
		heartbeat INTEGER
	);
	CREATE INDEX runs_created ON runs(created);
	CREATE TABLE events (
		run_id   TEXT    NOT NULL REFERENCES runs(id),
		seq      INTEGER NOT NULL,
		time     INTEGER NOT NULL,
		kind     TEXT    NOT NULL,
		layer    INTEGER NOT NULL,
		resource INTEGER NOT NULL,
		step     TEXT    NOT NULL DEFAULT '',
		message  TEXT    NOT NULL DEFAULT '',
		error    TEXT    NOT NULL DEFAULT '',
		data     BLOB,
		PRIMARY KEY (run_id, seq)
	) WITHOUT ROWID;
	CREATE TABLE locks (
		key    TEXT PRIMARY KEY,
		run_id TEXT NOT NULL REFERENCES runs(id)
	);
	CREATE INDEX locks_run ON locks(run_id);`},
		// 2: locks keep the fingerprint of their key, never the key (it may
		// be secret); meta holds the check of the key file's key; the file
		// is marked as a drorch journal.
		{sql: `CREATE TABLE meta (
		name  TEXT PRIMARY KEY,
		value TEXT NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE lock_fps (
		fp     TEXT PRIMARY KEY,
		run_id TEXT NOT NULL REFERENCES runs(id)
	) WITHOUT ROWID;`, fix: fingerprintLocks},
	}
}

// fingerprintLocks moves the version 1 locks, keys in clear, to lock_fps
// and drops them. With secure_delete on, the pages that held the keys are
// zeroed as they are freed.
func fingerprintLocks(ctx context.Context, tx *sql.Tx, fp journal.Fingerprinter) error {
	rows, err := tx.QueryContext(ctx, `SELECT key, run_id FROM locks`)
	if err != nil {
		return err
	}
	var fps, runs []string
	for rows.Next() {
		var key, run string
		if err := rows.Scan(&key, &run); err != nil {
			rows.Close()
			return err
		}
		fps, runs = append(fps, fp.Fingerprint(key)), append(runs, run)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range fps {
		if _, err := tx.ExecContext(ctx, `INSERT INTO lock_fps (fp, run_id) VALUES (?, ?)`, fps[i], runs[i]); err != nil {
			return err
		}
	}
	// The pages that held the keys are rewritten after the commit (scrub);
	// the mark makes a later open finish the job if this one cannot.
	_, err = tx.ExecContext(ctx, `DROP TABLE locks;
	ALTER TABLE lock_fps RENAME TO locks;
	CREATE INDEX locks_run ON locks(run_id);
	INSERT INTO meta (name, value) VALUES ('scrub', 'lock keys in clear');`)
	return err
}

// migrate brings the journal behind db up to len(steps), in one immediate
// transaction so that two drorch processes opening a new file at once do
// not both create the tables, and records the key check and application id.
// A journal newer than this drorch
// is refused: an old binary must not write events a newer one cannot fold.
func migrate(ctx context.Context, db *sql.DB, steps []migration, fp journal.Fingerprinter) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate journal: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("migrate journal: read schema version: %w", err)
	}
	if v > len(steps) {
		return newerSchema(v)
	}
	for i := v; i < len(steps); i++ {
		if _, err := tx.ExecContext(ctx, steps[i].sql); err != nil {
			return fmt.Errorf("migrate journal to schema version %d: %w", i+1, err)
		}
		if steps[i].fix != nil {
			if err := steps[i].fix(ctx, tx, fp); err != nil {
				return fmt.Errorf("migrate journal to schema version %d: %w", i+1, err)
			}
		}
	}
	check := fp.Fingerprint(keyCheckValue)
	var have string
	if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = 'key_check'`).Scan(&have); err == nil && have == check && v == len(steps) {
		return nil // the usual open: nothing to write
	}
	// PRAGMA takes no bound parameters; the values are our own integers.
	stmts := []string{
		fmt.Sprintf("PRAGMA user_version = %d", len(steps)),
		fmt.Sprintf("PRAGMA application_id = %d", applicationID),
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("migrate journal: %s: %w", q, err)
		}
	}
	// The key file was just created (a new journal, or one whose key file
	// was lost while no run held a lock): record its check.
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES ('key_check', ?)
		ON CONFLICT(name) DO UPDATE SET value = excluded.value`, check); err != nil {
		return fmt.Errorf("migrate journal: record key check: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate journal: %w", err)
	}
	return nil
}

// scrub rewrites a journal that held lock keys in clear (schema 1), when
// its meta table says so, so that no page of it, in the main file, the
// -wal file or the free list, keeps one: VACUUM rebuilds every page from
// the live rows, and a TRUNCATE checkpoint copies them into the main file
// and empties the -wal file. A reader in another process can keep the
// checkpoint from completing: the last connection to close completes it.
func scrub(ctx context.Context, db *sql.DB) error {
	var why string
	err := db.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = 'scrub'`).Scan(&why)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("scrub journal: %w", err)
	}
	if _, err := db.ExecContext(ctx, "VACUUM"); err != nil {
		return fmt.Errorf("scrub journal (%s): %w", why, err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM meta WHERE name = 'scrub'`); err != nil {
		return fmt.Errorf("scrub journal: %w", err)
	}
	var busy, logged, done int
	if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logged, &done); err != nil {
		return fmt.Errorf("scrub journal: checkpoint: %w", err)
	}
	return nil
}

// newerSchema refuses a journal written by a newer drorch.
func newerSchema(v int) error {
	return fmt.Errorf("schema version %d is newer than this drorch understands (%d): use a newer drorch, or --state to choose another file", v, SchemaVersion)
}
