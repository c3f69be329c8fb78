"""Run a representative AWS CLI command per simulated operation.

Usage: python3 cli_conformance.py ENDPOINT_URL

Each command's JSON output (or, for an expected error, its error code) is
checked. Prints one line per failed check and exits 1 if any failed.
Standard library only; the `aws` command must be on PATH.
"""

import json
import subprocess
import sys
import urllib.request

URL = sys.argv[1]
EAST, WEST = "us-east-1", "us-west-2"
GC = "dr-globaldb-cluster-mysql"
ARN01 = "arn:aws:rds:us-east-1:123456789012:cluster:dbcluster-01"
ARN02 = "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"
GRG = "ldgnf-demo-redis-global-datastore"
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


def advance(seconds):
    req = urllib.request.Request(URL + "/_sim/advance", data=json.dumps({"seconds": seconds}).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()


def get(d, *path):
    for p in path:
        try:
            d = d[p]
        except (KeyError, IndexError, TypeError):
            return None
    return d


out = aws(WEST, "rds", "describe-global-clusters")
check(len(get(out, "GlobalClusters", 0, "GlobalClusterMembers") or []) == 2, "describe-global-clusters members")
aws(WEST, "rds", "describe-global-clusters", "--global-cluster-identifier", "nope", error="GlobalClusterNotFoundFault")
out = aws(WEST, "rds", "describe-db-clusters", "--filters", "Name=engine,Values=aurora-mysql")
check(get(out, "DBClusters", 0, "DBClusterIdentifier") == "dbcluster-02", "describe-db-clusters with a filter")
out = aws(WEST, "rds", "describe-db-instances", "--db-instance-identifier", "rds-mysql-instance")
check(get(out, "DBInstances", 0, "StatusInfos", 0, "Status") == "replicating", "describe-db-instances replica")
aws(WEST, "rds", "describe-db-instances", "--db-instance-identifier", "nope", error="DBInstanceNotFound")

out = aws(EAST, "rds", "switchover-global-cluster", "--global-cluster-identifier", GC, "--target-db-cluster-identifier", ARN02)
check(get(out, "GlobalCluster", "Status") == "switching-over", "switchover-global-cluster")
advance(60)
out = aws(EAST, "rds", "failover-global-cluster", "--global-cluster-identifier", GC, "--target-db-cluster-identifier", ARN01, "--allow-data-loss")
check(get(out, "GlobalCluster", "FailoverState", "IsDataLossAllowed") is True, "failover-global-cluster --allow-data-loss")
advance(75)
aws(EAST, "rds", "remove-from-global-cluster", "--global-cluster-identifier", GC, "--db-cluster-identifier", ARN02,
    error="InvalidParameterValue")  # made in the removed cluster's Region only
out = aws(WEST, "rds", "remove-from-global-cluster", "--global-cluster-identifier", GC, "--db-cluster-identifier", ARN02)
members = {m["DBClusterArn"]: m["IsWriter"] for m in get(out, "GlobalCluster", "GlobalClusterMembers") or []}
check(members == {ARN01: True, ARN02: False}, "remove-from-global-cluster answers with the cluster still listed: %r" % members)
advance(30)
out = aws(WEST, "rds", "delete-db-instance", "--db-instance-identifier", "dbcluster-02-usw2-instance-2", "--skip-final-snapshot")
check(get(out, "DBInstance", "DBInstanceStatus") == "deleting", "delete-db-instance")
out = aws(WEST, "rds", "delete-db-cluster", "--db-cluster-identifier", "dbcluster-02", "--skip-final-snapshot")
check(get(out, "DBCluster", "Status") == "deleting", "delete-db-cluster")
advance(180)
out = aws(WEST, "rds", "create-db-cluster", "--db-cluster-identifier", "dbcluster-02", "--engine", "aurora-mysql",
          "--global-cluster-identifier", GC, "--source-region", EAST, "--port", "3787", "--storage-encrypted",
          "--kms-key-id", "arn:aws:kms:us-west-2:123456789012:key/k")
check(get(out, "DBCluster", "Status") == "creating" and get(out, "DBCluster", "ReplicationSourceIdentifier") == ARN01
      and bool(get(out, "DBCluster", "Endpoint")), "create-db-cluster")
out = aws(WEST, "rds", "create-db-instance", "--db-instance-identifier", "dbcluster-02-usw2-instance-2",
          "--db-instance-class", "db.r5.large", "--engine", "aurora-mysql", "--db-cluster-identifier", "dbcluster-02")
check(get(out, "DBInstance", "DBInstanceStatus") == "creating", "create-db-instance")
advance(600)

out = aws(EAST, "rds", "create-db-cluster", "--db-cluster-identifier", "solo", "--engine", "aurora-mysql",
          "--master-username", "admin", "--master-user-password", "pw-12345678")
advance(600)
out = aws(EAST, "rds", "create-global-cluster", "--global-cluster-identifier", "gc-cli",
          "--source-db-cluster-identifier", "arn:aws:rds:us-east-1:123456789012:cluster:solo")
check(get(out, "GlobalCluster", "Status") == "creating", "create-global-cluster")
advance(5)
aws(EAST, "rds", "remove-from-global-cluster", "--global-cluster-identifier", "gc-cli",
    "--db-cluster-identifier", "arn:aws:rds:us-east-1:123456789012:cluster:solo")
advance(30)
out = aws(EAST, "rds", "delete-global-cluster", "--global-cluster-identifier", "gc-cli")
check(get(out, "GlobalCluster", "Status") == "deleting", "delete-global-cluster")
out = aws(EAST, "rds", "delete-db-cluster", "--db-cluster-identifier", "solo", "--final-db-snapshot-identifier", "solo-final")
check(get(out, "DBCluster", "Status") == "available", "delete-db-cluster with a final snapshot: available meanwhile")
out = aws(EAST, "rds", "describe-db-cluster-snapshots", "--db-cluster-snapshot-identifier", "solo-final")
check(get(out, "DBClusterSnapshots", 0, "Status") == "creating", "describe-db-cluster-snapshots")
advance(120)
out = aws(EAST, "rds", "describe-db-cluster-snapshots", "--db-cluster-identifier", "solo")
check(get(out, "DBClusterSnapshots", 0, "Status") == "available", "describe-db-cluster-snapshots by cluster")
aws(EAST, "rds", "describe-db-cluster-snapshots", "--db-cluster-snapshot-identifier", "nope", error="DBClusterSnapshotNotFoundFault")

out = aws(WEST, "rds", "promote-read-replica", "--db-instance-identifier", "rds-mysql-instance")
check(get(out, "DBInstance", "DBInstanceStatus") == "modifying", "promote-read-replica")
advance(90)
aws(EAST, "rds", "delete-db-instance", "--db-instance-identifier", "rds-mysql-instance", "--final-db-snapshot-identifier", "backup-1")
out = aws(EAST, "rds", "describe-db-snapshots", "--db-snapshot-identifier", "backup-1")
check(get(out, "DBSnapshots", 0, "Status") == "creating", "describe-db-snapshots")
aws(EAST, "rds", "describe-db-snapshots", "--db-snapshot-identifier", "nope", error="DBSnapshotNotFound")
advance(420)
out = aws(EAST, "rds", "describe-db-snapshots", "--db-instance-identifier", "rds-mysql-instance")
check(get(out, "DBSnapshots", 0, "Status") == "available", "describe-db-snapshots by instance")
out = aws(EAST, "rds", "create-db-instance-read-replica", "--db-instance-identifier", "rds-mysql-instance",
          "--source-db-instance-identifier", "arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance", "--source-region", WEST,
          "--kms-key-id", "arn:aws:kms:us-east-1:123456789012:key/k")
check(get(out, "DBInstance", "DBInstanceStatus") == "creating", "create-db-instance-read-replica")

out = aws(WEST, "elasticache", "describe-global-replication-groups", "--global-replication-group-id", GRG, "--show-member-info")
check(len(get(out, "GlobalReplicationGroups", 0, "Members") or []) == 2, "describe-global-replication-groups")
out = aws(WEST, "elasticache", "failover-global-replication-group", "--global-replication-group-id", GRG,
          "--primary-region", WEST, "--primary-replication-group-id", "demo-redis-cluster")
check(get(out, "GlobalReplicationGroup", "Status") == "modifying", "failover-global-replication-group")
out = aws(WEST, "elasticache", "describe-replication-groups", "--replication-group-id", "demo-redis-cluster")
check(get(out, "ReplicationGroups", 0, "GlobalReplicationGroupInfo", "GlobalReplicationGroupMemberRole") == "SECONDARY", "describe-replication-groups")

out = aws(WEST, "cloudformation", "list-exports")
names = {e["Name"]: e["Value"] for e in get(out, "Exports") or []}
check(names.get("dr-globaldb-cluster-mysql-source-region") == EAST and len(names) == 22, "list-exports")
out = aws(WEST, "ssm", "get-parameter", "--name", "/dr-orchestrator/demo/db-password", "--with-decryption")
check(get(out, "Parameter", "Value") == "s3cr3t-demo-password", "ssm get-parameter --with-decryption")
aws(WEST, "ssm", "get-parameter", "--name", "/nope", error="ParameterNotFound")
out = aws(WEST, "sns", "publish", "--topic-arn", "arn:aws:sns:us-west-2:123456789012:dr-orchestrator-notifications", "--message", "drill")
check(bool(get(out, "MessageId")), "sns publish")
out = aws(EAST, "sts", "get-caller-identity")
check(get(out, "Account") == "123456789012", "sts get-caller-identity")

for f in failures:
    print("FAIL", f)
print("AWS CLI conformance: %d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
