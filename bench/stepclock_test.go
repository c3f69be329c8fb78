package bench

import (
	"bytes"
	"container/heap"
	"context"
	"flag"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// stepClock is a discrete-event clock. Virtual time stands still while
// anything in the process works and jumps to the next timer once
// everything waits: every goroutine is blocked (on a timer of this clock, a
// channel, a lock, an idle connection) and no request to the simulator is in
// flight. So the figures count what the strategies wait for and the costs
// modelled explicitly (latencyTransport, the journal's append cost), never
// how fast the test machine happens to be: with a simulator merely sped
// up, every real millisecond of CPU or fsync would read as `speed`
// milliseconds of AWS time.
type stepClock struct {
	mu     sync.Mutex
	now    time.Time
	timers timerHeap
	seq    uint64

	inflight atomic.Int64 // requests on the wire (see latencyTransport)
	kick     chan struct{}
	declines chan struct{} // a signal each time the driver looked and waited on
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	stats    stepStats
}

// stepStats count the driver's work, to keep its cost in sight.
type stepStats struct {
	Fires, Hints, Dumps int
	DumpTime            time.Duration
}

type stepTimer struct {
	at  time.Time
	seq uint64 // registration order, to fire equal times in order
	ch  chan time.Time
}

type timerHeap []stepTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(stepTimer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// newStepClock starts a clock at start; Stop ends its driver.
func newStepClock(start time.Time) *stepClock {
	c := &stepClock{now: start, kick: make(chan struct{}, 1), declines: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go c.drive()
	return c
}

// Now returns the virtual time.
func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives the virtual time once d of it has
// passed.
func (c *stepClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.seq++
	heap.Push(&c.timers, stepTimer{at: c.now.Add(d), seq: c.seq, ch: ch})
	select {
	case c.kick <- struct{}{}:
	default:
	}
	return ch
}

// Stop ends the driver; pending timers never fire.
func (c *stepClock) Stop() {
	c.stopOnce.Do(func() { close(c.quit) })
	<-c.done
}

// drive fires the earliest timers whenever the process is quiet.
func (c *stepClock) drive() {
	defer close(c.done)
	const minPause, maxPause = 20 * time.Microsecond, 250 * time.Microsecond
	pause := minPause
	buf := make([]byte, 64<<10)
	for {
		c.mu.Lock()
		pending := len(c.timers)
		c.mu.Unlock()
		if pending == 0 {
			select {
			case <-c.quit:
				return
			case <-c.kick:
				continue
			}
		}
		if c.inflight.Load() > 0 || !quiet(&buf, &c.stats) {
			select {
			case c.declines <- struct{}{}:
			default:
			}
			select {
			case <-c.quit:
				return
			case <-time.After(pause):
			}
			pause = min(2*pause, maxPause)
			continue
		}
		pause = minPause
		c.fire()
	}
}

// fire moves time to the earliest timer and fires every timer due then.
func (c *stepClock) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return
	}
	c.stats.Fires++
	c.now = c.timers[0].at
	for len(c.timers) > 0 && !c.timers[0].at.After(c.now) {
		t := heap.Pop(&c.timers).(stepTimer)
		t.ch <- c.now
	}
}

// quiet reports whether every other goroutine of the process is blocked:
// none is running, runnable, in a system call (a journal write) or in a
// real-time sleep. Goroutines of any stepClock driver, and the CPU
// profiler's writer, do not count. buf is
// reused between calls (the dump of every goroutine can be large).
func quiet(buf *[]byte, st *stepStats) bool {
	st.Hints++
	if !quietHint() {
		return false
	}
	st.Dumps++
	t0 := time.Now()
	defer func() { st.DumpTime += time.Since(t0) }()
	for {
		n := runtime.Stack(*buf, true)
		if n < len(*buf) {
			return quietDump(string((*buf)[:n]))
		}
		*buf = make([]byte, 2*len(*buf))
	}
}

// quietHint reads the scheduler's goroutine counts, which are cheap but
// approximate: a hint that the process may be quiet (only the caller
// running, none runnable, none in a system call) before the exact dump.
func quietHint() bool {
	s := []metrics.Sample{{Name: "/sched/goroutines/running:goroutines"}, {Name: "/sched/goroutines/runnable:goroutines"},
		{Name: "/sched/goroutines/not-in-go:goroutines"}}
	metrics.Read(s)
	// The CPU profiler's writer (go test -cpuprofile) waits in a system
	// call for ever: one goroutine outside Go is then the dump's to judge.
	allowed := []uint64{1, 0, 0}
	if profiling() {
		allowed[2] = 1
	}
	for i, x := range s {
		if x.Value.Kind() != metrics.KindUint64 {
			return true // unknown here: let the dump decide
		}
		if x.Value.Uint64() > allowed[i] {
			return false
		}
	}
	return true
}

// profiling reports whether go test writes a CPU profile.
func profiling() bool {
	f := flag.Lookup("test.cpuprofile")
	return f != nil && f.Value.String() != ""
}

// quietDump judges a dump of every goroutine, the caller's first.
func quietDump(dump string) bool {
	for i, g := range strings.Split(dump, "\n\n") {
		if i == 0 || strings.Contains(g, "(*stepClock).drive(") || strings.Contains(g, "runtime/pprof.profileWriter(") {
			// The caller, a driver, or the CPU profiler's writer (go test
			// -cpuprofile), which sleeps in real time for ever.
			continue
		}
		head, _, _ := strings.Cut(g, "\n")
		from, to := strings.IndexByte(head, '['), strings.LastIndexByte(head, ']')
		if from < 0 || to < from {
			continue
		}
		state, _, _ := strings.Cut(head[from+1:to], ",")
		switch state {
		case "running", "runnable", "syscall", "sleep", "preempted", "copystack", "GC assist wait":
			return false
		}
	}
	return true
}

// latencyTransport gives every AWS call a fixed cost in virtual time, half
// before the request reaches the simulator and half after its answer, and
// counts the request as in flight (the clock does not move) only while it
// is on the wire: the answer is read in full before the second half.
type latencyTransport struct {
	base    http.RoundTripper
	clock   *stepClock
	latency time.Duration
}

func (t latencyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := sleepOn(req.Context(), t.clock, t.latency/2); err != nil {
		return nil, err
	}
	t.clock.inflight.Add(1)
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		var body []byte
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	t.clock.inflight.Add(-1)
	if err != nil {
		return nil, err
	}
	if err := sleepOn(req.Context(), t.clock, t.latency-t.latency/2); err != nil {
		return nil, err
	}
	return resp, nil
}

func sleepOn(ctx context.Context, c *stepClock, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.After(d):
		return nil
	}
}
