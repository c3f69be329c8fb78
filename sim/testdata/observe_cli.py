"""Read the simulator's CloudWatch lag metrics and simulate IAM policies
with the AWS CLI.

Usage: python3 observe_cli.py ENDPOINT_URL

Prints one line per failed check and exits 1 if any failed. Standard
library only; the `aws` command must be on PATH.
"""

import datetime
import json
import subprocess
import sys
import urllib.request

URL = sys.argv[1]
EAST, WEST = "us-east-1", "us-west-2"
failures = []


def aws(region, *args, error=None):
    cmd = ["aws", "--endpoint-url", URL, "--region", region, "--output", "json"] + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if error is not None:
        if p.returncode == 0 or error not in p.stderr:
            failures.append("%s: exit %d, stderr %r; want error %s" % (" ".join(args[:2]), p.returncode, p.stderr.strip(), error))
        return None
    if p.returncode != 0:
        failures.append("%s: exit %d: %s" % (" ".join(args[:2]), p.returncode, p.stderr.strip()))
        return {}
    return json.loads(p.stdout) if p.stdout.strip() else {}


def check(cond, msg):
    if not cond:
        failures.append(msg)


def admin(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


now = datetime.datetime.fromisoformat(admin("GET", "/_sim/health")["now"].replace("Z", "+00:00"))
start, end = iso(now - datetime.timedelta(minutes=10)), iso(now + datetime.timedelta(seconds=1))

queries = [
    {"Id": "aurora", "MetricStat": {"Metric": {"Namespace": "AWS/RDS", "MetricName": "AuroraGlobalDBRPOLag",
     "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "dbcluster-02"}]}, "Period": 60, "Stat": "Maximum"}},
    {"Id": "cache", "MetricStat": {"Metric": {"Namespace": "AWS/ElastiCache", "MetricName": "GlobalDatastoreReplicationLag",
     "Dimensions": [{"Name": "CacheClusterId", "Value": "demo-redis-cluster-001"}, {"Name": "CacheNodeId", "Value": "0001"}]},
     "Period": 60, "Stat": "Average"}},
]
out = aws(WEST, "cloudwatch", "get-metric-data", "--metric-data-queries", json.dumps(queries), "--start-time", start, "--end-time", end)
res = {r["Id"]: r for r in out.get("MetricDataResults", [])}
check(set(res) == {"aurora", "cache"}, "get-metric-data results %r" % list(res))
if "aurora" in res:
    check(len(res["aurora"]["Values"]) == 11 and all(0 < v < 1000 for v in res["aurora"]["Values"]), "aurora RPO lag (ms) %r" % res["aurora"]["Values"])
    check(res["aurora"]["Timestamps"][0] > res["aurora"]["Timestamps"][-1], "newest first: %r" % res["aurora"]["Timestamps"][:2])
if "cache" in res:
    check(len(res["cache"]["Values"]) == 11 and all(0 < v < 1 for v in res["cache"]["Values"]), "cache lag %r" % res["cache"]["Values"])

st = aws(WEST, "cloudwatch", "get-metric-statistics", "--namespace", "AWS/RDS", "--metric-name", "ReplicaLag",
         "--dimensions", "Name=DBInstanceIdentifier,Value=rds-mysql-instance", "--start-time", start, "--end-time", end,
         "--period", "60", "--statistics", "Maximum", "Minimum")
check(len(st.get("Datapoints", [])) == 11, "get-metric-statistics: %r" % st)

admin("POST", "/_sim/faults", {"kind": "lag", "region": WEST, "seconds": 45})
admin("POST", "/_sim/advance", {"seconds": 120})
later = iso(now + datetime.timedelta(minutes=2, seconds=1))
st = aws(WEST, "cloudwatch", "get-metric-statistics", "--namespace", "AWS/RDS", "--metric-name", "ReplicaLag",
         "--dimensions", "Name=DBInstanceIdentifier,Value=rds-mysql-instance", "--start-time", iso(now + datetime.timedelta(minutes=1)),
         "--end-time", later, "--period", "60", "--statistics", "Maximum")
check(st.get("Datapoints") and all(abs(d["Maximum"] - 45) < 2 for d in st["Datapoints"]), "ReplicaLag under a 45 s fault: %r" % st)

aws(WEST, "cloudwatch", "get-metric-data", "--metric-data-queries", json.dumps([{"Id": "e", "Expression": "METRICS()"}]),
    "--start-time", start, "--end-time", end, error="ValidationError")

sim = aws(EAST, "iam", "simulate-principal-policy", "--policy-source-arn", "arn:aws:iam::123456789012:role/drorch-no-switchover",
          "--action-names", "rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster", "elasticache:FailoverGlobalReplicationGroup")
got = [(r["EvalActionName"], r["EvalDecision"]) for r in sim.get("EvaluationResults", [])]
check(got == [("rds:SwitchoverGlobalCluster", "implicitDeny"), ("rds:FailoverGlobalCluster", "allowed"),
              ("elasticache:FailoverGlobalReplicationGroup", "allowed")], "simulate-principal-policy: %r" % got)
aws(EAST, "iam", "simulate-principal-policy", "--policy-source-arn", "arn:aws:iam::123456789012:user/nobody",
    "--action-names", "rds:DescribeDBClusters", error="NoSuchEntity")
ident = aws(WEST, "sts", "get-caller-identity")
check(ident.get("Arn") == "arn:aws:sts::123456789012:assumed-role/drorch-operator/drorch-sim", "get-caller-identity %r" % ident)

for f in failures:
    print("FAIL:", f)
print("%d checks failed" % len(failures))
sys.exit(1 if failures else 0)
