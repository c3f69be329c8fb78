package sim

import "strings"

// Update and projection expressions (the grammar shared with conditions is
// in ddb_expr.go).

// parseUpdate parses an update expression: SET, REMOVE, ADD and DELETE
// clauses, each at most once, in any order.
func parseUpdate(src string, ph *placeholders) ([]updateAction, *apiError) {
	p, aerr := newExprParser("UpdateExpression", src, ph)
	if aerr != nil {
		return nil, aerr
	}
	var out []updateAction
	seen := map[string]bool{}
	for p.err == nil && p.peek().kind != tokEOF {
		t := p.next()
		clause := strings.ToUpper(t.text)
		if t.kind != tokIdent || (clause != "SET" && clause != "REMOVE" && clause != "ADD" && clause != "DELETE") {
			p.syntax(t.text, t.pos)
			break
		}
		if seen[clause] {
			p.fail("The %q section can only be used once in an update expression;", clause)
			break
		}
		seen[clause] = true
		for p.err == nil {
			a := updateAction{clause: clause, path: p.path()}
			switch clause {
			case "SET":
				if p.expect("=") {
					a.value = p.setValue()
				}
			case "ADD", "DELETE":
				vt := p.next()
				if vt.kind != tokValue {
					p.syntax(vt.text, vt.pos)
					break
				}
				a.value = &operand{kind: opValue, value: p.value(vt)}
			}
			out = append(out, a)
			if !p.punct(",") {
				break
			}
			p.next()
		}
	}
	if aerr := p.done(); aerr != nil {
		return nil, aerr
	}
	for i := range out {
		for j := range i {
			if pathsOverlap(out[i].path, out[j].path) {
				return nil, p.fail("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [%s], path two: [%s]",
					truncate(out[j].path.String(), 100), truncate(out[i].path.String(), 100))
			}
		}
	}
	return out, nil
}

// pathsOverlap reports whether one path is a prefix of the other.
func pathsOverlap(a, b docPath) bool {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// setValue parses the right-hand side of SET: operand [+|- operand].
func (p *exprParser) setValue() *operand {
	l := p.setOperand()
	if p.punct("+") || p.punct("-") {
		op := p.next().text
		r := p.setOperand()
		kind := opPlus
		if op == "-" {
			kind = opMinus
		}
		return &operand{kind: kind, args: []*operand{l, r}}
	}
	return l
}

func (p *exprParser) setOperand() *operand {
	t := p.peek()
	if t.kind == tokIdent && p.callNext() {
		p.next()
		p.next()
		var kind int
		switch t.text {
		case "if_not_exists":
			kind = opIfNotExists
		case "list_append":
			kind = opListAppend
		default:
			if condFuncs[t.text] || t.text == "size" {
				p.fail("The function is not allowed in an update expression; function: %s", t.text)
			} else {
				p.fail("Invalid function name; function: %s", truncate(t.text, 64))
			}
			return nil
		}
		a := p.setOperand()
		if !p.expect(",") {
			return nil
		}
		b := p.setOperand()
		p.expect(")")
		if p.err == nil && kind == opIfNotExists && a.kind != opPath {
			p.fail("Operator or function requires a document path; operator or function: if_not_exists")
			return nil
		}
		return &operand{kind: kind, args: []*operand{a, b}}
	}
	if t.kind == tokValue {
		p.next()
		return &operand{kind: opValue, value: p.value(t)}
	}
	path := p.path()
	if path == nil {
		return nil
	}
	return &operand{kind: opPath, path: path}
}

// parseProjection parses a projection expression: paths separated by
// commas.
func parseProjection(src string, ph *placeholders) ([]docPath, *apiError) {
	p, aerr := newExprParser("ProjectionExpression", src, ph)
	if aerr != nil {
		return nil, aerr
	}
	var out []docPath
	for p.err == nil {
		out = append(out, p.path())
		if !p.punct(",") {
			break
		}
		p.next()
	}
	if aerr := p.done(); aerr != nil {
		return nil, aerr
	}
	for i := range out {
		for j := range i {
			if pathsOverlap(out[i], out[j]) {
				return nil, p.fail("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [%s], path two: [%s]",
					truncate(out[j].String(), 100), truncate(out[i].String(), 100))
			}
		}
	}
	return out, nil
}
