package bench

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"drorch/journal"
	"drorch/journal/sqlitestore"
)

// journalDirEnv names a directory for the benchmark's journal instead of
// the test's temporary directory (e.g. /dev/shm, to spare a slow disk).
const journalDirEnv = "DRORCH_BENCH_JOURNAL_DIR"

// openJournal opens a SQLite journal as `drorch run` does, in the test's
// temporary directory. In a stepped world each append also takes
// appendCost of virtual time, while the append itself (however long the
// disk takes) takes none; appends are counted and timed in real time.
func openJournal(tb testing.TB, w *world) *countingStore {
	tb.Helper()
	dir := tb.TempDir()
	if parent := os.Getenv(journalDirEnv); parent != "" {
		var err error
		if dir, err = os.MkdirTemp(parent, "drorch-bench-"); err != nil {
			tb.Fatalf("journal directory: %v", err)
		}
		tb.Cleanup(func() { os.RemoveAll(dir) })
	}
	s, err := sqlitestore.Open(context.Background(), filepath.Join(dir, "journal.db"), sqlitestore.Create)
	if err != nil {
		tb.Fatalf("open journal: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return &countingStore{Store: s, dir: dir, step: w.step}
}

// countingStore counts the journal's appends and the real time they took.
type countingStore struct {
	journal.Store
	dir  string
	step *stepClock // nil: appends cost only their real time

	mu      sync.Mutex
	appends int
	spent   time.Duration
}

// Append appends and counts.
func (c *countingStore) Append(ctx context.Context, runID string, events ...journal.Event) ([]journal.Event, error) {
	start := time.Now()
	out, err := c.Store.Append(ctx, runID, events...)
	c.mu.Lock()
	c.appends++
	c.spent += time.Since(start)
	c.mu.Unlock()
	if c.step != nil && err == nil {
		if werr := sleepOn(ctx, c.step, appendCost); werr != nil {
			return out, werr
		}
	}
	return out, err
}

func (c *countingStore) counts() (int, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.appends, c.spent
}
