package readiness

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/internal/clock"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// recorder is a Notifier that keeps what it was sent; fail makes the next
// sends fail.
type recorder struct {
	mu   sync.Mutex
	sent []Message
	fail int
}

func (r *recorder) Notify(_ context.Context, m Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return errors.New("topic unreachable")
	}
	r.sent = append(r.sent, m)
	return nil
}

// scripted returns an evaluation whose successive results have the given
// readiness, stamped with the clock's time, and that ends the schedule
// (cancelling ctx) once the script is played.
func scripted(clk clock.Clock, cancel context.CancelFunc, ready ...bool) func(context.Context) (*Result, error) {
	i := 0
	return func(ctx context.Context) (*Result, error) {
		if i == len(ready) {
			cancel()
			return nil, ctx.Err()
		}
		r := &Result{Payload: "p.json", Region: "us-west-2", At: clk.Now(), Resources: []ResourceResult{{Layer: 1, Name: "db",
			Findings: []Finding{{Check: CheckLag, Status: Pass, Message: "lag fine"}}}}}
		if !ready[i] {
			r.Resources[0].Findings = []Finding{{Check: CheckLag, Status: Failure, Message: "replication lag of db is 30 s, above 1s", Fix: "find what slows replication"}}
		}
		i++
		r.finish()
		return r, nil
	}
}

// On the virtual clock, the schedule evaluates every interval and notifies
// once per change of readiness, not once per evaluation.
func TestScheduleNotifiesOncePerChange(t *testing.T) {
	t.Parallel()
	clk := clock.NewAuto(t0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := &recorder{}
	var log bytes.Buffer
	var seen []time.Time
	s := &Schedule{Every: 30 * time.Minute, Clock: clk, Notifier: n, Log: &log,
		Evaluate: scripted(clk, cancel, true, true, false, false, false, true, true, false),
		Each:     func(r *Result) { seen = append(seen, r.At) }}
	last, err := s.Run(ctx)
	if err != nil || last == nil || last.Ready {
		t.Fatalf("Run: %+v, %v; want the last (not ready) result", last, err)
	}
	if len(seen) != 8 {
		t.Fatalf("%d evaluations, want 8", len(seen))
	}
	for i, at := range seen {
		if want := t0.Add(time.Duration(i) * 30 * time.Minute); !at.Equal(want) {
			t.Errorf("evaluation %d at %v, want %v", i, at, want)
		}
	}
	if len(n.sent) != 3 || n.sent[0].Ready || !n.sent[1].Ready || n.sent[2].Ready {
		t.Fatalf("sent %d messages %+v, want not ready, ready again, not ready", len(n.sent), n.sent)
	}
	notReady, again := n.sent[0], n.sent[1]
	if notReady.Subject != "drorch: failover NOT READY: p.json in us-west-2" ||
		!strings.Contains(notReady.Text, "- [lag] layer 1, db: replication lag of db is 30 s, above 1s. Fix: find what slows replication") ||
		!strings.Contains(notReady.Text, "Run `drorch check --region us-west-2 p.json` for every finding.") {
		t.Errorf("not-ready message: %+v", notReady)
	}
	if !strings.Contains(again.Text, "is ready again at 2026-03-01T14:30:00Z") || !strings.Contains(again.Text, "It was not ready from 2026-03-01T13:00:00Z.") {
		t.Errorf("ready-again message: %+v", again)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 8 || strings.Count(log.String(), "; notified") != 3 ||
		lines[2] != "2026-03-01T13:00:00Z check p.json in us-west-2: NOT READY (0 passed, 0 warnings, 1 failed): [lag] layer 1, db: replication lag of db is 30 s, above 1s; notified" ||
		lines[3] != "2026-03-01T13:30:00Z check p.json in us-west-2: NOT READY (0 passed, 0 warnings, 1 failed): [lag] layer 1, db: replication lag of db is 30 s, above 1s" {
		t.Errorf("log:\n%s", log.String())
	}
}

// A message that could not be sent is sent at the next evaluation, and the
// schedule goes on.
func TestScheduleRetriesAFailedNotification(t *testing.T) {
	t.Parallel()
	clk := clock.NewAuto(t0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := &recorder{fail: 1}
	var log bytes.Buffer
	s := &Schedule{Every: time.Minute, Clock: clk, Notifier: n, Log: &log, Evaluate: scripted(clk, cancel, false, false, false)}
	if _, err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if len(n.sent) != 1 || n.sent[0].Ready {
		t.Errorf("sent %+v, want the not-ready message once", n.sent)
	}
	if !strings.Contains(log.String(), "; notify: topic unreachable (tried again at the next evaluation)") || strings.Count(log.String(), "; notified") != 1 {
		t.Errorf("log:\n%s", log.String())
	}
}

// A ready payload is news to nobody: the first evaluation tells only when
// it is not ready.
func TestOnceTellsOnlyNews(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(t0)
	for _, tc := range []struct {
		prev  State
		ready bool
		sent  int
	}{
		{State{}, true, 0},
		{State{}, false, 1},
		{State{NotReady: true, Since: t0}, false, 0},
		{State{NotReady: true, Since: t0}, true, 1},
	} {
		n := &recorder{}
		r, next, sent, err := Once(context.Background(), scripted(clk, func() {}, tc.ready), n, tc.prev)
		if err != nil || r == nil || len(n.sent) != tc.sent || sent != (tc.sent == 1) {
			t.Errorf("%+v ready=%v: sent %d (%v), %v", tc.prev, tc.ready, len(n.sent), sent, err)
		}
		if next.NotReady != !tc.ready {
			t.Errorf("%+v ready=%v: next state %+v", tc.prev, tc.ready, next)
		}
	}
}
