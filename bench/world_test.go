package bench

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"drorch/awsapi"
	"drorch/sim"
)

// world is an in-process simulator on a real loopback listener, the way
// `drorch run --endpoint-url` reaches `drorch sim`.
type world struct {
	sim   *sim.Sim
	url   string
	speed float64
}

// newWorld starts a simulator of sc at speed; it stops with the test.
func newWorld(tb testing.TB, sc *sim.Scenario, speed float64) *world {
	tb.Helper()
	s, err := sim.New(sim.Config{Scenario: sc, Speed: speed})
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
	return &world{sim: s, url: "http://" + ln.Addr().String(), speed: speed}
}

// clients returns AWS clients whose home region is region, tuned as the
// demo tunes them: the SDK's retry backoff is real time, which the
// simulator's speed would otherwise turn into hours.
func (w *world) clients(ctx context.Context, region string) (*awsapi.Clients, error) {
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", Source: "drorch-bench"}, nil
	})
	cl, err := awsapi.New(ctx, awsapi.Config{Region: region, EndpointURL: w.url, Credentials: creds,
		ReadAttempts: 2, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		return nil, fmt.Errorf("aws clients for %s: %w", region, err)
	}
	return cl, nil
}

// clock is the simulator's virtual time, as the demo gives it to the
// engine: waits of d take d/speed of real time.
func (w *world) clock() simClock { return simClock{s: w.sim, speed: w.speed} }

// simClock implements clock.Clock on the simulator's virtual time.
type simClock struct {
	s     *sim.Sim
	speed float64
}

func (c simClock) Now() time.Time { return c.s.Now() }

func (c simClock) After(d time.Duration) <-chan time.Time {
	return time.After(time.Duration(float64(d) / c.speed))
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
