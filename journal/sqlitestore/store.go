// Package sqlitestore is the durable journal.Store: one SQLite file (through
// the pure-Go modernc.org/sqlite) in WAL mode, written with synchronous=FULL
// so that an event is on disk when Append returns. It is a package of its
// own so that binaries that keep no local journal do not link SQLite.
//
// Several processes may open the same file: SQLite's locking keeps their
// writes apart and every write transaction takes the write lock up front.
//
// Open takes a Mode: Create makes a missing journal (what `drorch run`
// does); MustExist refuses it with *NoJournalError and creates nothing
// (every other command).
//
// Beside journal.db lives journal.db.key (0600, created with the journal):
// the key of the lock fingerprints (see journal.Fingerprinter), kept out of
// the journal so that a journal.db attached to a ticket gives away no
// secret, and a record of how many runs the journal had and finished. The
// journal keeps only fingerprints of lock keys, and runs with PRAGMA
// secure_delete=ON so that freed pages keep no old values. A schema-1
// journal, which kept lock keys in clear, has them fingerprinted, and every
// page rewritten (VACUUM), when it is first opened.
//
// A damaged journal never reads as an empty or shorter one: Open refuses it
// with *DamagedError, naming the path and what to do, and changes nothing.
// What is checked, and when:
//   - always, cheaply: the main file's header (a SQLite database, a drorch
//     one, as long as its header says); the key file against the journal
//     (its key check, and that the journal holds at least the runs and
//     finished runs the key file recorded, which catches a -wal file lost
//     together with its -shm file, or an older copy of journal.db); a
//     missing key file while unfinished runs hold locks.
//   - after a crash (a -wal file with frames left, no other process using
//     the journal): the -wal file against the -shm wal-index that survived
//     the process, since SQLite itself silently drops every frame from the
//     first missing or corrupted one: every committed frame not yet in the
//     main file must be there, whole, with good checksums. The -shm file
//     is trusted only if written since the machine booted (SQLite never
//     fsyncs it, so after a power loss it may describe an older -wal
//     file). Then PRAGMA quick_check.
//
// When a run.finished event is appended the WAL is checkpointed
// (wal_checkpoint(TRUNCATE)), so that finished runs live in the main file.
//
// What is not noticed: events from the middle of a run lost together with
// both the -wal and the -shm file (only whole runs and run endings are
// counted in the key file; counting every commit there would double the
// fsyncs of every Append). The -wal check needs to know whether another
// process holds the journal open; where that cannot be asked (not unix) it
// is skipped.
//
// Group commit: Append(ctx, run, events...) is one transaction and one
// fsync, whatever the number of events (BenchmarkAppend). There is no
// append across runs: a process runs one run, and the runs of a Step
// Functions deployment keep no local journal.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"

	"drorch/journal"
)

// BusyTimeout is how long a write waits for another drorch process (a
// `drorch cancel` next to a `drorch run`) to finish its own write on the same
// journal file before giving up.
const BusyTimeout = 15 * time.Second

// Mode says what Open does when there is no journal at the path.
type Mode int

const (
	// MustExist refuses a missing journal with *NoJournalError and
	// creates nothing: for commands that read or continue runs.
	MustExist Mode = iota
	// Create creates a missing journal, its key file and missing parent
	// directories: for `drorch run`.
	Create
)

// Store is the SQLite journal.Store.
type Store struct {
	db   *sql.DB
	path string
	fi   os.FileInfo // of the journal file, as opened
	key  *keyFile
	now  func() time.Time
	// wmu serialises this process's writers so that they queue in Go
	// instead of spinning on SQLite's busy handler; other processes are
	// still kept out by SQLite's own lock. It also guards key's counts.
	wmu sync.Mutex
	// stmts are the statements prepared once (stmt).
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt

	closeOnce sync.Once
	closeErr  error
}

var (
	_ journal.Store        = (*Store)(nil)
	_ journal.EventCreator = (*Store)(nil)
)

// Open opens the journal at path, checking it first (see the package
// documentation): a damaged journal is refused with *DamagedError and left
// as it was. With Create a missing journal is created 0600 whatever the
// umask, with its key file, in parent directories created 0700; an existing
// file keeps its permissions, which drorch never widens, and the -wal and
// -shm files are kept no wider than it. With MustExist a missing journal is
// refused with *NoJournalError. The schema is created or migrated; a journal
// written by a newer drorch is refused.
func Open(ctx context.Context, path string, mode Mode) (*Store, error) {
	if path == "" {
		return nil, errors.New("open journal: empty path")
	}
	if mode != MustExist && mode != Create {
		return nil, fmt.Errorf("open journal %s: unknown mode %d", path, mode)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	opening.Lock()
	defer opening.Unlock()
	s, err := open(ctx, abs, mode)
	var de *DamagedError
	var ne *NoJournalError
	if err != nil && !errors.As(err, &de) && !errors.As(err, &ne) {
		err = fmt.Errorf("open journal %s: %w", abs, err)
	}
	return s, err
}

// open does Open's work; opening is held.
func open(ctx context.Context, abs string, mode Mode) (*Store, error) {
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, os.ErrNotExist) && mode == MustExist:
		return nil, &NoJournalError{Path: abs}
	case errors.Is(err, os.ErrNotExist):
		// A key file that outlived its journal says the journal was lost:
		// a new one in its place would hide that.
		if k, err := readKeyFile(abs); err != nil || k != nil && k.Runs > 0 {
			if err == nil {
				err = &DamagedError{Path: abs, Problem: fmt.Sprintf("it is missing, but its key file %s recorded %s", k.path, runs(k.Runs))}
			}
			return nil, err
		}
		if err := mkdirPrivate(filepath.Dir(abs)); err != nil {
			return nil, err
		}
		if err := createPrivate(abs); err != nil {
			return nil, err
		}
		if fi, err = os.Stat(abs); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, errors.New("it is not a regular file")
	}
	suspect := false
	if !openHere(fi) {
		if suspect, err = preflight(abs); err != nil {
			return nil, err
		}
	}
	key, err := readKeyFile(abs)
	if err != nil {
		return nil, err
	}
	c, err := inspect(ctx, abs, suspect)
	if err != nil {
		return nil, err
	}
	if err := judge(abs, c, key); err != nil {
		return nil, err
	}
	if key == nil {
		if key, err = createKeyFile(abs, c.runs, c.finished); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: abs, fi: fi, key: key, now: time.Now}
	if err := s.init(ctx); err != nil {
		db.Close() //nolint:errcheck // the init error is the one to report
		return nil, err
	}
	track(fi, +1)
	return s, nil
}

// dsn is the driver's connection string: a file: URI (so that any character
// in the path is escaped) with the pragmas every connection needs.
// _txlock=immediate makes every write transaction BEGIN IMMEDIATE: it takes
// the write lock before reading, so two processes never both read the same
// last seq, and a busy writer waits (busy_timeout) instead of failing on a
// lock upgrade. secure_delete overwrites deleted content with zeros, so
// that no freed page keeps an old value.
func dsn(abs string) string {
	return fileURI(abs) + "?" + strings.Join([]string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", BusyTimeout.Milliseconds()),
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		"_pragma=foreign_keys(ON)",
		"_pragma=secure_delete(ON)",
		"_txlock=immediate",
	}, "&")
}

// roDSN opens the journal read-only, for inspect. Even read-only, SQLite
// creates a -wal and a -shm file for a WAL database; without a -wal file
// the main file is the whole journal, unchanged since the last connection
// closed (any connection makes a -wal file before it reads), so it is read
// as immutable, which creates nothing.
func roDSN(abs string) string {
	q := fmt.Sprintf("?mode=ro&_pragma=busy_timeout(%d)", BusyTimeout.Milliseconds())
	if _, err := os.Lstat(abs + "-wal"); errors.Is(err, os.ErrNotExist) {
		q += "&immutable=1"
	}
	return fileURI(abs) + q
}

func fileURI(abs string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

func (s *Store) init(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return damaged(s.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		// Without WAL a reader (drorch runs) would block the running
		// engine's appends; some network file systems cannot do WAL.
		return fmt.Errorf("journal mode is %q, not wal: put the journal on a local file system", mode)
	}
	s.wmu.Lock()
	err := migrate(ctx, s.db, migrations(), s.key.fp)
	if err == nil {
		err = scrub(ctx, s.db)
	}
	s.wmu.Unlock()
	if err != nil {
		return damaged(s.path, err)
	}
	return narrowSidecars(s.path)
}

// Path is the absolute path of the journal file.
func (s *Store) Path() string { return s.path }

// KeyPath is the absolute path of the journal's key file.
func (s *Store) KeyPath() string { return s.key.path }

// Fingerprint returns the fingerprint of value under the journal's key, the
// one its locks are kept by.
func (s *Store) Fingerprint(value string) string { return s.key.fp.Fingerprint(value) }

// Close closes the journal; SQLite checkpoints the WAL into the main file
// when the last connection goes. Closing twice is harmless.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		opening.Lock()
		defer opening.Unlock()
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("close journal %s: %w", s.path, err)
		}
		track(s.fi, -1)
	})
	return s.closeErr
}

// opening serialises Open and Close in this process, and guards here: the
// journals this process has open. Open reads the files of a journal before
// SQLite opens them only when here does not hold it (see preflight).
var (
	opening sync.Mutex
	here    []heldFile
)

type heldFile struct {
	fi os.FileInfo
	n  int
}

// openHere reports whether this process has the journal open already.
func openHere(fi os.FileInfo) bool {
	for _, h := range here {
		if os.SameFile(h.fi, fi) {
			return true
		}
	}
	return false
}

// track counts an open (+1) or close (-1) of the journal fi.
func track(fi os.FileInfo, d int) {
	for i := range here {
		if os.SameFile(here[i].fi, fi) {
			if here[i].n += d; here[i].n <= 0 {
				here = append(here[:i], here[i+1:]...)
			}
			return
		}
	}
	if d > 0 {
		here = append(here, heldFile{fi: fi, n: d})
	}
}
