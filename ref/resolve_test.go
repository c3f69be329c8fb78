package ref

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/manifest"
)

func load(t *testing.T, payload string) *manifest.Payload {
	t.Helper()
	p, ps := manifest.Load([]byte(payload), testCatalog())
	if len(ps) > 0 {
		t.Fatalf("invalid test payload: %v", ps)
	}
	return p
}

func readme(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../manifest/testdata/readme/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func seedExports(t *testing.T) []Export {
	t.Helper()
	var exports []Export
	readJSON(t, "../testdata/badinput/exports-us-west-2.json", &exports)
	return exports
}

func problemLines(ps manifest.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Error())
	}
	return out
}

func TestResolveREADMEPayloads(t *testing.T) {
	t.Parallel()
	exports := newFakeExports("us-west-2", seedExports(t), 5) // 22 exports: 5 pages
	r := &Resolver{Exports: exports, Parameters: newFakeParameters("us-west-2"), Region: "us-west-2"}
	ctx := context.Background()
	for _, name := range []string{"1-planned-failover-aurora.json", "2-unplanned-failover-aurora.json", "4-promote-rds-and-failover-elasticache.json"} {
		res, ps, err := r.Resolve(ctx, load(t, readme(t, name)), testCatalog())
		if err != nil || len(ps) > 0 {
			t.Fatalf("%s: %v %v", name, err, ps)
		}
		if len(res.Layers) != 1 {
			t.Fatalf("%s: %d layers", name, len(res.Layers))
		}
	}
	// The third payload imports the README's "vps" typo.
	_, ps, err := r.Resolve(ctx, load(t, readme(t, "3-create-aurora-secondary.json")), testCatalog())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`layer 1, resource 0 ("To create secondary Aurora MySQL Global Database Cluster"), VpcSecurityGroupIds: !Import dr-globaldb-cluster-mysql-vps-security-group-ids: no such CloudFormation export in us-west-2; did you mean dr-globaldb-cluster-mysql-vpc-security-group-ids?`}
	if got := problemLines(ps); !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	// Four payloads, one listing: every page once.
	if n := exports.callCount("us-west-2"); n != 5 {
		t.Errorf("ListExports called %d times, want 5 (each of the 5 pages once)", n)
	}
}

func TestResolveResult(t *testing.T) {
	t.Parallel()
	exports := newFakeExports("us-west-2", seedExports(t), 100)
	params := newFakeParameters("us-west-2",
		Parameter{Name: "/dr/gc", Type: TypeString, Value: "old-gc", Version: 1},
		Parameter{Name: "/dr/gc", Type: TypeString, Value: "dr-globaldb-cluster-mysql", Version: 2},
		Parameter{Name: "/dr/sgs", Type: TypeStringList, Value: "sg-0a1b2c3d,sg-0a1b2c3e", Version: 1},
		Parameter{Name: "/dr/key", Type: TypeSecureString, Value: "alias/top-secret-key", Version: 1},
	)
	r := &Resolver{Exports: exports, Parameters: params, Region: "us-west-2"}
	p := load(t, `{"StatePayload": [
	  {"layer": 2, "resources": [
	    {"resourceType": "CreateRDSReadReplica", "resourceName": "replica", "timeout": "2h", "continueOnError": true,
	     "parameters": {"RDSInstanceIdentifier": "!Import rds-mysql-instance-identifier", "SourceRDSInstanceIdentifier": "rds-mysql-instance",
	       "SourceRegion": "!Import rds-mysql-instance-source-region", "DBInstanceClass": "db.r5.large", "Port": 3306,
	       "DBSecurityGroup": "resolve:ssm:/dr/sgs", "KmsKeyId": "resolve:ssm:/dr/key", "MultiAZ": ""}}]},
	  {"layer": 1, "resources": [
	    {"resourceType": "PlannedFailoverAurora", "resourceName": "a", "parameters": {"GlobalClusterIdentifier": "resolve:ssm:/dr/gc", "DBClusterIdentifier": "!Import dr-globaldb-cluster-mysql-cluster-identifier"}},
	    {"resourceType": "PlannedFailoverAurora", "resourceName": "b", "parameters": {"GlobalClusterIdentifier": "resolve:ssm:/dr/gc:1", "DBClusterIdentifier": "!Import dr-globaldb-cluster-mysql-cluster-identifier"}},
	    {"resourceType": "PlannedFailoverAurora", "resourceName": "c", "parameters": {"GlobalClusterIdentifier": "resolve:ssm:/dr/gc", "DBClusterIdentifier": "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"}}]}]}`)
	res, ps, err := r.Resolve(context.Background(), p, testCatalog())
	if err != nil || len(ps) > 0 {
		t.Fatalf("Resolve: %v %v", err, ps)
	}
	if res.Region != "us-west-2" || len(res.Layers) != 2 || res.Layers[0].Number != 1 || res.Layers[0].Index != 1 || res.Layers[1].Index != 0 {
		t.Fatalf("layers not in run order with their positions: %v", res)
	}
	a := res.Layers[0].Resources[0]
	wantA := Resource{Index: 0, Name: "a", Type: "PlannedFailoverAurora",
		Params:    map[string]string{"GlobalClusterIdentifier": "dr-globaldb-cluster-mysql", "DBClusterIdentifier": "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"},
		Refs:      map[string]string{"GlobalClusterIdentifier": "resolve:ssm:/dr/gc", "DBClusterIdentifier": "!Import dr-globaldb-cluster-mysql-cluster-identifier"},
		Secret:    map[string]bool{"GlobalClusterIdentifier": false, "DBClusterIdentifier": false},
		Defaulted: map[string]bool{}}
	if !reflect.DeepEqual(a, wantA) {
		t.Errorf("resource a:\n%#v\nwant\n%#v", a, wantA)
	}
	if b := res.Layers[0].Resources[1]; b.Index != 1 || b.Params["GlobalClusterIdentifier"] != "old-gc" {
		t.Errorf("resource b: version 1 not used: %v", b)
	}
	c := res.Layers[0].Resources[2]
	if _, isRef := c.Refs["DBClusterIdentifier"]; isRef || c.Params["DBClusterIdentifier"] == "" {
		t.Errorf("resource c: literal not kept as is: %v", c)
	}
	rep := res.Layers[1].Resources[0]
	if rep.Timeout != 2*time.Hour || !rep.ContinueOnError {
		t.Errorf("timeout %v, continueOnError %v", rep.Timeout, rep.ContinueOnError)
	}
	wantParams := map[string]string{
		"RDSInstanceIdentifier": "rds-mysql-instance", "SourceRDSInstanceIdentifier": "rds-mysql-instance", "SourceRegion": "us-east-1",
		"DBInstanceClass": "db.r5.large", "Port": "3306", "DBSecurityGroup": "sg-0a1b2c3d,sg-0a1b2c3e", "KmsKeyId": "alias/top-secret-key",
		// defaults, "" counting as absent
		"MultiAZ": "False", "AutoMinorVersionUpgrade": "True", "CopyTagsToSnapshot": "False", "MonitoringInterval": "0", "EnableIAMDatabaseAuthentication": "False",
	}
	if !reflect.DeepEqual(rep.Params, wantParams) {
		t.Errorf("params:\n%v\nwant\n%v", rep.Params, wantParams)
	}
	if want := map[string]bool{"MultiAZ": true, "AutoMinorVersionUpgrade": true, "CopyTagsToSnapshot": true, "MonitoringInterval": true, "EnableIAMDatabaseAuthentication": true}; !reflect.DeepEqual(rep.Defaulted, want) {
		t.Errorf("defaulted %v, want %v", rep.Defaulted, want)
	}
	if !rep.Secret["KmsKeyId"] || rep.Secret["DBSecurityGroup"] {
		t.Errorf("secret %v", rep.Secret)
	}
	red := rep.Redacted()
	if red.Params["KmsKeyId"] != "" || !slices.Equal(red.Secret, []string{"KmsKeyId"}) || red.Params["Port"] != "3306" || red.Refs["KmsKeyId"] != "resolve:ssm:/dr/key" {
		t.Errorf("redacted %+v", red)
	}
	if rep.Params["KmsKeyId"] != "alias/top-secret-key" {
		t.Error("Redacted changed the resource")
	}
	// Each distinct name:version read once, with decryption; exports listed once.
	for name, want := range map[string]int{"/dr/gc": 1, "/dr/gc:1": 1, "/dr/sgs": 1, "/dr/key": 1} {
		if n := params.callCount(name); n != want {
			t.Errorf("GetParameter(%s) called %d times, want %d", name, n, want)
		}
	}
	if params.noDecrypt {
		t.Error("a parameter was read without decryption")
	}
	if n := exports.callCount("us-west-2"); n != 1 {
		t.Errorf("ListExports called %d times, want 1", n)
	}
}

// TestSecretNeverShown searches every output for a SecureString value.
func TestSecretNeverShown(t *testing.T) {
	t.Parallel()
	const secret = "Zq9-s3cr3t-Value"
	params := newFakeParameters("us-west-2",
		Parameter{Name: "/dr/token", Type: TypeSecureString, Value: secret, Version: 1},
		Parameter{Name: "/dr/arn", Type: TypeSecureString, Value: "arn:aws:rds:us-west-2:123456789012:db:" + secret, Version: 1},
		Parameter{Name: "/dr/gc", Type: TypeSecureString, Value: "gc-" + secret, Version: 1},
	)
	r := &Resolver{Exports: newFakeExports("us-west-2", nil, 10), Parameters: params, Region: "us-west-2"}
	p := load(t, `{"StatePayload": [{"layer": 1, "resources": [
	  {"resourceType": "UnPlannedFailoverAurora", "resourceName": "u", "parameters": {
	     "GlobalClusterIdentifier": "resolve:ssm:/dr/gc", "DBClusterIdentifier": "resolve:ssm:/dr/arn", "ClusterRegion": "resolve:ssm:/dr/token"}}]}]}`)
	res, ps, err := r.Resolve(context.Background(), p, testCatalog())
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("want 2 problems (ARN and region of the wrong form), got %v", ps)
	}
	var outputs []string
	outputs = append(outputs, ps.Error(), res.String(), fmt.Sprint(res), fmt.Sprintf("%v|%+v|%#v", *res, *res, res),
		fmt.Sprintf("%v %+v %#v", res.Layers, res.Layers[0], res.Layers[0].Resources[0]))
	for _, pr := range ps {
		outputs = append(outputs, pr.Message, pr.Fix)
	}
	js, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(js))
	for _, o := range outputs {
		if strings.Contains(o, secret) {
			t.Errorf("secret shown in %q", o)
		}
	}
	if want := `layer 1, resource 0 ("u"), DBClusterIdentifier: resolve:ssm:/dr/arn resolved to a SecureString value, which is not a DB cluster ARN; correct the value of the SSM parameter: write a DB cluster ARN, arn:aws:rds:<region>:<account>:cluster:<cluster-id>, e.g. arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02`; ps[0].Error() != want {
		t.Errorf("problem\n%s\nwant\n%s", ps[0].Error(), want)
	}
	if !strings.Contains(res.String(), "GlobalClusterIdentifier = <secret> (resolve:ssm:/dr/gc)") {
		t.Errorf("String() does not show the secret parameter as <secret>:\n%s", res)
	}
	// The handlers still get the value.
	if res.Layers[0].Resources[0].Params["ClusterRegion"] != secret {
		t.Error("the resolved secret is missing from Params")
	}
}

func TestResolveProblems(t *testing.T) {
	t.Parallel()
	seed := seedExports(t)
	tests := []struct {
		name    string
		exports []Export
		param   string // DBClusterIdentifier of a PlannedFailoverAurora
		want    string
	}{
		{"no close export", seed, "!Import orders-db-cluster-arn",
			`layer 1, resource 0 ("s"), DBClusterIdentifier: !Import orders-db-cluster-arn: no such CloudFormation export in us-west-2; check the name against the 22 exports of us-west-2 (aws cloudformation list-exports --region us-west-2)`},
		{"several close exports", []Export{{"db-a-cluster-arn", "x"}, {"db-b-cluster-arn", "x"}, {"db-c-cluster-arn", "x"}, {"db-d-cluster-arn", "x"}}, "!Import db-e-cluster-arn",
			`layer 1, resource 0 ("s"), DBClusterIdentifier: !Import db-e-cluster-arn: no such CloudFormation export in us-west-2; did you mean db-a-cluster-arn, db-b-cluster-arn or db-c-cluster-arn?`},
		{"no exports at all", nil, "!Import dr-globaldb-cluster-mysql-cluster-identifier",
			`layer 1, resource 0 ("s"), DBClusterIdentifier: !Import dr-globaldb-cluster-mysql-cluster-identifier: no such CloudFormation export in us-west-2; us-west-2 has no exports at all: check --region, or deploy the stack that exports dr-globaldb-cluster-mysql-cluster-identifier`},
		{"export of the wrong kind", seed, "!Import rds-mysql-instance-global-arn",
			`layer 1, resource 0 ("s"), DBClusterIdentifier: !Import rds-mysql-instance-global-arn resolved to "arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance", which is not a DB cluster ARN: it is a DB instance ARN (resource type "db"); correct the referenced value or reference another one: write a DB cluster ARN, arn:aws:rds:<region>:<account>:cluster:<cluster-id>, e.g. arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02`},
		{"SSM version missing", seed, "resolve:ssm:/dr/target:7",
			`layer 1, resource 0 ("s"), DBClusterIdentifier: resolve:ssm:/dr/target:7: version 7 of SSM parameter /dr/target does not exist in us-west-2; use an existing version (aws ssm get-parameter-history --name /dr/target --region us-west-2), or leave the version out for the latest`},
		{"SSM parameter missing", seed, "resolve:ssm:/dr/targit",
			`layer 1, resource 0 ("s"), DBClusterIdentifier: resolve:ssm:/dr/targit: no SSM parameter /dr/targit in us-west-2; check the name (aws ssm describe-parameters --region us-west-2), or create the parameter there`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &Resolver{Exports: newFakeExports("us-west-2", tt.exports, 10), Region: "us-west-2",
				Parameters: newFakeParameters("us-west-2", Parameter{Name: "/dr/target", Type: TypeString, Value: "arn:aws:rds:us-west-2:123456789012:cluster:c", Version: 1})}
			p := load(t, fmt.Sprintf(`{"StatePayload": [{"layer": 1, "resources": [{"resourceType": "PlannedFailoverAurora", "resourceName": "s",
			  "parameters": {"GlobalClusterIdentifier": "dr-db", "DBClusterIdentifier": %q}}]}]}`, tt.param))
			res, ps, err := r.Resolve(context.Background(), p, testCatalog())
			if err != nil {
				t.Fatal(err)
			}
			if got := problemLines(ps); !slices.Equal(got, []string{tt.want}) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), tt.want)
			}
			if res == nil {
				t.Error("no result alongside problems")
			}
		})
	}
}

func TestResolveLookupFailures(t *testing.T) {
	t.Parallel()
	throttled := &cloud.APIError{Service: "cloudformation", Action: "ListExports", Region: "us-west-2", Kind: cloud.KindThrottled, Code: "Throttling", Message: "Rate exceeded"}
	denied := &cloud.APIError{Service: "ssm", Action: "GetParameter", Region: "us-west-2", Kind: cloud.KindAccessDenied, Code: "AccessDeniedException", Message: "not allowed"}
	importPayload := `{"StatePayload": [{"layer": 1, "resources": [{"resourceType": "PromoteRDSReadReplica", "resourceName": "p", "parameters": {"RDSInstanceIdentifier": "!Import rds-mysql-instance-identifier"}}]}]}`
	ssmPayload := `{"StatePayload": [{"layer": 1, "resources": [{"resourceType": "PromoteRDSReadReplica", "resourceName": "p", "parameters": {"RDSInstanceIdentifier": "resolve:ssm:/dr/id"}}]}]}`
	tests := []struct {
		name    string
		r       *Resolver
		payload string
		want    string
		is      error
	}{
		{"exports throttled", &Resolver{Exports: &fakeExports{err: throttled, calls: map[string]int{}}, Region: "us-west-2"}, importPayload,
			"cloudformation ListExports in us-west-2: Throttling: Rate exceeded", throttled},
		{"exports page token loops", &Resolver{Exports: &fakeExports{same: true, calls: map[string]int{}}, Region: "us-west-2"}, importPayload,
			`list exports in us-west-2: the endpoint returned the page token "page-0" twice; paging would never end`, nil},
		{"exports never end", &Resolver{Exports: &fakeExports{loop: true, calls: map[string]int{}}, Region: "us-west-2", MaxExportPages: 50}, importPayload,
			"list exports in us-west-2: more than 50 pages of exports; the endpoint keeps answering with a next token", nil},
		{"no exports client", &Resolver{Region: "us-west-2"}, importPayload,
			"list exports in us-west-2: no CloudFormation client configured", nil},
		{"SSM denied", &Resolver{Parameters: &fakeParameters{err: denied, calls: map[string]int{}}, Region: "us-west-2"}, ssmPayload,
			"SSM parameter /dr/id: ssm GetParameter in us-west-2: AccessDeniedException: not allowed", denied},
		{"no SSM client", &Resolver{Region: "us-west-2"}, ssmPayload,
			"get SSM parameter /dr/id in us-west-2: no SSM client configured", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, ps, err := tt.r.Resolve(context.Background(), load(t, tt.payload), testCatalog())
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if res != nil || ps != nil {
				t.Errorf("result %v and problems %v alongside an error", res, ps)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error does not wrap the lookup's error")
			}
		})
	}
}

func TestResolveListsOnlyWhenNeeded(t *testing.T) {
	t.Parallel()
	exports := newFakeExports("us-west-2", seedExports(t), 10)
	params := newFakeParameters("us-west-2")
	r := &Resolver{Exports: exports, Parameters: params, Region: "us-west-2"}
	res, ps, err := r.Resolve(context.Background(), load(t, readme(t, "1-planned-failover-aurora.json")+"  "), testCatalog())
	if err != nil || len(ps) > 0 || res == nil {
		t.Fatal(err, ps)
	}
	literal := `{"StatePayload": [{"layer": 1, "resources": [{"resourceType": "PromoteRDSReadReplica", "resourceName": "p", "parameters": {"RDSInstanceIdentifier": "rds-mysql-instance"}}]}]}`
	r2 := &Resolver{Exports: newFakeExports("us-west-2", nil, 10), Parameters: params, Region: "us-west-2"}
	if _, _, err := r2.Resolve(context.Background(), load(t, literal), testCatalog()); err != nil {
		t.Fatal(err)
	}
	if n := r2.Exports.(*fakeExports).callCount("us-west-2"); n != 0 {
		t.Errorf("ListExports called %d times for a payload without imports", n)
	}
	if len(params.calls) != 0 {
		t.Errorf("GetParameter called for a payload without SSM references: %v", params.calls)
	}
}

// TestResolveConcurrent: one Resolver shared by goroutines lists once.
func TestResolveConcurrent(t *testing.T) {
	t.Parallel()
	exports := newFakeExports("us-west-2", seedExports(t), 3)
	r := &Resolver{Exports: exports, Parameters: newFakeParameters("us-west-2"), Region: "us-west-2"}
	p := load(t, readme(t, "4-promote-rds-and-failover-elasticache.json"))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, ps, err := r.Resolve(context.Background(), p, testCatalog()); err != nil || len(ps) > 0 {
				t.Errorf("Resolve: %v %v", err, ps)
			}
		})
	}
	wg.Wait()
	if n := exports.callCount("us-west-2"); n != 8 {
		t.Errorf("ListExports called %d times, want 8 (the 8 pages once)", n)
	}
}

func TestResolveUnvalidatedPayload(t *testing.T) {
	t.Parallel()
	p := &manifest.Payload{Layers: []manifest.Layer{{Number: 1, Resources: []manifest.Resource{{Type: "Nope", Name: "n"}}}}}
	r := &Resolver{Region: "us-west-2"}
	_, ps, err := r.Resolve(context.Background(), p, testCatalog())
	if err != nil || len(ps) != 1 || ps[0].Field != "resourceType" {
		t.Errorf("Resolve of an unknown type: %v %v", err, ps)
	}
}
