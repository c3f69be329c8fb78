package sim

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// The replay behind TestAnswersMatchTheModels: every operation the
// simulator serves, successes and errors, and every describe at every
// state the operations' timelines pass through.

const (
	rEast = "us-east-1"
	rWest = "us-west-2"
	rGC   = "dr-globaldb-cluster-mysql"
	rGRG  = "ldgnf-demo-redis-global-datastore"
	rARN1 = "arn:aws:rds:us-east-1:123456789012:cluster:dbcluster-01"
	rARN2 = "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"
	// presigned stands in for the PreSignedUrl the SDKs make of
	// SourceRegion (AWS outside GovCloud and China does not check it).
	presigned = "https://rds.us-east-1.amazonaws.com/?Action=CreateDBCluster&X-Amz-Credential=AKID%2F20250601%2Fus-east-1%2Frds%2Faws4_request"
)

// replayScenario is the seed plus a DocumentDB global cluster, an
// instance without automated backups and enough exports to page.
func replayScenario() *Scenario {
	sc := SeedScenario()
	sc.GlobalClusters = append(sc.GlobalClusters, ScenarioGlobalCluster{ID: "docs", Engine: "docdb", EngineVersion: "5.0.0"})
	for i, r := range []string{rEast, rWest} {
		sc.Clusters = append(sc.Clusters, ScenarioCluster{ID: "docs-" + r, Region: r, Engine: "docdb", GlobalCluster: "docs", Writer: i == 0,
			Instances: []ScenarioInstance{{ID: "docs-" + r + "-1", Class: "db.r6g.large"}}})
	}
	zero := 0
	sc.Instances = append(sc.Instances, ScenarioInstance{ID: "nobackups", Region: rEast, Engine: "mysql", BackupRetentionPeriod: &zero})
	for i := range 150 {
		sc.Exports[rEast][fmt.Sprintf("extra-%03d", i)] = fmt.Sprint(i)
	}
	return sc
}

// running reports whether any operation still has steps to come.
func (r *replay) running() bool {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.s.sync()
	return len(r.s.w.active) > 0
}

// describeAll describes everything there is to describe, in both regions.
func (r *replay) describeAll() {
	for _, region := range []string{rEast, rWest} {
		r.must(r.query(region, "rds", "DescribeGlobalClusters"))
		r.must(r.query(region, "rds", "DescribeDBClusters"))
		r.must(r.query(region, "rds", "DescribeDBInstances"))
		r.must(r.query(region, "rds", "DescribeDBClusterSnapshots"))
		r.must(r.query(region, "rds", "DescribeDBSnapshots"))
		r.must(r.query(region, "elasticache", "DescribeGlobalReplicationGroups", "ShowMemberInfo", "true"))
		r.must(r.query(region, "elasticache", "DescribeGlobalReplicationGroups"))
		r.must(r.query(region, "elasticache", "DescribeReplicationGroups"))
	}
}

// settle describes everything now and then every few virtual seconds
// until no operation runs: every state of every timeline is seen.
func (r *replay) settle() {
	for elapsed := time.Duration(0); ; {
		r.describeAll()
		if !r.running() {
			return
		}
		if elapsed > 2*time.Hour {
			r.t.Fatal("operations still run after 2 virtual hours")
		}
		step := 5 * time.Second
		if elapsed > 2*time.Minute {
			step = 30 * time.Second
		}
		r.clk.Advance(step)
		elapsed += step
	}
}

func (r *replay) run() {
	r.settle()
	r.errorsOfEveryOperation()
	r.preconditions()

	// Planned switchover and back by a data-loss failover, each in the
	// Region AWS documents.
	r.must(r.query(rEast, "rds", "SwitchoverGlobalCluster", "GlobalClusterIdentifier", rGC, "TargetDbClusterIdentifier", rARN2))
	r.settle()
	r.must(r.query(rEast, "rds", "FailoverGlobalCluster", "GlobalClusterIdentifier", rGC, "TargetDbClusterIdentifier", rARN1, "AllowDataLoss", "true"))
	r.settle()
	r.must(r.query(rEast, "rds", "FailoverGlobalCluster", "GlobalClusterIdentifier", "docs",
		"TargetDbClusterIdentifier", "arn:aws:rds:us-west-2:123456789012:cluster:docs-us-west-2", "Switchover", "true"))
	r.settle()

	// ElastiCache: a promotion superseded by another while modifying.
	r.must(r.query(rWest, "elasticache", "FailoverGlobalReplicationGroup", "GlobalReplicationGroupId", rGRG, "PrimaryRegion", rWest, "PrimaryReplicationGroupId", "demo-redis-cluster"))
	r.clk.Advance(10 * time.Second)
	r.describeAll()
	r.must(r.query(rEast, "elasticache", "FailoverGlobalReplicationGroup", "GlobalReplicationGroupId", rGRG, "PrimaryRegion", rEast, "PrimaryReplicationGroupId", "demo-redis-cluster"))
	r.settle()
	r.must(r.query(rWest, "elasticache", "FailoverGlobalReplicationGroup", "GlobalReplicationGroupId", rGRG, "PrimaryRegion", rWest, "PrimaryReplicationGroupId", "demo-redis-cluster"))
	r.settle()

	// Unplanned: promote the replica, detach the secondary.
	r.must(r.query(rWest, "rds", "PromoteReadReplica", "DBInstanceIdentifier", "rds-mysql-instance"))
	r.must(r.query(rWest, "rds", "RemoveFromGlobalCluster", "GlobalClusterIdentifier", rGC, "DbClusterIdentifier", rARN2))
	r.settle()

	// Failback of Aurora: the old cluster goes with a final snapshot, a new
	// secondary joins.
	r.must(r.query(rWest, "rds", "DeleteDBInstance", "DBInstanceIdentifier", "dbcluster-02-usw2-instance-2", "SkipFinalSnapshot", "true"))
	r.must(r.query(rWest, "rds", "DeleteDBCluster", "DBClusterIdentifier", "dbcluster-02", "FinalDBSnapshotIdentifier", "final-02"))
	r.settle()
	r.must(r.query(rWest, "rds", "DescribeDBClusterSnapshots", "DBClusterSnapshotIdentifier", "final-02"))
	r.must(r.query(rWest, "rds", "DescribeDBClusterSnapshots", "DBClusterIdentifier", "dbcluster-02"))
	r.must(r.query(rWest, "rds", "DescribeDBClusterSnapshots", "Filters.Filter.1.Name", "snapshot-type", "Filters.Filter.1.Values.Value.1", "manual", "MaxRecords", "20"))
	r.must(r.query(rWest, "rds", "CreateDBCluster", "DBClusterIdentifier", "dbcluster-02", "Engine", "aurora-mysql",
		"GlobalClusterIdentifier", rGC, "PreSignedUrl", presigned, "KmsKeyId", "arn:aws:kms:us-west-2:123456789012:key/1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6",
		"Port", "3787", "VpcSecurityGroupIds.VpcSecurityGroupId.1", "sg-1", "BackupRetentionPeriod", "7", "DeletionProtection", "true",
		"DBSubnetGroupName", "dr-globaldb-subnet-group"))
	r.must(r.query(rWest, "rds", "CreateDBInstance", "DBInstanceIdentifier", "dbcluster-02-usw2-instance-2", "DBInstanceClass", "db.r5.large",
		"Engine", "aurora-mysql", "DBClusterIdentifier", "dbcluster-02", "MonitoringInterval", "60", "MonitoringRoleArn", "arn:aws:iam::123456789012:role/m"))
	r.settle()

	// Failback of RDS: the old source goes with a final snapshot and comes
	// back as a replica of the promoted instance.
	r.must(r.query(rEast, "rds", "DeleteDBInstance", "DBInstanceIdentifier", "rds-mysql-instance", "FinalDBSnapshotIdentifier", "backup-rds"))
	r.settle()
	r.must(r.query(rEast, "rds", "DescribeDBSnapshots", "DBSnapshotIdentifier", "backup-rds"))
	r.must(r.query(rEast, "rds", "DescribeDBSnapshots", "DBInstanceIdentifier", "rds-mysql-instance"))
	r.must(r.query(rEast, "rds", "CreateDBInstanceReadReplica", "DBInstanceIdentifier", "rds-mysql-instance",
		"SourceDBInstanceIdentifier", "arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance", "PreSignedUrl", presigned,
		"KmsKeyId", "arn:aws:kms:us-east-1:123456789012:key/mrk-5f0c1e2d3a4b4c6d8e9fa0b1c2d3e4f5", "MultiAZ", "true"))
	r.settle()

	// A global cluster of its own, from birth to deletion; stand-alone
	// instances.
	r.must(r.query(rEast, "rds", "CreateDBCluster", "DBClusterIdentifier", "solo", "Engine", "aurora-postgresql",
		"MasterUsername", "admin", "MasterUserPassword", "pw-12345678", "StorageEncrypted", "true"))
	r.must(r.query(rEast, "rds", "CreateDBInstance", "DBInstanceIdentifier", "plain", "DBInstanceClass", "db.t3.micro", "Engine", "postgres", "StorageEncrypted", "true"))
	r.settle()
	r.must(r.query(rEast, "rds", "CreateGlobalCluster", "GlobalClusterIdentifier", "gsolo", "SourceDBClusterIdentifier", "arn:aws:rds:us-east-1:123456789012:cluster:solo"))
	r.must(r.query(rWest, "rds", "CreateGlobalCluster", "GlobalClusterIdentifier", "empty", "Engine", "aurora-mysql", "StorageEncrypted", "false"))
	r.settle()
	r.must(r.query(rEast, "rds", "RemoveFromGlobalCluster", "GlobalClusterIdentifier", "gsolo", "DbClusterIdentifier", "arn:aws:rds:us-east-1:123456789012:cluster:solo"))
	r.settle()
	r.must(r.query(rEast, "rds", "DeleteGlobalCluster", "GlobalClusterIdentifier", "gsolo"))
	r.must(r.query(rWest, "rds", "DeleteGlobalCluster", "GlobalClusterIdentifier", "empty"))
	r.must(r.query(rEast, "rds", "DeleteDBInstance", "DBInstanceIdentifier", "plain", "SkipFinalSnapshot", "true"))
	r.settle()

	r.supportingServices()
	r.otherServices()
}

// errorsOfEveryOperation makes every operation answer with an error, and
// the requests no operation takes with the common errors.
func (r *replay) errorsOfEveryOperation() {
	for _, action := range []string{"CreateGlobalCluster", "DeleteGlobalCluster", "SwitchoverGlobalCluster", "FailoverGlobalCluster",
		"RemoveFromGlobalCluster", "CreateDBCluster", "DeleteDBCluster", "CreateDBInstance", "DeleteDBInstance",
		"CreateDBInstanceReadReplica", "PromoteReadReplica"} {
		r.fails("MissingParameter", r.query(rEast, "rds", action))
	}
	r.fails("GlobalClusterNotFoundFault", r.query(rEast, "rds", "DescribeGlobalClusters", "GlobalClusterIdentifier", "nope"))
	r.fails("DBClusterNotFoundFault", r.query(rEast, "rds", "DescribeDBClusters", "DBClusterIdentifier", "nope"))
	r.fails("DBInstanceNotFound", r.query(rEast, "rds", "DescribeDBInstances", "DBInstanceIdentifier", "nope"))
	r.fails("DBClusterSnapshotNotFoundFault", r.query(rEast, "rds", "DescribeDBClusterSnapshots", "DBClusterSnapshotIdentifier", "nope"))
	r.fails("DBSnapshotNotFound", r.query(rEast, "rds", "DescribeDBSnapshots", "DBSnapshotIdentifier", "nope"))
	r.fails("InvalidParameterValue", r.query(rEast, "rds", "DescribeDBClusters", "MaxRecords", "5"))
	r.fails("InvalidParameterValue", r.query(rEast, "rds", "DescribeDBInstances", "Marker", "!!"))
	r.fails("InvalidParameterValue", r.query(rEast, "rds", "DescribeDBSnapshots", "Filters.Filter.1.Name", "color", "Filters.Filter.1.Values.Value.1", "red"))
	r.fails("InvalidAction", r.query(rEast, "rds", "DescribeEverything"))
	r.fails("GlobalReplicationGroupNotFoundFault", r.query(rEast, "elasticache", "DescribeGlobalReplicationGroups", "GlobalReplicationGroupId", "nope"))
	r.fails("ReplicationGroupNotFoundFault", r.query(rEast, "elasticache", "DescribeReplicationGroups", "ReplicationGroupId", "nope"))
	r.fails("MissingParameter", r.query(rEast, "elasticache", "FailoverGlobalReplicationGroup"))
	r.fails("InvalidParameterValue", r.query(rEast, "elasticache", "FailoverGlobalReplicationGroup", "GlobalReplicationGroupId", rGRG, "PrimaryRegion", rEast, "PrimaryReplicationGroupId", "demo-redis-cluster"))
	r.fails("ValidationError", r.query(rEast, "cloudformation", "ListExports", "NextToken", "garbage"))
	r.fails("NotFound", r.query(rEast, "sns", "Publish", "TopicArn", "arn:aws:sns:us-east-1:123456789012:nope", "Message", "x"))
	r.fails("InvalidParameter", r.query(rEast, "sns", "Publish", "TopicArn", "arn:aws:sns:us-east-1:123456789012:dr-orchestrator-notifications"))
	r.fails("ParameterNotFound", r.ssm(rWest, "GetParameter", `{"Name":"/nope"}`))
	r.fails("ParameterVersionNotFound", r.ssm(rWest, "GetParameter", `{"Name":"/dr-orchestrator/demo/db-password:9"}`))
	r.fails("ValidationException", r.ssm(rWest, "GetParameter", `{}`))
	r.fails("SerializationException", r.ssm(rWest, "GetParameter", `{"Name":5}`))
	r.fails("UnknownOperationException", r.ssm(rWest, "PutParameter", `{}`))

	// Requests no operation can take.
	for _, raw := range []struct{ service, body string }{
		{"rds", "Version=2014-10-31"},                           // no Action
		{"rds", "Action=DescribeDBClusters"},                    // no Version
		{"rds", "Action=DescribeDBClusters&Version=2013-01-10"}, // an old Version
		{"rds", "Action=%zz"},                                   // not form encoding
		{"elasticache", "Action=DescribeReplicationGroups&Version=2015-02-02&a..b=1"},
		{"sns", "Action=Publish&Version=2010-03-31&x=" + strings.Repeat("a", 2<<20)},
	} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(raw.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", scope(rEast, raw.service))
		if a := r.send(req, rEast, raw.service, "", "raw "+truncate(raw.body, 80)); a.status == 200 {
			r.t.Fatalf("%s: accepted", a.request)
		}
	}
	// And requests no service can take: no service is named.
	for what, authz := range map[string]string{
		"bad credential scope": "AWS4-HMAC-SHA256 Credential=AKID/us-east-1/rds, Signature=0",
		"no credential":        "Bearer x",
		"unsigned":             "",
		"unknown service":      scope(rEast, "s3"),
	} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("Action=DescribeDBClusters&Version=2014-10-31"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		r.send(req, rEast, "", "", what)
		req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`))
		req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		r.send(req, rEast, "", "", what+" (JSON)")
	}

	// Faults answer every service with throttling and 5xx.
	for _, f := range []Fault{{Kind: FaultThrottle, Region: rEast}, {Kind: FaultError, Region: rEast}, {Kind: FaultError, Region: rEast, Status: 503}} {
		f, err := r.s.SetFault(f)
		if err != nil {
			r.t.Fatal(err)
		}
		r.query(rEast, "sts", "GetCallerIdentity")
		r.query(rEast, "cloudformation", "ListExports")
		r.query(rEast, "rds", "DescribeDBClusters")
		r.query(rEast, "elasticache", "DescribeReplicationGroups")
		r.ssm(rEast, "GetParameter", `{"Name":"/dr-orchestrator/demo/global-cluster-id"}`)
		if err := r.s.ClearFault(f.ID); err != nil {
			r.t.Fatal(err)
		}
	}
}

// preconditions makes AWS's preconditions refuse, each with its code.
func (r *replay) preconditions() {
	westKey := "arn:aws:kms:us-west-2:123456789012:key/1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"
	r.fails("InvalidParameterCombination", r.query(rWest, "rds", "CreateDBCluster", "DBClusterIdentifier", "second", "Engine", "aurora-mysql",
		"GlobalClusterIdentifier", rGC, "PreSignedUrl", presigned, "KmsKeyId", westKey))
	r.fails("InvalidParameterCombination", r.query(rEast, "rds", "CreateDBCluster", "DBClusterIdentifier", "third", "Engine", "aurora-mysql",
		"GlobalClusterIdentifier", "docs"))
	r.fails("InvalidDBInstanceState", r.query(rWest, "rds", "CreateDBInstanceReadReplica", "DBInstanceIdentifier", "r",
		"SourceDBInstanceIdentifier", "arn:aws:rds:us-east-1:123456789012:db:nobackups"))
	r.fails("InvalidParameterCombination", r.query(rWest, "rds", "CreateDBInstanceReadReplica", "DBInstanceIdentifier", "r2",
		"SourceDBInstanceIdentifier", "arn:aws:rds:us-east-1:123456789012:db:rds-mysql-instance"))
	r.fails("KMSKeyNotAccessibleFault", r.query(rWest, "rds", "CreateDBInstanceReadReplica", "DBInstanceIdentifier", "r3",
		"SourceDBInstanceIdentifier", "arn:aws:rds:us-east-1:123456789012:db:rds-mysql-instance", "KmsKeyId", "arn:aws:kms:us-east-1:123456789012:key/k"))
	r.fails("InvalidParameterValue", r.query(rWest, "rds", "SwitchoverGlobalCluster", "GlobalClusterIdentifier", rGC, "TargetDbClusterIdentifier", rARN2))
	r.fails("InvalidParameterValue", r.query(rEast, "rds", "RemoveFromGlobalCluster", "GlobalClusterIdentifier", rGC, "DbClusterIdentifier", rARN2))
	r.fails("InvalidGlobalClusterStateFault", r.query(rWest, "rds", "DeleteDBCluster", "DBClusterIdentifier", "dbcluster-02", "SkipFinalSnapshot", "true"))
}

func (r *replay) supportingServices() {
	for _, region := range []string{rEast, rWest} {
		first := r.must(r.query(region, "cloudformation", "ListExports"))
		if tok := between(string(first.body), "<NextToken>", "</NextToken>"); tok != "" {
			r.must(r.query(region, "cloudformation", "ListExports", "NextToken", tok))
		}
		r.must(r.query(region, "sts", "GetCallerIdentity"))
		r.must(r.query(region, "sns", "Publish", "TopicArn", "arn:aws:sns:"+region+":123456789012:dr-orchestrator-notifications",
			"Subject", "drill", "Message", "done", "MessageAttributes.entry.1.Name", "run", "MessageAttributes.entry.1.Value.DataType", "String",
			"MessageAttributes.entry.1.Value.StringValue", "r1"))
		r.must(r.ssm(region, "GetParameter", `{"Name":"/dr-orchestrator/demo/global-cluster-id"}`))
		r.must(r.ssm(region, "GetParameter", `{"Name":"/dr-orchestrator/demo/db-password","WithDecryption":true}`))
		r.must(r.ssm(region, "GetParameter", `{"Name":"/dr-orchestrator/demo/db-password:1"}`))
		r.must(r.ssm(region, "GetParameter", `{"Name":"arn:aws:ssm:`+region+`:123456789012:parameter/dr-orchestrator/demo/global-cluster-id"}`))
	}
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}
