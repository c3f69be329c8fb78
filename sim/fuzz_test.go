package sim_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http/httptest"
	"strings"
	"testing"

	"drorch/internal/clock"
	"drorch/sim"
)

// Any request gets an answer: a well-formed AWS success or error, never a
// panic, a hang or a 5xx (no faults are set). Each input gets a fresh world
// so that a failure reproduces from its input alone.

// fuzzScenario is parsed once; sim.New only reads it.
var fuzzScenario = sim.SeedScenario()

func fuzzSim(t *testing.T) *sim.Sim {
	s, err := sim.New(sim.Config{Scenario: fuzzScenario, Clock: clock.NewFake(t0), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func FuzzQueryRequest(f *testing.F) {
	f.Add("POST", "", "rds", "Action=DescribeGlobalClusters&Version=2014-10-31")
	f.Add("POST", "", "rds", "Action=DescribeDBClusters&Version=2014-10-31&Filters.Filter.1.Name=engine&Filters.Filter.1.Values.Value.1=aurora-mysql&MaxRecords=20")
	f.Add("POST", "", "rds", "Action=SwitchoverGlobalCluster&Version=2014-10-31&GlobalClusterIdentifier=dr-globaldb-cluster-mysql&TargetDbClusterIdentifier=arn%3Aaws%3Ards%3Aus-west-2%3A123456789012%3Acluster%3Adbcluster-02")
	f.Add("POST", "", "rds", "Action=CreateDBCluster&Version=2014-10-31&DBClusterIdentifier=x&Engine=aurora-mysql&GlobalClusterIdentifier=dr-globaldb-cluster-mysql&VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-1")
	f.Add("POST", "", "rds", "Action=CreateDBInstanceReadReplica&Version=2014-10-31&DBInstanceIdentifier=r&SourceDBInstanceIdentifier=rds-mysql-instance&PreSignedUrl=https%3A%2F%2Fx%2F%3FX-Amz-Credential%3DA%252F2%252Fus-east-1%252Frds%252Faws4_request")
	f.Add("POST", "", "elasticache", "Action=FailoverGlobalReplicationGroup&Version=2015-02-02&GlobalReplicationGroupId=ldgnf-demo-redis-global-datastore&PrimaryRegion=us-west-2&PrimaryReplicationGroupId=demo-redis-cluster")
	f.Add("GET", "Action=ListExports&Version=2010-05-15&NextToken=ZHJvcmNoLXNpbTpa", "cloudformation", "")
	f.Add("POST", "", "sns", "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-west-2%3A123456789012%3Adr-orchestrator-notifications&Message=hi&MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.StringValue=b")
	f.Add("POST", "", "sts", "Action=GetCallerIdentity&Version=2011-06-15")
	f.Add("POST", "", "rds", "Action=DescribeDBInstances&Version=2014-10-31&Filters=&Marker=%FF&a.b.c.d.e.f.g.h.i.j.k.l.m=1")
	f.Add("POST", "", "rds", "Action=DeleteDBCluster&Version=2014-10-31&DBClusterIdentifier=dbcluster-02&FinalDBSnapshotIdentifier=s")
	f.Add("POST", "", "rds", "Action=DescribeDBClusterSnapshots&Version=2014-10-31&DBClusterIdentifier=x&Filters.Filter.1.Name=snapshot-type&Filters.Filter.1.Values.Value.1=manual")
	f.Add("POST", "", "rds", "Action=DescribeDBSnapshots&Version=2014-10-31&DBSnapshotIdentifier=arn%3Aaws%3Ards%3Aus-west-2%3A1%3Asnapshot%3As")
	f.Add("POST", "", "rds", "Action=RemoveFromGlobalCluster&Version=2014-10-31&GlobalClusterIdentifier=dr-globaldb-cluster-mysql&DbClusterIdentifier=arn%3Aaws%3Ards%3Aus-east-1%3A123456789012%3Acluster%3Adbcluster-01")
	f.Fuzz(func(t *testing.T, method, query, service, body string) {
		if method != "GET" {
			method = "POST"
		}
		r := httptest.NewRequest(method, "/", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Authorization", auth(west, service))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s := fuzzSim(t)
		defer s.Close()
		s.ServeHTTP(rec, r)
		if rec.Code != 200 && (rec.Code < 400 || rec.Code >= 500) {
			t.Fatalf("status %d for %q %q: %s", rec.Code, query, body, rec.Body.String())
		}
		var root struct {
			XMLName xml.Name
			Error   struct {
				Code string `xml:"Code"`
			} `xml:"Error"`
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &root); err != nil {
			t.Fatalf("answer is not XML: %v\n%s", err, rec.Body.String())
		}
		if rec.Code != 200 && (root.XMLName.Local != "ErrorResponse" || root.Error.Code == "") {
			t.Fatalf("error %d without an AWS error envelope: %s", rec.Code, rec.Body.String())
		}
		if rec.Code == 200 && !strings.HasSuffix(root.XMLName.Local, "Response") {
			t.Fatalf("success without a Response envelope: %s", rec.Body.String())
		}
	})
}

func FuzzJSONRequest(f *testing.F) {
	f.Add("AmazonSSM.GetParameter", `{"Name":"/dr-orchestrator/demo/db-password","WithDecryption":true}`)
	f.Add("AmazonSSM.GetParameter", `{"Name":"arn:aws:ssm:us-west-2:123456789012:parameter/dr-orchestrator/demo/global-cluster-id"}`)
	f.Add("AmazonSSM.GetParameter", `{"Name":"/dr-orchestrator/demo/db-password:1"}`)
	f.Add("AmazonSSM.GetParameter", `{"Name":":"}`)
	f.Add("AmazonSSM.GetParameter", `{"Name":null,"WithDecryption":"yes"}`)
	f.Add("AmazonSSM.GetParameters", `{}`)
	f.Add("", `[`)
	f.Fuzz(func(t *testing.T, target, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Authorization", auth(west, "ssm"))
		r.Header.Set("X-Amz-Target", target)
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		rec := httptest.NewRecorder()
		s := fuzzSim(t)
		defer s.Close()
		s.ServeHTTP(rec, r)
		if rec.Code != 200 && rec.Code != 400 {
			t.Fatalf("status %d for %q %q", rec.Code, target, body)
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("answer is not JSON: %v\n%s", err, rec.Body.String())
		}
		if rec.Code == 400 {
			if typ, _ := out["__type"].(string); typ == "" || rec.Header().Get("X-Amzn-ErrorType") != typ {
				t.Fatalf("error without __type: %s", rec.Body.String())
			}
		}
	})
}
