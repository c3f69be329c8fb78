package dynamolock

import (
	"slices"

	"drorch/lock"
)

// Actions are the IAM actions a lock makes on its table when it uses
// writes: GetItem for every read (the fingerprint secret), and the action
// each write is authorized as. A TransactWriteItems is authorized action by
// action, as PutItem, UpdateItem and DeleteItem
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html):
// Create and Take put, Extend updates, Drop deletes. Sorted, once each.
func Actions(writes ...lock.WriteOp) []string {
	out := []string{"dynamodb:GetItem"}
	for _, w := range writes {
		switch w {
		case lock.Create, lock.Take:
			out = append(out, "dynamodb:PutItem")
		case lock.Extend:
			out = append(out, "dynamodb:UpdateItem")
		case lock.Drop:
			out = append(out, "dynamodb:DeleteItem")
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
