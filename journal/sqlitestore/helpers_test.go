package sqlitestore

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"testing"
)

// Helpers for journals left by a crash. Only files no connection of this
// process has open may be read or written with os calls.

var journalFiles = []string{"", "-wal", "-shm", ".key"}

func copyJournal(t *testing.T, from, to string) {
	t.Helper()
	for _, suf := range journalFiles {
		b, err := os.ReadFile(from + suf)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, to+suf, b)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// files is the content of a journal's files ("" for a missing one) but the
// -shm file, which SQLite may rebuild from the others at any time.
type files map[string]string

func snapshot(t *testing.T, path string) files {
	t.Helper()
	out := files{}
	for _, suf := range []string{"", "-wal", ".key"} {
		b, err := os.ReadFile(path + suf)
		switch {
		case errors.Is(err, os.ErrNotExist):
			out[suf] = "missing"
		case err != nil:
			t.Fatal(err)
		default:
			out[suf] = fmt.Sprintf("%d bytes %x", len(b), sha(b))
		}
	}
	return out
}

func (f files) same(g files) bool { return fmt.Sprint(f) == fmt.Sprint(g) }

func sha(b []byte) [32]byte { return sha256.Sum256(b) }
