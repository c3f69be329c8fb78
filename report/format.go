package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Format is a report format.
type Format string

// The formats.
const (
	JSON     Format = "json"
	Markdown Format = "md"
	HTML     Format = "html"
	JUnit    Format = "junit"
)

// Formats lists the formats in the order help texts name them.
var Formats = []Format{JSON, Markdown, HTML, JUnit}

// ParseFormat reads a format name (markdown is md's long name, xml
// junit's).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case JSON, Markdown, HTML, JUnit:
		return f, nil
	case "markdown":
		return Markdown, nil
	case "xml":
		return JUnit, nil
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("report format %q: use one of %s", Clean(s), strings.Join(names, ", "))
}

// Ext is the usual file name extension of the format.
func (f Format) Ext() string {
	switch f {
	case Markdown:
		return ".md"
	case JUnit:
		return ".xml"
	}
	return "." + string(f)
}

// Write renders r in format f to w.
func Write(w io.Writer, r *Report, f Format) error {
	switch f {
	case JSON:
		return WriteJSON(w, r)
	case Markdown:
		return WriteMarkdown(w, r)
	case HTML:
		return WriteHTML(w, r)
	case JUnit:
		return WriteJUnit(w, r)
	}
	return fmt.Errorf("write report: unknown format %q", f)
}

// WriteJSON writes r as indented JSON (schema.json). Strings are kept as
// the journal has them: JSON escapes control characters, and <, > and &
// are written as \u003c, \u003e and \u0026 so that the document can be
// embedded in HTML.
func WriteJSON(w io.Writer, r *Report) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	if _, err := w.Write(escapeHidden(b.Bytes())); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}

// escapeHidden writes the characters that reorder or hide text (see
// hidden) as JSON \u escapes, so that the document shows as it is in a
// terminal or an editor. They can only be inside strings, where the escape
// means the same character: the data is unchanged.
func escapeHidden(b []byte) []byte {
	if !bytes.ContainsFunc(b, hidden) {
		return b
	}
	var out bytes.Buffer
	for _, r := range string(b) {
		if hidden(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	return out.Bytes()
}

// Schema is the JSON Schema (2020-12) of the JSON report.
//
//go:embed schema.json
var Schema []byte
