package sim_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithy "github.com/aws/smithy-go"

	"drorch/internal/clock"
	"drorch/sim"
)

// t0 is the virtual start of every test world.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

const (
	east = "us-east-1"
	west = "us-west-2"
)

// harness is a simulator on a fake clock behind a real loopback listener,
// with aws-sdk-go-v2 clients per region.
type harness struct {
	t   testing.TB
	sim *sim.Sim
	clk *clock.Fake
	url string
	// attempts is the SDK's MaxAttempts (1: no retries, so that a test sees
	// each answer; fault tests raise it).
	attempts int
	// transport is this harness's own: httptest.Server.Close closes idle
	// connections of http.DefaultTransport, which would break parallel
	// tests that share it.
	transport *http.Transport
}

func newHarness(t testing.TB, sc *sim.Scenario) *harness {
	t.Helper()
	clk := clock.NewFake(t0)
	s, err := sim.New(sim.Config{Scenario: sc, Clock: clk, Seed: 7})
	if err != nil {
		t.Fatalf("new simulator: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close) // first: releases requests held by a hang outage
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	t.Cleanup(tr.CloseIdleConnections)
	return &harness{t: t, sim: s, clk: clk, url: srv.URL, attempts: 1, transport: tr}
}

func seedHarness(t testing.TB) *harness { return newHarness(t, sim.SeedScenario()) }

// advance moves virtual time forward (speed 1).
func (h *harness) advance(d time.Duration) { h.clk.Advance(d) }

func (h *harness) cfg(region string) aws.Config {
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDDRORCHTEST", "secret", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = h.attempts
				o.Backoff = noBackoff{}
				o.RateLimiter = ratelimit.None
			})
		},
		HTTPClient: &http.Client{Timeout: 20 * time.Second, Transport: bufferedBodies{h.transport}},
	}
}

func (h *harness) rds(region string) *rds.Client {
	return rds.NewFromConfig(h.cfg(region), func(o *rds.Options) { o.BaseEndpoint = aws.String(h.url) })
}

func (h *harness) ec(region string) *elasticache.Client {
	return elasticache.NewFromConfig(h.cfg(region), func(o *elasticache.Options) { o.BaseEndpoint = aws.String(h.url) })
}

func (h *harness) cfn(region string) *cloudformation.Client {
	return cloudformation.NewFromConfig(h.cfg(region), func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(h.url) })
}

func (h *harness) ssm(region string) *ssm.Client {
	return ssm.NewFromConfig(h.cfg(region), func(o *ssm.Options) { o.BaseEndpoint = aws.String(h.url) })
}

func (h *harness) sns(region string) *sns.Client {
	return sns.NewFromConfig(h.cfg(region), func(o *sns.Options) { o.BaseEndpoint = aws.String(h.url) })
}

func (h *harness) sts(region string) *sts.Client {
	return sts.NewFromConfig(h.cfg(region), func(o *sts.Options) { o.BaseEndpoint = aws.String(h.url) })
}

// globalCluster describes one global cluster through the SDK.
func (h *harness) globalCluster(id string) globalView {
	h.t.Helper()
	out, err := h.rds(west).DescribeGlobalClusters(context.Background(), &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(id)})
	if err != nil {
		h.t.Fatalf("describe global cluster %s: %v", id, err)
	}
	if len(out.GlobalClusters) != 1 {
		h.t.Fatalf("describe global cluster %s: %d results", id, len(out.GlobalClusters))
	}
	g := out.GlobalClusters[0]
	v := globalView{status: aws.ToString(g.Status)}
	if g.FailoverState != nil {
		v.failover = string(g.FailoverState.Status)
	}
	for _, m := range g.GlobalClusterMembers {
		if aws.ToBool(m.IsWriter) {
			v.writer = aws.ToString(m.DBClusterArn)
			v.readers = m.Readers
		}
		v.sync = append(v.sync, aws.ToString(m.DBClusterArn)+"="+string(m.SynchronizationStatus))
	}
	return v
}

// globalView is the part of a global cluster the timeline tests follow.
type globalView struct {
	status, failover, writer string
	readers, sync            []string
}

// apiCode returns the AWS error code of err ("" if none).
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

const (
	arnEast01 = "arn:aws:rds:us-east-1:123456789012:cluster:dbcluster-01"
	arnWest02 = "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"
	seedGC    = "dr-globaldb-cluster-mysql"
	seedGRG   = "ldgnf-demo-redis-global-datastore"
)

func newFake() *clock.Fake { return clock.NewFake(t0) }

// bufferedBodies hands net/http a request body of its own. smithy-go closes
// the body it gave the transport as soon as the response arrives, while
// net/http may still be reading it to check for bytes beyond
// Content-Length; against an endpoint as quick as a loopback simulator the
// transport then closes the connection in the middle of reading the answer
// ("deserialization failed ... use of closed network connection").
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
