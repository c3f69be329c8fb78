// Package simtest runs drorch's resource handlers against the simulator,
// through the real aws-sdk-go-v2 adapters (awsapi) and the step machine,
// the way the engine does, on a fake clock: each wait the machine asks for
// moves the simulator's virtual time. Handler tests use it where the fake
// cloud of resource/resourcetest cannot show a behaviour: what the
// simulator does as AWS documents it, with the machine's real start grace.
package simtest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"drorch/awsapi"
	"drorch/cloud"
	"drorch/engine/machine"
	"drorch/internal/awstest"
	"drorch/internal/clock"
	"drorch/resource"
	"drorch/sim"
)

// T0 is the virtual time every simulated world starts at.
var T0 = time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)

// Env is a simulator served over loopback HTTP, driven by a fake clock,
// with drorch's adapters pointed at it.
type Env struct {
	Sim   *sim.Sim
	Clock *clock.Fake
	API   awstest.API
	// URL is the simulator's endpoint.
	URL string
}

// New starts the simulator on sc (nil: the seed scenario) for the test's
// lifetime.
func New(t testing.TB, sc *sim.Scenario) *Env {
	t.Helper()
	s, clk, url := Serve(t, sc, T0)
	c, err := awsapi.New(context.Background(), awsapi.Config{
		Region: "us-west-2", EndpointURL: url, CallTimeout: 20 * time.Second, MaxBackoff: time.Millisecond,
		HTTPClient:  &http.Client{},
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		// No request budget: its waits are on the wall clock, and these
		// tests run on a fake one (awsapi and the benchmark test it).
		APIRate: -1,
	})
	if err != nil {
		t.Fatalf("awsapi.New: %v", err)
	}
	return &Env{Sim: s, Clock: clk, API: awstest.API{Clients: c}, URL: url}
}

// Serve starts the simulator on sc (nil: the seed scenario) over loopback
// HTTP for the test's lifetime, its virtual time standing at start until
// the test advances the clock, and returns its endpoint. Code that reads
// CloudWatch on the wall clock (drorch check, the Lambda's check op) needs
// start a few minutes before now, so that the replication lag the
// simulator publishes falls in the window it reads.
func Serve(t testing.TB, sc *sim.Scenario, start time.Time) (*sim.Sim, *clock.Fake, string) {
	t.Helper()
	clk := clock.NewFake(start)
	s, err := sim.New(sim.Config{Scenario: sc, Clock: clk, Seed: 1})
	if err != nil {
		t.Fatalf("new simulator: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close)
	return s, clk, srv.URL
}

// View is the read-only view the engine gives handlers in run runID ("":
// a plan), every read a describe call to the simulator.
func (e *Env) View(runID string) *resource.View {
	return &resource.View{Read: e.API.Reads(), Identity: e.API.Identity(), Now: e.Sim.Now, RunID: runID}
}

// Result is what Drive saw.
type Result struct {
	// AlreadyDone is true when the goal held before any step ran.
	AlreadyDone bool
	// Trace has one line per decision that changed something or waited on
	// something new.
	Trace []string
	// Calls are the mutating calls made, in order.
	Calls []cloud.Call
	// Took is the virtual time the resource took.
	Took time.Duration
}

// String is the trace, one decision a line.
func (r Result) String() string { return strings.Join(r.Trace, "\n") }

// Drive runs r in run runID through the step machine with its default
// settings (the 2-minute start grace included), making its calls through
// awsapi's executor and waiting what the machine says on the fake clock,
// until the resource is done, fails, or limit virtual time has passed.
func (e *Env) Drive(ctx context.Context, r resource.Resource, runID string, limit time.Duration) (Result, error) {
	var res Result
	s := machine.Settings{}
	v := e.View(runID)
	start := e.Sim.Now()
	m := machine.Begin(start, r.Timeout())
	exec := e.API.Calls()
	for {
		now := e.Sim.Now()
		res.Took = now.Sub(start)
		if res.Took > limit {
			return res, fmt.Errorf("not done after %s of virtual time (last seen: %s)", limit, m.Observed)
		}
		d, next := machine.Next(ctx, r, m, v, now, s)
		m = next
		if line := trace(d, res.Took); line != "" {
			res.Trace = append(res.Trace, line)
		}
		switch d.Action {
		case machine.AlreadyDone:
			res.AlreadyDone = true
			return res, nil
		case machine.Done:
			return res, nil
		case machine.Failed:
			return res, d.Err
		case machine.Wait:
			e.Clock.Advance(max(d.Wait, time.Millisecond))
		case machine.Call:
			o := machine.Outcome{}
			for _, c := range d.Calls {
				if _, err := exec.Execute(ctx, c); err != nil {
					o.Err = err
					break
				}
				o.Accepted++
				res.Calls = append(res.Calls, c)
			}
			rd, rm := machine.Record(m, d.Step, o, e.Sim.Now(), s)
			m = rm
			if rd.Action == machine.Failed {
				return res, rd.Err
			}
			e.Clock.Advance(rd.Wait)
		}
	}
}

func trace(d machine.Decision, at time.Duration) string {
	s := fmt.Sprintf("%6s %s: %s", at.Round(time.Second), d.Step, d.Action)
	switch {
	case d.Err != nil:
		s += ": " + d.Err.Error()
	case d.Reason != "":
		s += ": " + d.Reason
	case d.Observe != "":
		s += ": " + d.Observe
	case d.Action == machine.Wait:
		return "" // nothing new seen
	}
	for _, c := range d.Calls {
		s += "\n    " + c.String()
	}
	return s
}
