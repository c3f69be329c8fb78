package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// syncWriter lets one goroutine write at a time.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// fileOf is the file behind w, if any (through a syncWriter).
func fileOf(w io.Writer) (*os.File, bool) {
	if s, ok := w.(*syncWriter); ok {
		w = s.w
	}
	f, ok := w.(*os.File)
	return f, ok
}

// writeJSON prints v on stdout as the output asks: indented JSON for json,
// one line for jsonl.
func (a *app) writeJSON(v any) error { return writeJSONTo(a.stdout, a.output, v) }

func writeJSONTo(w io.Writer, format string, v any) error {
	enc := json.NewEncoder(w)
	if format != "jsonl" {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// shellQuote quotes s for a POSIX shell when it needs it, so that a
// printed command can be pasted as it is.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
