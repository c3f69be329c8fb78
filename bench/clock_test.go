package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The stepped clock decides what every figure means; these tests pin its
// promises: timers fire in virtual-time order at their exact times, time
// does not move while a request is on the wire, and a call through
// latencyTransport costs exactly its latency, half before the server sees
// it.

func TestStepClockFiresTimersInOrderAtTheirTimes(t *testing.T) {
	t.Parallel()
	c := newStepClock(t0())
	t.Cleanup(c.Stop)
	type woke struct {
		name string
		at   time.Duration
	}
	var (
		mu  sync.Mutex
		got []woke
		wg  sync.WaitGroup
	)
	// Registered before any fires: three waits, one of them twice as
	// a chain (2 s then 2 s more), so that a timer registered after a
	// jump counts from the new time.
	chs := map[string]<-chan time.Time{"3s": c.After(3 * time.Second), "1s": c.After(time.Second), "2s+2s": c.After(2 * time.Second)}
	for name, ch := range chs {
		wg.Go(func() {
			at := <-ch
			if name == "2s+2s" {
				at = <-c.After(2 * time.Second)
			}
			mu.Lock()
			got = append(got, woke{name, at.Sub(t0())})
			mu.Unlock()
		})
	}
	wg.Wait()
	want := []woke{{"1s", time.Second}, {"3s", 3 * time.Second}, {"2s+2s", 4 * time.Second}}
	if !slices.Equal(got, want) {
		t.Errorf("woke %v, want %v", got, want)
	}
	if now := c.Now(); !now.Equal(t0().Add(4 * time.Second)) {
		t.Errorf("now = %s after the last timer, want t0+4s", now.Sub(t0()))
	}
}

func TestStepClockStandsStillWhileARequestIsInFlight(t *testing.T) {
	t.Parallel()
	c := newStepClock(t0())
	t.Cleanup(c.Stop)
	// A request goes on the wire; meanwhile a 10 s timer is pending. Once
	// the driver has looked (and declined) a few times, the request ends
	// and its caller waits 1 s: that must come first, at t0+1s. A clock
	// that ignored the request would have fired the 10 s timer already,
	// and the 1 s wait would end at t0+11s.
	c.inflight.Add(1)
	long := c.After(10 * time.Second)
	for n := 0; n < 3; {
		select {
		case <-c.declines:
			n++
		case at := <-long:
			t.Fatalf("the 10 s timer fired at t0+%s while a request was in flight", at.Sub(t0()))
		}
	}
	c.inflight.Add(-1)
	short := c.After(time.Second)
	select {
	case at := <-long:
		t.Fatalf("the 10 s timer fired at t0+%s while a request was in flight", at.Sub(t0()))
	case at := <-short:
		if !at.Equal(t0().Add(time.Second)) {
			t.Errorf("the 1 s wait ended at t0+%s, want t0+1s", at.Sub(t0()))
		}
	}
	if at := <-long; !at.Equal(t0().Add(10 * time.Second)) {
		t.Errorf("the 10 s timer fired at t0+%s, want t0+10s", at.Sub(t0()))
	}
}

func TestLatencyTransportCostsItsLatencyHalfBeforeTheServer(t *testing.T) {
	t.Parallel()
	c := newStepClock(t0())
	t.Cleanup(c.Stop)
	var seen time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = c.Now()
		io.WriteString(w, "answer")
	}))
	t.Cleanup(srv.Close)
	hc := &http.Client{Transport: latencyTransport{base: srv.Client().Transport, clock: c, latency: 100 * time.Millisecond}}
	resp, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(body) != "answer" {
		t.Fatalf("body %q, %v", body, err)
	}
	if d := seen.Sub(t0()); d != 50*time.Millisecond {
		t.Errorf("the server saw the request at t0+%s, want t0+50ms", d)
	}
	if d := c.Now().Sub(t0()); d != 100*time.Millisecond {
		t.Errorf("the call ended at t0+%s, want t0+100ms", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if _, err := hc.Do(req); err == nil {
		t.Error("a cancelled request went through")
	}
}

func TestQuietDump(t *testing.T) {
	t.Parallel()
	g := func(id int, state, frame string) string {
		return "goroutine " + string(rune('0'+id)) + " [" + state + "]:\n" + frame + "(...)\n\t/x.go:1 +0x1"
	}
	caller := g(1, "running", "drorch/bench.quiet")
	cases := []struct {
		name string
		gs   []string
		want bool
	}{
		{"all blocked", []string{g(2, "chan receive, 2 minutes", "testing.(*T).Run"), g(3, "select", "drorch/engine.(*rounds).run"),
			g(4, "IO wait", "internal/poll.runtime_pollWait"), g(5, "sync.Mutex.Lock", "sync.(*Mutex).Lock")}, true},
		{"another goroutine running", []string{g(2, "select", "x"), g(3, "running", "drorch/engine.(*Engine).append")}, false},
		{"one runnable", []string{g(2, "runnable", "net/http.(*persistConn).readLoop")}, false},
		{"a journal write in a system call", []string{g(2, "syscall", "syscall.Syscall")}, false},
		{"a real-time sleep", []string{g(2, "sleep", "time.Sleep")}, false},
		{"a driver does not count", []string{g(2, "sleep", "drorch/bench.(*stepClock).drive"), g(3, "select", "x")}, true},
		{"the CPU profiler's writer does not count", []string{g(2, "sleep", "runtime/pprof.profileWriter"), g(3, "select", "x")}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dump := strings.Join(append([]string{caller}, tc.gs...), "\n\n")
			if got := quietDump(dump); got != tc.want {
				t.Errorf("quietDump = %v, want %v for\n%s", got, tc.want, dump)
			}
		})
	}
}
