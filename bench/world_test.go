package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"drorch/awsapi"
	"drorch/internal/awstest"
	"drorch/sim"
)

// The costs a stepped world gives to what takes no virtual time by itself.
const (
	// callLatency is what every AWS API call takes, round trip.
	callLatency = 100 * time.Millisecond
	// appendCost is what every journal append takes (a durable write:
	// an fsync on a local SSD).
	appendCost = 2 * time.Millisecond
)

// stepStart is where a stepped world's virtual time starts.
func stepStart() time.Time { return time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC) }

// world is an in-process simulator on a real loopback listener, the way
// `drorch run --endpoint-url` reaches `drorch sim`. Its virtual time is
// stepped (a stepClock, speed 0) or the wall clock sped up by speed.
type world struct {
	sim   *sim.Sim
	url   string
	speed float64    // 0: stepped
	step  *stepClock // nil unless stepped
	http  *http.Client
	// apiRate is the clients' request budget (0: awsapi's default; the
	// original's strategy runs without one, as the original does).
	apiRate float64
}

// newWorld starts a simulator of sc, stepped (speed 0) or at speed; it
// stops with the test.
func newWorld(tb testing.TB, sc *sim.Scenario, speed float64) *world {
	tb.Helper()
	w := &world{speed: speed}
	cfg := sim.Config{Scenario: sc, Speed: speed}
	if speed == 0 {
		w.step = newStepClock(stepStart())
		cfg.Clock, cfg.Speed = w.step, 1
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 512, 512 // a layer's calls at once, without new connections
		w.http = &http.Client{Transport: latencyTransport{base: tr, clock: w.step, latency: callLatency}}
		tb.Cleanup(func() { tr.CloseIdleConnections(); w.step.Stop() })
	}
	s, err := sim.New(cfg)
	if err != nil {
		tb.Fatalf("start the simulator: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	tb.Cleanup(func() {
		s.Close()
		stop()
		if err := <-served; err != nil {
			tb.Errorf("simulator: %v", err)
		}
	})
	w.sim, w.url = s, "http://"+ln.Addr().String()
	return w
}

// clients returns AWS clients whose home region is region, tuned as the
// demo tunes them: the SDK's retry backoff is real time, which the
// simulator's speed would otherwise turn into hours. Their request budget
// is the world's apiRate, timed on the world's clock.
func (w *world) clients(ctx context.Context, region string) (awstest.API, error) {
	return w.clientsAt(ctx, region, w.apiRate)
}

// clientsAt is clients with a request budget of rate (negative: none).
func (w *world) clientsAt(ctx context.Context, region string, rate float64) (awstest.API, error) {
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", Source: "drorch-bench"}, nil
	})
	conf := awsapi.Config{Region: region, EndpointURL: w.url, Credentials: creds,
		ReadAttempts: 2, MaxBackoff: 50 * time.Millisecond, HTTPClient: w.http, APIRate: rate, Clock: w.clock()}
	if w.step != nil {
		// Virtual time stands still while the process works, however long
		// that takes for real: a layer of 500 calls on a loaded machine
		// has kept a call unanswered for 30 real seconds at one virtual
		// instant. A deadline in real time measures the test machine, and
		// a missed one is an unknown outcome the run then resolves (here a
		// second ElastiCache failover), so it is far out of reach.
		conf.CallTimeout = 30 * time.Minute
	}
	cl, err := awsapi.New(ctx, conf)
	if err != nil {
		return awstest.API{}, fmt.Errorf("aws clients for %s: %w", region, err)
	}
	return awstest.API{Clients: cl}, nil
}

// clock is the simulator's virtual time, as the demo gives it to the
// engine.
func (w *world) clock() simClock { return simClock{w} }

// simClock implements clock.Clock on the simulator's virtual time: a wait
// of d is d of the step clock, or d/speed of real time.
type simClock struct{ w *world }

func (c simClock) Now() time.Time { return c.w.sim.Now() }

func (c simClock) After(d time.Duration) <-chan time.Time {
	if c.w.step != nil {
		return c.w.step.After(d)
	}
	return time.After(time.Duration(float64(d) / c.w.speed))
}

// settle waits (in virtual time) until no operation is running, so that
// every operation a run started has its end in the log before measuring.
func (w *world) settle(ctx context.Context, limit time.Duration) error {
	deadline := w.sim.Now().Add(limit)
	for {
		running := 0
		for _, op := range w.sim.Ops() {
			if op.End.IsZero() {
				running++
			}
		}
		if running == 0 {
			return nil
		}
		if w.sim.Now().After(deadline) {
			return fmt.Errorf("settle: %d operations still running after %s", running, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.clock().After(5 * time.Second):
		}
	}
}
