package journal_test

import (
	"context"
	"path/filepath"
	"testing"

	"drorch/journal"
	"drorch/journal/storetest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) journal.Store { return journal.NewMemory() })
}

func TestSQLiteStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) journal.Store {
		s, err := journal.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "journal.db"))
		if err != nil {
			t.Fatalf("OpenSQLite: %v", err)
		}
		return s
	})
}
