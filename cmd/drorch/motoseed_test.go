package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"drorch/internal/motoserver"
)

// The moto world: the seed topology turned round, so that drorch, run in
// us-east-1, fails over to us-east-1. moto keeps global clusters in
// us-east-1 and honours RemoveFromGlobalCluster only there, for a cluster
// of that region, so the secondary to detach lives in us-east-1:
//   - global cluster dr-globaldb-cluster-mysql: writer dbcluster-02
//     (us-west-2), secondary dbcluster-01 (us-east-1), one instance each;
//   - rds-mysql-instance in us-west-2 with a read replica of the same name
//     in us-east-1;
//   - in us-east-1, 130 filler exports (ListExports answers 100 a page),
//     then the exports README payloads 2 and 4 import, and SSM parameters:
//     a String holding the global cluster's id and two SecureStrings, the
//     seed's password and one holding the replica's ARN.
const (
	motoHome       = "us-east-1"
	motoPrimary    = "us-west-2"
	motoGlobal     = "dr-globaldb-cluster-mysql"
	motoSecondary  = "arn:aws:rds:us-east-1:123456789012:cluster:dbcluster-01"
	motoWriter     = "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"
	motoReplicaARN = "arn:aws:rds:us-east-1:123456789012:db:rds-mysql-instance"
	motoSourceARN  = "arn:aws:rds:us-west-2:123456789012:db:rds-mysql-instance"
	motoFillers    = 130
)

// motoExports are the exports the payloads import, in us-east-1.
var motoExports = map[string]string{
	"dr-globaldb-cluster-mysql-global-identifier":  motoGlobal,
	"dr-globaldb-cluster-mysql-cluster-identifier": motoSecondary,
	"dr-globaldb-cluster-mysql-cluster-region":     motoHome,
	"rds-mysql-instance-identifier":                "rds-mysql-instance",
	"rds-mysql-instance-global-arn":                motoReplicaARN,
}

func motoConfig(region string) aws.Config {
	return aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), HTTPClient: &http.Client{}}
}

// outcome is a call's two results, so that a seeding call fits on one
// line: try(client.Call(...)).must(t, "what").
type outcome[T any] struct {
	v   T
	err error
}

func try[T any](v T, err error) outcome[T] { return outcome[T]{v, err} }

func (o outcome[T]) must(t *testing.T, what string) T {
	t.Helper()
	if o.err != nil {
		t.Fatalf("seed moto: %s: %v", what, o.err)
	}
	return o.v
}

// startMoto starts moto behind a wireLog (so that tests can count the
// calls drorch makes), seeds it and returns the endpoint drorch uses.
func startMoto(t *testing.T) (*wireLog, string) {
	t.Helper()
	motoURL := motoserver.Start(t)
	target, err := url.Parse(motoURL)
	if err != nil {
		t.Fatal(err)
	}
	w := &wireLog{next: httputil.NewSingleHostReverseProxy(target)}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	seedMotoWorld(t, motoURL)
	return w, srv.URL
}

func seedMotoWorld(t *testing.T, endpoint string) {
	t.Helper()
	ctx := context.Background()
	rdsIn := func(region string) *rds.Client {
		return rds.NewFromConfig(motoConfig(region), func(o *rds.Options) { o.BaseEndpoint = aws.String(endpoint) })
	}
	east, west := rdsIn(motoHome), rdsIn(motoPrimary)

	const engine, version = "aurora-mysql", "8.0.mysql_aurora.3.05.2"
	try(west.CreateGlobalCluster(ctx, &rds.CreateGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(motoGlobal), Engine: aws.String(engine), EngineVersion: aws.String(version)})).must(t, "create global cluster")
	try(west.CreateDBCluster(ctx, &rds.CreateDBClusterInput{
		DBClusterIdentifier: aws.String("dbcluster-02"), Engine: aws.String(engine), EngineVersion: aws.String(version),
		GlobalClusterIdentifier: aws.String(motoGlobal), MasterUsername: aws.String("admin"),
		MasterUserPassword: aws.String("not-a-secret-1"), Port: aws.Int32(3787)})).must(t, "create writer cluster")
	try(west.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("dbcluster-02-usw2-instance-2"), DBClusterIdentifier: aws.String("dbcluster-02"),
		DBInstanceClass: aws.String("db.r5.large"), Engine: aws.String(engine)})).must(t, "create writer instance")
	try(east.CreateDBCluster(ctx, &rds.CreateDBClusterInput{
		DBClusterIdentifier: aws.String("dbcluster-01"), Engine: aws.String(engine), EngineVersion: aws.String(version),
		GlobalClusterIdentifier: aws.String(motoGlobal), Port: aws.Int32(3787)})).must(t, "create secondary cluster")
	try(east.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("dbcluster-01-use1-instance-1"), DBClusterIdentifier: aws.String("dbcluster-01"),
		DBInstanceClass: aws.String("db.r5.large"), Engine: aws.String(engine)})).must(t, "create secondary instance")

	try(west.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("rds-mysql-instance"), Engine: aws.String("mysql"), EngineVersion: aws.String("8.0.35"),
		DBInstanceClass: aws.String("db.r5.large"), AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("admin"),
		MasterUserPassword: aws.String("not-a-secret-2"), Port: aws.Int32(3788)})).must(t, "create source instance")
	try(east.CreateDBInstanceReadReplica(ctx, &rds.CreateDBInstanceReadReplicaInput{
		DBInstanceIdentifier: aws.String("rds-mysql-instance"), SourceDBInstanceIdentifier: aws.String(motoSourceARN),
		DBInstanceClass: aws.String("db.r5.large"), SourceRegion: aws.String(motoPrimary)})).must(t, "create read replica")

	cfn := cloudformation.NewFromConfig(motoConfig(motoHome), func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(endpoint) })
	fillers := map[string]string{}
	for i := 0; i < motoFillers; i++ {
		fillers[fmt.Sprintf("filler-export-%03d", i)] = fmt.Sprintf("filler-value-%03d", i)
	}
	// The fillers first: the exports drorch needs come after the first page.
	for _, st := range []struct {
		name    string
		exports map[string]string
	}{{"Filler-Stack", fillers}, {"App-Stack", motoExports}} {
		try(cfn.CreateStack(ctx, &cloudformation.CreateStackInput{
			StackName: aws.String(st.name), TemplateBody: aws.String(exportsTemplate(st.exports))})).must(t, "create stack "+st.name)
	}

	params := ssm.NewFromConfig(motoConfig(motoHome), func(o *ssm.Options) { o.BaseEndpoint = aws.String(endpoint) })
	for _, p := range []ssm.PutParameterInput{
		{Name: aws.String("/dr-orchestrator/demo/global-cluster-id"), Type: ssmtypes.ParameterTypeString, Value: aws.String(motoGlobal)},
		{Name: aws.String("/dr-orchestrator/demo/db-password"), Type: ssmtypes.ParameterTypeSecureString, Value: aws.String(seedSecret)},
		{Name: aws.String("/dr-orchestrator/demo/replica-arn"), Type: ssmtypes.ParameterTypeSecureString, Value: aws.String(motoReplicaARN)},
	} {
		try(params.PutParameter(ctx, &p)).must(t, "put parameter "+*p.Name)
	}

	// The paging is real: the first page holds none of the payloads' exports.
	page := try(cfn.ListExports(ctx, &cloudformation.ListExportsInput{})).must(t, "list exports")
	if page.NextToken == nil {
		t.Fatalf("seed moto: ListExports answered %d exports in one page; drorch's paging would go untested", len(page.Exports))
	}
	for _, e := range page.Exports {
		if _, ok := motoExports[aws.ToString(e.Name)]; ok {
			t.Fatalf("seed moto: export %s is on the first page; drorch's paging would go untested", aws.ToString(e.Name))
		}
	}
}

// exportsTemplate is a CloudFormation template exporting every name of
// exports with its value.
func exportsTemplate(exports map[string]string) string {
	var b strings.Builder
	b.WriteString(`{"Resources":{"Handle":{"Type":"AWS::CloudFormation::WaitConditionHandle"}},"Outputs":{`)
	i := 0
	for name, value := range exports {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"Out%d":{"Value":%q,"Export":{"Name":%q}}`, i, value, name)
		i++
	}
	b.WriteString("}}")
	return b.String()
}
