package readiness

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"drorch/internal/clock"
)

// The webhook posts {"text": ...}, tries again on 5xx and 429 (waiting on
// the injected clock), gives up at once on other errors, and never shows
// its URL, which may hold a token.
func TestWebhook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		statuses []int
		attempts int32
		wantErr  string
	}{
		{"accepted", []int{200}, 1, ""},
		{"busy, then accepted", []int{503, 429, 204}, 3, ""},
		{"always down", []int{500, 502, 503}, 3, "webhook: answered 503 Service Unavailable"},
		{"refused", []int{404}, 1, "webhook: answered 404 Not Found (not tried again)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			var text string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := calls.Add(1) - 1
				var body map[string]string
				if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("body: %v, content type %q", err, r.Header.Get("Content-Type"))
				}
				text = body["text"]
				w.WriteHeader(tc.statuses[min(int(i), len(tc.statuses)-1)])
			}))
			defer srv.Close()
			clk := clock.NewAuto(t0)
			w, err := NewWebhook(srv.URL+"/hooks/SECRET-TOKEN", clk)
			if err != nil {
				t.Fatal(err)
			}
			err = w.Notify(context.Background(), Message{Subject: "drorch: failover NOT READY", Text: "details\n"})
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr) {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
			if calls.Load() != tc.attempts {
				t.Errorf("%d attempts, want %d", calls.Load(), tc.attempts)
			}
			if text != "drorch: failover NOT READY\ndetails\n" {
				t.Errorf("text %q", text)
			}
			// Waits of 1s then 2s between attempts, on the virtual clock.
			if waited := clk.Now().Sub(t0); tc.attempts == 3 && waited != 3*time.Second {
				t.Errorf("waited %v, want 3s", waited)
			}
		})
	}
	// A webhook that cannot be reached: the error says why, not the URL.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/hooks/SECRET-TOKEN"
	srv.Close()
	w, _ := NewWebhook(url, clock.NewAuto(t0))
	err := w.Notify(context.Background(), Message{Subject: "s", Text: "t"})
	if err == nil || strings.Contains(err.Error(), "SECRET-TOKEN") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("unreachable webhook: %v", err)
	}
}

type published struct{ region, topic, subject, message string }

type fakePublisher struct{ got []published }

func (f *fakePublisher) Publish(_ context.Context, region, topic, subject, message string) error {
	f.got = append(f.got, published{region, topic, subject, message})
	return nil
}

// SNS messages go to the topic's region with an ASCII subject of at most
// 100 characters, as SNS requires.
func TestSNS(t *testing.T) {
	t.Parallel()
	p := &fakePublisher{}
	n, err := NewSNS(p, "arn:aws:sns:eu-west-1:123456789012:dr-alerts")
	if err != nil {
		t.Fatal(err)
	}
	long := "drorch: failover NOT READY: " + strings.Repeat("ü", 120)
	if err := n.Notify(context.Background(), Message{Subject: clip(long, 100), Text: "body"}); err != nil {
		t.Fatal(err)
	}
	got := p.got[0]
	if got.region != "eu-west-1" || got.topic != "arn:aws:sns:eu-west-1:123456789012:dr-alerts" || got.message != "body" ||
		len(got.subject) > 100 || !strings.HasPrefix(got.subject, "drorch: failover NOT READY: ???") {
		t.Errorf("published %+v", got)
	}
	for _, bad := range []string{"", "dr-alerts", "arn:aws:sqs:eu-west-1:123456789012:q", "arn:aws:sns::123456789012:t"} {
		if _, err := NewSNS(p, bad); err == nil {
			t.Errorf("%q accepted as a topic ARN", bad)
		}
	}
}
