package sim_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The exact bytes of DynamoDB answers (JSON 1.0, __type with its
// namespace, X-Amz-Crc32), success and error: reviewed once against the
// API Reference's examples and botocore's model, then held still. Each case
// sends its setup calls first and records the last answer.
func TestDynamoDBGoldenResponses(t *testing.T) {
	t.Parallel()
	type req struct{ op, body string }
	lock := `{"TableName":"locks","Item":{"pk":{"S":"db#1"},"holder":{"S":"run-1"},"until":{"N":"1750000000"}}}`
	cases := []struct {
		name  string
		calls []req
	}{
		{"dynamodb-describe-table", []req{{"DescribeTable", `{"TableName":"events"}`}}},
		{"dynamodb-create-table", []req{{"CreateTable", `{"TableName":"drorch-locks","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`}}},
		{"dynamodb-table-not-found", []req{{"DescribeTable", `{"TableName":"nope"}`}}},
		{"dynamodb-list-tables", []req{{"ListTables", `{"Limit":1}`}}},
		{"dynamodb-put-all-old", []req{{"PutItem", lock}, {"PutItem", `{"TableName":"locks","Item":{"pk":{"S":"db#1"},"holder":{"S":"run-2"}},"ReturnValues":"ALL_OLD"}`}}},
		{"dynamodb-condition-failed", []req{{"PutItem", lock}, {"PutItem", `{"TableName":"locks","Item":{"pk":{"S":"db#1"},"holder":{"S":"run-2"}},"ConditionExpression":"attribute_not_exists(pk)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`}}},
		{"dynamodb-update-all-new", []req{{"PutItem", lock}, {"UpdateItem", `{"TableName":"locks","Key":{"pk":{"S":"db#1"}},"UpdateExpression":"SET #u = #u + :d","ConditionExpression":"holder = :me","ExpressionAttributeNames":{"#u":"until"},"ExpressionAttributeValues":{":d":{"N":"60"},":me":{"S":"run-1"}},"ReturnValues":"ALL_NEW","ReturnConsumedCapacity":"TOTAL"}`}}},
		{"dynamodb-get-item", []req{{"PutItem", lock}, {"GetItem", `{"TableName":"locks","Key":{"pk":{"S":"db#1"}},"ConsistentRead":true}`}}},
		{"dynamodb-query-page", []req{{"PutItem", `{"TableName":"events","Item":{"pk":{"S":"a"},"sk":{"N":"1"}}}`}, {"PutItem", `{"TableName":"events","Item":{"pk":{"S":"a"},"sk":{"N":"2"}}}`},
			{"Query", `{"TableName":"events","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"Limit":1}`}}},
		{"dynamodb-transaction-cancelled", []req{{"PutItem", lock}, {"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"locks","Item":{"pk":{"S":"db#0"},"holder":{"S":"run-2"}},"ConditionExpression":"attribute_not_exists(pk)"}},{"Put":{"TableName":"locks","Item":{"pk":{"S":"db#1"},"holder":{"S":"run-2"}},"ConditionExpression":"attribute_not_exists(pk)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}}]}`}}},
		{"dynamodb-validation", []req{{"PutItem", `{"TableName":"locks","Item":{"pk":{"S":"a"}},"ConditionExpression":"attribute_not_exists(pk) AND","ExpressionAttributeNames":{"#x":"x"}}`}}},
		{"dynamodb-serialization", []req{{"PutItem", `{"TableName":`}}},
		{"dynamodb-unknown-operation", []req{{"ExecuteStatement", `{}`}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tableScenario())
			var last *bytes.Buffer
			for i, c := range tc.calls {
				rec := serve(h.sim, "POST", "/", auth(west, "dynamodb"),
					map[string]string{"X-Amz-Target": "DynamoDB_20120810." + c.op, "Content-Type": "application/x-amz-json-1.0"}, c.body)
				if i < len(tc.calls)-1 && rec.Code != 200 {
					t.Fatalf("setup %s: %d %s", c.op, rec.Code, rec.Body.String())
				}
				var got bytes.Buffer
				fmt.Fprintf(&got, "%d\n", rec.Code)
				for _, hd := range []string{"Content-Type", "X-Amzn-Errortype", "X-Amz-Crc32"} {
					if v := rec.Header().Get(hd); v != "" {
						fmt.Fprintf(&got, "%s: %s\n", hd, v)
					}
				}
				got.WriteString("\n")
				got.Write(indentBody(t, rec.Body.Bytes()))
				last = &got
			}
			path := filepath.Join("testdata", "golden", tc.name+".txt")
			if *update {
				if err := os.WriteFile(path, last.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestDynamoDBGoldenResponses -update)", err)
			}
			if !bytes.Equal(last.Bytes(), want) {
				t.Errorf("answer differs from %s:\n%s", path, last.String())
			}
		})
	}
}
