package journal_test

import (
	"testing"

	"drorch/journal"
	"drorch/journal/storetest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) journal.Store { return journal.NewMemory() })
}
