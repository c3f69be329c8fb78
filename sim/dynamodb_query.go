package sim

import "slices"

// DynamoDB Query and Scan: pages of at most Limit evaluated items and at
// most 1 MB, resumed from ExclusiveStartKey; the filter applies after the
// page is read (Count vs ScannedCount), as the API Reference says.

// maxPageBytes is the most data one Query or Scan page reads (1 MB).
const maxPageBytes = 1 << 20

type readInput struct {
	exprInput
	TableName              string  `json:"TableName"`
	IndexName              *string `json:"IndexName"`
	KeyConditionExpression *string `json:"KeyConditionExpression"`
	FilterExpression       *string `json:"FilterExpression"`
	ProjectionExpression   *string `json:"ProjectionExpression"`
	ExclusiveStartKey      item    `json:"ExclusiveStartKey"`
	Limit                  *int    `json:"Limit"`
	ScanIndexForward       *bool   `json:"ScanIndexForward"`
	Select                 string  `json:"Select"`
	ConsistentRead         bool    `json:"ConsistentRead"`
	ReturnConsumedCapacity string  `json:"ReturnConsumedCapacity"`
	Segment                *int    `json:"Segment"`
	TotalSegments          *int    `json:"TotalSegments"`
	KeyConditions          any     `json:"KeyConditions"`
	ScanFilter             any     `json:"ScanFilter"`
	QueryFilter            any     `json:"QueryFilter"`
	AttributesToGet        any     `json:"AttributesToGet"`
	ConditionalOperator    any     `json:"ConditionalOperator"`
}

// readReq is a parsed Query or Scan.
type readReq struct {
	t       *ddbTable
	keyCond *cond
	hashVal *av
	filter  *cond
	proj    []docPath
	limit   int
	forward bool
	count   bool
}

func (c *call) parseRead(in readInput, isQuery bool) (*readReq, *apiError) {
	if in.KeyConditions != nil || in.ScanFilter != nil || in.QueryFilter != nil || in.AttributesToGet != nil || in.ConditionalOperator != nil {
		return nil, ddbValidation("drorch sim does not simulate the legacy KeyConditions, ScanFilter, QueryFilter, AttributesToGet and ConditionalOperator parameters; use expressions")
	}
	if in.IndexName != nil {
		return nil, ddbValidation("drorch sim does not simulate secondary indexes (IndexName %s)", truncate(*in.IndexName, 64))
	}
	if in.Segment != nil || in.TotalSegments != nil {
		return nil, ddbValidation("drorch sim does not simulate parallel scans (Segment, TotalSegments)")
	}
	t, aerr := c.activeTable(in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	r := &readReq{t: t, limit: -1, forward: in.ScanIndexForward == nil || *in.ScanIndexForward}
	if in.Limit != nil {
		if *in.Limit < 1 {
			return nil, ddbValidation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.Limit)
		}
		r.limit = *in.Limit
	}
	switch in.Select {
	case "", "ALL_ATTRIBUTES":
	case "COUNT":
		r.count = true
		if in.ProjectionExpression != nil {
			return nil, ddbValidation("Cannot specify the ProjectionExpression when choosing to get only the COUNT")
		}
	case "SPECIFIC_ATTRIBUTES":
		if in.ProjectionExpression == nil {
			return nil, ddbValidation("Must specify the ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
		}
	default:
		return nil, ddbValidation("1 validation error detected: Value '%s' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]", truncate(in.Select, 32))
	}
	if isQuery && in.KeyConditionExpression == nil {
		return nil, ddbValidation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	ph, aerr := in.placeholders(in.KeyConditionExpression != nil || in.FilterExpression != nil || in.ProjectionExpression != nil)
	if aerr != nil {
		return nil, aerr
	}
	if isQuery {
		if r.keyCond, aerr = parseCondition("KeyConditionExpression", *in.KeyConditionExpression, ph); aerr != nil {
			return nil, aerr
		}
		if r.hashVal, aerr = t.checkKeyCondition(r.keyCond); aerr != nil {
			return nil, aerr
		}
	}
	if in.FilterExpression != nil {
		if r.filter, aerr = parseCondition("FilterExpression", *in.FilterExpression, ph); aerr != nil {
			return nil, aerr
		}
		if isQuery {
			for _, n := range t.keyNames() {
				if r.filter.mentions(n) {
					return nil, ddbValidation("Filter Expression can only contain non-primary key attributes: Primary key attribute: %s", n)
				}
			}
		}
	}
	if in.ProjectionExpression != nil {
		if r.proj, aerr = parseProjection(*in.ProjectionExpression, ph); aerr != nil {
			return nil, aerr
		}
	}
	if aerr := ph.unused(); aerr != nil {
		return nil, aerr
	}
	if in.ExclusiveStartKey != nil {
		if aerr := t.checkKey(in.ExclusiveStartKey); aerr != nil {
			return nil, ddbValidation("The provided starting key is invalid: %s", aerr.Message)
		}
	}
	return r, nil
}

// mentions reports whether a condition names attribute n at its top level.
func (c *cond) mentions(n string) bool {
	for _, s := range c.sub {
		if s.mentions(n) {
			return true
		}
	}
	for _, o := range c.operands {
		if o.mentions(n) {
			return true
		}
	}
	return false
}

func (o *operand) mentions(n string) bool {
	if o.kind == opPath && len(o.path) > 0 && o.path[0].name == n {
		return true
	}
	for _, a := range o.args {
		if a.mentions(n) {
			return true
		}
	}
	return false
}

// checkKeyCondition checks a key condition: partition key = value, then
// optionally AND one condition on the sort key. It returns the partition
// key's value.
func (t *ddbTable) checkKeyCondition(c *cond) (*av, *apiError) {
	parts := []*cond{c}
	if c.kind == condAnd {
		parts = c.sub
		if parts[0].kind == condAnd || parts[1].kind == condAnd {
			return nil, ddbValidation("Invalid KeyConditionExpression: The expression can only contain two conditions at most")
		}
	}
	var hash *av
	ranged := false
	for _, p := range parts {
		name, val, aerr := keyPart(p)
		if aerr != nil {
			return nil, aerr
		}
		switch {
		case name == t.Hash.Name && p.kind == condCmp && p.cmp == "=" && hash == nil:
			if val[0].Kind != t.Hash.Type {
				return nil, ddbValidation("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
			hash = val[0]
		case name == t.Range.Name && t.Range.Name != "" && !ranged:
			for _, v := range val {
				if v.Kind != t.Range.Type {
					return nil, ddbValidation("One or more parameter values were invalid: Condition parameter type does not match schema type")
				}
			}
			ranged = true
		case name == t.Hash.Name:
			return nil, ddbValidation("Query key condition not supported")
		default:
			return nil, ddbValidation("Query condition missed key schema element: %s", t.Hash.Name)
		}
	}
	if hash == nil {
		return nil, ddbValidation("Query condition missed key schema element: %s", t.Hash.Name)
	}
	return hash, nil
}

// keyPart reads one part of a key condition: attribute name and values.
func keyPart(p *cond) (string, []*av, *apiError) {
	unsupported := ddbValidation("Invalid KeyConditionExpression: Query key condition not supported")
	var path *operand
	var vals []*av
	switch {
	case p.kind == condCmp && p.cmp != "<>":
		path = p.operands[0]
		if path.kind != opPath {
			path = p.operands[1] // :v = attr
			vals = []*av{p.operands[0].value}
		} else {
			vals = []*av{p.operands[1].value}
		}
	case p.kind == condBetween:
		path, vals = p.operands[0], []*av{p.operands[1].value, p.operands[2].value}
	case p.kind == condFunc && p.fn == "begins_with":
		path, vals = p.operands[0], []*av{p.operands[1].value}
		if vals[0] != nil && vals[0].Kind != "S" && vals[0].Kind != "B" {
			return "", nil, ddbValidation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: %s", vals[0].typeName())
		}
	default:
		return "", nil, unsupported
	}
	if path.kind != opPath || len(path.path) != 1 {
		return "", nil, unsupported
	}
	for _, v := range vals {
		if v == nil {
			return "", nil, unsupported
		}
	}
	return path.path[0].name, vals, nil
}

// page runs a read over candidates (in order) and builds the answer.
func (r *readReq) page(c *call, candidates []item, start item, rcc string, consistent bool) map[string]any {
	t := r.t
	if start != nil {
		pos := -1
		for i, it := range candidates {
			if t.itemKey(it) == t.itemKey(start) {
				pos = i
				break
			}
		}
		if pos < 0 {
			// The start key's item is gone: resume after where it would sort.
			pos = r.insertionPoint(candidates, start) - 1
		}
		candidates = candidates[pos+1:]
	}
	// DynamoDB stops at Limit evaluated items or 1 MB read, and then
	// returns LastEvaluatedKey even when nothing follows (API Reference,
	// Scan and Query, Limit: "it stops the operation and returns ... a key
	// in LastEvaluatedKey"); a page that reaches the end has none.
	var items []item
	scanned, bytes := 0, 0
	var last item
	for _, it := range candidates {
		if (r.limit > 0 && scanned == r.limit) || bytes >= maxPageBytes {
			break
		}
		scanned++
		bytes += it.size()
		if r.filter == nil || r.filter.holds(it) {
			items = append(items, it.project(r.proj))
		}
		if (r.limit > 0 && scanned == r.limit) || bytes >= maxPageBytes {
			last = it
		}
	}
	out := map[string]any{"Count": len(items), "ScannedCount": scanned}
	if !r.count {
		out["Items"] = nonNil(items)
	}
	if last != nil {
		out["LastEvaluatedKey"] = t.keyOf(last)
	}
	if cc := consumed(rcc, t.Name, readUnits(bytes, consistent)); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out
}

// insertionPoint is where key k would sort among candidates.
func (r *readReq) insertionPoint(candidates []item, k item) int {
	t := r.t
	for i, it := range candidates {
		var after bool
		if r.keyCond != nil && t.Range.Name != "" {
			n, _ := it[t.Range.Name].compare(k[t.Range.Name])
			after = (r.forward && n > 0) || (!r.forward && n < 0)
		} else {
			after = t.itemKey(it) > t.itemKey(k)
		}
		if after {
			return i
		}
	}
	return len(candidates)
}

func query(c *call) (any, *apiError) {
	var in readInput
	if aerr := ddbDecode(c, &in); aerr != nil {
		return nil, aerr
	}
	r, aerr := c.parseRead(in, true)
	if aerr != nil {
		return nil, aerr
	}
	t := r.t
	var cands []item
	for _, it := range t.items {
		if it[t.Hash.Name].equal(r.hashVal) && r.keyCond.holds(it) {
			cands = append(cands, it)
		}
	}
	slices.SortFunc(cands, func(a, b item) int {
		if t.Range.Name == "" {
			return 0
		}
		n, _ := a[t.Range.Name].compare(b[t.Range.Name])
		if !r.forward {
			n = -n
		}
		return n
	})
	return r.page(c, cands, in.ExclusiveStartKey, in.ReturnConsumedCapacity, in.ConsistentRead), nil
}

func scan(c *call) (any, *apiError) {
	var in readInput
	if aerr := ddbDecode(c, &in); aerr != nil {
		return nil, aerr
	}
	r, aerr := c.parseRead(in, false)
	if aerr != nil {
		return nil, aerr
	}
	keys := r.t.sortedKeys()
	cands := make([]item, len(keys))
	for i, k := range keys {
		cands[i] = r.t.items[k]
	}
	return r.page(c, cands, in.ExclusiveStartKey, in.ReturnConsumedCapacity, in.ConsistentRead), nil
}
