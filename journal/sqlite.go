package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// BusyTimeout is how long a write waits for another drorch process (a
// `drorch cancel` next to a `drorch run`) to finish its own write on the same
// journal file before giving up.
const BusyTimeout = 15 * time.Second

// SQLite is the durable Store: one SQLite file in WAL mode, written with
// synchronous=FULL so that an event is on disk when Append returns. Several
// processes may open the same file; SQLite's locking keeps their writes
// apart and every write transaction takes the write lock up front.
type SQLite struct {
	db   *sql.DB
	path string
	now  func() time.Time
	// wmu serialises this process's writers so that they queue in Go
	// instead of spinning on SQLite's busy handler; other processes are
	// still kept out by SQLite's own lock.
	wmu sync.Mutex
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens the journal at path, creating it (and its missing parent
// directories, 0700) if needed. A new file is created 0600 whatever the
// umask; an existing file keeps its permissions, which drorch never widens.
// The -wal and -shm files are kept no wider than the journal itself. The
// schema is created or migrated; a journal written by a newer drorch is
// refused.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("open journal: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	if err := mkdirPrivate(filepath.Dir(abs)); err != nil {
		return nil, fmt.Errorf("open journal %s: %w", abs, err)
	}
	if err := createPrivate(abs); err != nil {
		return nil, fmt.Errorf("open journal %s: %w", abs, err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", abs, err)
	}
	s := &SQLite{db: db, path: abs, now: time.Now}
	if err := s.init(ctx); err != nil {
		db.Close() //nolint:errcheck // the init error is the one to report
		return nil, err
	}
	return s, nil
}

// dsn is the driver's connection string: a file: URI (so that any character
// in the path is escaped) with the pragmas every connection needs.
// _txlock=immediate makes every write transaction BEGIN IMMEDIATE: it takes
// the write lock before reading, so two processes never both read the same
// last seq, and a busy writer waits (busy_timeout) instead of failing on a
// lock upgrade.
func dsn(abs string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	q := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", BusyTimeout.Milliseconds()),
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		"_pragma=foreign_keys(ON)",
		"_txlock=immediate",
	}
	return u.String() + "?" + strings.Join(q, "&")
}

func (s *SQLite) init(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("open journal %s: %w", s.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		// Without WAL a reader (drorch runs) would block the running
		// engine's appends; some network file systems cannot do WAL.
		return fmt.Errorf("open journal %s: journal mode is %q, not wal: put the journal on a local file system", s.path, mode)
	}
	s.wmu.Lock()
	err := migrate(ctx, s.db, s.path, migrations())
	s.wmu.Unlock()
	if err != nil {
		return err
	}
	return narrowSidecars(s.path)
}

// Path is the absolute path of the journal file.
func (s *SQLite) Path() string { return s.path }

// Close closes the journal; SQLite checkpoints the WAL into the main file
// when the last connection goes.
func (s *SQLite) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close journal %s: %w", s.path, err)
	}
	return nil
}

// mkdirPrivate creates dir and its missing parents with mode 0700, set
// explicitly so that the umask does not decide. Existing directories are
// left alone.
func mkdirPrivate(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := os.Chmod(missing[i], 0o700); err != nil {
			return err
		}
	}
	return nil
}

// createPrivate creates the journal file 0600 before SQLite sees it, so that
// it never exists with the driver's default 0644. An existing file is kept as
// it is.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil { // the umask may have removed bits
		f.Close() //nolint:errcheck // the chmod error is the one to report
		return err
	}
	return f.Close()
}

// narrowSidecars makes the -wal and -shm files no wider than the journal
// file: they hold the same events.
func narrowSidecars(path string) error {
	main, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("open journal %s: %w", path, err)
	}
	want := main.Mode().Perm()
	for _, side := range []string{path + "-wal", path + "-shm"} {
		fi, err := os.Stat(side)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("open journal %s: %w", path, err)
		}
		if perm := fi.Mode().Perm(); perm&^want != 0 {
			if err := os.Chmod(side, perm&want); err != nil {
				return fmt.Errorf("open journal %s: restrict %s: %w", path, filepath.Base(side), err)
			}
		}
	}
	return nil
}
