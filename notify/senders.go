package notify

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

	"drorch/cloud"
	"drorch/manifest"
)

// Webhook posts messages as JSON to a URL.
type Webhook struct {
	url    string
	shown  string // the URL without its path and query, which may hold a secret
	client *http.Client
}

// NewWebhook checks rawURL (http or https, with a host) and returns its
// sender; client nil means a client of its own.
func NewWebhook(rawURL string, client *http.Client) (*Webhook, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, errors.New("notification webhook: give an http:// or https:// URL with a host and no user:password")
	}
	if client == nil {
		client = &http.Client{}
	}
	// Slack and most chat tools put their secret in the path: logs and
	// errors show the scheme and host only.
	return &Webhook{url: rawURL, shown: u.Scheme + "://" + u.Host + "/...", client: client}, nil
}

func (w *Webhook) String() string { return "webhook " + w.shown }

// Send posts m once. Network errors, 429 and 5xx answers are retryable.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode notification: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("post to %s: bad request", w)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "drorch")
	resp, err := w.client.Do(req)
	if err != nil {
		// *url.Error repeats the URL, secret and all: keep its cause only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &RetryableError{fmt.Errorf("post to %s: %w", w, err)}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	err = fmt.Errorf("post to %s: %s: %s", w, resp.Status, strings.TrimSpace(Chat(string(snippet))))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return &RetryableError{err}
	}
	return err
}

// Publisher publishes to an SNS topic (awsapi.Notifier).
type Publisher interface {
	Publish(ctx context.Context, region, topicARN, subject, message string) error
}

// SNS publishes messages, as JSON, to a topic, in the topic's region.
type SNS struct {
	pub    Publisher
	topic  string
	region string
}

// NewSNS checks topicARN and returns its sender.
func NewSNS(pub Publisher, topicARN string) (*SNS, error) {
	a, err := manifest.ParseARN(topicARN)
	if err != nil || a.Service != "sns" || a.Region == "" || a.ResourceID == "" {
		return nil, fmt.Errorf("notification topic %q: give an SNS topic ARN such as arn:aws:sns:us-west-2:123456789012:dr-notifications", topicARN)
	}
	return &SNS{pub: pub, topic: topicARN, region: a.Region}, nil
}

func (s *SNS) String() string { return "SNS topic " + s.topic }

// Send publishes m once; throttling, 5xx and unreachable regions are
// retryable.
func (s *SNS) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode notification: %w", err)
	}
	err = s.pub.Publish(ctx, s.region, s.topic, subject(m), string(body))
	if err != nil && cloud.Retryable(err) {
		return &RetryableError{err}
	}
	return err
}

// subject is an SNS subject for m: "UTF-8 text with no line breaks or
// control characters, and less than 100 characters long" (PublishRequest
// Subject, SNS API reference); drorch keeps to printable ASCII.
func subject(m Message) string {
	s := m.Subject
	if s == "" {
		s = fmt.Sprintf("drorch: run %s %s", m.Run, strings.TrimPrefix(string(m.Event), "run."))
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(out) < 99; i++ {
		if s[i] >= 0x20 && s[i] < 0x7f {
			out = append(out, s[i])
		}
	}
	return string(out)
}
