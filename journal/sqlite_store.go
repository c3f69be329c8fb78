package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Create registers a run and takes its locks in one transaction.
func (s *SQLite) Create(ctx context.Context, runID string, created time.Time, locks []string) error {
	if runID == "" {
		return errors.New("create run: empty run id")
	}
	op := "create run " + runID
	return s.write(ctx, op, func(tx *sql.Tx) error { return createTx(ctx, tx, op, runID, created, normLocks(locks)) })
}

// CreateWithEvents registers a run, takes its locks and appends its first
// events in one transaction (see EventCreator).
func (s *SQLite) CreateWithEvents(ctx context.Context, runID string, created time.Time, locks []string, events ...Event) ([]Event, error) {
	if runID == "" {
		return nil, errors.New("create run: empty run id")
	}
	p, err := prepareAppend(runID, events, s.now)
	if err != nil {
		return nil, err
	}
	op := "create run " + runID
	err = s.write(ctx, op, func(tx *sql.Tx) error {
		if err := createTx(ctx, tx, op, runID, created, normLocks(locks)); err != nil {
			return err
		}
		return appendTx(ctx, tx, op, runID, p)
	})
	if err != nil {
		return nil, err
	}
	return cloneEvents(p.events), nil
}

// createTx inserts a run and its locks, unless another unfinished run holds
// any of them.
func createTx(ctx context.Context, tx *sql.Tx, op, runID string, created time.Time, keys []string) error {
	if _, err := runStatus(ctx, tx, op, runID); err == nil {
		return fmt.Errorf("%s: a run with this id already exists", op)
	} else if !errors.Is(err, ErrRunNotFound) {
		return err
	}
	held := map[string][]string{}
	var first string
	for _, k := range keys {
		var holder, status string
		err := tx.QueryRowContext(ctx,
			`SELECT l.run_id, r.status FROM locks l JOIN runs r ON r.id = l.run_id WHERE l.key = ?`, k).
			Scan(&holder, &status)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && Status(status).Terminal()) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: read lock %s: %w", op, k, err)
		}
		if first == "" {
			first = holder
		}
		held[holder] = append(held[holder], k)
	}
	if first != "" {
		return &BusyError{RunID: first, Keys: held[first]}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO runs (id, created, status) VALUES (?, ?, ?)`,
		runID, normTime(created).UnixNano(), string(StatusRunning)); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for _, k := range keys {
		// A row left by a finished run is taken over.
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO locks (key, run_id) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET run_id = excluded.run_id`,
			k, runID); err != nil {
			return fmt.Errorf("%s: take lock %s: %w", op, k, err)
		}
	}
	return nil
}

// Append adds events to a run in one transaction; they are fsynced (WAL,
// synchronous=FULL) before it returns.
func (s *SQLite) Append(ctx context.Context, runID string, events ...Event) ([]Event, error) {
	p, err := prepareAppend(runID, events, s.now)
	if err != nil {
		return nil, err
	}
	op := "append to run " + runID
	err = s.write(ctx, op, func(tx *sql.Tx) error {
		if _, err := runStatus(ctx, tx, op, runID); err != nil {
			return err
		}
		return appendTx(ctx, tx, op, runID, p)
	})
	if err != nil {
		return nil, err
	}
	return cloneEvents(p.events), nil
}

// appendTx inserts prepared events after the run's last one and sets the
// status a run.finished among them gives. It assigns their Seq.
func appendTx(ctx context.Context, tx *sql.Tx, op, runID string, p prepared) error {
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = ?`, runID).
		Scan(&last); err != nil {
		return fmt.Errorf("%s: read last seq: %w", op, err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO events
		(run_id, seq, time, kind, layer, resource, step, message, error, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer stmt.Close()
	for i := range p.events {
		ev := &p.events[i]
		ev.Seq = last + int64(i) + 1
		var data any
		if len(ev.Data) > 0 {
			data = []byte(ev.Data)
		}
		if _, err := stmt.ExecContext(ctx, runID, ev.Seq, ev.Time.UnixNano(), string(ev.Kind),
			ev.Layer, ev.Resource, ev.Step, ev.Message, ev.Error, data); err != nil {
			return fmt.Errorf("%s: event %d (%s): %w", op, i, ev.Kind, err)
		}
	}
	if p.final != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = ? WHERE id = ?`, string(p.final), runID); err != nil {
			return fmt.Errorf("%s: set status: %w", op, err)
		}
	}
	return nil
}

// Events returns the run's events after afterSeq, in order.
func (s *SQLite) Events(ctx context.Context, runID string, afterSeq int64) ([]Event, error) {
	op := "events of run " + runID
	rows, err := s.db.QueryContext(ctx, `SELECT seq, time, kind, layer, resource, step, message, error, data
		FROM events WHERE run_id = ? AND seq > ? ORDER BY seq`, runID, afterSeq)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		ev := Event{RunID: runID}
		var t int64
		var kind string
		var data []byte
		if err := rows.Scan(&ev.Seq, &t, &kind, &ev.Layer, &ev.Resource, &ev.Step, &ev.Message, &ev.Error, &data); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		ev.Time, ev.Kind = fromNanos(t), Kind(kind)
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
		if _, err := runStatus(ctx, s.db, op, runID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Run returns the record of the run with this id or unique id prefix.
func (s *SQLite) Run(ctx context.Context, runID string) (RunRecord, error) {
	var rec RunRecord
	err := s.read(ctx, "run "+runID, func(tx *sql.Tx) error {
		ids, err := s.matchIDs(ctx, tx, runID)
		if err != nil {
			return err
		}
		id, err := pickRunID(runID, ids)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, created, status, owner, heartbeat FROM runs WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("run %s: %w", runID, err)
		}
		recs, err := scanRuns(rows)
		if err != nil || len(recs) != 1 {
			return fmt.Errorf("run %s: %w", runID, errors.Join(err, ErrRunNotFound))
		}
		rec = recs[0]
		locks, err := readLocks(ctx, tx, `SELECT key, run_id FROM locks WHERE run_id = ? ORDER BY key`, id)
		if err != nil {
			return fmt.Errorf("run %s: %w", runID, err)
		}
		rec.Locks = locks[id]
		return nil
	})
	return rec, err
}

// matchIDs returns [q] when q is a run id, else the ids q is a prefix of
// (when it is long enough).
func (s *SQLite) matchIDs(ctx context.Context, tx *sql.Tx, q string) ([]string, error) {
	if _, err := runStatus(ctx, tx, "run", q); err == nil {
		return []string{q}, nil
	} else if !errors.Is(err, ErrRunNotFound) {
		return nil, err
	}
	if len(q) < MinRunPrefix {
		return nil, nil
	}
	// instr(id, q) = 1 is "id starts with q" without LIKE's wildcards.
	rows, err := tx.QueryContext(ctx, `SELECT id FROM runs WHERE instr(id, ?) = 1`, q)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", q, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("run %s: %w", q, err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Runs lists every run, newest first (ties: last created first).
func (s *SQLite) Runs(ctx context.Context) ([]RunRecord, error) {
	var out []RunRecord
	err := s.read(ctx, "list runs", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, created, status, owner, heartbeat FROM runs ORDER BY created DESC, rowid DESC`)
		if err != nil {
			return fmt.Errorf("list runs: %w", err)
		}
		if out, err = scanRuns(rows); err != nil {
			return fmt.Errorf("list runs: %w", err)
		}
		locks, err := readLocks(ctx, tx, `SELECT key, run_id FROM locks ORDER BY key`)
		if err != nil {
			return fmt.Errorf("list runs: %w", err)
		}
		for i := range out {
			out[i].Locks = locks[out[i].ID]
		}
		return nil
	})
	if out == nil && err == nil {
		out = []RunRecord{}
	}
	return out, err
}

// Claim takes the run's lease for owner unless a live owner holds it.
func (s *SQLite) Claim(ctx context.Context, runID, owner string, now time.Time, stale time.Duration) error {
	if owner == "" {
		return fmt.Errorf("claim run %s: empty owner", runID)
	}
	op := "claim run " + runID
	return s.write(ctx, op, func(tx *sql.Tx) error {
		rec, err := leaseOf(ctx, tx, op, runID)
		if err != nil {
			return err
		}
		if err := claimable(rec, owner, now, stale); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET owner = ?, heartbeat = ? WHERE id = ?`,
			owner, normTime(now).UnixNano(), runID)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	})
}

// Heartbeat renews owner's lease on the run.
func (s *SQLite) Heartbeat(ctx context.Context, runID, owner string, now time.Time) error {
	op := "heartbeat run " + runID
	return s.write(ctx, op, func(tx *sql.Tx) error {
		rec, err := leaseOf(ctx, tx, op, runID)
		if err != nil {
			return err
		}
		if err := ownedBy(rec, owner); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET heartbeat = ? WHERE id = ?`, normTime(now).UnixNano(), runID); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	})
}

// Release clears the run's lease and, once the run is finished, its locks.
func (s *SQLite) Release(ctx context.Context, runID string) error {
	op := "release run " + runID
	return s.write(ctx, op, func(tx *sql.Tx) error {
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

// write runs fn in a BEGIN IMMEDIATE transaction and commits it. Errors
// from fn are returned as they are (they already name the operation).
func (s *SQLite) write(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback() //nolint:errcheck // fn's error is the one to report
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// read runs fn in a read-only transaction: one consistent snapshot.
func (s *SQLite) read(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback() //nolint:errcheck // nothing to undo
	return fn(tx)
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// runStatus returns the status of the run with exactly this id.
func runStatus(ctx context.Context, q querier, op, runID string) (Status, error) {
	var st string
	err := q.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, runID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%s: %w", op, ErrRunNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	return Status(st), nil
}

// leaseOf reads the owner and heartbeat of a run.
func leaseOf(ctx context.Context, tx *sql.Tx, op, runID string) (RunRecord, error) {
	rec := RunRecord{ID: runID}
	var hb sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT owner, heartbeat FROM runs WHERE id = ?`, runID).Scan(&rec.Owner, &hb)
	if errors.Is(err, sql.ErrNoRows) {
		return rec, fmt.Errorf("%s: %w", op, ErrRunNotFound)
	}
	if err != nil {
		return rec, fmt.Errorf("%s: %w", op, err)
	}
	if hb.Valid {
		rec.Heartbeat = fromNanos(hb.Int64)
	}
	return rec, nil
}

func scanRuns(rows *sql.Rows) ([]RunRecord, error) {
	defer rows.Close()
	var out []RunRecord
	for rows.Next() {
		var rec RunRecord
		var created int64
		var status string
		var hb sql.NullInt64
		if err := rows.Scan(&rec.ID, &created, &status, &rec.Owner, &hb); err != nil {
			return nil, err
		}
		rec.Created, rec.Status = fromNanos(created), Status(status)
		if hb.Valid {
			rec.Heartbeat = fromNanos(hb.Int64)
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// readLocks returns lock keys by run id, each list sorted.
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
