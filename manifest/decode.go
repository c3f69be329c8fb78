package manifest

import (
	"bytes"
	"fmt"
	"sort"
)

// MaxPayloadBytes is the largest payload Decode reads. A real StatePayload
// is a few kilobytes; anything near this limit is the wrong file.
const MaxPayloadBytes = 4 << 20

// MaxProblems is how many problems Decode and Validate each report at most;
// a last one says how many more there were.
const MaxProblems = 100

// Decode reads a payload written in JSON (the original format) or YAML: input
// whose first non-blank character is { or [ is JSON, anything else YAML.
//
// Decode reports every problem it finds, not only the first: syntax errors
// (one, with line and column), unknown and duplicate keys (with "did you
// mean"), values of the wrong type. Parameter values that are numbers or
// booleans (natural in YAML: Port: 3306) become their text; in YAML,
// `!Import name` written as a tag becomes the string "!Import name".
//
// The payload is returned even when there are problems, with whatever could
// be read, so that Validate can report the rest; Validate never repeats a
// problem Decode reported. Load does both.
func Decode(data []byte) (*Payload, Problems) {
	p, ps := decode(data)
	return p, limit(ps)
}

func decode(data []byte) (*Payload, Problems) {
	p := &Payload{notes: newNotes()}
	if len(data) > MaxPayloadBytes {
		p.notes.stateBad = true
		return p, Problems{{LayerIndex: -1, ResourceIndex: -1,
			Message: fmt.Sprintf("the payload is %s (%d bytes), more than the limit of %s (%d bytes)",
				mebibytes(len(data)), len(data), mebibytes(MaxPayloadBytes), MaxPayloadBytes),
			Fix: "a StatePayload is normally a few kilobytes: check that this is the right file, or split it into several payloads"}}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte-order mark, as some editors write
	var root *node
	var bad *Problem
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		root, bad = parseJSON(data)
	} else {
		root, bad = parseYAML(data)
	}
	if bad != nil {
		p.notes.stateBad = true
		return p, Problems{*bad}
	}
	w := walker{p: p, n: p.notes}
	w.payload(root)
	return p, w.problems
}

func mebibytes(n int) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// Load decodes data and validates it against c: every problem of both,
// ordered by where they are in the payload (problems outside any layer
// first).
func Load(data []byte, c Catalog) (*Payload, Problems) {
	p, ps := decode(data)
	ps = append(ps, validate(p, c)...)
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].LayerIndex != ps[j].LayerIndex {
			return ps[i].LayerIndex < ps[j].LayerIndex
		}
		return ps[i].ResourceIndex < ps[j].ResourceIndex
	})
	return p, limit(ps)
}

// limit keeps the first MaxProblems problems and says how many were left out.
func limit(ps Problems) Problems {
	if len(ps) <= MaxProblems {
		return ps
	}
	more := len(ps) - MaxProblems
	ps = append(ps[:MaxProblems:MaxProblems], Problem{LayerIndex: -1, ResourceIndex: -1,
		Message: fmt.Sprintf("%d more problems not shown", more), Fix: "fix the ones above and validate again"})
	return ps
}
