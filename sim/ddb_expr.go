package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// DynamoDB's expression language ("Expressions" in the DynamoDB Developer
// Guide): condition, filter and key-condition expressions, update
// expressions and projection expressions. parseX turns the text into a
// tree with every #name and :value resolved, so that evaluation needs no
// more checks; the parser records which placeholders it used, because
// DynamoDB refuses unused ones.

// pathElem is one step of a document path: an attribute name or a list
// index.
type pathElem struct {
	name  string
	index int
	isIdx bool
}

// docPath is a document path such as a.b[2].c.
type docPath []pathElem

func (p docPath) String() string {
	var b strings.Builder
	for i, e := range p {
		switch {
		case e.isIdx:
			fmt.Fprintf(&b, "[%d]", e.index)
		case i > 0:
			b.WriteString("." + e.name)
		default:
			b.WriteString(e.name)
		}
	}
	return b.String()
}

// operand kinds.
const (
	opPath = iota
	opValue
	opSize
	opIfNotExists
	opListAppend
	opPlus
	opMinus
)

// operand is a value in an expression: a path, a :value, size(path), or in
// update expressions if_not_exists, list_append and + / -.
type operand struct {
	kind  int
	path  docPath
	value *av
	args  []*operand
}

// condition kinds.
const (
	condAnd = iota
	condOr
	condNot
	condCmp
	condBetween
	condIn
	condFunc
)

// cond is a node of a condition expression.
type cond struct {
	kind     int
	sub      []*cond // and, or (two), not (one)
	cmp      string  // =, <>, <, <=, >, >=
	fn       string  // attribute_exists, attribute_not_exists, attribute_type, begins_with, contains
	operands []*operand
}

// updateAction is one action of an update expression.
type updateAction struct {
	clause string // SET, REMOVE, ADD, DELETE
	path   docPath
	value  *operand // nil for REMOVE
}

// placeholders are a request's ExpressionAttributeNames and Values, with
// what the expressions used of them.
type placeholders struct {
	names     map[string]string
	values    map[string]*av
	usedNames map[string]bool
	usedVals  map[string]bool
}

func newPlaceholders(names map[string]string, values map[string]*av) *placeholders {
	return &placeholders{names: names, values: values, usedNames: map[string]bool{}, usedVals: map[string]bool{}}
}

// unused reports placeholders no expression used, as DynamoDB does.
func (ph *placeholders) unused() *apiError {
	var vals, names []string
	for k := range ph.values {
		if !ph.usedVals[k] {
			vals = append(vals, k)
		}
	}
	for k := range ph.names {
		if !ph.usedNames[k] {
			names = append(names, k)
		}
	}
	if len(vals) > 0 {
		return ddbValidation("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", truncate(strings.Join(sortedStrings(vals), ", "), 200))
	}
	if len(names) > 0 {
		return ddbValidation("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", truncate(strings.Join(sortedStrings(names), ", "), 200))
	}
	return nil
}

// maxExprLen is the longest expression DynamoDB takes (4 KB).
const maxExprLen = 4096

// token kinds.
const (
	tokEOF = iota
	tokIdent
	tokName  // #name
	tokValue // :value
	tokNumber
	tokPunct
)

type token struct {
	kind int
	text string
	pos  int
}

// exprParser is a recursive-descent parser over one expression.
type exprParser struct {
	what string // ConditionExpression, UpdateExpression, ...
	src  string
	toks []token
	i    int
	ph   *placeholders
	err  *apiError
}

func newExprParser(what, src string, ph *placeholders) (*exprParser, *apiError) {
	p := &exprParser{what: what, src: src, ph: ph}
	if len(src) > maxExprLen {
		return nil, p.fail("Expression size has exceeded the maximum allowed size; expression size: %d", len(src))
	}
	if strings.TrimSpace(src) == "" {
		return nil, ddbValidation("Invalid %s: The expression can not be empty;", what)
	}
	if aerr := p.lex(); aerr != nil {
		return nil, aerr
	}
	return p, nil
}

func (p *exprParser) fail(format string, args ...any) *apiError {
	if p.err == nil {
		p.err = ddbValidation("Invalid %s: %s", p.what, fmt.Sprintf(format, args...))
	}
	return p.err
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func (p *exprParser) lex() *apiError {
	s := p.src
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#' || c == ':':
			j := i + 1
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			if j == i+1 {
				return p.syntax(string(c), i)
			}
			kind := tokName
			if c == ':' {
				kind = tokValue
			}
			p.toks = append(p.toks, token{kind, s[i:j], i})
			i = j
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			p.toks = append(p.toks, token{tokIdent, s[i:j], i})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			p.toks = append(p.toks, token{tokNumber, s[i:j], i})
			i = j
		case c == '<' || c == '>':
			j := i + 1
			if j < len(s) && (s[j] == '=' || (c == '<' && s[j] == '>')) {
				j++
			}
			p.toks = append(p.toks, token{tokPunct, s[i:j], i})
			i = j
		case strings.IndexByte("()[],.=+-", c) >= 0:
			p.toks = append(p.toks, token{tokPunct, s[i : i+1], i})
			i++
		default:
			return p.fail("Syntax error; token: %q, near: %q", s[i:i+1], p.near(i))
		}
	}
	p.toks = append(p.toks, token{tokEOF, "<EOF>", len(s)})
	return nil
}

func (p *exprParser) near(pos int) string {
	return truncate(p.src[max(0, pos-10):min(len(p.src), pos+10)], 40)
}

func (p *exprParser) syntax(tok string, pos int) *apiError {
	return p.fail("Syntax error; token: %q, near: %q", truncate(tok, 40), p.near(pos))
}

func (p *exprParser) peek() token { return p.toks[p.i] }

// callNext reports whether the next tokens are a name and "(": a call.
func (p *exprParser) callNext() bool {
	return p.toks[p.i].kind == tokIdent && p.i+1 < len(p.toks) && p.toks[p.i+1].text == "("
}

func (p *exprParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// keyword reports whether the next token is the keyword kw (any case).
func (p *exprParser) keyword(kw string) bool {
	t := p.peek()
	return t.kind == tokIdent && strings.EqualFold(t.text, kw)
}

func (p *exprParser) punct(s string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == s
}

func (p *exprParser) expect(s string) bool {
	if p.punct(s) {
		p.next()
		return true
	}
	t := p.peek()
	p.syntax(t.text, t.pos)
	return false
}

func (p *exprParser) done() *apiError {
	if p.err != nil {
		return p.err
	}
	if t := p.peek(); t.kind != tokEOF {
		return p.syntax(t.text, t.pos)
	}
	return nil
}

// path parses a document path.
func (p *exprParser) path() docPath {
	var out docPath
	for {
		t := p.next()
		var name string
		switch t.kind {
		case tokIdent:
			if ddbReserved[strings.ToUpper(t.text)] {
				p.fail("Attribute name is a reserved keyword; reserved keyword: %s", truncate(t.text, 64))
				return nil
			}
			name = t.text
		case tokName:
			v, ok := p.ph.names[t.text]
			if !ok {
				p.fail("An expression attribute name used in the document path is not defined; attribute name: %s", truncate(t.text, 64))
				return nil
			}
			p.ph.usedNames[t.text] = true
			name = v
		default:
			p.syntax(t.text, t.pos)
			return nil
		}
		out = append(out, pathElem{name: name})
		for p.punct("[") {
			p.next()
			n := p.next()
			idx, err := strconv.Atoi(n.text)
			if n.kind != tokNumber || err != nil {
				p.syntax(n.text, n.pos)
				return nil
			}
			if !p.expect("]") {
				return nil
			}
			out = append(out, pathElem{index: idx, isIdx: true})
		}
		if len(out) > 32 {
			p.fail("The document path has too many nesting levels; nesting levels: %d", len(out))
			return nil
		}
		if !p.punct(".") {
			return out
		}
		p.next()
	}
}

// value resolves a :placeholder.
func (p *exprParser) value(t token) *av {
	v, ok := p.ph.values[t.text]
	if !ok {
		p.fail("An expression attribute value used in expression is not defined; attribute value: %s", truncate(t.text, 64))
		return nil
	}
	p.ph.usedVals[t.text] = true
	return v
}

// operandOf parses a condition operand: path, :value or size(path).
func (p *exprParser) operandOf() *operand {
	t := p.peek()
	switch {
	case t.kind == tokValue:
		p.next()
		return &operand{kind: opValue, value: p.value(t)}
	case t.kind == tokIdent && p.callNext():
		if t.text != "size" {
			if condFuncs[t.text] {
				p.fail("The function is not allowed to be used this way in an expression; function: %s", t.text)
			} else {
				p.fail("Invalid function name; function: %s", truncate(t.text, 64))
			}
			return nil
		}
		p.next()
		p.next()
		arg := p.operandOf()
		if arg != nil && arg.kind != opPath {
			p.fail("Incorrect operand type for operator or function; operator or function: size, operand type: %s", arg.value.typeName())
			return nil
		}
		p.expect(")")
		return &operand{kind: opSize, args: []*operand{arg}}
	default:
		path := p.path()
		if path == nil {
			return nil
		}
		return &operand{kind: opPath, path: path}
	}
}

var condFuncs = map[string]bool{"attribute_exists": true, "attribute_not_exists": true, "attribute_type": true, "begins_with": true, "contains": true}

// parseCondition parses a condition, filter or key-condition expression.
func parseCondition(what, src string, ph *placeholders) (*cond, *apiError) {
	p, aerr := newExprParser(what, src, ph)
	if aerr != nil {
		return nil, aerr
	}
	c := p.or(0)
	if aerr := p.done(); aerr != nil {
		return nil, aerr
	}
	return c, nil
}

// maxDepth bounds nesting (parentheses, NOT) so that recursion stays
// shallow whatever the input.
const maxDepth = 100

func (p *exprParser) or(depth int) *cond {
	l := p.and(depth)
	for p.err == nil && p.keyword("OR") {
		p.next()
		l = &cond{kind: condOr, sub: []*cond{l, p.and(depth)}}
	}
	return l
}

func (p *exprParser) and(depth int) *cond {
	l := p.not(depth)
	for p.err == nil && p.keyword("AND") {
		p.next()
		l = &cond{kind: condAnd, sub: []*cond{l, p.not(depth)}}
	}
	return l
}

func (p *exprParser) not(depth int) *cond {
	if depth > maxDepth {
		p.fail("The expression has too many nested levels")
		return nil
	}
	if p.keyword("NOT") {
		p.next()
		return &cond{kind: condNot, sub: []*cond{p.not(depth + 1)}}
	}
	return p.primary(depth)
}

func (p *exprParser) primary(depth int) *cond {
	if p.err != nil {
		return nil
	}
	t := p.peek()
	if p.punct("(") {
		p.next()
		c := p.or(depth + 1)
		p.expect(")")
		return c
	}
	if t.kind == tokIdent && condFuncs[t.text] && p.callNext() {
		return p.function()
	}
	if t.kind == tokIdent && p.callNext() && t.text != "size" {
		p.fail("Invalid function name; function: %s", truncate(t.text, 64))
		return nil
	}
	l := p.operandOf()
	if p.err != nil {
		return nil
	}
	switch op := p.peek(); {
	case op.kind == tokPunct && (op.text == "=" || op.text == "<>" || op.text == "<" || op.text == "<=" || op.text == ">" || op.text == ">="):
		p.next()
		r := p.operandOf()
		return &cond{kind: condCmp, cmp: op.text, operands: []*operand{l, r}}
	case p.keyword("BETWEEN"):
		p.next()
		lo := p.operandOf()
		if !p.keyword("AND") {
			t := p.peek()
			p.syntax(t.text, t.pos)
			return nil
		}
		p.next()
		hi := p.operandOf()
		if p.err == nil && lo.kind == opValue && hi.kind == opValue {
			if c, ok := lo.value.compare(hi.value); ok && c > 0 {
				p.fail("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s:%s}, upper bound operand: AttributeValue: {%s:%s}",
					lo.value.Kind, truncate(lo.value.S, 40), hi.value.Kind, truncate(hi.value.S, 40))
			}
		}
		return &cond{kind: condBetween, operands: []*operand{l, lo, hi}}
	case p.keyword("IN"):
		p.next()
		if !p.expect("(") {
			return nil
		}
		ops := []*operand{l}
		for p.err == nil {
			ops = append(ops, p.operandOf())
			if len(ops) > 101 {
				p.fail("The IN operator is provided with too many operands; number of operands: %d", len(ops)-1)
				return nil
			}
			if !p.punct(",") {
				break
			}
			p.next()
		}
		p.expect(")")
		return &cond{kind: condIn, operands: ops}
	default:
		p.syntax(op.text, op.pos)
		return nil
	}
}

func (p *exprParser) function() *cond {
	name := p.next().text
	p.next() // (
	var args []*operand
	for p.err == nil {
		args = append(args, p.operandOf())
		if !p.punct(",") {
			break
		}
		p.next()
	}
	p.expect(")")
	if p.err != nil {
		return nil
	}
	want := map[string]int{"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2}[name]
	if len(args) != want {
		p.fail("Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", name, len(args))
		return nil
	}
	if args[0].kind != opPath && name != "contains" && name != "begins_with" {
		p.fail("Operator or function requires a document path; operator or function: %s", name)
		return nil
	}
	if name == "attribute_type" {
		t := args[1]
		if t.kind != opValue || t.value.Kind != "S" {
			p.fail("Incorrect operand type for operator or function; operator or function: attribute_type, operand type: %s", opTypeName(t))
			return nil
		}
		switch t.value.S {
		case "S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M":
		default:
			p.fail("Invalid attribute type name found; type: %s, valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }", truncate(t.value.S, 16))
			return nil
		}
	}
	return &cond{kind: condFunc, fn: name, operands: args}
}

func opTypeName(o *operand) string {
	if o.kind == opValue {
		return o.value.typeName()
	}
	return "PATH"
}
