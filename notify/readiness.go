package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"drorch/internal/clock"
	"drorch/readiness"
)

// Readiness sends the changes scheduled readiness checks find (it is a
// readiness.Notifier) to its senders, each message tried again as run
// notifications are. `drorch check --every` and the Step Functions
// function's check op both send through it, so that subscribers get the
// same message from either.
type Readiness struct {
	Senders []Sender
	Clock   clock.Clock
	// Settings tune the retries (zero values take the defaults).
	Settings Settings
}

// Notify sends m to every destination; it fails if any failed (the next
// evaluation then sends it to all of them again: a duplicate is better
// than a lost alarm).
func (r Readiness) Notify(ctx context.Context, m readiness.Message) error {
	status := "not-ready"
	if m.Ready {
		status = "ready"
	}
	// Line by line: Chat shows a line break inside a value as \n.
	lines := strings.Split(m.Subject+"\n"+m.Text, "\n")
	for i, l := range lines {
		lines[i] = Chat(l)
	}
	msg := Message{Event: ReadinessChanged, Subject: m.Subject, Text: strings.Join(lines, "\n"),
		Status: status, Time: r.Clock.Now().UTC()}
	var errs []error
	for _, s := range r.Senders {
		if err := Deliver(ctx, r.Clock, r.Settings, s, msg); err != nil {
			errs = append(errs, fmt.Errorf("notify %s: %w", s, err))
		}
	}
	return errors.Join(errs...)
}
