package awsmodel

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The Query protocol: an XML answer, <Action>Response holding the
// <Action>Result (the model's resultWrapper) and ResponseMetadata, or an
// ErrorResponse.

// node is one XML element.
type node struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*node
	text     strings.Builder
}

func parseXML(body []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name, attrs: t.Attr}
			if len(stack) == 0 {
				if root != nil {
					return nil, errors.New("more than one root element")
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

func (n *node) hasText() bool { return strings.TrimSpace(n.text.String()) != "" }

func (c *checker) query(op *Operation, a Answer) {
	if ct := a.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") && !strings.HasPrefix(ct, "application/xml") {
		c.bad("header", "Content-Type %q is not XML", ct)
	}
	root, err := parseXML(a.Body)
	if err != nil {
		c.bad("body", "not XML: %v", err)
		return
	}
	if a.Status >= 300 {
		c.queryError(op, a, root)
		return
	}
	if a.Status != 200 {
		c.bad("status", "success answered with HTTP %d", a.Status)
	}
	want := op.Name + "Response"
	if root.name.Local != want {
		c.bad(root.name.Local, "root element is not %s", want)
	}
	if root.name.Space != c.m.Namespace {
		c.bad(want, "namespace %q, the model's is %q", root.name.Space, c.m.Namespace)
	}
	var result, meta int
	for _, ch := range root.children {
		switch {
		case op.ResultWrapper != "" && ch.name.Local == op.ResultWrapper:
			result++
			c.structure(join(want, ch.name.Local), &Ref{Shape: op.Output}, ch)
		case ch.name.Local == "ResponseMetadata":
			meta++
			c.responseMetadata(join(want, "ResponseMetadata"), ch)
		default:
			c.bad(join(want, ch.name.Local), "element outside the model")
		}
	}
	if op.ResultWrapper != "" && result != 1 {
		c.bad(want, "%d %s elements, want 1", result, op.ResultWrapper)
	}
	if meta != 1 {
		c.bad(want, "%d ResponseMetadata elements, want 1", meta)
	}
}

func (c *checker) responseMetadata(path string, n *node) {
	if len(n.children) != 1 || n.children[0].name.Local != "RequestId" || !n.children[0].hasText() {
		c.bad(path, "must hold exactly one non-empty RequestId")
	}
}

// queryError checks <ErrorResponse><Error><Type/><Code/><Message/></Error>
// <RequestId/></ErrorResponse>.
func (c *checker) queryError(op *Operation, a Answer, root *node) {
	if root.name.Local != "ErrorResponse" {
		c.bad(root.name.Local, "an error answer's root is not ErrorResponse")
		return
	}
	if root.name.Space != c.m.Namespace {
		c.bad("ErrorResponse", "namespace %q, the model's is %q", root.name.Space, c.m.Namespace)
	}
	var errNode *node
	var reqIDs int
	for _, ch := range root.children {
		switch ch.name.Local {
		case "Error":
			if errNode != nil {
				c.bad("ErrorResponse", "more than one Error")
			}
			errNode = ch
		case "RequestId":
			reqIDs++
			if !ch.hasText() {
				c.bad("ErrorResponse/RequestId", "empty")
			}
		default:
			c.bad("ErrorResponse/"+ch.name.Local, "element outside the error envelope")
		}
	}
	if reqIDs != 1 {
		c.bad("ErrorResponse", "%d RequestId elements, want 1", reqIDs)
	}
	if errNode == nil {
		c.bad("ErrorResponse", "no Error element")
		return
	}
	fields := map[string]string{}
	for _, ch := range errNode.children {
		switch ch.name.Local {
		case "Type", "Code", "Message":
			if _, dup := fields[ch.name.Local]; dup {
				c.bad("ErrorResponse/Error/"+ch.name.Local, "given twice")
			}
			fields[ch.name.Local] = ch.text.String()
		default:
			c.bad("ErrorResponse/Error/"+ch.name.Local, "element outside the error envelope")
		}
	}
	code := fields["Code"]
	if code == "" {
		c.bad("ErrorResponse/Error/Code", "missing or empty")
		return
	}
	sender := c.errorStatus(op, code, a.Status)
	switch want := map[bool]string{true: "Sender", false: "Receiver"}[sender]; {
	case fields["Type"] != want:
		c.bad("ErrorResponse/Error/Type", "%q for HTTP %d, want %s", fields["Type"], a.Status, want)
	case fields["Message"] == "":
		c.bad("ErrorResponse/Error/Message", "missing or empty")
	}
}

// structure checks an element against a structure shape: every child is a
// member (by its serialized name), non-list members appear once, required
// members are present, and each member is checked in turn.
func (c *checker) structure(path string, r *Ref, n *node) {
	s := c.m.Shapes[r.Shape]
	if s.Type != "structure" {
		c.value(path, r, n)
		return
	}
	if n.hasText() {
		c.bad(path, "structure %s holds text", s.Name)
	}
	byName := map[string]string{} // serialized element name -> member
	flat := map[string]bool{}
	for mn, mr := range s.Members {
		if mr.XMLAttribute {
			continue
		}
		name := c.m.name(mr, mn)
		switch ms := c.m.Shapes[mr.Shape]; {
		case ms.Type == "list" && c.m.flattened(mr):
			name = c.m.name(ms.Member, name)
			flat[mn] = true
		case ms.Type == "map" && c.m.flattened(mr):
			flat[mn] = true
		}
		byName[name] = mn
	}
	seen := map[string][]*node{}
	for _, ch := range n.children {
		mn, ok := byName[ch.name.Local]
		if !ok {
			c.bad(join(path, ch.name.Local), "element outside the model (shape %s)", s.Name)
			continue
		}
		seen[mn] = append(seen[mn], ch)
	}
	for mn, nodes := range seen {
		mr := s.Members[mn]
		if flat[mn] {
			item := mr // a flattened map: each element is an entry
			if ms := c.m.Shapes[mr.Shape]; ms.Type == "list" {
				item = ms.Member
			}
			for i, ch := range nodes {
				c.value(fmt.Sprintf("%s[%d]", join(path, ch.name.Local), i+1), item, ch)
			}
			continue
		}
		if len(nodes) > 1 {
			c.bad(join(path, nodes[0].name.Local), "appears %d times", len(nodes))
		}
		c.value(join(path, nodes[0].name.Local), mr, nodes[0])
	}
	for _, req := range s.Required {
		if _, ok := seen[req]; !ok {
			c.bad(path, "required member %s is missing (shape %s)", req, s.Name)
		}
	}
}

// value checks an element against any shape.
func (c *checker) value(path string, r *Ref, n *node) {
	s := c.m.Shapes[r.Shape]
	switch s.Type {
	case "structure":
		c.structure(path, r, n)
	case "list":
		c.list(path, r, n)
	case "map":
		c.xmlMap(path, r, n)
	default:
		if len(n.children) > 0 {
			c.bad(path, "scalar %s holds elements", s.Name)
			return
		}
		c.scalarText(path, r, s, n.text.String(), Query)
	}
}

// list checks a wrapped (non-flattened) list: every child is named after
// the list's member (its locationName, else "member").
func (c *checker) list(path string, r *Ref, n *node) {
	s := c.m.Shapes[r.Shape]
	item := c.m.name(s.Member, "member")
	if n.hasText() {
		c.bad(path, "list %s holds text", s.Name)
	}
	for i, ch := range n.children {
		p := fmt.Sprintf("%s/%s[%d]", path, ch.name.Local, i+1)
		if ch.name.Local != item {
			c.bad(p, "list item of %s must be named %s", s.Name, item)
			continue
		}
		c.value(p, s.Member, ch)
	}
}

// xmlMap checks a map: <entry><key/><value/></entry> (or flattened
// repetitions of the map's own element), key and value names from the
// model.
func (c *checker) xmlMap(path string, r *Ref, n *node) {
	s := c.m.Shapes[r.Shape]
	keyName, valName := c.m.name(s.Key, "key"), c.m.name(s.Value, "value")
	entries := n.children
	if c.m.flattened(r) {
		entries = []*node{n}
	}
	for i, e := range entries {
		p := fmt.Sprintf("%s/%s[%d]", path, e.name.Local, i+1)
		if !c.m.flattened(r) && e.name.Local != "entry" {
			c.bad(p, "map entry of %s must be named entry", s.Name)
			continue
		}
		var keys, vals int
		for _, ch := range e.children {
			switch ch.name.Local {
			case keyName:
				keys++
				c.value(join(p, keyName), s.Key, ch)
			case valName:
				vals++
				c.value(join(p, valName), s.Value, ch)
			default:
				c.bad(join(p, ch.name.Local), "element outside map %s", s.Name)
			}
		}
		if keys != 1 || vals != 1 {
			c.bad(p, "%d keys and %d values, want one of each", keys, vals)
		}
	}
}
