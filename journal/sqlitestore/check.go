package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// applicationID marks a SQLite file as a drorch journal (PRAGMA
// application_id, "drj1"), so that --state pointing at another program's
// database is refused instead of having drorch's tables added to it.
const applicationID = 0x64726a31

// preflight looks at the journal's files before SQLite opens them: SQLite,
// on opening a crashed journal, would rebuild the -shm file and forget what
// it said. It returns a *DamagedError when committed events are missing,
// and suspect when the journal was left by a process that did not close it
// (a -wal file with frames remains), which calls for PRAGMA quick_check.
//
// It looks at nothing while another process has the journal open: that
// process checked it when it opened it, and its writes would race with
// these reads. It must only run while this process holds no connection to
// the journal, since closing any descriptor of a file drops every POSIX lock
// the process holds on it, SQLite's among them.
func preflight(path string) (suspect bool, err error) {
	wal, shm := path+"-wal", path+"-shm"
	if busy, err := inUse(shm); err != nil || busy {
		return false, err
	}
	var walSize int64
	if fi, err := os.Stat(wal); err == nil {
		walSize = fi.Size()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	if problem, err := checkMainFile(path, walSize > 0); err != nil || problem != "" {
		if err == nil {
			err = &DamagedError{Path: path, Problem: problem}
		}
		return false, err
	}
	idx, ok, err := readWALIndex(shm)
	if err != nil {
		return false, err
	}
	if ok && idx.mxFrame > 0 {
		problem, err := checkWAL(wal, idx)
		if err != nil {
			return false, err
		}
		if problem != "" {
			// A process that opened the journal meanwhile would have
			// rebuilt the -shm file: only an unchanged one is evidence.
			again, ok2, err2 := readWALIndex(shm)
			busy, err3 := inUse(shm)
			if err := errors.Join(err2, err3); err != nil || busy || !ok2 || !bytes.Equal(again.raw, idx.raw) {
				return false, err
			}
			return false, &DamagedError{Path: path, Problem: problem}
		}
	}
	return walSize > 0, nil
}

// checkMainFile reads the main file's header: it says what is wrong with
// it ("" if nothing). An empty file is a new journal. Without a -wal file
// the main file is the whole journal, and must be as long as its header
// says.
func checkMainFile(path string, hasWAL bool) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	size := fi.Size()
	if size == 0 {
		return "", nil
	}
	hdr := make([]byte, 100)
	if _, err := io.ReadFull(f, hdr); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Sprintf("it is %d bytes long, shorter than a SQLite header", size), nil
		}
		return "", err
	}
	if string(hdr[:16]) != "SQLite format 3\x00" {
		return "it is not a SQLite database (if --state names the wrong file, give the journal's path instead)", nil
	}
	be := binary.BigEndian
	ps := int64(be.Uint16(hdr[16:]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps&(ps-1) != 0 {
		return fmt.Sprintf("its header is corrupt (page size %d)", ps), nil
	}
	if id := be.Uint32(hdr[68:]); id != 0 && id != applicationID {
		return fmt.Sprintf("it is another program's SQLite database (application_id %#x), not a drorch journal (if --state names the wrong file, give the journal's path instead)", id), nil
	}
	// The header's page count is valid when the change counter matches
	// the version-valid-for number (fileformat2.html#in_header_database_size).
	if !hasWAL && be.Uint32(hdr[24:]) == be.Uint32(hdr[92:]) {
		if pages := int64(be.Uint32(hdr[28:])); size < pages*ps {
			return fmt.Sprintf("it is %d bytes long, but its header counts %d pages of %d bytes: it was truncated", size, pages, ps), nil
		}
	}
	return "", nil
}

// contents is what inspect reads from a journal before anything is written.
type contents struct {
	version  int
	keyCheck string // the key check in the meta table; "" if none yet
	runs     int64
	finished int64
	held     int64 // locks held by unfinished runs
}

// inspect reads the journal through a read-only connection, which never
// checkpoints and so never folds a damaged -wal file into the main file nor
// deletes it: a refused journal stays exactly as it was found. With suspect
// it also runs PRAGMA quick_check, which reads every page (O(size)), a cost
// paid only after a crash.
func inspect(ctx context.Context, path string, suspect bool) (contents, error) {
	var c contents
	db, err := sql.Open("sqlite", roDSN(path))
	if err != nil {
		return c, err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return c, damaged(path, err)
	}
	defer tx.Rollback() //nolint:errcheck // nothing to undo
	if suspect {
		if err := quickCheck(ctx, tx, path); err != nil {
			return c, err
		}
	}
	var appID int64
	var tables int
	err = errors.Join(
		tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&c.version),
		tx.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID),
		tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&tables))
	if err != nil {
		return c, damaged(path, err)
	}
	if appID != 0 && appID != applicationID || c.version == 0 && tables > 0 {
		return c, fmt.Errorf("it is a SQLite database, but not a drorch journal (if --state names the wrong file, give the journal's path instead)")
	}
	if c.version > SchemaVersion {
		return c, newerSchema(c.version)
	}
	if c.version == 0 {
		return c, nil
	}
	err = errors.Join(
		tx.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE status != 'running') FROM runs`).Scan(&c.runs, &c.finished),
		tx.QueryRowContext(ctx, `SELECT count(*) FROM locks l JOIN runs r ON r.id = l.run_id WHERE r.status = 'running'`).Scan(&c.held))
	if err != nil {
		return c, damaged(path, err)
	}
	if c.version >= 2 {
		err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = 'key_check'`).Scan(&c.keyCheck)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return c, damaged(path, err)
		}
	}
	return c, nil
}

// quickCheck runs PRAGMA quick_check: "ok", or what is broken.
func quickCheck(ctx context.Context, tx *sql.Tx, path string) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA quick_check(5)")
	if err != nil {
		return damaged(path, fmt.Errorf("PRAGMA quick_check: %w", err))
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return damaged(path, fmt.Errorf("PRAGMA quick_check: %w", err))
		}
		found = append(found, line)
	}
	if err := rows.Err(); err != nil {
		return damaged(path, fmt.Errorf("PRAGMA quick_check: %w", err))
	}
	if len(found) == 1 && found[0] == "ok" {
		return nil
	}
	return &DamagedError{Path: path, Problem: "PRAGMA quick_check finds: " + strings.Join(found, "; ")}
}

// judge compares what the journal holds with its key file: k is nil when
// there is none. It returns a *DamagedError, or nil.
func judge(path string, c contents, k *keyFile) error {
	kb := keyPath(path)
	switch {
	case k == nil && c.version >= 2 && c.held > 0: // schema 1 had no key file: it is made now
		return &DamagedError{Path: path, Problem: fmt.Sprintf(
			"its key file %s is missing, and without it the %d locks its unfinished runs hold cannot be recognised", kb, c.held)}
	case k == nil:
		return nil
	case c.keyCheck != "" && c.keyCheck != k.fp.Fingerprint(keyCheckValue):
		return &DamagedError{Path: path, Problem: fmt.Sprintf("its key file %s belongs to another journal", kb)}
	case c.runs < k.Runs:
		return &DamagedError{Path: path, Problem: fmt.Sprintf(
			"it holds %s, but %s recorded %d: committed runs were lost (a lost -wal file, or an older copy of the journal)", runs(c.runs), kb, k.Runs)}
	case c.finished < k.Finished:
		return &DamagedError{Path: path, Problem: fmt.Sprintf(
			"it holds %s, but %s recorded %d: committed events were lost (a lost -wal file, or an older copy of the journal)", runs(c.finished)+" that finished", kb, k.Finished)}
	}
	return nil
}

// runs says how many runs: "1 run", "2 runs".
func runs(n int64) string {
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("%d runs", n)
}
