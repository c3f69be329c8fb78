"""Drive the simulator's DynamoDB through boto3 (client and resource layers)
and the AWS CLI.

Usage: python3 dynamodb_conformance.py ENDPOINT_URL

The simulator runs the seed scenario on a clock that only moves when this
script asks (POST /_sim/advance). botocore checks every answer's
X-Amz-Crc32. The resource layer writes its own #n0/:v0 placeholders from
boto3.dynamodb.conditions, an expression writer nobody here wrote. Prints
one line per failed check and exits 1 if any failed.
"""

import json
import subprocess
import sys
import urllib.request

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.config import Config
from botocore.exceptions import ClientError

URL = sys.argv[1]
WEST = "us-west-2"
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


def admin(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


def advance(seconds):
    admin("POST", "/_sim/advance", {"seconds": seconds})


kw = dict(region_name=WEST, endpoint_url=URL, aws_access_key_id="AKIDBOTO3", aws_secret_access_key="secret",
          config=Config(retries={"max_attempts": 1, "mode": "standard"}))
ddb = boto3.client("dynamodb", **kw)


def error_of(fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        return e
    return None


# Tables.
out = ddb.create_table(TableName="drorch-locks", BillingMode="PAY_PER_REQUEST",
                       KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
check(out["TableDescription"]["TableStatus"] == "CREATING", "create_table: %r" % out["TableDescription"])
ddb.create_table(TableName="events", BillingMode="PROVISIONED", ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}])
e = error_of(ddb.create_table, TableName="drorch-locks", BillingMode="PAY_PER_REQUEST",
             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
check(e is not None and e.response["Error"]["Code"] == "ResourceInUseException", "create twice: %r" % e)
advance(10)
ddb.get_waiter("table_exists").wait(TableName="drorch-locks", WaiterConfig={"Delay": 1, "MaxAttempts": 3})
ddb.update_time_to_live(TableName="drorch-locks", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
ttl = ddb.describe_time_to_live(TableName="drorch-locks")["TimeToLiveDescription"]
check(ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}, "describe_time_to_live: %r" % ttl)
names = []
for page in ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 1}):
    names += page["TableNames"]
check(names == ["drorch-locks", "events"], "list_tables pages: %r" % names)

# Items through the client: the lock's own calls.
item = {"pk": {"S": "db#1"}, "holder": {"S": "run-1"}, "until": {"N": "100"}, "tags": {"SS": ["a"]},
        "raw": {"B": b"\x00\x01"}, "meta": {"M": {"hosts": {"L": [{"S": "h1"}]}, "ok": {"BOOL": True}, "none": {"NULL": True}}}}
ddb.put_item(TableName="drorch-locks", Item=item, ConditionExpression="attribute_not_exists(pk)")
e = error_of(ddb.put_item, TableName="drorch-locks", Item={"pk": {"S": "db#1"}, "holder": {"S": "run-2"}},
             ConditionExpression="attribute_not_exists(pk) OR #u < :now", ExpressionAttributeNames={"#u": "until"},
             ExpressionAttributeValues={":now": {"N": "50"}}, ReturnValuesOnConditionCheckFailure="ALL_OLD")
check(e is not None and e.response["Error"]["Code"] == "ConditionalCheckFailedException"
      and e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
      and e.response.get("Item", {}).get("holder") == {"S": "run-1"}, "conditional put refused with the item: %r" % (e and e.response))
got = ddb.get_item(TableName="drorch-locks", Key={"pk": {"S": "db#1"}}, ConsistentRead=True)["Item"]
check(got == item, "get_item round trip: %r" % got)
out = ddb.update_item(TableName="drorch-locks", Key={"pk": {"S": "db#1"}}, UpdateExpression="SET #u = #u + :d ADD renewals :one",
                      ConditionExpression="holder = :me", ExpressionAttributeNames={"#u": "until"},
                      ExpressionAttributeValues={":d": {"N": "60"}, ":one": {"N": "1"}, ":me": {"S": "run-1"}}, ReturnValues="UPDATED_NEW")
check(out["Attributes"] == {"until": {"N": "160"}, "renewals": {"N": "1"}}, "update_item UPDATED_NEW: %r" % out.get("Attributes"))
e = error_of(ddb.transact_write_items, TransactItems=[
    {"Put": {"TableName": "drorch-locks", "Item": {"pk": {"S": "db#0"}, "holder": {"S": "run-2"}}, "ConditionExpression": "attribute_not_exists(pk)"}},
    {"Put": {"TableName": "drorch-locks", "Item": {"pk": {"S": "db#1"}, "holder": {"S": "run-2"}}, "ConditionExpression": "attribute_not_exists(pk)",
             "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}])
reasons = e.response.get("CancellationReasons", []) if e else []
check(e is not None and e.response["Error"]["Code"] == "TransactionCanceledException"
      and [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
      and reasons[1].get("Item", {}).get("holder") == {"S": "run-1"}, "transaction cancelled with reasons: %r" % (e and e.response))
check(ddb.get_item(TableName="drorch-locks", Key={"pk": {"S": "db#0"}}).get("Item") is None, "a cancelled transaction wrote nothing")
e = error_of(ddb.get_item, TableName="drorch-locks", Key={"pk": {"N": "1"}})
check(e is not None and e.response["Error"]["Code"] == "ValidationException"
      and "The provided key element does not match the schema" in e.response["Error"]["Message"], "key type mismatch: %r" % e)
e = error_of(ddb.put_item, TableName="drorch-locks", Item={"pk": {"S": "x"}}, ConditionExpression="status = :s", ExpressionAttributeValues={":s": {"S": "x"}})
check(e is not None and "reserved keyword: status" in e.response["Error"]["Message"], "reserved word: %r" % e)

# The resource layer: boto3 writes the expressions.
table = boto3.resource("dynamodb", **kw).Table("events")
for i in range(7):
    table.put_item(Item={"pk": "a", "sk": i * 10, "odd": i % 2 == 1, "label": "item-%d" % i},
                   ConditionExpression=Attr("pk").not_exists() | Attr("label").begins_with("item"))
got = []
for page in boto3.client("dynamodb", **kw).get_paginator("query").paginate(
        TableName="events", KeyConditionExpression="pk = :p AND sk BETWEEN :lo AND :hi",
        ExpressionAttributeValues={":p": {"S": "a"}, ":lo": {"N": "10"}, ":hi": {"N": "50"}},
        ScanIndexForward=False, PaginationConfig={"PageSize": 2}):
    got += [int(it["sk"]["N"]) for it in page["Items"]]
check(got == [50, 40, 30, 20, 10], "query paginator: %r" % got)
res = table.query(KeyConditionExpression=Key("pk").eq("a") & Key("sk").gte(30), FilterExpression=Attr("odd").eq(True))
check([int(i["sk"]) for i in res["Items"]] == [30, 50] and res["ScannedCount"] == 4, "resource query with filter: %r" % res)
res = table.scan(FilterExpression=Attr("label").is_in(["item-1", "item-2"]) & Attr("sk").between(0, 100) & ~Attr("odd").eq(False),
                 ProjectionExpression="sk, #l", ExpressionAttributeNames={"#l": "label"})
check([i["label"] for i in res["Items"]] == ["item-1"] and set(res["Items"][0]) == {"sk", "label"}, "resource scan: %r" % res["Items"])
table.update_item(Key={"pk": "a", "sk": 0}, UpdateExpression="SET #l = :l REMOVE odd",
                  ExpressionAttributeNames={"#l": "label"}, ExpressionAttributeValues={":l": "renamed"})
check(table.get_item(Key={"pk": "a", "sk": 0})["Item"] == {"pk": "a", "sk": 0, "label": "renamed"}, "resource update_item")
bg = ddb.batch_get_item(RequestItems={"events": {"Keys": [{"pk": {"S": "a"}, "sk": {"N": "0"}}, {"pk": {"S": "b"}, "sk": {"N": "0"}}]}})
check(len(bg["Responses"]["events"]) == 1 and bg["UnprocessedKeys"] == {}, "batch_get_item: %r" % bg)

# Throttling as DynamoDB sends it.
admin("POST", "/_sim/faults", {"kind": "throttle", "region": WEST, "service": "dynamodb"})
e = error_of(ddb.put_item, TableName="events", Item={"pk": {"S": "z"}, "sk": {"N": "1"}})
check(e is not None and e.response["Error"]["Code"] == "ProvisionedThroughputExceededException", "throttled put: %r" % e)
e = error_of(ddb.describe_table, TableName="events")
check(e is not None and e.response["Error"]["Code"] == "ThrottlingException", "throttled describe: %r" % e)
admin("DELETE", "/_sim/faults")


# The AWS CLI.
def aws(*args, error=None):
    cmd = ["aws", "--endpoint-url", URL, "--region", WEST, "--output", "json", "dynamodb"] + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if error is not None:
        if p.returncode == 0 or error not in p.stderr:
            failures.append("aws %s: exit %d, stderr %r; want error %s" % (args[0], p.returncode, p.stderr.strip(), error))
        return None
    if p.returncode != 0:
        failures.append("aws %s: exit %d: %s" % (args[0], p.returncode, p.stderr.strip()))
        return {}
    return json.loads(p.stdout) if p.stdout.strip() else {}


aws("wait", "table-exists", "--table-name", "drorch-locks")
out = aws("describe-table", "--table-name", "drorch-locks")
check(out.get("Table", {}).get("KeySchema") == [{"AttributeName": "pk", "KeyType": "HASH"}], "cli describe-table: %r" % out)
aws("put-item", "--table-name", "drorch-locks", "--item", '{"pk":{"S":"db#9"},"holder":{"S":"cli"}}',
    "--condition-expression", "attribute_not_exists(pk)")
aws("put-item", "--table-name", "drorch-locks", "--item", '{"pk":{"S":"db#9"},"holder":{"S":"cli-2"}}',
    "--condition-expression", "attribute_not_exists(pk)", error="ConditionalCheckFailedException")
out = aws("get-item", "--table-name", "drorch-locks", "--key", '{"pk":{"S":"db#9"}}', "--consistent-read")
check(out.get("Item", {}).get("holder") == {"S": "cli"}, "cli get-item: %r" % out)
aws("transact-write-items", "--transact-items",
    '[{"ConditionCheck":{"TableName":"drorch-locks","Key":{"pk":{"S":"db#9"}},"ConditionExpression":"holder = :x","ExpressionAttributeValues":{":x":{"S":"nobody"}}}}]',
    error="TransactionCanceledException")
out = aws("scan", "--table-name", "drorch-locks", "--select", "COUNT")
check(out.get("Count") == 2, "cli scan count: %r" % out)
out = aws("query", "--table-name", "events", "--key-condition-expression", "pk = :p", "--expression-attribute-values", '{":p":{"S":"a"}}',
          "--max-items", "3")
check(len(out.get("Items", [])) == 3 and out.get("NextToken"), "cli query --max-items: %r" % out)
aws("delete-item", "--table-name", "drorch-locks", "--key", '{"pk":{"S":"db#9"}}', "--condition-expression", "holder = :me",
    "--expression-attribute-values", '{":me":{"S":"cli"}}')
aws("delete-table", "--table-name", "drorch-locks")
advance(10)
aws("describe-table", "--table-name", "drorch-locks", error="ResourceNotFoundException")

for f in failures:
    print("FAIL", f)
print("DynamoDB conformance: %d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
