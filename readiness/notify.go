package readiness

// The notifiers of scheduled checks. The shared notifications package
// (SNS and webhooks for run events, retried, never failing the caller) can
// replace this file: anything with Notify(ctx, Message) error will do.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"drorch/internal/clock"
	"drorch/manifest"
)

// Publisher publishes to an SNS topic (awsapi.Notifier).
type Publisher interface {
	Publish(ctx context.Context, region, topicARN, subject, message string) error
}

// SNS notifies an SNS topic, published in the topic's region.
type SNS struct {
	Publisher Publisher
	TopicARN  string
}

// NewSNS checks the topic ARN and returns its notifier.
func NewSNS(p Publisher, topicARN string) (*SNS, error) {
	a, err := manifest.ParseARN(topicARN)
	if err != nil || a.Service != "sns" || a.Region == "" {
		return nil, fmt.Errorf("%q is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", topicARN)
	}
	return &SNS{Publisher: p, TopicARN: topicARN}, nil
}

// Notify publishes m. SNS subjects are ASCII without line breaks, at most
// 100 characters (SNS API reference, Publish).
func (s *SNS) Notify(ctx context.Context, m Message) error {
	a, _ := manifest.ParseARN(s.TopicARN)
	return s.Publisher.Publish(ctx, a.Region, s.TopicARN, asciiSubject(m.Subject), m.Text)
}

func asciiSubject(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '…':
			b.WriteString("...")
		case r < 0x20 || r > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if len(out) > 100 {
		out = out[:97] + "..."
	}
	return out
}

// Webhook posts {"text": ...} (what Slack, Teams and Chime incoming
// webhooks read) to a URL, trying again on a network error, a 429 or a 5xx.
// The URL often holds a token: it never appears in an error.
type Webhook struct {
	url    string
	Client *http.Client
	Clock  clock.Clock
	// Attempts is how many times a message is tried (default 3); the
	// waits between them double from Backoff (default 1s).
	Attempts int
	Backoff  time.Duration
}

// NewWebhook checks the URL (http or https, with a host) and returns its
// notifier.
func NewWebhook(rawURL string, c clock.Clock) (*Webhook, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("the webhook URL must be an http or https URL with a host")
	}
	return &Webhook{url: rawURL, Client: &http.Client{Timeout: 10 * time.Second}, Clock: c}, nil
}

// Notify posts m, retrying what may succeed later.
func (w *Webhook) Notify(ctx context.Context, m Message) error {
	body, err := json.Marshal(map[string]string{"text": m.Subject + "\n" + m.Text})
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	attempts, wait := w.Attempts, w.Backoff
	if attempts <= 0 {
		attempts = 3
	}
	if wait <= 0 {
		wait = time.Second
	}
	var last error
	for i := range attempts {
		if i > 0 {
			if err := clock.Sleep(ctx, w.Clock, wait); err != nil {
				return fmt.Errorf("webhook: %w (last attempt: %v)", err, last)
			}
			wait *= 2
		}
		retry, err := w.post(ctx, body)
		if err == nil {
			return nil
		}
		last = err
		if !retry {
			break
		}
	}
	return fmt.Errorf("webhook: %w", last)
}

// post makes one attempt; retry says whether another may succeed.
func (w *Webhook) post(ctx context.Context, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return false, errors.New("cannot build the request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.Client.Do(req)
	if err != nil {
		// *url.Error names the URL: keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return ctx.Err() == nil, fmt.Errorf("post: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return true, fmt.Errorf("answered %s", resp.Status)
	}
	return false, fmt.Errorf("answered %s (not tried again)", resp.Status)
}

// Fanout sends each message to every notifier, and fails if any failed (the
// next evaluation then sends it to all of them again: a duplicate is better
// than a lost alarm).
type Fanout []Notifier

// Notify sends m to every notifier.
func (f Fanout) Notify(ctx context.Context, m Message) error {
	var errs []error
	for _, n := range f {
		if err := n.Notify(ctx, m); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
