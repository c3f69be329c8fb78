package dynamolock_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"drorch/internal/clock"
	"drorch/internal/motoserver"
	"drorch/lock/dynamolock"
	"drorch/sim"
)

// A backend is a DynamoDB endpoint with the lock table created, and a way
// to get a fresh client for it (each Locker of a test gets its own, as two
// machines would).
type backend struct {
	name   string
	url    string
	table  string
	region string
}

const testRegion = "us-west-2"

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// simBackend is drorch's simulator with the lock table in its scenario.
func simBackend(t testing.TB) backend {
	t.Helper()
	sc := sim.NewScenario("locks", testRegion)
	sc.Tables = []sim.ScenarioTable{{Name: "drorch-locks", Region: testRegion, PartitionKey: dynamolock.AttrID, TTLAttribute: dynamolock.AttrExpire}}
	s, err := sim.New(sim.Config{Scenario: sc, Clock: clock.NewFake(t0)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close)
	return backend{name: "sim", url: srv.URL, table: "drorch-locks", region: testRegion}
}

// motoBackend is moto, with the table made through the SDK as the
// CloudFormation template would.
func motoBackend(t testing.TB) backend {
	t.Helper()
	url := motoserver.Start(t)
	b := backend{name: "moto", url: url, table: "drorch-locks", region: testRegion}
	c := b.client(t)
	ctx := context.Background()
	if _, err := c.CreateTable(ctx, dynamolock.CreateTableInput(b.table)); err != nil {
		t.Fatalf("create the lock table on moto: %v", err)
	}
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(b.table)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateTimeToLive(ctx, dynamolock.TTLInput(b.table)); err != nil {
		t.Fatal(err)
	}
	return b
}

// client is a DynamoDB client of its own (own connections), retrying
// throttling as the SDK does by default but without pauses.
func (b backend) client(t testing.TB) *dynamodb.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	t.Cleanup(tr.CloseIdleConnections)
	cfg := aws.Config{
		Region:      b.region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCKTEST", "secret", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 5
				o.Backoff = noBackoff{}
				o.RateLimiter = ratelimit.None
			})
		},
		HTTPClient: &http.Client{Timeout: 3 * time.Minute, Transport: bufferedBodies{tr}},
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(b.url) })
}

// table is the lock table through a fresh client.
func (b backend) lockTable(t testing.TB) *dynamolock.Table {
	tbl := dynamolock.New(b.client(t), b.table)
	if b.name == "moto" {
		// moto copies the whole table for every transaction: on a loaded
		// machine under -race one call can take longer than AWS ever does.
		tbl.CallTimeout = 2 * time.Minute
	}
	return tbl
}

type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// bufferedBodies hands net/http a request body of its own (see the note in
// package sim's documentation: smithy-go closes the body it gave the
// transport as soon as a loopback server answers).
type bufferedBodies struct{ rt http.RoundTripper }

func (b bufferedBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		data, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(data))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	}
	return b.rt.RoundTrip(r)
}
