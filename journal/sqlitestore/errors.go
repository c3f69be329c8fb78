package sqlitestore

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// NoJournalError is returned by Open in MustExist mode when there is no
// journal at Path. Nothing was created. It unwraps to fs.ErrNotExist.
type NoJournalError struct {
	Path string // absolute
}

// Error names the path and says how a journal comes to be.
func (e *NoJournalError) Error() string {
	return fmt.Sprintf("no journal at %s: check --state (a journal is created by the first `drorch run`)", e.Path)
}

// Unwrap makes errors.Is(err, fs.ErrNotExist) hold.
func (e *NoJournalError) Unwrap() error { return fs.ErrNotExist }

// DamagedError says that the journal at Path cannot be trusted: committed
// events are missing (a lost, truncated or corrupted -wal file, a main file
// that lost pages or was replaced by an older copy) or SQLite finds the file
// corrupt. Reading it as it is would show runs as missing and free their
// locks, so it is refused as a whole, and left as it was found.
type DamagedError struct {
	Path    string // the journal file, absolute
	Problem string // what is wrong, for the operator
	Err     error  // the underlying error, if any
}

// Error says what is wrong and the two ways on.
func (e *DamagedError) Error() string {
	b := filepath.Base(e.Path)
	return fmt.Sprintf("journal %s is damaged: %s. Nothing was changed. Restore %s together with %s%s from a backup, "+
		"or move %s, %s-wal, %s-shm and %s%s aside to start a new, empty journal",
		e.Path, e.Problem, b, b, keySuffix, b, b, b, b, keySuffix)
}

// Unwrap returns the underlying error.
func (e *DamagedError) Unwrap() error { return e.Err }

// damaged wraps err as a *DamagedError when SQLite says the file is corrupt
// or not a database; other errors are returned as they are.
func damaged(path string, err error) error {
	var se *sqlite.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	var de *DamagedError
	if errors.As(err, &de) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CORRUPT:
		return &DamagedError{Path: path, Problem: "SQLite finds it corrupt (" + err.Error() + ")", Err: err}
	case sqlite3.SQLITE_NOTADB:
		return &DamagedError{Path: path, Problem: "it is not a SQLite database (is --state the journal?)", Err: err}
	}
	return err
}
