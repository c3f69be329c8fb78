"""Drive the simulator's CloudWatch lag metrics and IAM policy simulation
through boto3.

Usage: python3 observe_boto3.py ENDPOINT_URL

The simulator runs the seed scenario on a clock that only moves when this
script asks (POST /_sim/advance). Prints one line per failed check and exits
1 if any failed. Standard library and boto3 only.
"""

import datetime
import json
import sys
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

URL = sys.argv[1]
EAST, WEST = "us-east-1", "us-west-2"
OPERATOR = "arn:aws:iam::123456789012:role/drorch-operator"
NO_SWITCHOVER = "arn:aws:iam::123456789012:role/drorch-no-switchover"
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


def client(service, region):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=URL,
        aws_access_key_id="AKIDBOTO3",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def admin(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


def now():
    raw = admin("GET", "/_sim/health")["now"].replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(raw)


def expect_error(code, status, fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(got == code and got_status == status, "%s: got %s %s, want %s %s" % (fn.__name__, got, got_status, code, status))
        return
    failures.append("%s: no error, want %s" % (fn.__name__, code))


def stat(qid, namespace, metric, dims, stat="Maximum", period=60):
    return {
        "Id": qid,
        "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]},
            "Period": period,
            "Stat": stat,
        },
    }


QUERIES = [
    stat("aurora", "AWS/RDS", "AuroraGlobalDBReplicationLag", {"DBClusterIdentifier": "dbcluster-02"}),
    stat("replica", "AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": "rds-mysql-instance"}),
    stat("cache", "AWS/ElastiCache", "GlobalDatastoreReplicationLag", {"CacheClusterId": "demo-redis-cluster-001"}),
]
SCALE = {"aurora": 0.001, "replica": 1, "cache": 1}


def lags(minutes=5):
    t = now()
    out = client("cloudwatch", WEST).get_metric_data(
        MetricDataQueries=QUERIES, StartTime=t - datetime.timedelta(minutes=minutes), EndTime=t + datetime.timedelta(seconds=1)
    )
    res = {}
    for r in out["MetricDataResults"]:
        check(r["StatusCode"] == "Complete", "%s: status %s" % (r["Id"], r["StatusCode"]))
        ts = r["Timestamps"]
        check(all(isinstance(x, datetime.datetime) for x in ts), "%s: timestamps are not datetimes: %r" % (r["Id"], ts[:1]))
        check(ts == sorted(ts, reverse=True), "%s: timestamps not newest first" % r["Id"])
        res[r["Id"]] = [v * SCALE[r["Id"]] for v in r["Values"]]
    return res


def cloudwatch():
    cw = client("cloudwatch", WEST)
    got = lags(10)
    for qid, vs in got.items():
        check(len(vs) == 11, "%s: %d points over 10 minutes" % (qid, len(vs)))
        check(all(0 < v < 1 for v in vs), "%s: not a sub-second lag: %r" % (qid, vs))

    admin("POST", "/_sim/faults", {"kind": "lag", "region": WEST, "seconds": 90})
    admin("POST", "/_sim/advance", {"seconds": 180})
    for qid, vs in lags().items():
        check(vs and abs(vs[0] - 90) < 3, "%s under a 90 s lag fault: %r" % (qid, vs[:1]))
    admin("DELETE", "/_sim/faults")
    admin("POST", "/_sim/advance", {"seconds": 120})
    for qid, vs in lags().items():
        check(vs and vs[0] < 1, "%s after clear: %r" % (qid, vs[:1]))

    t = now()
    st = cw.get_metric_statistics(
        Namespace="AWS/RDS", MetricName="ReplicaLag", Dimensions=[{"Name": "DBInstanceIdentifier", "Value": "rds-mysql-instance"}],
        StartTime=t - datetime.timedelta(minutes=30), EndTime=t, Period=300, Statistics=["Average", "SampleCount"],
    )
    check(st["Label"] == "ReplicaLag" and len(st["Datapoints"]) == 6, "get_metric_statistics: %r" % st)
    check(all(d["SampleCount"] == 5 and d["Unit"] == "Seconds" for d in st["Datapoints"]), "datapoints %r" % st["Datapoints"])

    pages = list(cw.get_paginator("get_metric_data").paginate(
        MetricDataQueries=QUERIES, StartTime=t - datetime.timedelta(minutes=10), EndTime=t, MaxDatapoints=4))
    check(len(pages) == 8, "paginated get_metric_data: %d pages, want 8 (30 points, 4 a page)" % len(pages))

    expect_error("InvalidNextToken", 400, cw.get_metric_data, MetricDataQueries=QUERIES,
                 StartTime=t - datetime.timedelta(minutes=10), EndTime=t, NextToken="garbage")
    expect_error("ValidationError", 400, cw.get_metric_data, MetricDataQueries=[{"Id": "e1", "Expression": "SUM(METRICS())"}],
                 StartTime=t - datetime.timedelta(minutes=10), EndTime=t)
    expect_error("InvalidParameterValue", 400, cw.get_metric_statistics, Namespace="AWS/RDS", MetricName="ReplicaLag",
                 StartTime=t - datetime.timedelta(minutes=10), EndTime=t, Period=90, Statistics=["Average"])


def simulate():
    iam = client("iam", EAST)
    actions = ["rds:SwitchoverGlobalCluster", "rds:DescribeGlobalClusters", "s3:GetObject"]
    out = iam.simulate_principal_policy(PolicySourceArn=OPERATOR, ActionNames=actions)
    got = [(r["EvalActionName"], r["EvalDecision"]) for r in out["EvaluationResults"]]
    check(got == [(actions[0], "allowed"), (actions[1], "allowed"), (actions[2], "implicitDeny")], "operator: %r" % got)
    m = out["EvaluationResults"][0]["MatchedStatements"][0]
    check(m["SourcePolicyId"] == "drorch-failover" and m["SourcePolicyType"] == "role" and m["StartPosition"]["Line"] > 1,
          "matched statement %r" % m)
    check(out["IsTruncated"] is False, "truncated %r" % out["IsTruncated"])

    out = iam.simulate_principal_policy(PolicySourceArn=NO_SWITCHOVER, ActionNames=actions[:1],
                                        ResourceArns=["arn:aws:rds::123456789012:global-cluster:dr-globaldb-cluster-mysql"])
    r = out["EvaluationResults"][0]
    check(r["EvalDecision"] == "implicitDeny" and r["EvalResourceName"].endswith("dr-globaldb-cluster-mysql"), "restricted: %r" % r)

    expect_error("NoSuchEntity", 404, iam.simulate_principal_policy, PolicySourceArn="arn:aws:iam::123456789012:role/nobody", ActionNames=actions)
    expect_error("InvalidInput", 400, iam.simulate_principal_policy, PolicySourceArn="arn:aws:iam::123456789012:nonsense/x", ActionNames=actions)

    sts = client("sts", WEST)
    check(sts.get_caller_identity()["Arn"] == "arn:aws:sts::123456789012:assumed-role/drorch-operator/drorch-sim", "operator identity")
    admin("PUT", "/_sim/caller", {"arn": NO_SWITCHOVER})
    ident = sts.get_caller_identity()
    check(ident["Arn"] == "arn:aws:sts::123456789012:assumed-role/drorch-no-switchover/drorch-sim", "switched identity %r" % ident["Arn"])


cloudwatch()
simulate()
for f in failures:
    print("FAIL:", f)
print("%d checks failed" % len(failures))
sys.exit(1 if failures else 0)
