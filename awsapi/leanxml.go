package awsapi

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"drorch/cloud"
)

// A small XML reader for the answers drorch polls every round. Profiling
// `drorch run` at a thousand resources showed the SDK's schema-driven XML
// decoding as half of its CPU: each round decodes whole pages of global
// clusters, instances and global datastores, every field of them, to read
// a dozen. This reader builds a light tree of the answer in one pass over
// its bytes, and the decoders (lean_*.go) fill the SDK's output structs
// with the fields drorch's conversions (convert.go) read; a test holds
// both paths to the same result on the simulator's answers.
//
// It reads what AWS's query protocol sends: elements, their attributes
// (skipped), character data with the five predefined entities and
// character references, CDATA sections, comments and processing
// instructions (skipped). A document type declaration, an unknown entity
// or a malformed document is an error, never a panic.

// xdoc is a parsed document: its elements in document order, each
// pointing at its first child and its next sibling. Names and texts are
// spans of the document's bytes (texts with entities or CDATA, of a
// second buffer): a document and its nodes go back to a pool once its
// answer is decoded, and what a decoder keeps is copied out as it reads
// it (text), so nothing kept refers to a reused buffer. A decoder that
// keeps many texts of one element copies the element once (keep), and its
// texts are then substrings of that copy.
type xdoc struct {
	src   []byte // the document, borrowed while it is read
	arena []byte // texts whose entities or CDATA were resolved
	nodes []xdata
	// kept is the copy of the element at keptFrom (keep).
	kept     string
	keptFrom int32
	// strs hands out the *string fields of the SDK's structs a chunk at a
	// time; never reused, since what was decoded points into it.
	strs []string
}

type xdata struct {
	name        span
	text        span
	from, to    int32 // the element's bytes, tags included
	first, next int32 // -1: none
	last        int32 // last child, while parsing
}

// span is the bytes [off, end) of the document, or of its arena.
type span struct {
	off, end int32
	arena    bool
}

// xnode is an element of a document (i < 0: none).
type xnode struct {
	d *xdoc
	i int32
}

// maxXMLDepth bounds nesting: AWS's answers are a handful of levels deep.
const maxXMLDepth = 64

var errXML = errors.New("malformed XML")

// docs keeps parsed documents (node arrays, arenas) for the next answer:
// a round parses pages of a few thousand elements each.
var docs = sync.Pool{New: func() any { return &xdoc{} }}

// parseXML reads a document and returns its root element. b must not
// change until the caller is done with the document, which it may then
// hand back with free.
func parseXML(b []byte) (xnode, error) {
	if len(b) > math.MaxInt32 {
		return xnode{}, fmt.Errorf("%w: a document of %d bytes", errXML, len(b))
	}
	// A document valid as a whole is valid in every text cut from it at
	// '<' and '>' (ASCII, never inside a multi-byte sequence); entities
	// and character references resolve to valid runes.
	if !utf8.Valid(b) {
		return xnode{}, fmt.Errorf("%w: invalid UTF-8", errXML)
	}
	d := docs.Get().(*xdoc)
	d.src, d.arena, d.nodes = b, d.arena[:0], d.nodes[:0]
	d.kept, d.keptFrom, d.strs = "", 0, nil
	root, err := d.parse()
	if err != nil {
		xnode{d, 0}.free()
		return xnode{}, err
	}
	return root, nil
}

func (d *xdoc) parse() (xnode, error) {
	s := d.src
	var stack []int32 // open elements
	start := -1       // start of the innermost open element's character data
	var text []byte   // its character data, when entities or CDATA make a copy needed
	plain := true     // no copy needed so far
	add := func(name span, from int) int32 {
		i := int32(len(d.nodes))
		d.nodes = append(d.nodes, xdata{name: name, from: int32(from), to: int32(from), first: -1, next: -1, last: -1})
		if len(stack) > 0 {
			p := &d.nodes[stack[len(stack)-1]]
			if p.last < 0 {
				p.first = i
			} else {
				d.nodes[p.last].next = i
			}
			p.last = i
		}
		return i
	}
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := bytes.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			switch {
			case len(stack) == 0:
				if len(bytes.TrimSpace(s[i:i+j])) != 0 {
					return xnode{}, fmt.Errorf("%w: text outside the root element", errXML)
				}
			case bytes.IndexByte(s[i:i+j], '&') >= 0 || !plain:
				if plain {
					text, plain = append(text[:0], s[start:i]...), false
				}
				var err error
				if text, err = appendText(text, s[i:i+j]); err != nil {
					return xnode{}, err
				}
			}
			i += j
			continue
		}
		rest := s[i:]
		var c byte // what follows '<': most tags are start tags, told by one byte
		if len(rest) > 1 {
			c = rest[1]
		}
		switch {
		case c == '?' || c == '!' && bytes.HasPrefix(rest, []byte("<!--")):
			end, skip := "?>", 2
			if rest[1] == '!' {
				end, skip = "-->", 4
			}
			j := bytes.Index(rest[skip:], []byte(end))
			if j < 0 {
				return xnode{}, fmt.Errorf("%w: unterminated comment or processing instruction", errXML)
			}
			if len(stack) > 0 && plain { // the text around it is copied
				text, plain = append(text[:0], s[start:i]...), false
			}
			i += skip + j + len(end)
		case c == '!' && bytes.HasPrefix(rest, []byte("<![CDATA[")):
			j := bytes.Index(rest[9:], []byte("]]>"))
			if j < 0 || len(stack) == 0 {
				return xnode{}, fmt.Errorf("%w: bad CDATA section", errXML)
			}
			if plain {
				text, plain = append(text[:0], s[start:i]...), false
			}
			text = append(text, rest[9:9+j]...)
			i += 9 + j + 3
		case c == '!':
			return xnode{}, fmt.Errorf("%w: declarations are not accepted", errXML)
		case c == '/':
			var open []byte // the name the end tag must have
			if len(stack) > 0 {
				open = d.bytes(d.nodes[stack[len(stack)-1]].name)
			}
			j := 2 + len(open)
			// The usual end tag, </Name>, is compared in place.
			if len(stack) == 0 || j >= len(rest) || rest[j] != '>' || !bytes.Equal(rest[2:j], open) {
				if j = bytes.IndexByte(rest, '>'); j < 0 {
					return xnode{}, fmt.Errorf("%w: unterminated end tag", errXML)
				}
				name := localName(bytes.TrimSpace(rest[2:j]))
				if len(stack) == 0 || !bytes.Equal(open, name) {
					return xnode{}, fmt.Errorf("%w: unexpected end tag %q", errXML, truncate(string(name), 40))
				}
			}
			cur := &d.nodes[stack[len(stack)-1]]
			if cur.first < 0 { // a leaf: its text is kept
				if plain {
					cur.text = span{off: int32(start), end: int32(i)}
				} else {
					cur.text = span{off: int32(len(d.arena)), end: int32(len(d.arena) + len(text)), arena: true}
					d.arena = append(d.arena, text...)
				}
			}
			cur.to = int32(i + j + 1)
			stack = stack[:len(stack)-1]
			i += j + 1
			start, plain = i, true
		default:
			// The name runs to a space, '/' or '>'; its local part follows
			// the last ':'. One pass, since every element of a page comes
			// through here.
			k, local := 1, 1
		name:
			for ; k < len(rest); k++ {
				switch rest[k] {
				case ' ', '\t', '\r', '\n', '/', '>':
					break name
				case ':':
					local = k + 1
				}
			}
			j, selfClosing := k, false
			if k == len(rest) || rest[k] != '>' { // attributes, '/>' or the end
				var err error
				if j, selfClosing, err = tagEnd(rest); err != nil {
					return xnode{}, err
				}
			}
			if k == 1 {
				return xnode{}, fmt.Errorf("%w: empty element name", errXML)
			}
			if len(stack) == 0 && len(d.nodes) > 0 {
				return xnode{}, fmt.Errorf("%w: more than one root element", errXML)
			}
			n := add(span{off: int32(i + local), end: int32(i + k)}, i)
			if selfClosing {
				d.nodes[n].to = int32(i + j + 1)
			} else {
				if len(stack) > maxXMLDepth {
					return xnode{}, fmt.Errorf("%w: nested deeper than %d", errXML, maxXMLDepth)
				}
				stack = append(stack, n)
			}
			i += j + 1
			start, plain = i, true
		}
	}
	if len(stack) != 0 || len(d.nodes) == 0 {
		return xnode{}, fmt.Errorf("%w: unterminated document", errXML)
	}
	return xnode{d, 0}, nil
}

// bytes are a span's bytes.
func (d *xdoc) bytes(sp span) []byte {
	if sp.arena {
		return d.arena[sp.off:sp.end]
	}
	return d.src[sp.off:sp.end]
}

// free hands the document of n back for reuse: no node of it may be used
// after, and its bytes are the caller's again. The arrays of an unusually
// big answer are not kept.
func (n xnode) free() {
	if n.d != nil {
		n.d.src, n.d.kept, n.d.strs = nil, "", nil
		if cap(n.d.nodes) <= maxPooledNodes && cap(n.d.arena) <= maxPooledRead {
			docs.Put(n.d)
		}
	}
}

// maxPooledNodes bounds the node arrays kept: a page of 100 instances has
// a few thousand elements.
const maxPooledNodes = 1 << 16

// tagEnd returns the index of the '>' closing the start tag at the head of
// b, skipping quoted attribute values, and whether the tag closes itself.
func tagEnd(b []byte) (int, bool, error) {
	var quote byte
	for j := 1; j < len(b); j++ {
		c := b[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '<':
			return 0, false, fmt.Errorf("%w: '<' inside a tag", errXML)
		case c == '>':
			return j, b[j-1] == '/', nil
		}
	}
	return 0, false, fmt.Errorf("%w: unterminated start tag", errXML)
}

// localName drops a namespace prefix.
func localName(s []byte) []byte {
	if i := bytes.LastIndexByte(s, ':'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// appendText appends character data, its entities resolved.
func appendText(dst, s []byte) ([]byte, error) {
	for {
		i := bytes.IndexByte(s, '&')
		if i < 0 {
			return append(dst, s...), nil
		}
		dst = append(dst, s[:i]...)
		s = s[i:]
		j := bytes.IndexByte(s, ';')
		if j < 0 || j > 12 {
			return nil, fmt.Errorf("%w: unterminated entity", errXML)
		}
		ent := string(s[1:j])
		switch ent {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ent)
			if !ok {
				return nil, fmt.Errorf("%w: unknown entity &%s;", errXML, truncate(ent, 12))
			}
			dst = utf8.AppendRune(dst, r)
		}
		s = s[j+1:]
	}
}

// charRef reads a character reference's body (#65, #x41).
func charRef(ent string) (rune, bool) {
	if !strings.HasPrefix(ent, "#") {
		return 0, false
	}
	base, digits := 10, ent[1:]
	if strings.HasPrefix(digits, "x") {
		base, digits = 16, digits[1:]
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || n == 0 || !utf8.ValidRune(rune(n)) {
		return 0, false
	}
	return rune(n), true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// name is the element's local name ("" for none), a copy.
func (n xnode) name() string {
	if !n.ok() {
		return ""
	}
	return string(n.d.bytes(n.d.nodes[n.i].name))
}

// is reports whether n is an element called name.
func (n xnode) is(name string) bool {
	return n.ok() && string(n.d.bytes(n.d.nodes[n.i].name)) == name
}

// text is a copy of a leaf's character data (a substring of the kept
// copy when it lies in it): what a decoder keeps outlives the document.
func (n xnode) text() string {
	d := n.d
	sp := d.nodes[n.i].text
	if !sp.arena && sp.off >= d.keptFrom && int(sp.end-d.keptFrom) <= len(d.kept) {
		return d.kept[sp.off-d.keptFrom : sp.end-d.keptFrom]
	}
	return string(d.bytes(sp))
}

// keep copies n's bytes once, so that the texts read of it next share one
// allocation (until another element is kept).
func (n xnode) keep() {
	if n.ok() {
		x := n.d.nodes[n.i]
		n.d.kept, n.d.keptFrom = string(n.d.src[x.from:x.to]), x.from
	}
}

// textIn reports whether the child called name, canonical (cloud.ID), is
// among w, without copying it.
func (n xnode) textIn(name string, w map[string]bool) bool {
	c := n.child(name)
	if !c.ok() {
		return false
	}
	b := c.d.bytes(c.d.nodes[c.i].text)
	for _, x := range b {
		if x >= 'A' && x <= 'Z' || x == ' ' || x == '\t' || x == '\r' || x == '\n' || x >= utf8.RuneSelf {
			return w[cloud.ID(string(b))]
		}
	}
	return w[string(b)] // already canonical: no copy made to look it up
}

// ok reports whether n is an element.
func (n xnode) ok() bool { return n.d != nil && n.i >= 0 }

// child returns n's first child called name (none if n is none).
func (n xnode) child(name string) xnode {
	if !n.ok() {
		return xnode{i: -1}
	}
	for k := n.d.nodes[n.i].first; k >= 0; k = n.d.nodes[k].next {
		if (xnode{n.d, k}).is(name) {
			return xnode{n.d, k}
		}
	}
	return xnode{i: -1}
}

// items are the children of the list element called name (whatever the
// members are called).
func (n xnode) items(name string) []xnode {
	l := n.child(name)
	if !l.ok() {
		return nil
	}
	var out []xnode
	for k := l.d.nodes[l.i].first; k >= 0; k = l.d.nodes[k].next {
		out = append(out, xnode{l.d, k})
	}
	return out
}

// str is the text of the child called name, nil when it is absent.
func (n xnode) str(name string) *string {
	c := n.child(name)
	if !c.ok() {
		return nil
	}
	if len(n.d.strs) == cap(n.d.strs) {
		n.d.strs = make([]string, 0, 64)
	}
	n.d.strs = append(n.d.strs, c.text())
	return &n.d.strs[len(n.d.strs)-1]
}

// strs are the texts of the members of the list called name.
func (n xnode) strs(name string) []string {
	var out []string
	for _, k := range n.items(name) {
		out = append(out, k.text())
	}
	return out
}

// boolean is the child called name as a boolean, nil when absent.
func (n xnode) boolean(name string) (*bool, error) {
	c := n.child(name)
	if !c.ok() {
		return nil, nil
	}
	v, err := strconv.ParseBool(strings.TrimSpace(c.text()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &v, nil
}

// int32p is the child called name as a 32-bit integer, nil when absent.
func (n xnode) int32p(name string) (*int32, error) {
	c := n.child(name)
	if !c.ok() {
		return nil, nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(c.text()), 10, 32)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	x := int32(v)
	return &x, nil
}
