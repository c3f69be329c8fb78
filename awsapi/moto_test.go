package awsapi_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"drorch/cloud"
	"drorch/internal/motoserver"
)

// moto is an emulator nobody at drorch wrote: drorch's adapter must agree
// with it on every operation it implements. It lacks SwitchoverGlobalCluster,
// FailoverGlobalCluster and ElastiCache global datastores; those are covered
// against drorch's simulator.

const (
	east = "us-east-1"
	west = "us-west-2"
	acct = "123456789012"
)

func clusterARN(region, id string) string {
	return "arn:aws:rds:" + region + ":" + acct + ":cluster:" + id
}
func dbARN(region, id string) string { return "arn:aws:rds:" + region + ":" + acct + ":db:" + id }

// seedMoto builds, with the raw SDK and with awsapi's own mutating calls,
// a small version of the seed topology.
func seedMoto(t *testing.T, endpoint string, c api) {
	t.Helper()
	ctx := context.Background()
	rdsEast := rds.NewFromConfig(sdkConfig(east), func(o *rds.Options) { o.BaseEndpoint = aws.String(endpoint) })

	res(rdsEast.CreateDBCluster(ctx, &rds.CreateDBClusterInput{
		DBClusterIdentifier: aws.String("dbcluster-01"), Engine: aws.String("aurora-mysql"),
		EngineVersion: aws.String("8.0.mysql_aurora.3.05.2"), MasterUsername: aws.String("admin"),
		MasterUserPassword: aws.String("not-a-secret-1"), Port: aws.Int32(3787), StorageEncrypted: aws.Bool(true),
	})).must(t)
	ok(t, c.Call(ctx, cloud.NewCall("rds", "CreateDBInstance", east,
		"DBInstanceIdentifier", "dbcluster-01-use1-instance-1", "DBClusterIdentifier", "dbcluster-01", "DBInstanceClass", "db.r5.large", "Engine", "aurora-mysql")))
	ok(t, c.CreateGlobalCluster(ctx, east, "dr-globaldb-cluster-mysql", clusterARN(east, "dbcluster-01")))
	ok(t, c.Call(ctx, cloud.NewCall("rds", "CreateDBCluster", west,
		"DBClusterIdentifier", "dbcluster-02", "GlobalClusterIdentifier", "dr-globaldb-cluster-mysql", "Engine", "aurora-mysql",
		"EngineVersion", "8.0.mysql_aurora.3.05.2", "Port", "3787",
		"KmsKeyId", "arn:aws:kms:us-west-2:123456789012:key/1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6",
		"SourceRegion", east, "BackupRetentionPeriod", "7", "StorageEncrypted", "true", "CopyTagsToSnapshot", "true")))
	ok(t, c.Call(ctx, cloud.NewCall("rds", "CreateDBInstance", west,
		"DBInstanceIdentifier", "dbcluster-02-usw2-instance-2", "DBClusterIdentifier", "dbcluster-02", "DBInstanceClass", "db.r5.large", "Engine", "aurora-mysql")))

	res(rdsEast.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("rds-mysql-instance"), Engine: aws.String("mysql"),
		EngineVersion: aws.String("8.0.35"), DBInstanceClass: aws.String("db.r5.large"), AllocatedStorage: aws.Int32(20),
		MasterUsername: aws.String("admin"), MasterUserPassword: aws.String("not-a-secret-2"), Port: aws.Int32(3788),
	})).must(t)
	ok(t, c.Call(ctx, cloud.NewCall("rds", "CreateDBInstanceReadReplica", west,
		"DBInstanceIdentifier", "rds-mysql-replica", "SourceDBInstanceIdentifier", dbARN(east, "rds-mysql-instance"), "SourceRegion", east,
		"DBInstanceClass", "db.r5.large", "Port", "3788", "AutoMinorVersionUpgrade", "true")))

	// 130 exports in two stacks: ListExports needs two pages (moto pages at 100).
	cfn := cloudformation.NewFromConfig(sdkConfig(west), func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(endpoint) })
	for s := 0; s < 2; s++ {
		res(cfn.CreateStack(ctx, &cloudformation.CreateStackInput{
			StackName: aws.String(fmt.Sprintf("App-Stack-%d", s)), TemplateBody: aws.String(exportTemplate(s*65, 65)),
		})).must(t)
	}

	ssmWest := ssm.NewFromConfig(sdkConfig(west), func(o *ssm.Options) { o.BaseEndpoint = aws.String(endpoint) })
	for _, p := range []ssm.PutParameterInput{
		{Name: aws.String("/dr-orchestrator/demo/global-cluster-id"), Type: ssmtypes.ParameterTypeString, Value: aws.String("dr-globaldb-cluster-mysql")},
		{Name: aws.String("/dr-orchestrator/demo/global-cluster-id"), Type: ssmtypes.ParameterTypeString, Value: aws.String("dr-globaldb-v2"), Overwrite: aws.Bool(true)},
		{Name: aws.String("/dr-orchestrator/demo/db-password"), Type: ssmtypes.ParameterTypeSecureString, Value: aws.String("s3cr3t-demo-password")},
	} {
		res(ssmWest.PutParameter(ctx, &p)).must(t)
	}
}

// exportTemplate is a CloudFormation template with n exported outputs
// named moto-export-<first>... .
func exportTemplate(first, n int) string {
	var b strings.Builder
	b.WriteString(`{"Resources":{"Handle":{"Type":"AWS::CloudFormation::WaitConditionHandle"}},"Outputs":{`)
	for i := first; i < first+n; i++ {
		if i > first {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"Out%d":{"Value":"value-%03d","Export":{"Name":"moto-export-%03d"}}`, i, i, i)
	}
	b.WriteString("}}")
	return b.String()
}

func TestMoto(t *testing.T) {
	t.Parallel()
	endpoint := motoserver.Start(t)
	c := newClients(t, endpoint, nil)
	seedMoto(t, endpoint, c)
	ctx := context.Background()

	t.Run("describe global cluster", func(t *testing.T) {
		gc := res(c.GlobalCluster(ctx, west, "dr-globaldb-cluster-mysql")).must(t)
		if gc.ID != "dr-globaldb-cluster-mysql" || gc.Engine != "aurora-mysql" || !strings.Contains(gc.ARN, "global-cluster:dr-globaldb-cluster-mysql") {
			t.Errorf("global cluster = %+v", gc)
		}
		// moto marks no member as the writer of a global cluster created
		// from a source cluster; the members themselves must all be there.
		if got := memberARNs(gc); got != clusterARN(east, "dbcluster-01")+" "+clusterARN(west, "dbcluster-02") {
			t.Errorf("members = %s", got)
		}
		_, err := c.GlobalCluster(ctx, west, "no-such-global")
		wantKind(t, err, cloud.KindNotFound, "")
		if !strings.Contains(err.Error(), "rds DescribeGlobalClusters no-such-global in us-west-2") {
			t.Errorf("message %q does not name action, resource and region", err)
		}
	})

	t.Run("describe clusters and instances", func(t *testing.T) {
		for _, idOrARN := range []string{"dbcluster-02", clusterARN(west, "dbcluster-02")} {
			cl := res(c.DBCluster(ctx, west, idOrARN)).must(t)
			if cl.ID != "dbcluster-02" || cl.Region != west || cl.GlobalClusterID != "dr-globaldb-cluster-mysql" || cl.Port != 3787 {
				t.Errorf("DBCluster(%s) = %+v", idOrARN, cl)
			}
		}
		cl := res(c.DBCluster(ctx, east, "dbcluster-01")).must(t)
		if wr, found := cl.Writer(); !found || wr.InstanceID != "dbcluster-01-use1-instance-1" {
			t.Errorf("dbcluster-01 members = %+v", cl.Members)
		}
		_, err := c.DBCluster(ctx, west, "dbcluster-01") // lives in us-east-1 only
		wantKind(t, err, cloud.KindNotFound, "DBClusterNotFoundFault")

		for _, idOrARN := range []string{"rds-mysql-replica", dbARN(west, "rds-mysql-replica")} {
			in := res(c.DBInstance(ctx, west, idOrARN)).must(t)
			if in.ID != "rds-mysql-replica" || in.Engine != "mysql" || in.Class != "db.r5.large" || in.ReplicaSource == "" {
				t.Errorf("DBInstance(%s) = %+v", idOrARN, in)
			}
		}
		_, err = c.DBInstance(ctx, west, "no-such-instance")
		wantKind(t, err, cloud.KindNotFound, "DBInstanceNotFound")
	})

	t.Run("batch reads", func(t *testing.T) {
		gcs := res(batch(ctx, c, cloud.GlobalClusters, east, "dr-globaldb-cluster-mysql", "no-such-global-cluster")).must(t)
		if len(gcs) != 1 || gcs[0].ID != "dr-globaldb-cluster-mysql" {
			t.Errorf("global clusters = %+v", gcs)
		}
		cls := res(batch(ctx, c, cloud.DBClusters, west, "dbcluster-02", "missing-cluster")).must(t)
		if len(cls) != 1 || cls[0].ID != "dbcluster-02" {
			t.Errorf("DBClusters = %+v", cls)
		}
		ins := res(batch(ctx, c, cloud.DBInstances, west, "dbcluster-02-usw2-instance-2", "rds-mysql-replica")).must(t)
		if len(ins) != 2 {
			t.Errorf("DBInstances = %+v", ins)
		}
	})

	t.Run("exports over two pages", func(t *testing.T) {
		page1, next := mustPage(t, c, west, "")
		if len(page1) != 100 || next == "" {
			t.Fatalf("first page: %d exports, next %q; want 100 and a token", len(page1), next)
		}
		page2, last := mustPage(t, c, west, next)
		if len(page2) != 30 || last != "" {
			t.Fatalf("second page: %d exports, next %q; want 30 and no token", len(page2), last)
		}
		seen := map[string]string{}
		for _, e := range append(page1, page2...) {
			seen[e.Name] = e.Value
		}
		if len(seen) != 130 || seen["moto-export-129"] != "value-129" {
			t.Errorf("exports = %d distinct, moto-export-129 = %q", len(seen), seen["moto-export-129"])
		}
		if other, _ := mustPage(t, c, east, ""); len(other) != 0 {
			t.Errorf("us-east-1 sees %d exports of us-west-2", len(other))
		}
	})

	t.Run("parameters", func(t *testing.T) {
		p := res(c.GetParameter(ctx, west, "/dr-orchestrator/demo/global-cluster-id", false)).must(t)
		if p.Value != "dr-globaldb-v2" || p.Version != 2 || p.Type != "String" {
			t.Errorf("latest = %+v", p)
		}
		p = res(c.GetParameter(ctx, west, "/dr-orchestrator/demo/global-cluster-id:1", false)).must(t)
		if p.Value != "dr-globaldb-cluster-mysql" || p.Version != 1 {
			t.Errorf("version 1 = %+v", p)
		}
		s := res(c.GetParameter(ctx, west, "/dr-orchestrator/demo/db-password", true)).must(t)
		if s.Value != "s3cr3t-demo-password" || s.Type != "SecureString" {
			t.Errorf("decrypted secure string: type %q, value matches: %v", s.Type, s.Value == "s3cr3t-demo-password")
		}
		enc := res(c.GetParameter(ctx, west, "/dr-orchestrator/demo/db-password", false)).must(t)
		if enc.Value == "s3cr3t-demo-password" {
			t.Errorf("secure string came back decrypted without WithDecryption")
		}
		_, err := c.GetParameter(ctx, west, "/no/such/parameter", true)
		wantKind(t, err, cloud.KindNotFound, "ParameterNotFound")
		_, err = c.GetParameter(ctx, west, "/dr-orchestrator/demo/global-cluster-id:9", true)
		wantKind(t, err, cloud.KindNotFound, "ParameterVersionNotFound")
	})

	t.Run("identity and publish", func(t *testing.T) {
		if id := res(c.AccountID(ctx, west)).must(t); id != acct {
			t.Errorf("account = %q, want %s", id, acct)
		}
		topics := sns.NewFromConfig(sdkConfig(west), func(o *sns.Options) { o.BaseEndpoint = aws.String(endpoint) })
		topic := res(topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("dr-orchestrator-notifications")})).must(t)
		ok(t, c.Publish(ctx, west, aws.ToString(topic.TopicArn), "drorch run finished", `{"run":"r1"}`))
		err := c.Publish(ctx, west, "arn:aws:sns:us-west-2:123456789012:no-such-topic", "", "x")
		wantKind(t, err, cloud.KindNotFound, "NotFound")
	})

	t.Run("detach and promote", func(t *testing.T) {
		// moto honours RemoveFromGlobalCluster only in the region where the
		// global cluster was created (it answers success and changes nothing
		// elsewhere), so detach dbcluster-01 from us-east-1.
		ok(t, c.RemoveFromGlobalCluster(ctx, east, "dr-globaldb-cluster-mysql", clusterARN(east, "dbcluster-01")))
		gc := res(c.GlobalCluster(ctx, west, "dr-globaldb-cluster-mysql")).must(t)
		if got := memberARNs(gc); got != clusterARN(west, "dbcluster-02") {
			t.Errorf("after detach members = %s", got)
		}
		// moto keeps ReadReplicaSourceDBInstanceIdentifier after a promote,
		// so only the call and the instance's state can be checked here.
		ok(t, c.PromoteReadReplica(ctx, west, "rds-mysql-replica"))
		if in := res(c.DBInstance(ctx, west, "rds-mysql-replica")).must(t); in.Status != "available" {
			t.Errorf("promoted replica status = %q", in.Status)
		}
		// moto answers a promote of an unknown instance with an HTML 500:
		// a server fault, reported as transient, never a panic.
		err := c.PromoteReadReplica(ctx, west, "no-such-replica")
		wantKind(t, err, cloud.KindTransient, "")
		if !strings.Contains(err.Error(), "rds PromoteReadReplica no-such-replica in us-west-2") {
			t.Errorf("message %q does not name action, resource and region", err)
		}
	})

	t.Run("deletes", func(t *testing.T) {
		ok(t, c.DeleteDBInstance(ctx, west, "rds-mysql-replica", "backup-rds-mysql-replica-1"))
		ok(t, c.DeleteDBInstance(ctx, west, "dbcluster-02-usw2-instance-2", ""))
		ok(t, c.DeleteDBCluster(ctx, west, "dbcluster-02"))
		_, err := c.DBCluster(ctx, west, "dbcluster-02")
		wantKind(t, err, cloud.KindNotFound, "DBClusterNotFoundFault")
		err = c.DeleteGlobalCluster(ctx, west, "dr-globaldb-cluster-mysql") // dbcluster-01 is still a member
		wantKind(t, err, cloud.KindInvalidState, "InvalidGlobalClusterStateFault")
	})

	t.Run("operations moto lacks are reported, not panics", func(t *testing.T) {
		for name, call := range map[string]func() error{
			"SwitchoverGlobalCluster": func() error {
				return c.SwitchoverGlobalCluster(ctx, east, "dr-globaldb-cluster-mysql", clusterARN(west, "dbcluster-02"))
			},
			"FailoverGlobalCluster": func() error {
				return c.FailoverGlobalCluster(ctx, west, "dr-globaldb-cluster-mysql", clusterARN(west, "dbcluster-02"))
			},
			"FailoverGlobalReplicationGroup": func() error {
				return c.FailoverGlobalReplicationGroup(ctx, west, "ldgnf-demo-redis-global-datastore", west, "demo-redis-cluster")
			},
			"DescribeGlobalReplicationGroups": func() error {
				_, err := batch(ctx, c, cloud.GlobalReplicationGroups, west, "ldgnf-demo-redis-global-datastore", "another")
				return err
			},
		} {
			err := call()
			if err == nil {
				t.Errorf("%s: moto now implements it; test it for real", name)
				continue
			}
			ae := wantKindAny(t, err)
			t.Logf("moto lacks %s: %v %s", name, ae.Kind, ae.Code)
		}
	})
}

// memberARNs lists a global cluster's member ARNs, space-separated, sorted.
func memberARNs(gc *cloud.GlobalCluster) string {
	var arns []string
	for _, m := range gc.Members {
		arns = append(arns, m.ClusterARN)
	}
	sort.Strings(arns)
	return strings.Join(arns, " ")
}

func mustPage(t *testing.T, c api, region, token string) ([]refExport, string) {
	t.Helper()
	exports, next, err := c.ListExports(context.Background(), region, token)
	if err != nil {
		t.Fatal(err)
	}
	return exports, next
}

func wantKindAny(t testing.TB, err error) *cloud.APIError {
	t.Helper()
	ae, isAPI := asAPIError(err)
	if !isAPI {
		t.Fatalf("err = %v (%T), want *cloud.APIError", err, err)
	}
	return ae
}
