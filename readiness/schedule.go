package readiness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"drorch/internal/clock"
	"drorch/report"
)

// Message is what subscribers are told when readiness changes.
type Message struct {
	// Subject is one short line (SNS subjects hold 100 characters).
	Subject string
	// Text is the whole message: the change and, when not ready, the
	// failures with their fixes.
	Text  string
	Ready bool
}

// Notifier sends a message to subscribers (SNS, a webhook). The shared
// notifications package can stand in for the implementations here.
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}

// State is what scheduled evaluations remember between two of them: the
// readiness the subscribers were last told. Before any message they are
// taken to believe the payload ready, so that the first evaluation that
// finds it not ready is announced, and a ready one is not. The caller keeps
// it: in memory for `drorch check --every`, in a store for a scheduled
// Lambda.
type State struct {
	// NotReady is what the subscribers were last told.
	NotReady bool `json:"notReady"`
	// Since is when that readiness was first seen (zero before any message).
	Since time.Time `json:"since,omitzero"`
}

// message decides, from what the subscribers were last told, whether r is
// news, and words it.
func message(prev State, r *Result) (Message, bool) {
	if r.Ready != prev.NotReady {
		return Message{}, false
	}
	// Names from the payload and from AWS are cleaned: they must neither
	// forge a line of the message nor drive a terminal.
	where := report.Clean(fmt.Sprintf("%s in %s", r.Payload, r.Region))
	m := Message{Ready: r.Ready}
	var b strings.Builder
	if r.Ready {
		m.Subject = "drorch: failover ready again: " + where
		fmt.Fprintf(&b, "The failover of %s is ready again at %s: %s.\n", where, r.At.UTC().Format(time.RFC3339), r.Summary())
		if !prev.Since.IsZero() {
			fmt.Fprintf(&b, "It was not ready from %s.\n", prev.Since.UTC().Format(time.RFC3339))
		}
	} else {
		m.Subject = "drorch: failover NOT READY: " + where
		fmt.Fprintf(&b, "The failover of %s would not work now (%s): %s.\n", where, r.At.UTC().Format(time.RFC3339), r.Summary())
		for _, f := range failuresWithFixes(r) {
			fmt.Fprintf(&b, "- %s\n", report.Clean(f))
		}
		fmt.Fprintf(&b, "Run `drorch check --region %s %s` for every finding.\n", report.Clean(r.Region), report.Clean(r.Payload))
	}
	m.Subject, m.Text = clip(m.Subject, 100), b.String()
	return m, true
}

// failuresWithFixes lists each failure with its fix.
func failuresWithFixes(r *Result) []string {
	var out []string
	add := func(where string, f Finding) {
		if f.Status != Failure {
			return
		}
		s := fmt.Sprintf("[%s] %s%s", f.Check, where, f.Message)
		if f.Fix != "" {
			s += ". Fix: " + f.Fix
		}
		out = append(out, s)
	}
	for _, f := range r.Findings {
		add("", f)
	}
	for _, rr := range r.Resources {
		for _, f := range rr.Findings {
			add(fmt.Sprintf("layer %d, %s: ", rr.Layer, rr.Name), f)
		}
	}
	return out
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// Once makes one scheduled evaluation: evaluate, then tell the subscribers
// when readiness differs from what they were last told. It returns the
// result, the state to keep for the next evaluation (unchanged when the
// message could not be sent, so that the next evaluation tries again) and
// whether a message was sent. This is the whole of a scheduled Lambda's
// "check" operation but for loading and saving the state.
func Once(ctx context.Context, evaluate func(context.Context) (*Result, error), n Notifier, prev State) (*Result, State, bool, error) {
	r, err := evaluate(ctx)
	if err != nil {
		return nil, prev, false, err
	}
	m, news := message(prev, r)
	if !news {
		return r, prev, false, nil
	}
	if n != nil {
		if err := n.Notify(ctx, m); err != nil {
			return r, prev, false, fmt.Errorf("notify: %w", err)
		}
	}
	return r, State{NotReady: !r.Ready, Since: r.At}, n != nil, nil
}

// Schedule evaluates a payload every Every on Clock until its context ends,
// logging one line per evaluation and notifying only on a change.
type Schedule struct {
	Every    time.Duration
	Clock    clock.Clock
	Evaluate func(context.Context) (*Result, error)
	// Notifier may be nil: the log alone then tells the changes.
	Notifier Notifier
	// Log gets one line per evaluation.
	Log io.Writer
	// Each, if set, sees every result (the CLI prints it).
	Each func(*Result)
}

// Run evaluates at once, then every Every, until ctx ends; it returns the
// last result. A failed notification is logged and tried again at the next
// evaluation; it never stops the schedule.
func (s *Schedule) Run(ctx context.Context) (*Result, error) {
	if s.Every <= 0 {
		return nil, errors.New("schedule: the interval must be positive")
	}
	var (
		state State
		last  *Result
	)
	for {
		r, next, sent, err := Once(ctx, s.Evaluate, s.Notifier, state)
		switch {
		case r == nil && ctx.Err() != nil:
			return last, nil
		case r == nil:
			return last, err
		}
		last, state = r, next
		line := fmt.Sprintf("%s check %s in %s: %s", r.At.UTC().Format(time.RFC3339), r.Payload, r.Region, r.Summary())
		if fails := r.Failures(); len(fails) > 0 {
			line += ": " + fails[0]
			if len(fails) > 1 {
				line += fmt.Sprintf(" (and %d more)", len(fails)-1)
			}
		}
		switch {
		case sent:
			line += "; notified"
		case err != nil:
			line += "; " + err.Error() + " (tried again at the next evaluation)"
		}
		fmt.Fprintln(s.Log, report.Clean(line))
		if s.Each != nil {
			s.Each(r)
		}
		if err := clock.Sleep(ctx, s.Clock, s.Every); err != nil {
			return last, nil
		}
	}
}
