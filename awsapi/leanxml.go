package awsapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
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
// pointing at its first child and its next sibling. Names, and texts
// without entities or CDATA, are substrings of the document (one copy of
// the answer, no string per element).
type xdoc struct {
	nodes []xdata
}

type xdata struct {
	name, text  string
	first, next int32 // -1: none
	last        int32 // last child, while parsing
}

// xnode is an element of a document (i < 0: none).
type xnode struct {
	d *xdoc
	i int32
}

// maxXMLDepth bounds nesting: AWS's answers are a handful of levels deep.
const maxXMLDepth = 64

var errXML = errors.New("malformed XML")

// parseXML reads a document and returns its root element.
func parseXML(b []byte) (xnode, error) {
	s := string(b)
	d := &xdoc{nodes: make([]xdata, 0, len(s)/64)}
	var stack []int32 // open elements
	start := -1       // start of the innermost open element's character data
	var text []byte   // its character data, when entities or CDATA make a copy needed
	plain := true     // no copy needed so far
	add := func(name string) int32 {
		i := int32(len(d.nodes))
		d.nodes = append(d.nodes, xdata{name: name, first: -1, next: -1, last: -1})
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
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			switch {
			case len(stack) == 0:
				if strings.TrimSpace(s[i:i+j]) != "" {
					return xnode{}, fmt.Errorf("%w: text outside the root element", errXML)
				}
			case strings.IndexByte(s[i:i+j], '&') >= 0 || !plain:
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
		switch {
		case strings.HasPrefix(rest, "<?"), strings.HasPrefix(rest, "<!--"):
			end, skip := "?>", 2
			if rest[1] == '!' {
				end, skip = "-->", 4
			}
			j := strings.Index(rest[skip:], end)
			if j < 0 {
				return xnode{}, fmt.Errorf("%w: unterminated comment or processing instruction", errXML)
			}
			if len(stack) > 0 && plain { // the text around it is copied
				text, plain = append(text[:0], s[start:i]...), false
			}
			i += skip + j + len(end)
		case strings.HasPrefix(rest, "<![CDATA["):
			j := strings.Index(rest[9:], "]]>")
			if j < 0 || len(stack) == 0 {
				return xnode{}, fmt.Errorf("%w: bad CDATA section", errXML)
			}
			if plain {
				text, plain = append(text[:0], s[start:i]...), false
			}
			text = append(text, rest[9:9+j]...)
			i += 9 + j + 3
		case strings.HasPrefix(rest, "<!"):
			return xnode{}, fmt.Errorf("%w: declarations are not accepted", errXML)
		case strings.HasPrefix(rest, "</"):
			j := strings.IndexByte(rest, '>')
			if j < 0 {
				return xnode{}, fmt.Errorf("%w: unterminated end tag", errXML)
			}
			name := localName(strings.TrimSpace(rest[2:j]))
			if len(stack) == 0 || d.nodes[stack[len(stack)-1]].name != name {
				return xnode{}, fmt.Errorf("%w: unexpected end tag %q", errXML, truncate(name, 40))
			}
			cur := &d.nodes[stack[len(stack)-1]]
			if cur.first < 0 { // a leaf: its text is kept
				if plain {
					cur.text = s[start:i]
				} else {
					cur.text = string(text)
				}
				if !utf8.ValidString(cur.text) {
					return xnode{}, fmt.Errorf("%w: invalid UTF-8 in %s", errXML, cur.name)
				}
			}
			stack = stack[:len(stack)-1]
			i += j + 1
			start, plain = i, true
		default:
			j, selfClosing, err := tagEnd(rest)
			if err != nil {
				return xnode{}, err
			}
			name := rest[1:j]
			if k := strings.IndexAny(name, " \t\r\n/"); k >= 0 {
				name = name[:k]
			}
			if name == "" {
				return xnode{}, fmt.Errorf("%w: empty element name", errXML)
			}
			if len(stack) == 0 && len(d.nodes) > 0 {
				return xnode{}, fmt.Errorf("%w: more than one root element", errXML)
			}
			n := add(localName(name))
			if !selfClosing {
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

// tagEnd returns the index of the '>' closing the start tag at the head of
// b, skipping quoted attribute values, and whether the tag closes itself.
func tagEnd(b string) (int, bool, error) {
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
func localName(s string) string {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// appendText appends character data, its entities resolved.
func appendText(dst []byte, s string) ([]byte, error) {
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			return append(dst, s...), nil
		}
		dst = append(dst, s[:i]...)
		s = s[i:]
		j := strings.IndexByte(s, ';')
		if j < 0 || j > 12 {
			return nil, fmt.Errorf("%w: unterminated entity", errXML)
		}
		ent := s[1:j]
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

// name is the element's local name ("" for none).
func (n xnode) name() string {
	if n.i < 0 || n.d == nil {
		return ""
	}
	return n.d.nodes[n.i].name
}

// text is a leaf's character data.
func (n xnode) text() string { return n.d.nodes[n.i].text }

// ok reports whether n is an element.
func (n xnode) ok() bool { return n.d != nil && n.i >= 0 }

// child returns n's first child called name (none if n is none).
func (n xnode) child(name string) xnode {
	if !n.ok() {
		return xnode{i: -1}
	}
	for k := n.d.nodes[n.i].first; k >= 0; k = n.d.nodes[k].next {
		if n.d.nodes[k].name == name {
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
	s := c.text()
	return &s
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
