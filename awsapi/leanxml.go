package awsapi

import (
	"bytes"
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

// xnode is an element: its local name, its character data and children.
type xnode struct {
	name string
	text string
	kids []*xnode
}

// maxXMLDepth bounds nesting: AWS's answers are a handful of levels deep.
const maxXMLDepth = 64

var errXML = errors.New("malformed XML")

// parseXML reads a document and returns its root element.
func parseXML(b []byte) (*xnode, error) {
	top := &xnode{}
	stack := []*xnode{top}
	var text []byte // character data of the innermost open element
	for i := 0; i < len(b); {
		if b[i] != '<' {
			j := bytes.IndexByte(b[i:], '<')
			if j < 0 {
				j = len(b) - i
			}
			if len(stack) > 1 {
				var err error
				if text, err = appendText(text, b[i:i+j]); err != nil {
					return nil, err
				}
			} else if len(bytes.TrimSpace(b[i:i+j])) > 0 {
				return nil, fmt.Errorf("%w: text outside the root element", errXML)
			}
			i += j
			continue
		}
		rest := b[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<?")):
			j := bytes.Index(rest, []byte("?>"))
			if j < 0 {
				return nil, fmt.Errorf("%w: unterminated processing instruction", errXML)
			}
			i += j + 2
		case bytes.HasPrefix(rest, []byte("<!--")):
			j := bytes.Index(rest[4:], []byte("-->"))
			if j < 0 {
				return nil, fmt.Errorf("%w: unterminated comment", errXML)
			}
			i += 4 + j + 3
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			j := bytes.Index(rest[9:], []byte("]]>"))
			if j < 0 || len(stack) == 1 {
				return nil, fmt.Errorf("%w: bad CDATA section", errXML)
			}
			text = append(text, rest[9:9+j]...)
			i += 9 + j + 3
		case bytes.HasPrefix(rest, []byte("<!")):
			return nil, fmt.Errorf("%w: declarations are not accepted", errXML)
		case bytes.HasPrefix(rest, []byte("</")):
			j := bytes.IndexByte(rest, '>')
			if j < 0 {
				return nil, fmt.Errorf("%w: unterminated end tag", errXML)
			}
			name := localName(string(bytes.TrimSpace(rest[2:j])))
			cur := stack[len(stack)-1]
			if len(stack) == 1 || cur.name != name {
				return nil, fmt.Errorf("%w: unexpected end tag %q", errXML, truncate(name, 40))
			}
			if !utf8.Valid(text) {
				return nil, fmt.Errorf("%w: invalid UTF-8 in %s", errXML, cur.name)
			}
			cur.text = string(text)
			text = text[:0]
			stack = stack[:len(stack)-1]
			i += j + 1
		default:
			j, selfClosing, err := tagEnd(rest)
			if err != nil {
				return nil, err
			}
			name := rest[1:j]
			if k := bytes.IndexAny(name, " \t\r\n/"); k >= 0 {
				name = name[:k]
			}
			if len(name) == 0 {
				return nil, fmt.Errorf("%w: empty element name", errXML)
			}
			parent := stack[len(stack)-1]
			if len(stack) == 1 && len(parent.kids) > 0 {
				return nil, fmt.Errorf("%w: more than one root element", errXML)
			}
			n := &xnode{name: localName(string(name))}
			parent.kids = append(parent.kids, n)
			text = text[:0] // a container's own text is not kept
			if !selfClosing {
				if len(stack) > maxXMLDepth {
					return nil, fmt.Errorf("%w: nested deeper than %d", errXML, maxXMLDepth)
				}
				stack = append(stack, n)
			}
			i += j + 1
		}
	}
	if len(stack) != 1 || len(top.kids) != 1 {
		return nil, fmt.Errorf("%w: unterminated document", errXML)
	}
	return top.kids[0], nil
}

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
func localName(s string) string {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
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

// child returns n's first child called name (nil if none or n is nil).
func (n *xnode) child(name string) *xnode {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// items are the children of the list element called name (whatever the
// members are called).
func (n *xnode) items(name string) []*xnode {
	if l := n.child(name); l != nil {
		return l.kids
	}
	return nil
}

// str is the text of the child called name, nil when it is absent.
func (n *xnode) str(name string) *string {
	c := n.child(name)
	if c == nil {
		return nil
	}
	s := c.text
	return &s
}

// strs are the texts of the members of the list called name.
func (n *xnode) strs(name string) []string {
	var out []string
	for _, k := range n.items(name) {
		out = append(out, k.text)
	}
	return out
}

// boolean is the child called name as a boolean, nil when absent.
func (n *xnode) boolean(name string) (*bool, error) {
	c := n.child(name)
	if c == nil {
		return nil, nil
	}
	v, err := strconv.ParseBool(strings.TrimSpace(c.text))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &v, nil
}

// int32p is the child called name as a 32-bit integer, nil when absent.
func (n *xnode) int32p(name string) (*int32, error) {
	c := n.child(name)
	if c == nil {
		return nil, nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(c.text), 10, 32)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	x := int32(v)
	return &x, nil
}
