package sim

import "strings"

// DynamoDB TransactWriteItems (all or nothing: every condition is checked
// against the state before any write, and one failure cancels them all
// with a reason per action) and BatchGetItem.

// maxTransactItems is the most actions one transaction takes.
const maxTransactItems = 100

type transactItem struct {
	Put            *writeInput `json:"Put"`
	Update         *writeInput `json:"Update"`
	Delete         *writeInput `json:"Delete"`
	ConditionCheck *writeInput `json:"ConditionCheck"`
}

type transactWriteInput struct {
	TransactItems          []transactItem `json:"TransactItems"`
	ClientRequestToken     string         `json:"ClientRequestToken"`
	ReturnConsumedCapacity string         `json:"ReturnConsumedCapacity"`
}

// cancellationReason is DynamoDB's CancellationReason shape.
type cancellationReason struct {
	Code    string `json:"Code"`
	Message string `json:"Message,omitempty"`
	Item    item   `json:"Item,omitempty"`
}

func transactWriteItems(c *call) (any, *apiError) {
	var in transactWriteInput
	if aerr := ddbDecode(c, &in); aerr != nil {
		return nil, aerr
	}
	n := len(in.TransactItems)
	if n == 0 || n > maxTransactItems {
		return nil, ddbValidation("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to %d, Member must have length greater than or equal to 1", maxTransactItems)
	}
	reqs := make([]*writeReq, n)
	seen := map[key]bool{}
	for i, ti := range in.TransactItems {
		kind, w := "", (*writeInput)(nil)
		count := 0
		for _, cand := range []struct {
			k string
			w *writeInput
		}{{"Put", ti.Put}, {"Update", ti.Update}, {"Delete", ti.Delete}, {"ConditionCheck", ti.ConditionCheck}} {
			if cand.w != nil {
				kind, w = cand.k, cand.w
				count++
			}
		}
		if count != 1 {
			return nil, ddbValidation("TransactItems can only contain one of Check, Put, Update or Delete")
		}
		if w.ReturnValues != "" {
			return nil, ddbValidation("ReturnValues is not allowed in TransactWriteItems; use ReturnValuesOnConditionCheckFailure")
		}
		r, aerr := c.parseWrite(kind, *w)
		if aerr != nil {
			return nil, aerr
		}
		k := key{r.t.Name, r.itemKey}
		if seen[k] {
			return nil, ddbValidation("Transaction request cannot include multiple operations on one item")
		}
		seen[k] = true
		reqs[i] = r
	}
	reasons := make([]cancellationReason, n)
	failed := false
	growth := 0
	for i, r := range reqs {
		reasons[i] = cancellationReason{Code: "None"}
		ok, aerr := r.plan()
		switch {
		case aerr != nil:
			reasons[i] = cancellationReason{Code: "ValidationError", Message: aerr.Message}
			failed = true
		case !ok:
			reasons[i] = cancellationReason{Code: "ConditionalCheckFailed", Message: "The conditional request failed"}
			if r.failOld && r.old != nil {
				reasons[i].Item = r.old
			}
			failed = true
		default:
			growth += r.sizeDiff
		}
	}
	if failed {
		codes := make([]string, n)
		for i, r := range reasons {
			codes[i] = r.Code
		}
		e := newErr("TransactionCanceledException", 400, "Transaction cancelled, please refer cancellation reasons for specific reasons [%s]", strings.Join(codes, ", "))
		e.MessageKey = "Message"
		e.Extra = map[string]any{"CancellationReasons": reasons}
		return nil, e
	}
	if aerr := c.checkStorage(growth); aerr != nil {
		return nil, aerr
	}
	for _, r := range reqs {
		r.apply()
	}
	out := map[string]any{}
	if in.ReturnConsumedCapacity == "TOTAL" || in.ReturnConsumedCapacity == "INDEXES" {
		units := map[string]float64{}
		for _, r := range reqs {
			// Transactions cost two units per KB written.
			units[r.t.Name] += 2 * writeUnits(max(r.old.size(), r.newItem.size()))
		}
		var list []map[string]any
		for _, name := range sortedKeys(units) {
			list = append(list, consumed(in.ReturnConsumedCapacity, name, units[name]))
		}
		out["ConsumedCapacity"] = list
	}
	return out, nil
}

// maxBatchGetKeys is the most keys one BatchGetItem reads.
const maxBatchGetKeys = 100

type keysAndAttributes struct {
	exprInput
	Keys                 []item  `json:"Keys"`
	ProjectionExpression *string `json:"ProjectionExpression"`
	ConsistentRead       bool    `json:"ConsistentRead"`
	AttributesToGet      any     `json:"AttributesToGet"`
}

type batchGetInput struct {
	RequestItems           map[string]keysAndAttributes `json:"RequestItems"`
	ReturnConsumedCapacity string                       `json:"ReturnConsumedCapacity"`
}

func batchGetItem(c *call) (any, *apiError) {
	var in batchGetInput
	if aerr := ddbDecode(c, &in); aerr != nil {
		return nil, aerr
	}
	if len(in.RequestItems) == 0 {
		return nil, ddbValidation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	total := 0
	for _, ka := range in.RequestItems {
		total += len(ka.Keys)
	}
	if total > maxBatchGetKeys {
		return nil, ddbValidation("Too many items requested for the BatchGetItem call")
	}
	responses := map[string][]item{}
	var cc []map[string]any
	for _, name := range sortedKeys(in.RequestItems) {
		ka := in.RequestItems[name]
		if ka.AttributesToGet != nil {
			return nil, ddbValidation("drorch sim does not simulate the legacy AttributesToGet parameter; use ProjectionExpression")
		}
		t, aerr := c.activeTable(name)
		if aerr != nil {
			return nil, aerr
		}
		if len(ka.Keys) == 0 {
			return nil, ddbValidation("1 validation error detected: Value '[]' at 'requestItems.%s.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1", truncate(name, 255))
		}
		proj, aerr := projectionOf(ka.exprInput, ka.ProjectionExpression)
		if aerr != nil {
			return nil, aerr
		}
		seen := map[string]bool{}
		got := []item{}
		size := 0
		for _, k := range ka.Keys {
			if aerr := t.checkKey(k); aerr != nil {
				return nil, aerr
			}
			ik := t.itemKey(k)
			if seen[ik] {
				return nil, ddbValidation("Provided list of item keys contains duplicates")
			}
			seen[ik] = true
			if it := t.items[ik]; it != nil {
				got = append(got, it.project(proj))
				size += it.size()
			}
		}
		responses[name] = got
		if x := consumed(in.ReturnConsumedCapacity, name, readUnits(size, ka.ConsistentRead)); x != nil {
			cc = append(cc, x)
		}
	}
	out := map[string]any{"Responses": responses, "UnprocessedKeys": map[string]any{}}
	if cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}
