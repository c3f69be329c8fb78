package journal

import (
	"context"
	"database/sql"
	"fmt"
)

// SchemaVersion is the journal schema this drorch writes (PRAGMA
// user_version); it equals len(migrations()).
const SchemaVersion = 1

// migrations are the schema changes, in order: migrations()[i] takes a
// journal from version i to i+1. Append new ones and bump SchemaVersion;
// never edit a released one, because journals in the field went through it.
func migrations() []string {
	return []string{
		// 1: runs, their events and the per-resource locks. Times are Unix
		// nanoseconds (UTC) so that ORDER BY is chronological.
		`CREATE TABLE runs (
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
	CREATE INDEX locks_run ON locks(run_id);`,
	}
}

// migrate brings the journal behind db up to len(steps), in one immediate
// transaction so that two drorch processes opening a new file at once do
// not both create the tables. A journal newer than this drorch is refused:
// an old binary must not write events a newer one cannot fold.
func migrate(ctx context.Context, db *sql.DB, path string, steps []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate journal %s: %w", path, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("migrate journal %s: read schema version: %w", path, err)
	}
	if v > len(steps) {
		return fmt.Errorf("open journal %s: schema version %d is newer than this drorch understands (%d): use a newer drorch, or --state to choose another file", path, v, len(steps))
	}
	if v == len(steps) {
		return nil
	}
	for i := v; i < len(steps); i++ {
		if _, err := tx.ExecContext(ctx, steps[i]); err != nil {
			return fmt.Errorf("migrate journal %s to schema version %d: %w", path, i+1, err)
		}
	}
	// PRAGMA takes no bound parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(steps))); err != nil {
		return fmt.Errorf("migrate journal %s: set schema version: %w", path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate journal %s: %w", path, err)
	}
	return nil
}
