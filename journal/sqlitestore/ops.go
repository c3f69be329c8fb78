package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"drorch/journal"
)

// Create registers a run and takes its locks in one transaction.
func (s *Store) Create(ctx context.Context, runID string, created time.Time, locks []string) error {
	_, err := s.CreateWithEvents(ctx, runID, created, locks)
	return err
}

// CreateWithEvents registers a run, takes its locks and appends its first
// events in one transaction (see EventCreator).
func (s *Store) CreateWithEvents(ctx context.Context, runID string, created time.Time, locks []string, events ...journal.Event) ([]journal.Event, error) {
	if err := journal.ValidRunID(runID); err != nil {
		return nil, fmt.Errorf("create run: %w", err)
	}
	p, err := journal.PrepareAppend(runID, events, s.now)
	if err != nil {
		return nil, err
	}
	op := "create run " + runID
	eff := creates
	if p.Final != "" {
		eff = finishes
	}
	err = s.write(ctx, op, eff, func(tx *sql.Tx) error {
		if err := createTx(ctx, tx, op, runID, created, s.key.fp.Locks(locks)); err != nil {
			return err
		}
		return s.appendTx(ctx, tx, op, runID, p)
	})
	if err != nil {
		return nil, err
	}
	return p.Events, nil
}

// createTx inserts a run and its locks, unless another unfinished run holds
// any of them. Only the locks' fingerprints reach the journal; an error
// names the fingerprint, never the key.
func createTx(ctx context.Context, tx *sql.Tx, op, runID string, created time.Time, locks []journal.Lock) error {
	if _, err := runStatus(ctx, tx, op, runID); err == nil {
		return fmt.Errorf("%s: a run with this id already exists", op)
	} else if !errors.Is(err, journal.ErrRunNotFound) {
		return err
	}
	err := journal.CheckLocks(locks, func(fp string) (string, error) {
		var holder, status string
		err := tx.QueryRowContext(ctx,
			`SELECT l.run_id, r.status FROM locks l JOIN runs r ON r.id = l.run_id WHERE l.fp = ?`, fp).
			Scan(&holder, &status)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && journal.Status(status).Terminal()) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("%s: read lock %s: %w", op, fp, err)
		}
		return holder, nil
	})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO runs (id, created, status) VALUES (?, ?, ?)`,
		runID, created.UnixNano(), string(journal.StatusRunning)); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for _, l := range locks {
		// A row left by a finished run is taken over.
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO locks (fp, run_id) VALUES (?, ?) ON CONFLICT(fp) DO UPDATE SET run_id = excluded.run_id`,
			l.FP, runID); err != nil {
			return fmt.Errorf("%s: take lock %s: %w", op, l.FP, err)
		}
	}
	return nil
}

// Append adds events to a run in one transaction, made durable by one fsync
// of the WAL (synchronous=FULL) before it returns: pass the events of one
// moment together. After a run.finished event the WAL is checkpointed into
// the main file.
func (s *Store) Append(ctx context.Context, runID string, events ...journal.Event) ([]journal.Event, error) {
	p, err := journal.PrepareAppend(runID, events, s.now)
	if err != nil {
		return nil, err
	}
	op := "append to run " + runID
	eff := plain
	if p.Final != "" {
		eff = finishes
	}
	err = s.write(ctx, op, eff, func(tx *sql.Tx) error {
		if _, err := statusOf(s.queryRow(ctx, tx, statusQuery, runID), op); err != nil {
			return err
		}
		return s.appendTx(ctx, tx, op, runID, p)
	})
	if err != nil {
		return nil, err
	}
	return p.Events, nil
}

// appendTx inserts prepared events after the run's last one and sets the
// status a run.finished among them gives. It assigns their Seq.
func (s *Store) appendTx(ctx context.Context, tx *sql.Tx, op, runID string, p journal.Batch) error {
	var last int64
	if err := s.queryRow(ctx, tx, `SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = ?`, runID).Scan(&last); err != nil {
		return fmt.Errorf("%s: read last seq: %w", op, err)
	}
	insert, err := s.stmt(ctx, tx, `INSERT INTO events
		(run_id, seq, time, kind, layer, resource, step, message, error, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	p.Number(last)
	for i := range p.Events {
		ev := &p.Events[i]
		var data any
		if len(ev.Data) > 0 {
			data = []byte(ev.Data)
		}
		if _, err := insert.ExecContext(ctx, runID, ev.Seq, ev.Time.UnixNano(), string(ev.Kind),
			ev.Layer, ev.Resource, ev.Step, ev.Message, ev.Error, data); err != nil {
			return fmt.Errorf("%s: event %d (%s): %w", op, i, ev.Kind, err)
		}
	}
	if p.Final != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = ? WHERE id = ?`, string(p.Final), runID); err != nil {
			return fmt.Errorf("%s: set status: %w", op, err)
		}
	}
	return nil
}

// Events returns the run's events after afterSeq, in order.
func (s *Store) Events(ctx context.Context, runID string, afterSeq int64) ([]journal.Event, error) {
	var out []journal.Event
	err := s.read(ctx, "events of run "+runID, func(tx *sql.Tx) (err error) {
		out, err = s.events(ctx, tx, runID, afterSeq)
		return err
	})
	return out, err
}

func (s *Store) events(ctx context.Context, tx *sql.Tx, runID string, afterSeq int64) ([]journal.Event, error) {
	op := "events of run " + runID
	rows, err := s.query(ctx, tx, `SELECT seq, time, kind, layer, resource, step, message, error, data
		FROM events WHERE run_id = ? AND seq > ? ORDER BY seq`, runID, afterSeq)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	out := []journal.Event{}
	for rows.Next() {
		ev := journal.Event{RunID: runID}
		var t int64
		var kind string
		var data []byte
		if err := rows.Scan(&ev.Seq, &t, &kind, &ev.Layer, &ev.Resource, &ev.Step, &ev.Message, &ev.Error, &data); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		ev.Time, ev.Kind = fromNanos(t), journal.Kind(kind)
		if len(data) > 0 {
			ev.Data = data
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if len(out) == 0 {
		// An unknown run and a run with nothing new look alike here.
		if _, err := statusOf(s.queryRow(ctx, tx, statusQuery, runID), op); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Run returns the record of the run with this id or unique id prefix.
func (s *Store) Run(ctx context.Context, runID string) (journal.RunRecord, error) {
	var rec journal.RunRecord
	err := s.read(ctx, "run "+runID, func(tx *sql.Tx) error {
		ids, err := s.matchIDs(ctx, tx, runID)
		if err != nil {
			return err
		}
		id, err := journal.ResolveRunID(runID, ids)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, created, status, owner, heartbeat FROM runs WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("run %s: %w", runID, err)
		}
		recs, err := scanRuns(rows)
		if err != nil || len(recs) != 1 {
			return fmt.Errorf("run %s: %w", id, errors.Join(err, journal.ErrRunNotFound))
		}
		rec = recs[0]
		locks, err := readLocks(ctx, tx, `SELECT fp, run_id FROM locks WHERE run_id = ? ORDER BY fp`, id)
		if err != nil {
			return fmt.Errorf("run %s: %w", id, err)
		}
		rec.Locks = locks[id]
		return nil
	})
	return rec, err
}

// matchIDs returns [q] when q is a run id, else the ids q is a prefix of
// (when it is long enough).
func (s *Store) matchIDs(ctx context.Context, tx *sql.Tx, q string) ([]string, error) {
	if _, err := runStatus(ctx, tx, "run", q); err == nil {
		return []string{q}, nil
	} else if !errors.Is(err, journal.ErrRunNotFound) {
		return nil, err
	}
	if len(q) < journal.MinRunPrefix {
		return nil, nil
	}
	// instr(id, q) = 1 is "id starts with q" without LIKE's wildcards.
	rows, err := tx.QueryContext(ctx, `SELECT id FROM runs WHERE instr(id, ?) = 1`, q)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Runs lists every run, newest first (ties: last created first).
func (s *Store) Runs(ctx context.Context) ([]journal.RunRecord, error) {
	var out []journal.RunRecord
	err := s.read(ctx, "list runs", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, created, status, owner, heartbeat FROM runs ORDER BY created DESC, rowid DESC`)
		if err != nil {
			return fmt.Errorf("list runs: %w", err)
		}
		if out, err = scanRuns(rows); err != nil {
			return fmt.Errorf("list runs: %w", err)
		}
		locks, err := readLocks(ctx, tx, `SELECT fp, run_id FROM locks ORDER BY fp`)
		if err != nil {
			return fmt.Errorf("list runs: %w", err)
		}
		for i := range out {
			out[i].Locks = locks[out[i].ID]
		}
		return nil
	})
	if out == nil && err == nil {
		out = []journal.RunRecord{}
	}
	return out, err
}

// Claim takes the run's lease for owner unless a live owner holds it.
func (s *Store) Claim(ctx context.Context, runID, owner string, now time.Time, stale time.Duration) error {
	if owner == "" {
		return fmt.Errorf("claim run %s: empty owner", runID)
	}
	op := "claim run " + runID
	return s.write(ctx, op, plain, func(tx *sql.Tx) error {
		rec, err := s.leaseOf(ctx, tx, op, runID)
		if err != nil {
			return err
		}
		if err := rec.CheckClaim(owner, now, stale); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET owner = ?, heartbeat = ? WHERE id = ?`,
			owner, now.UnixNano(), runID)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	})
}

// Heartbeat renews owner's lease on the run.
func (s *Store) Heartbeat(ctx context.Context, runID, owner string, now time.Time) error {
	op := "heartbeat run " + runID
	return s.write(ctx, op, plain, func(tx *sql.Tx) error {
		rec, err := s.leaseOf(ctx, tx, op, runID)
		if err != nil {
			return err
		}
		if err := rec.CheckHeartbeat(owner); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE runs SET heartbeat = ? WHERE id = ?`, now.UnixNano(), runID); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	})
}

// Release clears the run's lease and, once the run is finished, its locks.
func (s *Store) Release(ctx context.Context, runID string) error {
	op := "release run " + runID
	return s.write(ctx, op, plain, func(tx *sql.Tx) error {
		st, err := runStatus(ctx, tx, op, runID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET owner = '', heartbeat = NULL WHERE id = ?`, runID); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if !st.Terminal() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM locks WHERE run_id = ?`, runID); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	})
}

// effect says what a write may change beyond its rows: after a commit
// that creates or finishes a run the key file records the journal's new
// counts, and after one that finishes a run the WAL is first checkpointed
// into the main file.
type effect int

const (
	plain effect = iota
	creates
	finishes
)

// write runs fn in a BEGIN IMMEDIATE transaction and commits it, then does
// what eff asks. Errors from fn are returned as they are (they already name
// the operation); an error SQLite gives for a corrupt file becomes a
// *DamagedError.
func (s *Store) write(ctx context.Context, op string, eff effect, fn func(*sql.Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return damaged(s.path, fmt.Errorf("%s: %w", op, err))
	}
	if err := fn(tx); err != nil {
		tx.Rollback() //nolint:errcheck // fn's error is the one to report
		return damaged(s.path, err)
	}
	var runs, done int64
	if eff != plain {
		err := tx.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE status != 'running') FROM runs`).Scan(&runs, &done)
		if err != nil {
			tx.Rollback() //nolint:errcheck // the count's error is the one to report
			return damaged(s.path, fmt.Errorf("%s: count runs: %w", op, err))
		}
	}
	if err := tx.Commit(); err != nil {
		return damaged(s.path, fmt.Errorf("%s: %w", op, err))
	}
	if eff == plain {
		return nil
	}
	// The commit is durable: what follows cannot undo it, and its
	// errors say so.
	if eff == finishes {
		if err := s.checkpoint(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("%s: done, but %w", op, err)
		}
	}
	if err := s.key.record(runs, done); err != nil {
		return fmt.Errorf("%s: done, but %w", op, err)
	}
	return nil
}

// checkpoint copies the WAL into the main file and empties it (TRUNCATE),
// so that finished runs live in the main file. Readers still on an older
// snapshot can keep it from completing; it then leaves the rest for a later
// checkpoint (SQLite runs one at the latest when the last connection
// closes): the events are durable in the WAL either way.
func (s *Store) checkpoint(ctx context.Context) error {
	var busy, logged, done int
	if err := s.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logged, &done); err != nil {
		return damaged(s.path, fmt.Errorf("checkpoint: %w", err))
	}
	return nil
}

// read runs fn in a read-only transaction: one consistent snapshot.
func (s *Store) read(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return damaged(s.path, fmt.Errorf("%s: %w", op, err))
	}
	defer tx.Rollback() //nolint:errcheck // nothing to undo
	return damaged(s.path, fn(tx))
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// statusQuery reads a run's status.
const statusQuery = `SELECT status FROM runs WHERE id = ?`

// runStatus returns the status of the run with exactly this id.
func runStatus(ctx context.Context, q querier, op, runID string) (journal.Status, error) {
	return statusOf(q.QueryRowContext(ctx, statusQuery, runID), op)
}

// statusOf reads the answer of statusQuery.
func statusOf(row *sql.Row, op string) (journal.Status, error) {
	var st string
	err := row.Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%s: %w", op, journal.ErrRunNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	return journal.Status(st), nil
}

// leaseOf reads the owner and heartbeat of a run.
func (s *Store) leaseOf(ctx context.Context, tx *sql.Tx, op, runID string) (journal.RunRecord, error) {
	rec := journal.RunRecord{ID: runID}
	var hb sql.NullInt64
	err := s.queryRow(ctx, tx, `SELECT owner, heartbeat FROM runs WHERE id = ?`, runID).Scan(&rec.Owner, &hb)
	if errors.Is(err, sql.ErrNoRows) {
		return rec, fmt.Errorf("%s: %w", op, journal.ErrRunNotFound)
	}
	if err != nil {
		return rec, fmt.Errorf("%s: %w", op, err)
	}
	if hb.Valid {
		rec.Heartbeat = fromNanos(hb.Int64)
	}
	return rec, nil
}

func scanRuns(rows *sql.Rows) ([]journal.RunRecord, error) {
	defer rows.Close()
	var out []journal.RunRecord
	for rows.Next() {
		var rec journal.RunRecord
		var created int64
		var status string
		var hb sql.NullInt64
		if err := rows.Scan(&rec.ID, &created, &status, &rec.Owner, &hb); err != nil {
			return nil, err
		}
		rec.Created, rec.Status = fromNanos(created), journal.Status(status)
		if hb.Valid {
			rec.Heartbeat = fromNanos(hb.Int64)
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// readLocks returns lock fingerprints by run id, each list sorted.
func readLocks(ctx context.Context, tx *sql.Tx, query string, args ...any) (map[string][]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var key, run string
		if err := rows.Scan(&key, &run); err != nil {
			return nil, err
		}
		out[run] = append(out[run], key)
	}
	return out, rows.Err()
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// stmt returns query prepared once for the store's life, bound to tx. A
// big run appends a few thousand times and heartbeats every 2 s (reading
// the events since the last one, renewing its lease): parsing the same
// statements each time was a third of the journal's CPU in a run of a
// thousand resources, and the heartbeat's half of it grows with the run's
// length. Only the constant statements of the hot paths go through here.
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	st, ok := s.stmts[query]
	if !ok {
		var err error
		if st, err = s.db.PrepareContext(ctx, query); err != nil {
			s.stmtMu.Unlock()
			return nil, err
		}
		if s.stmts == nil {
			s.stmts = map[string]*sql.Stmt{}
		}
		s.stmts[query] = st
	}
	s.stmtMu.Unlock()
	return tx.StmtContext(ctx, st), nil
}

// queryRow is tx.QueryRowContext with query prepared once (stmt).
func (s *Store) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return tx.QueryRowContext(ctx, query, args...) // the same error, reported by Scan
	}
	return st.QueryRowContext(ctx, args...)
}

// query is tx.QueryContext with query prepared once (stmt).
func (s *Store) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// exec is tx.ExecContext with query prepared once (stmt).
func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}
