package sim

import (
	"math"
	"slices"
	"strings"
)

// DynamoDB item actions: PutItem, GetItem, UpdateItem, DeleteItem. The
// write path (planWrite) is shared with TransactWriteItems.

// exprInput is the placeholder part of a request with expressions.
type exprInput struct {
	ExpressionAttributeNames  map[string]string `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues map[string]*av    `json:"ExpressionAttributeValues"`
}

// placeholders checks the placeholder maps as DynamoDB does; hasExpr says
// whether the request has any expression to use them in.
func (in exprInput) placeholders(hasExpr bool) (*placeholders, *apiError) {
	if !hasExpr && in.ExpressionAttributeNames != nil {
		return nil, ddbValidation("ExpressionAttributeNames can only be specified when using expressions")
	}
	if !hasExpr && in.ExpressionAttributeValues != nil {
		return nil, ddbValidation("ExpressionAttributeValues can only be specified when using expressions")
	}
	if in.ExpressionAttributeNames != nil && len(in.ExpressionAttributeNames) == 0 {
		return nil, ddbValidation("ExpressionAttributeNames must not be empty")
	}
	if in.ExpressionAttributeValues != nil && len(in.ExpressionAttributeValues) == 0 {
		return nil, ddbValidation("ExpressionAttributeValues must not be empty")
	}
	for k := range in.ExpressionAttributeNames {
		if !validPlaceholder(k, '#') {
			return nil, ddbValidation("ExpressionAttributeNames contains invalid key: Syntax error; key: %q", truncate(k, 64))
		}
	}
	for k, v := range in.ExpressionAttributeValues {
		if !validPlaceholder(k, ':') {
			return nil, ddbValidation("ExpressionAttributeValues contains invalid key: Syntax error; key: %q", truncate(k, 64))
		}
		if v == nil {
			return nil, ddbValidation("ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes for key %s", truncate(k, 64))
		}
	}
	return newPlaceholders(in.ExpressionAttributeNames, in.ExpressionAttributeValues), nil
}

func validPlaceholder(k string, lead byte) bool {
	if len(k) < 2 || k[0] != lead {
		return false
	}
	for i := 1; i < len(k); i++ {
		if !isIdentChar(k[i]) {
			return false
		}
	}
	return true
}

// checkKey checks that key holds exactly the table's key attributes.
func (t *ddbTable) checkKey(k item) *apiError {
	if len(k) != len(t.keyNames()) {
		return ddbValidation("The provided key element does not match the schema")
	}
	for _, ka := range []keyAttr{t.Hash, t.Range} {
		if ka.Name == "" {
			continue
		}
		v := k[ka.Name]
		if v == nil || v.Kind != ka.Type {
			return ddbValidation("The provided key element does not match the schema")
		}
		if (v.Kind == "S" || v.Kind == "B") && v.S == "" {
			return ddbValidation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s",
				map[string]string{"S": "string", "B": "binary"}[v.Kind], ka.Name)
		}
	}
	return nil
}

// checkItem checks a whole item for PutItem.
func (t *ddbTable) checkItem(it item) *apiError {
	for _, ka := range []keyAttr{t.Hash, t.Range} {
		if ka.Name == "" {
			continue
		}
		v := it[ka.Name]
		if v == nil {
			return ddbValidation("One or more parameter values were invalid: Missing the key %s in the item", ka.Name)
		}
		if v.Kind != ka.Type {
			return ddbValidation("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", ka.Name, ka.Type, v.Kind)
		}
		if (v.Kind == "S" || v.Kind == "B") && v.S == "" {
			return ddbValidation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s",
				map[string]string{"S": "string", "B": "binary"}[v.Kind], ka.Name)
		}
	}
	return checkSize(it)
}

func checkSize(it item) *apiError {
	if it.size() > maxItemSize {
		return ddbValidation("Item size has exceeded the maximum allowed size")
	}
	return nil
}

// keyOf extracts an item's key attributes.
func (t *ddbTable) keyOf(it item) item {
	k := item{}
	for _, n := range t.keyNames() {
		k[n] = it[n].clone()
	}
	return k
}

// writeReq is one write, from PutItem/UpdateItem/DeleteItem or one action
// of a transaction, checked and parsed.
type writeReq struct {
	t        *ddbTable
	kind     string // Put, Update, Delete, ConditionCheck
	key      item
	put      item
	cond     *cond
	update   []updateAction
	failOld  bool // ReturnValuesOnConditionCheckFailure=ALL_OLD
	itemKey  string
	newItem  item // planned result (nil: deleted or unchanged)
	old      item
	touched  []string
	sizeDiff int
}

// writeInput is the common part of the write requests.
type writeInput struct {
	exprInput
	TableName                           string         `json:"TableName"`
	Key                                 item           `json:"Key"`
	Item                                item           `json:"Item"`
	ConditionExpression                 *string        `json:"ConditionExpression"`
	UpdateExpression                    *string        `json:"UpdateExpression"`
	ReturnValues                        string         `json:"ReturnValues"`
	ReturnValuesOnConditionCheckFailure string         `json:"ReturnValuesOnConditionCheckFailure"`
	ReturnConsumedCapacity              string         `json:"ReturnConsumedCapacity"`
	Expected                            map[string]any `json:"Expected"`
	AttributeUpdates                    map[string]any `json:"AttributeUpdates"`
}

// parseWrite checks a write against its table and parses its expressions.
func (c *call) parseWrite(kind string, in writeInput) (*writeReq, *apiError) {
	if in.Expected != nil || in.AttributeUpdates != nil {
		return nil, ddbValidation("drorch sim does not simulate the legacy Expected and AttributeUpdates parameters; use ConditionExpression and UpdateExpression")
	}
	t, aerr := c.activeTable(in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	r := &writeReq{t: t, kind: kind}
	switch in.ReturnValuesOnConditionCheckFailure {
	case "", "NONE":
	case "ALL_OLD":
		r.failOld = true
	default:
		return nil, ddbValidation("1 validation error detected: Value '%s' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]", truncate(in.ReturnValuesOnConditionCheckFailure, 32))
	}
	hasCond := in.ConditionExpression != nil
	ph, aerr := in.placeholders(hasCond || in.UpdateExpression != nil)
	if aerr != nil {
		return nil, aerr
	}
	if kind == "Put" {
		if in.Item == nil {
			return nil, ddbValidation("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null")
		}
		if aerr := t.checkItem(in.Item); aerr != nil {
			return nil, aerr
		}
		r.put, r.key = in.Item, t.keyOf(in.Item)
	} else {
		if in.Key == nil {
			return nil, ddbValidation("1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null")
		}
		if aerr := t.checkKey(in.Key); aerr != nil {
			return nil, aerr
		}
		r.key = in.Key
	}
	r.itemKey = t.itemKey(r.key)
	if kind == "Update" {
		if in.UpdateExpression == nil {
			if kind == "Update" && c.action == "TransactWriteItems" {
				return nil, ddbValidation("1 validation error detected: Value null at 'transactItems.member.update.updateExpression' failed to satisfy constraint: Member must not be null")
			}
		} else if r.update, aerr = parseUpdate(*in.UpdateExpression, ph); aerr != nil {
			return nil, aerr
		}
	}
	if hasCond {
		if r.cond, aerr = parseCondition("ConditionExpression", *in.ConditionExpression, ph); aerr != nil {
			return nil, aerr
		}
	} else if kind == "ConditionCheck" {
		return nil, ddbValidation("1 validation error detected: Value null at 'transactItems.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null")
	}
	if aerr := ph.unused(); aerr != nil {
		return nil, aerr
	}
	return r, nil
}

// plan evaluates the write against the table's current item: the
// condition first (false: ok is false), then the new item.
func (r *writeReq) plan() (ok bool, aerr *apiError) {
	r.old = r.t.items[r.itemKey]
	if r.cond != nil && !r.cond.holds(r.old) {
		return false, nil
	}
	switch r.kind {
	case "Put":
		r.newItem = r.put.clone()
	case "Update":
		base := r.old
		if base == nil {
			base = r.key.clone()
		}
		next, touched, aerr := applyUpdate(base, r.update, r.t.keyNames())
		if aerr != nil {
			return false, aerr
		}
		if aerr := checkSize(next); aerr != nil {
			return false, aerr
		}
		r.newItem, r.touched = next, touched
	}
	if r.kind == "Put" || r.kind == "Update" || r.kind == "Delete" {
		r.sizeDiff = r.newItem.size() - r.old.size()
	}
	return true, nil
}

// apply stores the planned result.
func (r *writeReq) apply() {
	t := r.t
	switch r.kind {
	case "Put", "Update":
		t.items[r.itemKey] = r.newItem
		t.bytes += r.sizeDiff
	case "Delete":
		if r.old != nil {
			delete(t.items, r.itemKey)
			t.bytes += r.sizeDiff
		}
	}
}

// checkStorage refuses writes past the simulator's bytes per region.
func (c *call) checkStorage(growth int) *apiError {
	if growth > 0 && c.w.regionItemBytes(c.region)+growth > maxRegionItemBytes {
		return newErr("LimitExceededException", 400, "drorch sim keeps at most %d MiB of items per region; delete some first.", maxRegionItemBytes>>20)
	}
	return nil
}

func errConditionFailed(r *writeReq) *apiError {
	e := newErr("ConditionalCheckFailedException", 400, "The conditional request failed")
	if r.failOld && r.old != nil {
		e.Extra = map[string]any{"Item": r.old}
	}
	return e
}

// single runs one PutItem, UpdateItem or DeleteItem.
func (c *call) single(kind string, allowed ...string) (any, *apiError) {
	var in writeInput
	if aerr := ddbDecode(c, &in); aerr != nil {
		return nil, aerr
	}
	rv := in.ReturnValues
	if rv == "" {
		rv = "NONE"
	}
	if !slices.Contains(allowed, rv) {
		return nil, ddbValidation("Return values set to invalid value")
	}
	r, aerr := c.parseWrite(kind, in)
	if aerr != nil {
		return nil, aerr
	}
	ok, aerr := r.plan()
	if aerr != nil {
		return nil, aerr
	}
	if !ok {
		return nil, errConditionFailed(r)
	}
	if aerr := c.checkStorage(r.sizeDiff); aerr != nil {
		return nil, aerr
	}
	r.apply()
	out := map[string]any{}
	var attrs item
	switch rv {
	case "ALL_OLD":
		attrs = r.old
	case "ALL_NEW":
		attrs = r.newItem
	case "UPDATED_OLD", "UPDATED_NEW":
		src := r.old
		if rv == "UPDATED_NEW" {
			src = r.newItem
		}
		attrs = item{}
		for _, n := range r.touched {
			if v := src[n]; v != nil {
				attrs[n] = v
			}
		}
	}
	if len(attrs) > 0 {
		out["Attributes"] = attrs
	}
	if cc := consumed(in.ReturnConsumedCapacity, r.t.Name, writeUnits(max(r.old.size(), r.newItem.size()))); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

func putItem(c *call) (any, *apiError)    { return c.single("Put", "NONE", "ALL_OLD") }
func deleteItem(c *call) (any, *apiError) { return c.single("Delete", "NONE", "ALL_OLD") }
func updateItem(c *call) (any, *apiError) {
	return c.single("Update", "NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW")
}

// writeUnits and readUnits are DynamoDB's capacity units for an item size:
// one write unit per KB, one read unit per 4 KB (half for an eventually
// consistent read).
func writeUnits(size int) float64 { return math.Max(1, math.Ceil(float64(size)/1024)) }
func readUnits(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// consumed is the ConsumedCapacity shape when the request asked for it.
func consumed(mode, table string, units float64) map[string]any {
	if mode != "TOTAL" && mode != "INDEXES" {
		return nil
	}
	cc := map[string]any{"TableName": table, "CapacityUnits": units}
	if mode == "INDEXES" {
		cc["Table"] = map[string]any{"CapacityUnits": units}
	}
	return cc
}

type getItemInput struct {
	exprInput
	TableName              string  `json:"TableName"`
	Key                    item    `json:"Key"`
	ConsistentRead         bool    `json:"ConsistentRead"`
	ProjectionExpression   *string `json:"ProjectionExpression"`
	ReturnConsumedCapacity string  `json:"ReturnConsumedCapacity"`
	AttributesToGet        []any   `json:"AttributesToGet"`
}

func getItem(c *call) (any, *apiError) {
	var in getItemInput
	if aerr := ddbDecode(c, &in); aerr != nil {
		return nil, aerr
	}
	if in.AttributesToGet != nil {
		return nil, ddbValidation("drorch sim does not simulate the legacy AttributesToGet parameter; use ProjectionExpression")
	}
	t, aerr := c.activeTable(in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	if in.Key == nil {
		return nil, ddbValidation("1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null")
	}
	if aerr := t.checkKey(in.Key); aerr != nil {
		return nil, aerr
	}
	proj, aerr := projectionOf(in.exprInput, in.ProjectionExpression)
	if aerr != nil {
		return nil, aerr
	}
	it := t.items[t.itemKey(in.Key)]
	out := map[string]any{}
	if it != nil {
		out["Item"] = it.project(proj)
	}
	if cc := consumed(in.ReturnConsumedCapacity, t.Name, readUnits(it.size(), in.ConsistentRead)); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

// projectionOf parses an optional projection expression and checks the
// placeholders it alone uses.
func projectionOf(in exprInput, expr *string) ([]docPath, *apiError) {
	ph, aerr := in.placeholders(expr != nil)
	if aerr != nil {
		return nil, aerr
	}
	if expr == nil {
		return nil, nil
	}
	proj, aerr := parseProjection(*expr, ph)
	if aerr != nil {
		return nil, aerr
	}
	if len(ph.values) > 0 {
		return nil, ddbValidation("ExpressionAttributeValues can only be specified when using expressions: ProjectionExpression takes no values")
	}
	return proj, ph.unused()
}

// keyCompare orders two items of a table by key, as Scan pages them.
func (t *ddbTable) sortedKeys() []string {
	keys := make([]string, 0, len(t.items))
	for k := range t.items {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	return keys
}
