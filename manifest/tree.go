package manifest

import (
	"fmt"
	"math"
	"sort"
	"strconv"
)

// The decoders turn JSON and YAML into the same small tree of nodes that
// remember where they were written, so that one walker (walk.go) checks
// both formats with the same messages.

type nodeKind uint8

const (
	nodeNull nodeKind = iota
	nodeBool
	nodeNumber
	nodeString
	nodeObject
	nodeArray
	// nodeBad is a value the parser could read but drorch cannot accept (a
	// YAML tag other than !Import): text is the message, fix the fix. The
	// walker reports it where it knows the layer and resource.
	nodeBad
)

// what names a node kind the way an operator would ("a number").
func (k nodeKind) what() string {
	switch k {
	case nodeNull:
		return "null"
	case nodeBool:
		return "a boolean"
	case nodeNumber:
		return "a number"
	case nodeString:
		return "a string"
	case nodeObject:
		return "an object"
	case nodeArray:
		return "an array"
	}
	return "a value"
}

// keptDepth is how deep the tree is kept: payload, StatePayload, layer,
// resources, resource, parameters, value, and the members of a value (to
// recognise {"Fn::ImportValue": "x"}). Anything deeper is only ever
// reported as "an object" or "an array", so its content is dropped.
const keptDepth = 7

// maxNodes bounds the values a payload may hold (aliases in YAML count each
// time they are used). A real payload holds a few hundred; the bound keeps
// the memory a hostile 4 MiB payload can cost to a few megabytes.
const maxNodes = 100_000

// tooManyNodes is the problem of a payload over maxNodes.
func tooManyNodes() *Problem {
	return &Problem{LayerIndex: -1, ResourceIndex: -1,
		Message: fmt.Sprintf("the payload holds more than %d values (YAML aliases count each time they are used)", maxNodes),
		Fix:     "a StatePayload normally holds a few hundred: check that this is the right file, or split it into several payloads"}
}

type node struct {
	kind      nodeKind
	text      string // scalars: the text (numbers normalised, see normalNumber)
	fix       string // nodeBad only
	line, col int
	members   []member // objects, in the order written (duplicates kept)
	items     []*node  // arrays
}

type member struct {
	key       string
	line, col int
	value     *node
}

// lines maps byte offsets to 1-based line and column numbers.
type lines []int // offsets at which lines start

func newLines(data []byte) lines {
	ls := lines{0}
	for i, b := range data {
		if b == '\n' {
			ls = append(ls, i+1)
		}
	}
	return ls
}

// at returns the line and column (in bytes, 1-based) of offset.
func (ls lines) at(offset int) (line, col int) {
	i := sort.Search(len(ls), func(i int) bool { return ls[i] > offset }) - 1
	if i < 0 {
		i = 0
	}
	return i + 1, offset - ls[i] + 1
}

// normalNumber gives a number its canonical text: integers in decimal
// without sign or leading zeros ("+3306", "3306.0" and "3.306e3" are all
// "3306"), anything else as written.
func normalNumber(text string) string {
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return strconv.FormatInt(n, 10)
	}
	f, err := strconv.ParseFloat(text, 64)
	if err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10)
	}
	return text
}
