package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

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
