package sim_test

import (
	"encoding/json"
	"hash/crc32"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"drorch/internal/clock"
	"drorch/sim"
)

// Any DynamoDB request gets a well-formed answer: 200 or a 400 whose
// __type names the error, with the CRC32 of the body; never a panic.
func FuzzDynamoDBRequest(f *testing.F) {
	f.Add("PutItem", `{"TableName":"locks","Item":{"pk":{"S":"a"},"n":{"N":"1"}},"ConditionExpression":"attribute_not_exists(pk) OR n < :v","ExpressionAttributeValues":{":v":{"N":"5"}},"ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`)
	f.Add("UpdateItem", `{"TableName":"locks","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET #n = if_not_exists(#n, :z) + :o REMOVE x ADD s :s","ExpressionAttributeNames":{"#n":"n"},"ExpressionAttributeValues":{":z":{"N":"0"},":o":{"N":"1"},":s":{"SS":["a"]}},"ReturnValues":"ALL_NEW"}`)
	f.Add("Query", `{"TableName":"events","KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b","ExpressionAttributeValues":{":p":{"S":"a"},":a":{"N":"1"},":b":{"N":"9"}},"Limit":2,"ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"3"}}}`)
	f.Add("Scan", `{"TableName":"events","FilterExpression":"size(l) > :n","ExpressionAttributeValues":{":n":{"N":"1"}},"ProjectionExpression":"pk, l[0], m.k"}`)
	f.Add("TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"locks","Item":{"pk":{"S":"b"}}}},{"ConditionCheck":{"TableName":"locks","Key":{"pk":{"S":"a"}},"ConditionExpression":"attribute_exists(pk)"}}]}`)
	f.Add("BatchGetItem", `{"RequestItems":{"locks":{"Keys":[{"pk":{"S":"a"}},{"pk":{"S":"b"}}]}}}`)
	f.Add("CreateTable", `{"TableName":"t-new","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`)
	f.Add("ListTables", `{"Limit":1,"ExclusiveStartTableName":"a"}`)
	f.Add("DeleteItem", `{"TableName":"locks","Key":{"pk":{"B":"AAE="}}}`)
	f.Add("GetItem", `{"TableName":"locks","Key":{"pk":{"S":"a"}},"ProjectionExpression":"#a.#b[1]","ExpressionAttributeNames":{"#a":"a","#b":"b"}}`)
	f.Add("PutItem", `{"TableName":"locks","Item":{"pk":{"S":"a"},"x":{"NS":["1","1.0"]}}}`)
	f.Add("UpdateTimeToLive", `{"TableName":"locks","TimeToLiveSpecification":{"Enabled":false,"AttributeName":"ttl"}}`)
	sc := tableScenario()
	f.Fuzz(func(t *testing.T, op, body string) {
		s, err := sim.New(sim.Config{Scenario: sc, Clock: clock.NewFake(t0), Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for range 2 { // the second call sees what the first wrote
			r := httptest.NewRequest("POST", "/", strings.NewReader(body))
			r.Header.Set("Authorization", auth(west, "dynamodb"))
			r.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
			r.Header.Set("Content-Type", "application/x-amz-json-1.0")
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, r)
			if rec.Code != 200 && rec.Code != 400 {
				t.Fatalf("status %d for %s %q: %s", rec.Code, op, body, rec.Body.String())
			}
			if got, want := rec.Header().Get("X-Amz-Crc32"), strconv.FormatUint(uint64(crc32.ChecksumIEEE(rec.Body.Bytes())), 10); got != want {
				t.Fatalf("X-Amz-Crc32 %s, body's %s", got, want)
			}
			var out map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatalf("answer is not JSON: %v\n%s", err, rec.Body.String())
			}
			if rec.Code == 400 {
				typ, _ := out["__type"].(string)
				if code := rec.Header().Get("X-Amzn-ErrorType"); code == "" || !strings.HasSuffix(typ, "#"+code) {
					t.Fatalf("error without __type: %s", rec.Body.String())
				}
			}
		}
	})
}
