package awsapi_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/awsapi"
	"drorch/cloud"
)

// TestMutatingCallsOnTheWire checks that every field of the domain inputs
// reaches AWS under its API name, in the region named by the caller, and
// that SourceRegion becomes a PreSignedUrl signed for the source region.
func TestMutatingCallsOnTheWire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name    string
		call    func(c api) error
		region  string // where the call must be signed for
		action  string
		service string
		want    map[string]string
		absent  []string
		presign string // the source region of the PreSignedUrl, if one is expected
	}{
		{
			name: "create db cluster",
			call: func(c api) error {
				return c.Call(ctx, cloud.NewCall("rds", "CreateDBCluster", "us-west-2",
					"DBClusterIdentifier", "dbcluster-02", "GlobalClusterIdentifier", "dr-globaldb-cluster-mysql", "Engine", "aurora-mysql",
					"EngineVersion", "8.0.mysql_aurora.3.05.2", "Port", "3787", "DBSubnetGroupName", "dr-globaldb-subnet-group",
					"VpcSecurityGroupIds", "sg-1,sg-2", "KmsKeyId", "arn:aws:kms:us-west-2:123456789012:key/k",
					"SourceRegion", "us-east-1", "BackupRetentionPeriod", "7", "StorageEncrypted", "true",
					"EnableIAMDatabaseAuthentication", "true", "DeletionProtection", "false", "CopyTagsToSnapshot", "true"))
			},
			region: "us-west-2", action: "CreateDBCluster", service: "rds",
			want: map[string]string{
				"DBClusterIdentifier": "dbcluster-02", "GlobalClusterIdentifier": "dr-globaldb-cluster-mysql",
				"Engine": "aurora-mysql", "EngineVersion": "8.0.mysql_aurora.3.05.2", "Port": "3787",
				"DBSubnetGroupName": "dr-globaldb-subnet-group", "VpcSecurityGroupIds.VpcSecurityGroupId.1": "sg-1",
				"VpcSecurityGroupIds.VpcSecurityGroupId.2": "sg-2", "KmsKeyId": "arn:aws:kms:us-west-2:123456789012:key/k",
				"BackupRetentionPeriod": "7", "StorageEncrypted": "true", "EnableIAMDatabaseAuthentication": "true",
				"DeletionProtection": "false", "CopyTagsToSnapshot": "true",
			},
			absent:  []string{"SourceRegion", "MasterUsername", "MasterUserPassword"},
			presign: "us-east-1",
		},
		{
			name: "create db cluster without optional fields",
			call: func(c api) error {
				return c.Call(ctx, cloud.NewCall("rds", "CreateDBCluster", "us-west-2", "DBClusterIdentifier", "c", "Engine", "aurora-mysql"))
			},
			region: "us-west-2", action: "CreateDBCluster", service: "rds",
			want:   map[string]string{"DBClusterIdentifier": "c", "Engine": "aurora-mysql"},
			absent: []string{"Port", "KmsKeyId", "PreSignedUrl", "BackupRetentionPeriod", "GlobalClusterIdentifier", "DBSubnetGroupName"},
		},
		{
			name: "create read replica",
			call: func(c api) error {
				return c.Call(ctx, cloud.NewCall("rds", "CreateDBInstanceReadReplica", "us-west-2",
					"DBInstanceIdentifier", "rds-mysql-instance", "SourceDBInstanceIdentifier", "arn:aws:rds:us-east-1:123456789012:db:rds-mysql-instance",
					"SourceRegion", "us-east-1", "DBInstanceClass", "db.r5.large", "MultiAZ", "true", "DBSubnetGroupName", "sub",
					"VpcSecurityGroupIds", "sg-9", "KmsKeyId", "key-west", "AutoMinorVersionUpgrade", "true", "Port", "3788",
					"CopyTagsToSnapshot", "true", "MonitoringInterval", "60", "MonitoringRoleArn", "arn:aws:iam::123456789012:role/rds-monitoring-role",
					"EnableIAMDatabaseAuthentication", "true"))
			},
			region: "us-west-2", action: "CreateDBInstanceReadReplica", service: "rds",
			want: map[string]string{
				"DBInstanceIdentifier": "rds-mysql-instance", "SourceDBInstanceIdentifier": "arn:aws:rds:us-east-1:123456789012:db:rds-mysql-instance",
				"DBInstanceClass": "db.r5.large", "MultiAZ": "true", "DBSubnetGroupName": "sub",
				"VpcSecurityGroupIds.VpcSecurityGroupId.1": "sg-9", "KmsKeyId": "key-west", "AutoMinorVersionUpgrade": "true",
				"Port": "3788", "CopyTagsToSnapshot": "true", "MonitoringInterval": "60",
				"MonitoringRoleArn": "arn:aws:iam::123456789012:role/rds-monitoring-role", "EnableIAMDatabaseAuthentication": "true",
			},
			absent:  []string{"SourceRegion"},
			presign: "us-east-1",
		},
		{
			name: "create db instance",
			call: func(c api) error {
				return c.Call(ctx, cloud.NewCall("rds", "CreateDBInstance", "us-east-1",
					"DBInstanceIdentifier", "dbcluster-01-use1-instance-1", "DBClusterIdentifier", "dbcluster-01", "DBInstanceClass", "db.r5.large",
					"Engine", "aurora-mysql", "MonitoringInterval", "0", "AutoMinorVersionUpgrade", "false"))
			},
			region: "us-east-1", action: "CreateDBInstance", service: "rds",
			want: map[string]string{
				"DBInstanceIdentifier": "dbcluster-01-use1-instance-1", "DBClusterIdentifier": "dbcluster-01",
				"DBInstanceClass": "db.r5.large", "Engine": "aurora-mysql", "MonitoringInterval": "0", "AutoMinorVersionUpgrade": "false",
			},
			absent: []string{"MonitoringRoleArn"},
		},
		{
			name:   "switchover",
			call:   func(c api) error { return c.SwitchoverGlobalCluster(ctx, "us-east-1", "g", "arn:t") },
			region: "us-east-1", action: "SwitchoverGlobalCluster", service: "rds",
			want:   map[string]string{"GlobalClusterIdentifier": "g", "TargetDbClusterIdentifier": "arn:t"},
			absent: []string{"AllowDataLoss", "Switchover"},
		},
		{
			name:   "failover with data loss",
			call:   func(c api) error { return c.FailoverGlobalCluster(ctx, "us-west-2", "g", "arn:t") },
			region: "us-west-2", action: "FailoverGlobalCluster", service: "rds",
			want:   map[string]string{"GlobalClusterIdentifier": "g", "TargetDbClusterIdentifier": "arn:t", "AllowDataLoss": "true"},
			absent: []string{"Switchover"},
		},
		{
			name:   "remove from global cluster",
			call:   func(c api) error { return c.RemoveFromGlobalCluster(ctx, "us-west-2", "g", "arn:c") },
			region: "us-west-2", action: "RemoveFromGlobalCluster", service: "rds",
			want: map[string]string{"GlobalClusterIdentifier": "g", "DbClusterIdentifier": "arn:c"},
		},
		{
			name: "create global cluster",
			call: func(c api) error {
				return c.CreateGlobalCluster(ctx, "us-west-2", "g", "arn:s")
			},
			region: "us-west-2", action: "CreateGlobalCluster", service: "rds",
			want: map[string]string{"GlobalClusterIdentifier": "g", "SourceDBClusterIdentifier": "arn:s"},
		},
		{
			name:   "delete global cluster",
			call:   func(c api) error { return c.DeleteGlobalCluster(ctx, "us-east-1", "g") },
			region: "us-east-1", action: "DeleteGlobalCluster", service: "rds",
			want: map[string]string{"GlobalClusterIdentifier": "g"},
		},
		{
			name:   "delete db cluster",
			call:   func(c api) error { return c.DeleteDBCluster(ctx, "us-east-1", "dbcluster-01") },
			region: "us-east-1", action: "DeleteDBCluster", service: "rds",
			want:   map[string]string{"DBClusterIdentifier": "dbcluster-01", "SkipFinalSnapshot": "true"},
			absent: []string{"FinalDBSnapshotIdentifier"},
		},
		{
			name:   "delete instance without snapshot",
			call:   func(c api) error { return c.DeleteDBInstance(ctx, "us-east-1", "i", "") },
			region: "us-east-1", action: "DeleteDBInstance", service: "rds",
			want:   map[string]string{"DBInstanceIdentifier": "i", "SkipFinalSnapshot": "true"},
			absent: []string{"FinalDBSnapshotIdentifier"},
		},
		{
			name:   "delete instance with final snapshot",
			call:   func(c api) error { return c.DeleteDBInstance(ctx, "us-east-1", "i", "backup-i-20250101") },
			region: "us-east-1", action: "DeleteDBInstance", service: "rds",
			want:   map[string]string{"DBInstanceIdentifier": "i", "FinalDBSnapshotIdentifier": "backup-i-20250101"},
			absent: []string{"SkipFinalSnapshot"},
		},
		{
			name:   "promote read replica",
			call:   func(c api) error { return c.PromoteReadReplica(ctx, "us-west-2", "rds-mysql-instance") },
			region: "us-west-2", action: "PromoteReadReplica", service: "rds",
			want: map[string]string{"DBInstanceIdentifier": "rds-mysql-instance"},
		},
		{
			name: "failover global replication group",
			call: func(c api) error {
				return c.FailoverGlobalReplicationGroup(ctx, "us-west-2", "ldgnf-demo", "us-west-2", "demo-redis-cluster")
			},
			region: "us-west-2", action: "FailoverGlobalReplicationGroup", service: "elasticache",
			want: map[string]string{"GlobalReplicationGroupId": "ldgnf-demo", "PrimaryRegion": "us-west-2", "PrimaryReplicationGroupId": "demo-redis-cluster"},
		},
		{
			name: "publish",
			call: func(c api) error {
				return c.Publish(ctx, "us-west-2", "arn:aws:sns:us-west-2:1:t", "subject", "body")
			},
			region: "us-west-2", action: "Publish", service: "sns",
			want: map[string]string{"TopicArn": "arn:aws:sns:us-west-2:1:t", "Subject": "subject", "Message": "body"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAWS(t, nil)
			c := newClients(t, f.URL, nil)
			ok(t, tc.call(c))
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			region := tc.region
			if r.Action != tc.action || r.Service != tc.service || r.Region != region {
				t.Errorf("request = %s %s in %s, want %s %s in %s", r.Service, r.Action, r.Region, tc.service, tc.action, region)
			}
			formSubset(t, r.Form, tc.want, tc.absent...)
			if tc.presign != "" {
				src, action, dest := presignedScope(t, r.Form.Get("PreSignedUrl"))
				if src != tc.presign || action != tc.action || dest != region {
					t.Errorf("PreSignedUrl signed for %s, action %s, destination %s; want %s, %s, %s", src, action, dest, tc.presign, tc.action, region)
				}
			}
		})
	}
}

// TestRetries: reads are retried ReadAttempts times on throttling, 5xx and
// dropped answers; mutating calls are made exactly once whatever happens.
func TestRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	answers := []struct {
		name string
		kind cloud.ErrorKind
		code string
		send func() (int, string)
	}{
		{"throttling", cloud.KindThrottled, "Throttling", func() (int, string) { return 400, failure("Sender", "Throttling", "Rate exceeded") }},
		{"internal failure", cloud.KindTransient, "InternalFailure", func() (int, string) {
			return 500, failure("Receiver", "InternalFailure", "try again")
		}},
		{"service unavailable", cloud.KindTransient, "ServiceUnavailable", func() (int, string) {
			return 503, failure("Receiver", "ServiceUnavailable", "try again")
		}},
	}
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAWS(t, func(recorded) (int, string) { return a.send() })
			// Busy reads (throttled, 5xx) get no more attempts here (see
			// TestDefaultReadsOutlastHeavyThrottling for the default).
			c := newClients(t, f.URL, func(conf *awsapi.Config) { conf.ReadAttempts, conf.BusyReadAttempts = 3, 3 })

			_, err := c.DBCluster(ctx, "us-west-2", "dbcluster-02")
			ae := wantKind(t, err, a.kind, a.code)
			if ae.RequestID != "fake-req-1" || ae.Region != "us-west-2" || ae.Action != "DescribeDBClusters" || ae.Service != "rds" {
				t.Errorf("error fields = %#v", *ae)
			}
			if n := f.count("DescribeDBClusters"); n != 3 {
				t.Errorf("read made %d times, want 3 (ReadAttempts)", n)
			}
			if !cloud.Retryable(err) {
				t.Errorf("%v is not retryable", err)
			}

			err = c.SwitchoverGlobalCluster(ctx, "us-east-1", "g", "arn:t")
			wantKind(t, err, a.kind, a.code)
			if n := f.count("SwitchoverGlobalCluster"); n != 1 {
				t.Errorf("mutating call made %d times, want exactly 1", n)
			}
			if !strings.HasPrefix(err.Error(), "rds SwitchoverGlobalCluster g in us-east-1: "+a.code) {
				t.Errorf("message = %q", err)
			}
		})
	}
}

// TestNotRetried: answers that no retry can change are returned at once.
func TestNotRetried(t *testing.T) {
	t.Parallel()
	f := newFakeAWS(t, func(recorded) (int, string) {
		return 404, failure("Sender", "DBClusterNotFoundFault", "DBCluster dbcluster-09 not found.")
	})
	c := newClients(t, f.URL, nil)
	_, err := c.DBCluster(context.Background(), "us-west-2", "dbcluster-09")
	wantKind(t, err, cloud.KindNotFound, "DBClusterNotFoundFault")
	if !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("not found does not match cloud.ErrNotFound")
	}
	if n := f.count("DescribeDBClusters"); n != 1 {
		t.Errorf("a not-found read was made %d times", n)
	}
	want := "rds DescribeDBClusters dbcluster-09 in us-west-2: DBClusterNotFoundFault: DBCluster dbcluster-09 not found."
	if err.Error() != want {
		t.Errorf("message\n got %q\nwant %q", err, want)
	}
}

// TestTimeoutsAndCancellation: a region that does not answer is
// unreachable once the per-call timeout expires; the caller's own
// cancellation is returned as such, never as an AWS fault.
func TestTimeoutsAndCancellation(t *testing.T) {
	t.Parallel()
	hang := newFakeAWS(t, func(recorded) (int, string) { return 0, "" })
	c := newClients(t, hang.URL, func(conf *awsapi.Config) { conf.CallTimeout = 50 * time.Millisecond; conf.ReadAttempts = 2 })

	t.Run("per-call timeout", func(t *testing.T) {
		_, err := c.GlobalCluster(context.Background(), "us-east-1", "g")
		ae := wantKind(t, err, cloud.KindUnreachable, "")
		if ae.Message != "no answer within 50ms" {
			t.Errorf("message = %q", ae.Message)
		}
		err = c.PromoteReadReplica(context.Background(), "us-west-2", "r")
		wantKind(t, err, cloud.KindUnreachable, "")
	})
	t.Run("caller cancels", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for hang.count("DescribeDBInstances") == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		c := newClients(t, hang.URL, func(conf *awsapi.Config) { conf.CallTimeout = time.Minute })
		_, err := c.DBInstance(ctx, "us-west-2", "r")
		if !errors.Is(err, context.Canceled) || cloud.Retryable(err) {
			t.Fatalf("err = %v, want the caller's context.Canceled", err)
		}
		var ae *cloud.APIError
		if errors.As(err, &ae) {
			t.Errorf("cancellation reported as an AWS error: %v", err)
		}
		if !strings.HasPrefix(err.Error(), "rds DescribeDBInstances r in us-west-2: ") {
			t.Errorf("message = %q", err)
		}
	})
}

// TestUnreachable: a closed port is an unreachable region, retried for
// reads and tried once for writes.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ok(t, err)
	addr := l.Addr().String()
	l.Close()
	c := newClients(t, "http://"+addr, func(conf *awsapi.Config) { conf.ReadAttempts = 2 })
	_, err = c.GlobalReplicationGroup(context.Background(), "us-east-1", "grg")
	wantKind(t, err, cloud.KindUnreachable, "")
	err = c.FailoverGlobalReplicationGroup(context.Background(), "us-west-2", "grg", "us-west-2", "rg")
	wantKind(t, err, cloud.KindUnreachable, "")
}

// TestClientsPerRegion: concurrent calls to many regions each sign for
// their own region and share one endpoint.
func TestClientsPerRegion(t *testing.T) {
	t.Parallel()
	f := newFakeAWS(t, nil)
	c := newClients(t, f.URL, nil)
	regions := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(region string) {
			defer wg.Done()
			_ = c.PromoteReadReplica(context.Background(), region, "r-"+region)
		}(regions[i%len(regions)])
	}
	wg.Wait()
	reqs := f.requests()
	if len(reqs) != 40 {
		t.Fatalf("%d requests, want 40", len(reqs))
	}
	for _, r := range reqs {
		if id := r.Form.Get("DBInstanceIdentifier"); id != "r-"+r.Region {
			t.Errorf("%s signed for %s", id, r.Region)
		}
	}
}

// TestBatchReadsChunkAndPage: 250 ids take three filtered calls of at most
// 100 values, and a page marker is followed.
func TestBatchReadsChunkAndPage(t *testing.T) {
	t.Parallel()
	f := newFakeAWS(t, func(r recorded) (int, string) {
		var b strings.Builder
		for k, v := range r.Form {
			if strings.HasPrefix(k, "Filters.Filter.1.Values.") {
				fmt.Fprintf(&b, "<DBCluster><DBClusterIdentifier>%s</DBClusterIdentifier><DBClusterArn>arn:aws:rds:us-west-2:1:cluster:%s</DBClusterArn></DBCluster>", v[0], v[0])
			}
		}
		// The first chunk comes in two pages: the second page is empty.
		if r.Form.Get("Marker") == "" && r.Form.Get("Filters.Filter.1.Values.Value.1") == "c-000" {
			return 200, success("DescribeDBClusters", "<DBClusters>"+b.String()+"</DBClusters><Marker>m1</Marker>")
		}
		if r.Form.Get("Marker") == "m1" {
			return 200, success("DescribeDBClusters", "<DBClusters></DBClusters>")
		}
		return 200, success("DescribeDBClusters", "<DBClusters>"+b.String()+"</DBClusters>")
	})
	c := newClients(t, f.URL, nil)
	var ids []string
	for i := 0; i < 250; i++ {
		ids = append(ids, fmt.Sprintf("c-%03d", i))
	}
	ids = append(ids, "c-007") // a repeat costs nothing
	got := res(batch(context.Background(), c, cloud.DBClusters, "us-west-2", ids...)).must(t)
	if len(got) != 250 {
		t.Errorf("%d clusters, want 250", len(got))
	}
	reqs := f.requests()
	if len(reqs) != 4 {
		t.Fatalf("%d calls, want 4 (3 chunks, one with a second page)", len(reqs))
	}
	for _, r := range reqs {
		if r.Form.Get("Filters.Filter.1.Name") != "db-cluster-id" {
			t.Errorf("filter name = %q", r.Form.Get("Filters.Filter.1.Name"))
		}
		if r.Form.Get("Filters.Filter.1.Values.Value.101") != "" {
			t.Errorf("more than 100 filter values in one call")
		}
	}
	if got[0].Region != "us-west-2" {
		t.Errorf("region = %q", got[0].Region)
	}
	if n := len(res(batch(context.Background(), c, cloud.DBClusters, "us-west-2", nil...)).must(t)); n != 0 || len(f.requests()) != 4 {
		t.Errorf("no ids: %d clusters after %d calls, want none and no call", n, len(f.requests())-4)
	}
}
