package sim

import (
	"net/http"
	"net/http/httptest"
	"strings"
)

// The replay of the services the simulator serves besides the databases
// drorch fails over: DynamoDB (the lock table of team and Step Functions
// runs) and IAM's policy simulator (drorch check). Each operation answers
// once with success and once with an error.

// dynamodb sends a DynamoDB JSON 1.0 action.
func (r *replay) dynamodb(region, op, body string) answer {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Authorization", scope(region, "dynamodb"))
	act := op
	if r.s.services["dynamodb"].jsonOps[op] == nil {
		act = ""
	}
	return r.send(req, region, "dynamodb", act, region+" dynamodb "+op+" "+truncate(body, 200))
}

func (r *replay) otherServices() {
	const table = `"TableName":"drorch-locks"`
	key := `"Key":{"pk":{"S":"db#1"}}`
	r.must(r.dynamodb(rWest, "CreateTable", `{`+table+`,"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`))
	r.settle()
	r.must(r.dynamodb(rWest, "DescribeTable", `{`+table+`}`))
	r.must(r.dynamodb(rWest, "ListTables", `{"Limit":5}`))
	r.must(r.dynamodb(rWest, "UpdateTimeToLive", `{`+table+`,"TimeToLiveSpecification":{"Enabled":true,"AttributeName":"until"}}`))
	r.must(r.dynamodb(rWest, "DescribeTimeToLive", `{`+table+`}`))
	r.must(r.dynamodb(rWest, "PutItem", `{`+table+`,"Item":{"pk":{"S":"db#1"},"holder":{"S":"run-1"},"until":{"N":"1750000000"}},"ConditionExpression":"attribute_not_exists(pk)"}`))
	r.must(r.dynamodb(rWest, "GetItem", `{`+table+`,`+key+`,"ConsistentRead":true}`))
	r.must(r.dynamodb(rWest, "UpdateItem", `{`+table+`,`+key+`,"UpdateExpression":"SET #u = #u + :d","ExpressionAttributeNames":{"#u":"until"},"ExpressionAttributeValues":{":d":{"N":"60"}},"ReturnValues":"ALL_NEW"}`))
	r.must(r.dynamodb(rWest, "Query", `{`+table+`,"KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"db#1"}}}`))
	r.must(r.dynamodb(rWest, "Scan", `{`+table+`,"Limit":10}`))
	r.must(r.dynamodb(rWest, "BatchGetItem", `{"RequestItems":{"drorch-locks":{"Keys":[{"pk":{"S":"db#1"}},{"pk":{"S":"db#2"}}]}}}`))
	r.must(r.dynamodb(rWest, "TransactWriteItems", `{"TransactItems":[{"Put":{`+table+`,"Item":{"pk":{"S":"db#2"},"holder":{"S":"run-1"}},"ConditionExpression":"attribute_not_exists(pk)"}}]}`))
	r.must(r.dynamodb(rWest, "DeleteItem", `{`+table+`,`+key+`,"ReturnValues":"ALL_OLD"}`))

	missing := `{"TableName":"nope"}`
	r.fails("ResourceNotFoundException", r.dynamodb(rWest, "DescribeTable", missing))
	r.fails("ResourceNotFoundException", r.dynamodb(rWest, "DescribeTimeToLive", missing))
	r.fails("ResourceNotFoundException", r.dynamodb(rWest, "UpdateTimeToLive", `{"TableName":"nope","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"until"}}`))
	r.fails("ResourceNotFoundException", r.dynamodb(rWest, "GetItem", `{"TableName":"nope",`+key+`}`))
	r.fails("ResourceNotFoundException", r.dynamodb(rWest, "DeleteItem", `{"TableName":"nope",`+key+`}`))
	r.fails("ResourceNotFoundException", r.dynamodb(rWest, "Query", `{"TableName":"nope","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}}}`))
	r.fails("ResourceNotFoundException", r.dynamodb(rWest, "Scan", missing))
	r.fails("ResourceNotFoundException", r.dynamodb(rWest, "BatchGetItem", `{"RequestItems":{"nope":{"Keys":[{"pk":{"S":"a"}}]}}}`))
	r.fails("ConditionalCheckFailedException", r.dynamodb(rWest, "PutItem", `{`+table+`,"Item":{"pk":{"S":"db#2"}},"ConditionExpression":"attribute_not_exists(pk)"}`))
	r.fails("ConditionalCheckFailedException", r.dynamodb(rWest, "UpdateItem", `{`+table+`,"Key":{"pk":{"S":"db#2"}},"UpdateExpression":"SET holder = :h","ConditionExpression":"holder = :x","ExpressionAttributeValues":{":h":{"S":"b"},":x":{"S":"z"}}}`))
	r.fails("TransactionCanceledException", r.dynamodb(rWest, "TransactWriteItems", `{"TransactItems":[{"Put":{`+table+`,"Item":{"pk":{"S":"db#2"}},"ConditionExpression":"attribute_not_exists(pk)"}}]}`))
	r.fails("ValidationException", r.dynamodb(rWest, "ListTables", `{"Limit":0}`))
	r.fails("ResourceInUseException", r.dynamodb(rWest, "CreateTable", `{`+table+`,"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`))
	r.must(r.dynamodb(rWest, "DeleteTable", `{`+table+`}`))
	r.fails("ResourceNotFoundException", r.dynamodb(rWest, "DeleteTable", missing))
	r.settle()

	r.must(r.query(rEast, "iam", "SimulatePrincipalPolicy", "PolicySourceArn", "arn:aws:iam::123456789012:role/drorch-operator",
		"ActionNames.member.1", "rds:SwitchoverGlobalCluster", "ResourceArns.member.1", "*"))
	r.fails("NoSuchEntity", r.query(rEast, "iam", "SimulatePrincipalPolicy", "PolicySourceArn", "arn:aws:iam::123456789012:role/nobody",
		"ActionNames.member.1", "rds:SwitchoverGlobalCluster"))
}
