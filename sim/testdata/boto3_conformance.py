"""Drive every operation of drorch's simulator through boto3.

Usage: python3 boto3_conformance.py ENDPOINT_URL

The simulator runs the seed scenario on a clock that only moves when this
script asks (POST /_sim/advance). Prints one line per failed check and exits
1 if any failed. Standard library and boto3 only.
"""

import json
import sys
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

URL = sys.argv[1]
EAST, WEST = "us-east-1", "us-west-2"
GC = "dr-globaldb-cluster-mysql"
ARN01 = "arn:aws:rds:us-east-1:123456789012:cluster:dbcluster-01"
ARN02 = "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"
GRG = "ldgnf-demo-redis-global-datastore"
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


def advance(seconds):
    admin("POST", "/_sim/advance", {"seconds": seconds})


def expect_error(code, status, fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(got == code and got_status == status, "%s: got %s/%s, want %s/%s" % (fn.__name__, got, got_status, code, status))
        return
    failures.append("%s: no error, want %s" % (fn.__name__, code))


def writer(region=WEST):
    g = client("rds", region).describe_global_clusters(GlobalClusterIdentifier=GC)["GlobalClusters"][0]
    for m in g["GlobalClusterMembers"]:
        if m["IsWriter"]:
            return g, m
    return g, None


def rds_global():
    rw = client("rds", WEST)
    g, w = writer()
    check(len(g["GlobalClusterMembers"]) == 2, "seed global cluster has 2 members")
    check(w["DBClusterArn"] == ARN01 and w["Readers"] == [ARN02], "seed writer is dbcluster-01 with reader dbcluster-02: %r" % w)
    check(g["Status"] == "available" and "FailoverState" not in g, "seed global cluster is available")
    expect_error("GlobalClusterNotFoundFault", 404, rw.describe_global_clusters, GlobalClusterIdentifier="nope")

    # A switchover is made in the current primary's Region; anywhere else
    # it is refused.
    expect_error("InvalidParameterValue", 400, rw.switchover_global_cluster, GlobalClusterIdentifier=GC, TargetDbClusterIdentifier=ARN02)
    re = client("rds", EAST)
    out = re.switchover_global_cluster(GlobalClusterIdentifier=GC, TargetDbClusterIdentifier=ARN02)
    fs = out["GlobalCluster"].get("FailoverState", {})
    check(out["GlobalCluster"]["Status"] == "switching-over" and fs.get("Status") == "pending", "switchover response: %r" % out["GlobalCluster"])
    check(out["GlobalCluster"].get("StorageEncryptionType") == "sse-kms", "encrypted global cluster: %r" % out["GlobalCluster"].get("StorageEncryptionType"))
    expect_error("InvalidGlobalClusterStateFault", 400, re.switchover_global_cluster, GlobalClusterIdentifier=GC, TargetDbClusterIdentifier=ARN02)
    advance(10)
    fs = writer()[0].get("FailoverState", {})
    check(fs.get("Status") == "switching-over", "FailoverState while switching over: %r" % fs)
    advance(50)
    check(writer()[1]["DBClusterArn"] == ARN02, "after switchover the writer is dbcluster-02")

    expect_error("InvalidParameterCombination", 400, rw.failover_global_cluster, GlobalClusterIdentifier=GC,
                 TargetDbClusterIdentifier=ARN01, AllowDataLoss=True, Switchover=True)
    out = rw.failover_global_cluster(GlobalClusterIdentifier=GC, TargetDbClusterIdentifier=ARN01, Switchover=True)
    check(out["GlobalCluster"]["Status"] == "switching-over", "failover with Switchover=True switches over")
    advance(60)
    # A data-loss failover is made in the Region of the cluster it promotes.
    expect_error("InvalidParameterValue", 400, re.failover_global_cluster, GlobalClusterIdentifier=GC, TargetDbClusterIdentifier=ARN02, AllowDataLoss=True)
    out = rw.failover_global_cluster(GlobalClusterIdentifier=GC, TargetDbClusterIdentifier=ARN02, AllowDataLoss=True)
    check(out["GlobalCluster"]["Status"] == "failing-over" and out["GlobalCluster"]["FailoverState"]["IsDataLossAllowed"], "data-loss failover response")
    advance(45)
    g, w = writer()
    check(w["DBClusterArn"] == ARN02, "after the failover the writer is dbcluster-02")
    sync = {m["DBClusterArn"]: m.get("SynchronizationStatus") for m in g["GlobalClusterMembers"]}
    check(sync.get(ARN01) == "pending-resync", "old writer pending-resync: %r" % sync)
    advance(30)
    c = rw.describe_db_clusters(DBClusterIdentifier="dbcluster-02")["DBClusters"][0]
    check("ReplicationSourceIdentifier" not in c, "the writer has no replication source")
    c = re.describe_db_clusters(DBClusterIdentifier="dbcluster-01")["DBClusters"][0]
    check(c.get("ReplicationSourceIdentifier") == ARN02, "a secondary replicates from the writer: %r" % c.get("ReplicationSourceIdentifier"))

    # Detach the old primary (asynchronous), tear it down, and re-create it
    # as a secondary.
    out = re.remove_from_global_cluster(GlobalClusterIdentifier=GC, DbClusterIdentifier=ARN01)
    members = {m["DBClusterArn"]: m["IsWriter"] for m in out["GlobalCluster"]["GlobalClusterMembers"]}
    check(members == {ARN01: False, ARN02: True}, "right after detach the cluster is still listed: %r" % members)
    check(re.describe_db_clusters(DBClusterIdentifier="dbcluster-01")["DBClusters"][0]["Status"] == "promoting", "detached cluster promoting")
    advance(20)
    check(len(writer()[0]["GlobalClusterMembers"]) == 1, "20 s later it has left")
    advance(10)
    out = re.delete_db_instance(DBInstanceIdentifier="dbcluster-01-use1-instance-1", SkipFinalSnapshot=True)
    check(out["DBInstance"]["DBInstanceStatus"] == "deleting", "instance deleting")
    out = re.delete_db_cluster(DBClusterIdentifier="dbcluster-01", SkipFinalSnapshot=True)
    check(out["DBCluster"]["Status"] == "deleting", "cluster deleting")
    advance(180)
    expect_error("DBClusterNotFoundFault", 404, re.describe_db_clusters, DBClusterIdentifier="dbcluster-01")
    expect_error("DBInstanceNotFound", 404, re.describe_db_instances, DBInstanceIdentifier="dbcluster-01-use1-instance-1")
    # An encrypted global cluster's secondary needs SourceRegion (a
    # PreSignedUrl on the wire) and a KMS key of its own Region.
    expect_error("InvalidParameterCombination", 400, re.create_db_cluster, DBClusterIdentifier="dbcluster-01", Engine="aurora-mysql",
                 GlobalClusterIdentifier=GC, KmsKeyId="arn:aws:kms:us-east-1:123456789012:key/k")
    expect_error("InvalidParameterCombination", 400, re.create_db_cluster, DBClusterIdentifier="dbcluster-01", Engine="aurora-mysql",
                 GlobalClusterIdentifier=GC, SourceRegion=WEST)
    expect_error("InvalidParameterCombination", 400, rw.create_db_cluster, DBClusterIdentifier="another", Engine="aurora-mysql",
                 GlobalClusterIdentifier=GC, SourceRegion=EAST, KmsKeyId="arn:aws:kms:us-west-2:123456789012:key/k")
    out = re.create_db_cluster(DBClusterIdentifier="dbcluster-01", Engine="aurora-mysql", EngineVersion="8.0.mysql_aurora.3.05.2",
                               GlobalClusterIdentifier=GC, SourceRegion=WEST, Port=3787, VpcSecurityGroupIds=["sg-1"],
                               KmsKeyId="arn:aws:kms:us-east-1:123456789012:key/k", StorageEncrypted=True)
    c = out["DBCluster"]
    check(c["Status"] == "creating" and c["Port"] == 3787 and c["StorageEncrypted"], "secondary cluster creating")
    check(c.get("Endpoint", "").startswith("dbcluster-01.cluster-") and c.get("ReaderEndpoint", "").startswith("dbcluster-01.cluster-ro-"),
          "endpoints while creating: %r %r" % (c.get("Endpoint"), c.get("ReaderEndpoint")))
    out = re.create_db_instance(DBInstanceIdentifier="dbcluster-01-use1-instance-1", DBInstanceClass="db.r5.large",
                                Engine="aurora-mysql", DBClusterIdentifier="dbcluster-01", MonitoringInterval=60)
    check(out["DBInstance"]["DBInstanceStatus"] == "creating", "instance creating")
    expect_error("DBInstanceAlreadyExists", 400, re.create_db_instance, DBInstanceIdentifier="dbcluster-01-use1-instance-1",
                 DBInstanceClass="db.r5.large", Engine="aurora-mysql", DBClusterIdentifier="dbcluster-01")
    advance(600)
    c = re.describe_db_clusters(Filters=[{"Name": "db-cluster-id", "Values": ["dbcluster-01"]}])["DBClusters"][0]
    check(c["Status"] == "available" and c["GlobalClusterIdentifier"] == GC, "re-created secondary: %s" % c["Status"])
    check([m["DBInstanceIdentifier"] for m in c["DBClusterMembers"]] == ["dbcluster-01-use1-instance-1"], "secondary members")

    # A global cluster of its own, created and deleted; the cluster goes
    # with a final snapshot.
    re.create_db_cluster(DBClusterIdentifier="solo", Engine="aurora-mysql", MasterUsername="admin", MasterUserPassword="pw-12345678")
    advance(600)
    solo = "arn:aws:rds:us-east-1:123456789012:cluster:solo"
    out = re.create_global_cluster(GlobalClusterIdentifier="gc-boto", SourceDBClusterIdentifier=solo)
    check(out["GlobalCluster"]["Status"] == "creating", "global cluster creating")
    expect_error("GlobalClusterAlreadyExistsFault", 400, re.create_global_cluster, GlobalClusterIdentifier="gc-boto", SourceDBClusterIdentifier=solo)
    advance(5)
    expect_error("InvalidGlobalClusterStateFault", 400, re.delete_global_cluster, GlobalClusterIdentifier="gc-boto")
    re.remove_from_global_cluster(GlobalClusterIdentifier="gc-boto", DbClusterIdentifier=solo)
    expect_error("InvalidGlobalClusterStateFault", 400, re.delete_global_cluster, GlobalClusterIdentifier="gc-boto")
    advance(30)
    out = re.delete_global_cluster(GlobalClusterIdentifier="gc-boto")
    check(out["GlobalCluster"]["Status"] == "deleting", "global cluster deleting")
    advance(5)
    expect_error("GlobalClusterNotFoundFault", 404, re.describe_global_clusters, GlobalClusterIdentifier="gc-boto")
    out = re.delete_db_cluster(DBClusterIdentifier="solo", FinalDBSnapshotIdentifier="solo-final")
    check(out["DBCluster"]["Status"] == "available", "available while its final snapshot is taken")
    snap = re.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier="solo-final")["DBClusterSnapshots"][0]
    check(snap["Status"] == "creating" and snap["DBClusterIdentifier"] == "solo" and snap["SnapshotType"] == "manual", "snapshot creating: %r" % snap)
    advance(120)
    snaps = re.describe_db_cluster_snapshots(DBClusterIdentifier="solo")["DBClusterSnapshots"]
    check([s["Status"] for s in snaps] == ["available"], "snapshot available: %r" % snaps)
    check(re.describe_db_clusters(DBClusterIdentifier="solo")["DBClusters"][0]["Status"] == "deleting", "then deleting")
    expect_error("DBClusterSnapshotNotFoundFault", 404, re.describe_db_cluster_snapshots, DBClusterSnapshotIdentifier="nope")


def rds_replica():
    rw, re = client("rds", WEST), client("rds", EAST)
    r = rw.describe_db_instances(DBInstanceIdentifier="rds-mysql-instance")["DBInstances"][0]
    check(r["ReadReplicaSourceDBInstanceIdentifier"] == "arn:aws:rds:us-east-1:123456789012:db:rds-mysql-instance", "replica source ARN")
    check(r["StatusInfos"] == [{"StatusType": "read replication", "Normal": True, "Status": "replicating"}], "StatusInfos: %r" % r.get("StatusInfos"))
    expect_error("InvalidDBInstanceState", 400, re.promote_read_replica, DBInstanceIdentifier="rds-mysql-instance")
    out = rw.promote_read_replica(DBInstanceIdentifier="rds-mysql-instance")
    check(out["DBInstance"]["DBInstanceStatus"] == "modifying", "promote response modifying")
    advance(63)
    check(rw.describe_db_instances(DBInstanceIdentifier="rds-mysql-instance")["DBInstances"][0]["DBInstanceStatus"] == "rebooting", "promote rebooting at 70%")
    advance(27)
    r = rw.describe_db_instances(DBInstanceIdentifier="rds-mysql-instance")["DBInstances"][0]
    check(r["DBInstanceStatus"] == "available" and "ReadReplicaSourceDBInstanceIdentifier" not in r, "promoted")
    expect_error("InvalidParameterCombination", 400, re.delete_db_instance, DBInstanceIdentifier="rds-mysql-instance")
    out = re.delete_db_instance(DBInstanceIdentifier="rds-mysql-instance", FinalDBSnapshotIdentifier="backup-rds-mysql-instance")
    check(out["DBInstance"]["DBInstanceStatus"] == "deleting", "instance deleting while its final snapshot is taken")
    snap = re.describe_db_snapshots(DBSnapshotIdentifier="backup-rds-mysql-instance")["DBSnapshots"][0]
    check(snap["Status"] == "creating" and snap["Encrypted"] and snap["DBInstanceIdentifier"] == "rds-mysql-instance", "snapshot: %r" % snap)
    expect_error("DBSnapshotNotFound", 404, re.describe_db_snapshots, DBSnapshotIdentifier="nope")
    advance(420)
    snaps = re.describe_db_snapshots(DBInstanceIdentifier="rds-mysql-instance")["DBSnapshots"]
    check([s["Status"] for s in snaps] == ["available"], "snapshot available: %r" % snaps)
    # The source is encrypted: a replica in another Region needs a key there.
    expect_error("InvalidParameterCombination", 400, re.create_db_instance_read_replica, DBInstanceIdentifier="rds-mysql-instance",
                 SourceRegion=WEST, SourceDBInstanceIdentifier="arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance")
    out = re.create_db_instance_read_replica(DBInstanceIdentifier="rds-mysql-instance", SourceRegion=WEST,
                                             SourceDBInstanceIdentifier="arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance",
                                             DBInstanceClass="db.r5.large", KmsKeyId="arn:aws:kms:us-east-1:123456789012:key/k")
    check(out["DBInstance"]["DBInstanceStatus"] == "creating", "replica creating")
    advance(900)
    r = re.describe_db_instances(DBInstanceIdentifier="rds-mysql-instance")["DBInstances"][0]
    check(r["DBInstanceStatus"] == "available" and r["ReadReplicaSourceDBInstanceIdentifier"].endswith(":db:rds-mysql-instance"), "replica available")


def elasticache():
    ec = client("elasticache", WEST)
    g = ec.describe_global_replication_groups(GlobalReplicationGroupId=GRG, ShowMemberInfo=True)["GlobalReplicationGroups"][0]
    roles = {m["ReplicationGroupRegion"]: m["Role"] for m in g["Members"]}
    check(roles == {EAST: "PRIMARY", WEST: "SECONDARY"}, "datastore roles %r" % roles)
    expect_error("GlobalReplicationGroupNotFoundFault", 404, ec.describe_global_replication_groups, GlobalReplicationGroupId="nope")
    expect_error("InvalidParameterValue", 400, ec.failover_global_replication_group, GlobalReplicationGroupId=GRG,
                 PrimaryRegion=EAST, PrimaryReplicationGroupId="demo-redis-cluster")
    out = ec.failover_global_replication_group(GlobalReplicationGroupId=GRG, PrimaryRegion=WEST, PrimaryReplicationGroupId="demo-redis-cluster")
    check(out["GlobalReplicationGroup"]["Status"] == "modifying", "datastore modifying")
    rg = ec.describe_replication_groups(ReplicationGroupId="demo-redis-cluster")["ReplicationGroups"][0]
    check(rg["Status"] == "modifying", "replication group modifying during the failover")
    # Promotion is allowed anytime, even while another runs: the datastore
    # resolves to the one last asked for.
    for region in (EAST, WEST):
        advance(10)
        out = ec.failover_global_replication_group(GlobalReplicationGroupId=GRG, PrimaryRegion=region, PrimaryReplicationGroupId="demo-redis-cluster")
        check(out["GlobalReplicationGroup"]["Status"] == "modifying", "a promotion while modifying is accepted")
    advance(50)
    g = ec.describe_global_replication_groups(GlobalReplicationGroupId=GRG, ShowMemberInfo=True)["GlobalReplicationGroups"][0]
    check(g["Status"] == "modifying", "modifying until the last promotion ends: %s" % g["Status"])
    advance(10)
    rg = ec.describe_replication_groups()["ReplicationGroups"][0]
    check(rg["GlobalReplicationGroupInfo"]["GlobalReplicationGroupMemberRole"] == "PRIMARY", "us-west-2 group is primary")
    check(rg["NodeGroups"][0]["PrimaryEndpoint"]["Port"] == 3789, "port 3789")
    expect_error("ReplicationGroupNotFoundFault", 404, ec.describe_replication_groups, ReplicationGroupId="nope")


def supporting():
    names = {}
    for page in client("cloudformation", WEST).get_paginator("list_exports").paginate():
        for e in page["Exports"]:
            names[e["Name"]] = e["Value"]
    check(names.get("dr-globaldb-cluster-mysql-cluster-identifier") == ARN02, "us-west-2 cluster export")
    check("dr-globaldb-cluster-mysql-vps-security-group-ids" not in names, "the vps typo is not served")
    ssm = client("ssm", WEST)
    p = ssm.get_parameter(Name="/dr-orchestrator/demo/db-password", WithDecryption=True)["Parameter"]
    check(p["Value"] == "s3cr3t-demo-password" and p["Type"] == "SecureString" and p["Version"] == 1, "SecureString decrypted")
    p = ssm.get_parameter(Name="/dr-orchestrator/demo/db-password")["Parameter"]
    check(p["Value"] != "s3cr3t-demo-password", "SecureString without decryption stays encrypted")
    check(ssm.get_parameter(Name="/dr-orchestrator/demo/global-cluster-id")["Parameter"]["Value"] == GC, "String parameter")
    expect_error("ParameterNotFound", 400, ssm.get_parameter, Name="/nope")
    topic = "arn:aws:sns:us-west-2:123456789012:dr-orchestrator-notifications"
    mid = client("sns", WEST).publish(TopicArn=topic, Subject="drill", Message="done",
                                      MessageAttributes={"run": {"DataType": "String", "StringValue": "r1"}})["MessageId"]
    msgs = admin("GET", "/_sim/sns")
    check(len(msgs) == 1 and msgs[0]["id"] == mid and msgs[0]["attributes"] == {"run": "r1"}, "published message kept: %r" % msgs)
    expect_error("NotFound", 404, client("sns", EAST).publish, TopicArn=topic, Message="x")
    ident = client("sts", EAST).get_caller_identity()
    check(ident["Account"] == "123456789012", "caller identity")


def faults():
    admin("POST", "/_sim/faults", {"kind": "throttle", "region": WEST, "service": "rds"})
    expect_error("Throttling", 400, client("rds", WEST).describe_db_clusters)
    admin("POST", "/_sim/faults", {"kind": "throttle", "region": WEST, "service": "ssm"})
    expect_error("ThrottlingException", 400, client("ssm", WEST).get_parameter, Name="/x")
    admin("POST", "/_sim/faults", {"kind": "error", "region": EAST, "status": 503})
    expect_error("ServiceUnavailable", 503, client("rds", EAST).describe_db_clusters)
    admin("DELETE", "/_sim/faults")
    check(client("rds", WEST).describe_db_clusters()["DBClusters"] != [], "faults cleared")


for step in (rds_global, rds_replica, elasticache, supporting, faults):
    try:
        step()
    except Exception as e:  # a crash of one step is a failure, not the end
        failures.append("%s: %s: %s" % (step.__name__, type(e).__name__, e))

for f in failures:
    print("FAIL", f)
print("boto3 conformance: %d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
