// Package notify tells people what runs do while nobody watches a
// terminal: a message when a run starts or resumes, when it waits for an
// approval, and when it succeeds, fails, is cancelled or is interrupted. It
// sends them to an SNS topic and/or a webhook (a JSON body with a "text"
// field, which Slack, Mattermost, Google Chat and most chat tools accept).
//
// A Notifier is an engine observer (engine.Engine.Observer): Observe never
// blocks the run; messages are queued and sent in order by one goroutine,
// each tried again after a failure (a network error, a 5xx or 429, AWS
// throttling), a few times with growing waits on the injected clock. A
// notification that cannot be sent is logged and dropped: it never fails
// the run. Since a retry may follow an attempt that did arrive, a message
// may, rarely, arrive twice.
package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"drorch/internal/clock"
	"drorch/journal"
	"drorch/report"
	"drorch/runner"
)

// Event is what a notification is about.
type Event string

// The events notified.
const (
	RunStarted     Event = "run.started"
	RunResumed     Event = "run.resumed"
	ApprovalNeeded Event = "approval.needed"
	RunSucceeded   Event = "run.succeeded"
	RunFailed      Event = "run.failed"
	RunCancelled   Event = "run.cancelled"
	RunInterrupted Event = "run.interrupted"
	// ReadinessChanged: a scheduled readiness check (drorch check
	// --every) found the payload's readiness changed.
	ReadinessChanged Event = "readiness.changed"
)

// Message is one notification; its JSON is what is sent.
type Message struct {
	// Text is the message for people, one paragraph, escaped for chat
	// tools (&, < and > as entities: a resource named <!channel> pings
	// nobody).
	Text  string `json:"text"`
	Event Event  `json:"event"`
	// Subject is the SNS subject when the sender gives one; else drorch
	// makes it from the run and the event.
	Subject string    `json:"subject,omitempty"`
	Run     string    `json:"run,omitempty"`
	Status  string    `json:"status,omitempty"`
	Region  string    `json:"region,omitempty"`
	Time    time.Time `json:"time"`
	// Resource is the approval's resource (approval.needed).
	Resource string `json:"resource,omitempty"`
	Error    string `json:"error,omitempty"`
	// URL is the run's page in the web UI, when Settings.Link gives one.
	URL string `json:"url,omitempty"`
}

// Sender delivers messages to one destination.
type Sender interface {
	// Send delivers m once. A *RetryableError says that trying again may
	// succeed.
	Send(ctx context.Context, m Message) error
	// String names the destination in logs, without secrets.
	String() string
}

// RetryableError is a failure worth another attempt.
type RetryableError struct{ Err error }

func (e *RetryableError) Error() string { return e.Err.Error() }
func (e *RetryableError) Unwrap() error { return e.Err }

// Settings tune a Notifier; zero values take the defaults.
type Settings struct {
	// Attempts per message and destination (default 4).
	Attempts int
	// Backoff is the wait after the first failure, doubled after each
	// next one (default 2s).
	Backoff time.Duration
	// Timeout bounds each attempt (default 10s).
	Timeout time.Duration
	// Queue is how many events may wait to be looked at (default 1024);
	// past that they are dropped, and the drop is logged.
	Queue int
	// Link returns the web UI's page of a run ("" for none).
	Link func(runID string) string
}

func (s Settings) withDefaults() Settings {
	if s.Attempts <= 0 {
		s.Attempts = 4
	}
	if s.Backoff <= 0 {
		s.Backoff = 2 * time.Second
	}
	if s.Timeout <= 0 {
		s.Timeout = 10 * time.Second
	}
	if s.Queue <= 0 {
		s.Queue = 1024
	}
	return s
}

// Notifier turns journal events into notifications.
type Notifier struct {
	senders []Sender
	clock   clock.Clock
	s       Settings
	logf    func(format string, args ...any)
	follow  runner.Follower

	mu     sync.Mutex
	closed bool
	events chan journal.Event
	done   chan struct{}
}

// New starts a notifier sending to senders; store gives the earlier events
// of a run first seen resumed; logf receives what could not be sent.
func New(store journal.Store, senders []Sender, clk clock.Clock, s Settings, logf func(format string, args ...any)) *Notifier {
	s = s.withDefaults()
	n := &Notifier{senders: senders, clock: clk, s: s, logf: logf, follow: runner.Follower{Store: store},
		events: make(chan journal.Event, s.Queue), done: make(chan struct{})}
	go n.loop()
	return n
}

// Observe queues ev; it never blocks (engine.Engine.Observer).
func (n *Notifier) Observe(ev journal.Event) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	select {
	case n.events <- ev:
	default:
		n.logf("notify: queue full, event %d of run %s not looked at", ev.Seq, ev.RunID)
	}
}

// Close stops taking events and waits until those queued are sent, or ctx
// ends (what is left is then dropped).
func (n *Notifier) Close(ctx context.Context) {
	n.mu.Lock()
	if !n.closed {
		n.closed = true
		close(n.events)
	}
	n.mu.Unlock()
	select {
	case <-n.done:
	case <-ctx.Done():
		n.logf("notify: stopped with notifications unsent: %v", context.Cause(ctx))
	}
}

func (n *Notifier) loop() {
	defer close(n.done)
	ctx := context.Background()
	for ev := range n.events {
		st, fresh, err := n.follow.Apply(ctx, ev)
		if err != nil {
			n.logf("notify: %v", err)
			continue
		}
		if !fresh {
			continue
		}
		if m, ok := n.message(ev, st); ok {
			n.deliver(ctx, m)
		}
	}
}

// deliver sends m to every destination at once, each with its retries.
func (n *Notifier) deliver(ctx context.Context, m Message) {
	var wg sync.WaitGroup
	for _, s := range n.senders {
		wg.Go(func() {
			if err := Deliver(ctx, n.clock, n.s, s, m); err != nil {
				n.logf("notify: %s of run %s not sent to %s: %v", m.Event, m.Run, s, err)
			}
		})
	}
	wg.Wait()
}

// Deliver sends m to s, trying again (waits on clk) what may succeed
// later, as set (Attempts, Backoff, Timeout; zero values take the
// defaults). Run notifications and scheduled readiness checks send through
// it.
func Deliver(ctx context.Context, clk clock.Clock, set Settings, s Sender, m Message) error {
	set = set.withDefaults()
	wait := set.Backoff
	var err error
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, set.Timeout)
		err = s.Send(actx, m)
		cancel()
		var re *RetryableError
		if err == nil || attempt >= set.Attempts || !errors.As(err, &re) {
			break
		}
		if cerr := clock.Sleep(ctx, clk, wait); cerr != nil {
			return cerr
		}
		wait *= 2
	}
	if err != nil && set.Attempts > 1 {
		var re *RetryableError
		if errors.As(err, &re) {
			return fmt.Errorf("%d attempts failed; the last: %w", set.Attempts, err)
		}
	}
	return err
}

// Chat escapes s for chat tools' markup (Slack's: &, <, >) after making
// control characters visible (report.Clean).
func Chat(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(report.Clean(s))
}
