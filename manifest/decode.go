package manifest

import (
	"bytes"
	"fmt"
	"sort"
)

// MaxPayloadBytes is the largest payload Decode reads. A real StatePayload
// is a few kilobytes; anything near this limit is the wrong file.
const MaxPayloadBytes = 4 << 20

// MaxProblems is how many problems Decode, Validate and Load each report at
// most; a last one says how many more there were.
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
	p, c := decode(data)
	return p, c.result()
}

func decode(data []byte) (*Payload, *collector) {
	p := &Payload{notes: newNotes()}
	c := &collector{}
	if len(data) > MaxPayloadBytes {
		p.notes.stateBad = true
		c.add(TooLarge(int64(len(data))))
		return p, c
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte-order mark, as some editors write
	if len(bytes.TrimSpace(data)) == 0 {
		p.notes.stateBad = true
		c.add(Problem{LayerIndex: -1, ResourceIndex: -1, Message: "the payload is empty",
			Fix: `write {"StatePayload": [{"layer": 1, "resources": [...]}]}`})
		return p, c
	}
	var root *node
	var bad *Problem
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		root, bad = parseJSON(data)
	} else {
		root, bad = parseYAML(data)
	}
	if bad != nil {
		p.notes.stateBad = true
		c.add(*bad)
		return p, c
	}
	w := walker{p: p, n: p.notes, c: c}
	w.payload(root)
	return p, c
}

// TooLarge is the problem of a payload of size bytes, more than
// MaxPayloadBytes. Decode reports it for the data it is given; a reader that
// stops at the limit (so as not to hold a huge file in memory) reports it
// with the size it measured, so that the operator sees the real size.
func TooLarge(size int64) Problem {
	return Problem{LayerIndex: -1, ResourceIndex: -1,
		Message: fmt.Sprintf("the payload is %s (%d bytes), more than the limit of %s (%d bytes)",
			mebibytes(size), size, mebibytes(MaxPayloadBytes), MaxPayloadBytes),
		Fix: "a StatePayload is normally a few kilobytes: check that this is the right file, or split it into several payloads"}
}

// TooLargeStream is the problem of a payload read from a stream (standard
// input, a pipe, a device) that goes on past MaxPayloadBytes: its size is
// not known, because reading stops at the limit.
func TooLargeStream() Problem {
	return Problem{LayerIndex: -1, ResourceIndex: -1,
		Message: fmt.Sprintf("the payload is more than the limit of %s (%d bytes): drorch stopped reading there",
			mebibytes(MaxPayloadBytes), MaxPayloadBytes),
		Fix: "a StatePayload is normally a few kilobytes: check that this is the right file, or split it into several payloads"}
}

func mebibytes(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// Load decodes data and validates it against c: every problem of both,
// ordered by where they are in the payload (problems outside any layer
// first).
func Load(data []byte, c Catalog) (*Payload, Problems) {
	p, dc := decode(data)
	vc := validate(p, c)
	// Each collector holds its first problems in payload order; merged and
	// sorted, the first MaxProblems of the two are the first of all.
	all := &collector{list: append(dc.list, vc.list...), dropped: dc.dropped + vc.dropped}
	sort.SliceStable(all.list, func(i, j int) bool {
		a, b := all.list[i], all.list[j]
		if a.LayerIndex != b.LayerIndex {
			return a.LayerIndex < b.LayerIndex
		}
		return a.ResourceIndex < b.ResourceIndex
	})
	return p, all.result()
}

// collector keeps the first MaxProblems problems and counts the others, so
// that a hostile payload with millions of faults costs no more memory than
// one with a hundred.
type collector struct {
	list    Problems
	dropped int
}

func (c *collector) add(p Problem) {
	if len(c.list) < MaxProblems {
		c.list = append(c.list, p)
	} else {
		c.dropped++
	}
}

// result returns the first MaxProblems problems and, when there were more,
// a last one saying how many were left out.
func (c *collector) result() Problems {
	ps, more := c.list, c.dropped
	if len(ps) > MaxProblems {
		ps, more = ps[:MaxProblems:MaxProblems], more+len(ps)-MaxProblems
	}
	if more == 0 {
		return ps
	}
	return append(ps, Problem{LayerIndex: -1, ResourceIndex: -1,
		Message: fmt.Sprintf("%d more problems not shown", more), Fix: "fix the ones above and validate again"})
}
