package sim

import (
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Evaluation of parsed expressions against an item. Conditions never fail
// at run time: an operand that is missing or of the wrong type makes its
// comparison false, as DynamoDB does. Updates can fail (a + on a string,
// a path through something that is not a map), with DynamoDB's messages.

// get resolves a document path in an item (nil when absent).
func (it item) get(p docPath) *av {
	if len(p) == 0 || p[0].isIdx {
		return nil
	}
	v := it[p[0].name]
	for _, e := range p[1:] {
		if v == nil {
			return nil
		}
		switch {
		case e.isIdx && v.Kind == "L" && e.index < len(v.L):
			v = v.L[e.index]
		case !e.isIdx && v.Kind == "M":
			v = v.M[e.name]
		default:
			return nil
		}
	}
	return v
}

// eval gives an operand's value for an item (nil when absent).
func (o *operand) eval(it item) *av {
	switch o.kind {
	case opValue:
		return o.value
	case opPath:
		return it.get(o.path)
	case opSize:
		v := o.args[0].eval(it)
		if v == nil {
			return nil
		}
		var n int
		switch v.Kind {
		case "S":
			n = utf8.RuneCountInString(v.S)
		case "B":
			n = len(v.S)
		case "M":
			n = len(v.M)
		case "L":
			n = len(v.L)
		case "SS", "NS", "BS":
			n = len(v.Set)
		default:
			return nil
		}
		return &av{Kind: "N", S: strconv.Itoa(n)}
	}
	return nil
}

// holds evaluates a condition on an item (nil: no item).
func (c *cond) holds(it item) bool {
	switch c.kind {
	case condAnd:
		return c.sub[0].holds(it) && c.sub[1].holds(it)
	case condOr:
		return c.sub[0].holds(it) || c.sub[1].holds(it)
	case condNot:
		return !c.sub[0].holds(it)
	case condCmp:
		l, r := c.operands[0].eval(it), c.operands[1].eval(it)
		if l == nil || r == nil {
			return c.cmp == "<>" && (l != nil || r != nil)
		}
		switch c.cmp {
		case "=":
			return l.equal(r)
		case "<>":
			return !l.equal(r)
		}
		n, ok := l.compare(r)
		if !ok {
			return false
		}
		switch c.cmp {
		case "<":
			return n < 0
		case "<=":
			return n <= 0
		case ">":
			return n > 0
		default:
			return n >= 0
		}
	case condBetween:
		v, lo, hi := c.operands[0].eval(it), c.operands[1].eval(it), c.operands[2].eval(it)
		if v == nil || lo == nil || hi == nil {
			return false
		}
		a, ok1 := v.compare(lo)
		b, ok2 := v.compare(hi)
		return ok1 && ok2 && a >= 0 && b <= 0
	case condIn:
		v := c.operands[0].eval(it)
		if v == nil {
			return false
		}
		for _, o := range c.operands[1:] {
			if e := o.eval(it); e != nil && v.equal(e) {
				return true
			}
		}
		return false
	case condFunc:
		return c.function(it)
	}
	return false
}

func (c *cond) function(it item) bool {
	a := c.operands[0].eval(it)
	switch c.fn {
	case "attribute_exists":
		return a != nil
	case "attribute_not_exists":
		return a == nil
	}
	b := c.operands[1].eval(it)
	if a == nil || b == nil {
		return false
	}
	switch c.fn {
	case "attribute_type":
		return a.Kind == b.S
	case "begins_with":
		return (a.Kind == "S" || a.Kind == "B") && a.Kind == b.Kind && strings.HasPrefix(a.S, b.S)
	default: // contains
		switch a.Kind {
		case "S":
			return b.Kind == "S" && strings.Contains(a.S, b.S)
		case "SS", "BS":
			return b.Kind == a.Kind[:1] && a.setHas(b.S)
		case "NS":
			return b.Kind == "N" && a.setHas(b.S)
		case "L":
			return slices.ContainsFunc(a.L, b.equal)
		}
		return false
	}
}

// keyAttrs names the key attributes of a condition the update may not
// change.
func errUpdateKey(name string) *apiError {
	return ddbValidation("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", truncate(name, 255))
}

// applyUpdate applies update actions to a copy of old (nil: no item yet)
// and returns the new item and the top-level attributes touched. Every
// right-hand side is evaluated against the old item, as DynamoDB does.
func applyUpdate(old item, acts []updateAction, keyNames []string) (item, []string, *apiError) {
	for _, a := range acts {
		if slices.Contains(keyNames, a.path[0].name) {
			return nil, nil, errUpdateKey(a.path[0].name)
		}
	}
	src := old
	if src == nil {
		src = item{}
	}
	vals := make([]*av, len(acts))
	for i, a := range acts {
		if a.value == nil {
			continue
		}
		v, aerr := evalSet(a.value, src)
		if aerr != nil {
			return nil, nil, aerr
		}
		vals[i] = v
	}
	next := src.clone()
	var touched []string
	// REMOVE of list elements goes from the highest index down, so that
	// earlier removals do not shift later ones.
	order := make([]int, len(acts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		a, b := acts[x], acts[y]
		if a.clause == "REMOVE" && b.clause == "REMOVE" {
			ai, bi := a.path[len(a.path)-1], b.path[len(b.path)-1]
			if ai.isIdx && bi.isIdx {
				return bi.index - ai.index
			}
		}
		return 0
	})
	for _, i := range order {
		a := acts[i]
		if !slices.Contains(touched, a.path[0].name) {
			touched = append(touched, a.path[0].name)
		}
		var aerr *apiError
		switch a.clause {
		case "SET":
			aerr = next.set(a.path, vals[i])
		case "REMOVE":
			next.remove(a.path)
		case "ADD":
			aerr = next.add(a.path, vals[i])
		case "DELETE":
			aerr = next.deleteFromSet(a.path, vals[i])
		}
		if aerr != nil {
			return nil, nil, aerr
		}
	}
	return next, touched, nil
}

var errNoAttr = ddbValidation("The provided expression refers to an attribute that does not exist in the item")

func errOperandType(op string, v *av) *apiError {
	return ddbValidation("An operand in the update expression has an incorrect data type")
}

// evalSet evaluates the right-hand side of a SET action.
func evalSet(o *operand, it item) (*av, *apiError) {
	switch o.kind {
	case opValue:
		return o.value.clone(), nil
	case opPath:
		v := it.get(o.path)
		if v == nil {
			return nil, errNoAttr
		}
		return v.clone(), nil
	case opIfNotExists:
		if v := it.get(o.args[0].path); v != nil {
			return v.clone(), nil
		}
		return evalSet(o.args[1], it)
	case opListAppend:
		a, aerr := evalSet(o.args[0], it)
		if aerr != nil {
			return nil, aerr
		}
		b, aerr := evalSet(o.args[1], it)
		if aerr != nil {
			return nil, aerr
		}
		if a.Kind != "L" || b.Kind != "L" {
			return nil, ddbValidation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: %s", map[bool]string{true: b.typeName(), false: a.typeName()}[a.Kind == "L"])
		}
		return &av{Kind: "L", L: append(a.L, b.L...)}, nil
	case opPlus, opMinus:
		a, aerr := evalSet(o.args[0], it)
		if aerr != nil {
			return nil, aerr
		}
		b, aerr := evalSet(o.args[1], it)
		if aerr != nil {
			return nil, aerr
		}
		if a.Kind != "N" || b.Kind != "N" {
			return nil, errOperandType("+", a)
		}
		r := numRat(a.S)
		if o.kind == opPlus {
			r.Add(r, numRat(b.S))
		} else {
			r.Sub(r, numRat(b.S))
		}
		n, aerr := canonicalNumber(formatRat(r))
		if aerr != nil {
			return nil, aerr
		}
		return &av{Kind: "N", S: n}, nil
	}
	return nil, ddbValidation("Invalid UpdateExpression: unsupported operand")
}

var errBadUpdatePath = ddbValidation("The document path provided in the update expression is invalid for update")

// parent finds the container of a path's last element, for writing.
func (it item) parent(p docPath) (*av, *apiError) {
	if len(p) == 1 {
		return nil, nil
	}
	v := it.get(p[:len(p)-1])
	if v == nil {
		return nil, errBadUpdatePath
	}
	last := p[len(p)-1]
	if (last.isIdx && v.Kind != "L") || (!last.isIdx && v.Kind != "M") {
		return nil, errBadUpdatePath
	}
	return v, nil
}

func (it item) set(p docPath, v *av) *apiError {
	if len(p) == 1 {
		it[p[0].name] = v
		return nil
	}
	parent, aerr := it.parent(p)
	if aerr != nil {
		return aerr
	}
	last := p[len(p)-1]
	if last.isIdx {
		if last.index >= len(parent.L) {
			parent.L = append(parent.L, v)
		} else {
			parent.L[last.index] = v
		}
		return nil
	}
	parent.M[last.name] = v
	return nil
}

func (it item) remove(p docPath) {
	if len(p) == 1 {
		delete(it, p[0].name)
		return
	}
	parent, aerr := it.parent(p)
	if aerr != nil || parent == nil {
		return
	}
	last := p[len(p)-1]
	if last.isIdx {
		if last.index < len(parent.L) {
			parent.L = slices.Delete(parent.L, last.index, last.index+1)
		}
		return
	}
	delete(parent.M, last.name)
}

func (it item) add(p docPath, v *av) *apiError {
	switch v.Kind {
	case "N", "SS", "NS", "BS":
	default:
		return ddbValidation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: %s", v.typeName())
	}
	cur := it.get(p)
	if cur == nil {
		return it.set(p, v.clone())
	}
	switch {
	case cur.Kind == "N" && v.Kind == "N":
		r := new(big.Rat).Add(numRat(cur.S), numRat(v.S))
		n, aerr := canonicalNumber(formatRat(r))
		if aerr != nil {
			return aerr
		}
		cur.S = n
	case cur.Kind == v.Kind && (v.Kind == "SS" || v.Kind == "NS" || v.Kind == "BS"):
		for _, e := range v.Set {
			if !cur.setHas(e) {
				cur.Set = append(cur.Set, e)
			}
		}
	default:
		return ddbValidation("An operand in the update expression has an incorrect data type")
	}
	return nil
}

func (it item) deleteFromSet(p docPath, v *av) *apiError {
	if v.Kind != "SS" && v.Kind != "NS" && v.Kind != "BS" {
		return ddbValidation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: %s", v.typeName())
	}
	cur := it.get(p)
	if cur == nil {
		return nil
	}
	if cur.Kind != v.Kind {
		return ddbValidation("An operand in the update expression has an incorrect data type")
	}
	cur.Set = slices.DeleteFunc(cur.Set, func(e string) bool { return v.setHas(e) })
	if len(cur.Set) == 0 {
		it.remove(p)
	}
	return nil
}

// project keeps only the given paths of an item (nil paths: all of it).
func (it item) project(paths []docPath) item {
	if paths == nil || it == nil {
		return it
	}
	out := item{}
	for _, p := range paths {
		v := it.get(p)
		if v == nil {
			continue
		}
		// Rebuild the containers along the path; list elements keep their
		// relative order, as DynamoDB returns them.
		out.graft(p, v.clone())
	}
	return out
}

func (it item) graft(p docPath, v *av) {
	if len(p) == 1 {
		it[p[0].name] = v
		return
	}
	cur := it[p[0].name]
	if cur == nil {
		cur = &av{Kind: containerKind(p[1])}
		it[p[0].name] = cur
	}
	for i := 1; i < len(p); i++ {
		e := p[i]
		last := i == len(p)-1
		var child *av
		if !last {
			child = &av{Kind: containerKind(p[i+1])}
		} else {
			child = v
		}
		if e.isIdx {
			cur.L = append(cur.L, child)
			cur = child
			continue
		}
		if cur.M == nil {
			cur.M = map[string]*av{}
		}
		if ex := cur.M[e.name]; ex != nil && !last {
			cur = ex
			continue
		}
		cur.M[e.name] = child
		cur = child
	}
}

func containerKind(e pathElem) string {
	if e.isIdx {
		return "L"
	}
	return "M"
}
