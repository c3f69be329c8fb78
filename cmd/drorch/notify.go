package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"drorch/awsapi"
	"drorch/engine"
	"drorch/journal"
	"drorch/notify"
)

// notifyFlags say where run notifications go (drorch run, resume, serve).
type notifyFlags struct {
	topics  []string
	webhook string
}

func (n *notifyFlags) flags(cmd *cobra.Command) {
	n.flagsFor(cmd, "run start, approval needed, success, failure")
}

// flagsFor adds the flags, saying what is notified.
func (n *notifyFlags) flagsFor(cmd *cobra.Command, what string) {
	f := cmd.Flags()
	f.StringArrayVar(&n.topics, "notify-sns", nil, "publish notifications ("+what+") to this SNS topic ARN, repeatable (default: "+snsEnv+", comma-separated)")
	f.StringVar(&n.webhook, "notify-webhook", "", `POST notifications (`+what+`) as JSON with a "text" field to this URL, e.g. a chat webhook (default: `+webhookEnv+`)`)
}

// The variables that name notification destinations. The webhook URL often
// carries a token: a flag's value shows in the process list, a variable's
// does not.
const (
	snsEnv     = "DRORCH_NOTIFY_SNS"
	webhookEnv = "DRORCH_NOTIFY_WEBHOOK"
)

// notifier builds the notifier the flags and environment ask for; nil
// when they ask for none. Bad settings are bad input: nothing has started.
func (a *app) notifier(ctx context.Context, n notifyFlags, store journal.Store, link func(string) string) (*notify.Notifier, error) {
	senders, err := a.senders(ctx, n)
	if err != nil || len(senders) == 0 {
		return nil, err
	}
	// Above the live bars, when a run is drawn.
	logf := func(format string, args ...any) { a.notice("drorch: "+format, args...) }
	return notify.New(store, senders, a.wall, notify.Settings{Link: link}, logf), nil
}

// senders are the destinations the flags and environment name (run
// notifications and drorch check share them).
func (a *app) senders(ctx context.Context, n notifyFlags) ([]notify.Sender, error) {
	topics, webhook := n.topics, n.webhook
	if len(topics) == 0 {
		for _, t := range strings.Split(a.getenv(snsEnv), ",") {
			if t = strings.TrimSpace(t); t != "" {
				topics = append(topics, t)
			}
		}
	}
	if webhook == "" {
		webhook = a.getenv(webhookEnv)
	}
	var senders []notify.Sender
	if webhook != "" {
		w, err := notify.NewWebhook(webhook, nil)
		if err != nil {
			return nil, badInput(fmt.Errorf("--notify-webhook: %w", err))
		}
		senders = append(senders, w)
	}
	if len(topics) > 0 {
		conf := awsapi.Config{Region: a.region, Profile: a.profile, EndpointURL: a.endpointURL, Credentials: a.creds}
		c, err := awsapi.New(ctx, conf)
		if err != nil {
			return nil, fmt.Errorf("set up SNS notifications: %w", err)
		}
		for _, topic := range topics {
			s, err := notify.NewSNS(c.Notifier(), topic)
			if err != nil {
				return nil, badInput(fmt.Errorf("--notify-sns: %w", err))
			}
			senders = append(senders, s)
		}
	}
	return senders, nil
}

// notifyRun makes e's events notified as the flags ask; the returned func
// waits (a little) for the last notifications to go.
func (a *app) notifyRun(ctx context.Context, n notifyFlags, store journal.Store, e *engine.Engine) (func(), error) {
	nt, err := a.notifier(ctx, n, store, nil)
	if err != nil || nt == nil {
		return func() {}, err
	}
	e.Observer = both(e.Observer, nt.Observe)
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		nt.Close(ctx)
	}, nil
}

// both is an observer that hands each event to f, then g (either may be nil).
func both(f, g func(journal.Event)) func(journal.Event) {
	switch {
	case f == nil:
		return g
	case g == nil:
		return f
	}
	return func(ev journal.Event) { f(ev); g(ev) }
}
