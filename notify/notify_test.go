package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/internal/clock"
	"drorch/journal"
	"drorch/notify"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// spec: layer 1 is an approval gate whose name tries to ping a channel,
// layer 2 a promotion.
func spec() journal.RunSpec {
	return journal.RunSpec{Command: "run", Region: "us-west-2", PayloadFile: "failover.json", Layers: []journal.LayerSpec{
		{Number: 1, Resources: []journal.ResourceSpec{{Index: 0, Name: "Go? <!channel> & co", Type: "ManualApproval", Region: "us-west-2",
			Params: map[string]string{"Message": "check the lag", "ApprovalTimeout": "30m"}, Steps: []string{"approval"}}}},
		{Number: 2, Resources: []journal.ResourceSpec{{Index: 0, Name: "promote", Type: "PromoteRDSReadReplica", Region: "us-west-2",
			Steps: []string{"promote"}}}},
	}}
}

func raw(v any) json.RawMessage { b, _ := json.Marshal(v); return b }

// events is a run that starts, waits for approval, and fails.
func events(run string) []journal.Event {
	evs := []journal.Event{
		{Kind: journal.RunCreated, Layer: -1, Resource: -1, Data: raw(spec())},
		{Kind: journal.RunStarted, Layer: -1, Resource: -1, Data: raw(journal.Process{Owner: "h:1:a"})},
		{Kind: journal.LayerStarted, Layer: 0, Resource: -1},
		{Kind: journal.ResourceStarted, Layer: 0, Resource: 0},
		{Kind: journal.StepStarted, Layer: 0, Resource: 0, Step: "approval"},
		{Kind: journal.StepObserved, Layer: 0, Resource: 0, Step: "approval", Message: "waiting"},
		{Kind: journal.StepFinished, Layer: 0, Resource: 0, Step: "approval", Error: "rejected by bob", Data: raw(journal.Outcome{Status: journal.StatusFailed})},
		{Kind: journal.RunFinished, Layer: -1, Resource: -1, Error: "layer 1: rejected by bob", Data: raw(journal.Outcome{Status: journal.StatusFailed})},
	}
	for i := range evs {
		evs[i].RunID, evs[i].Seq, evs[i].Time = run, int64(i+1), t0.Add(time.Duration(i)*time.Minute)
	}
	return evs
}

// receiver is a webhook endpoint that answers with codes in turn (200
// once they run out) and keeps what it got.
type receiver struct {
	mu    sync.Mutex
	codes []int
	got   []notify.Message
	tries int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tries++
	if len(r.codes) > 0 {
		code := r.codes[0]
		r.codes = r.codes[1:]
		w.WriteHeader(code)
		fmt.Fprint(w, "nope")
		return
	}
	var m notify.Message
	b, _ := io.ReadAll(req.Body)
	if req.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &m) != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.got = append(r.got, m)
}

// logs collects what the notifier logs.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// notifyAll feeds the events to a notifier sending to senders on an
// auto-advancing clock (retries wait no real time) and waits until done.
func notifyAll(t *testing.T, evs []journal.Event, senders ...notify.Sender) *logs {
	t.Helper()
	l := &logs{}
	n := notify.New(nil, senders, clock.NewAuto(t0), notify.Settings{Link: func(id string) string { return "http://127.0.0.1:8080/ui/runs/" + id }}, l.logf)
	for _, ev := range evs {
		n.Observe(ev)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n.Close(ctx)
	return l
}

func webhook(t *testing.T, h http.Handler) (*notify.Webhook, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u := srv.URL + "/services/T000/B000/very-secret-token"
	w, err := notify.NewWebhook(u, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return w, u
}

func TestWebhookMessages(t *testing.T) {
	t.Parallel()
	r := &receiver{}
	w, _ := webhook(t, r)
	l := notifyAll(t, events("r1"), w)
	if l.String() != "" {
		t.Errorf("logged: %s", l)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	want := []struct {
		event notify.Event
		text  string
	}{
		{notify.RunStarted, "drorch run r1 started in us-west-2: 2 resources in 2 layers (payload failover.json). http://127.0.0.1:8080/ui/runs/r1"},
		{notify.ApprovalNeeded, "drorch run r1 waits for approval of \"Go? &lt;!channel&gt; &amp; co\" (layer 1): check the lag. Approve with `drorch approve r1 --resource 1.0`, or in the web UI; without a decision the run fails at 2026-03-01T12:34:00Z."},
		{notify.RunFailed, "drorch run r1 FAILED in us-west-2 after 6m0s: layer 1: rejected by bob"},
	}
	if len(r.got) != len(want) {
		t.Fatalf("got %d messages, want %d: %+v", len(r.got), len(want), r.got)
	}
	for i, w := range want {
		m := r.got[i]
		if m.Event != w.event || !strings.HasPrefix(m.Text, w.text) || m.Run != "r1" || m.URL == "" {
			t.Errorf("message %d = %+v\nwant %s %q", i, m, w.event, w.text)
		}
	}
	if r.got[1].Resource != "Go? <!channel> & co" || r.got[2].Error == "" || r.got[2].Status != "failed" {
		t.Errorf("fields: %+v", r.got)
	}
}

// A receiver that fails: 5xx and 429 are tried again and delivered; a 4xx
// is not retried; one that never answers well is given up after the
// attempts, logged without the URL's secret, and later messages still go.
func TestWebhookFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		codes      []int
		tries, got int
		logged     string
	}{
		{"recovers", []int{500, 503, 429}, 3 + 3, 3, ""},
		{"refuses", []int{400}, 1 + 2, 2, "run.started of run r1 not sent to webhook"},
		{"down", []int{502, 502, 502, 502}, 4 + 2, 2, "4 attempts failed; the last: post to webhook http://127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &receiver{codes: tc.codes}
			w, u := webhook(t, r)
			l := notifyAll(t, events("r1"), w)
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.tries != tc.tries || len(r.got) != tc.got {
				t.Errorf("%d tries, %d delivered; want %d, %d", r.tries, len(r.got), tc.tries, tc.got)
			}
			if !strings.Contains(l.String(), tc.logged) || (tc.logged == "") != (l.String() == "") {
				t.Errorf("logged %q, want %q", l, tc.logged)
			}
			if strings.Contains(l.String(), "very-secret-token") || strings.Contains(l.String(), u) {
				t.Errorf("the log shows the webhook's secret: %s", l)
			}
		})
	}
}

// Nothing listens: every attempt fails at once, and is logged without the
// URL.
func TestWebhookUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	w, err := notify.NewWebhook("http://"+addr+"/hooks/secret-path", nil)
	if err != nil {
		t.Fatal(err)
	}
	l := notifyAll(t, events("r1")[:2], w)
	if !strings.Contains(l.String(), "4 attempts failed") || strings.Contains(l.String(), "secret-path") {
		t.Errorf("logged %q", l)
	}
}

func TestNewWebhookRefuses(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "ftp://example.com/x", "file:///etc/passwd", "http://", "https://user:pw@example.com/x", "example.com/hook"} {
		if _, err := notify.NewWebhook(u, nil); err == nil {
			t.Errorf("NewWebhook(%q) accepted it", u)
		}
	}
}

// A resumed run, first seen at run.resumed, is read from the journal; one
// resumed while it waits for an approval asks for it again.
func TestResumedRunFromJournal(t *testing.T) {
	t.Parallel()
	store := journal.NewMemory()
	ctx := context.Background()
	evs := events("run-2")
	if err := store.Create(ctx, "run-2", t0, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(ctx, "run-2", evs[:5]...); err != nil { // up to the approval's start
		t.Fatal(err)
	}
	resumed, err := store.Append(ctx, "run-2", journal.Event{Kind: journal.RunResumed, Layer: -1, Resource: -1, Time: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{}
	w, _ := webhook(t, r)
	l := &logs{}
	n := notify.New(store, []notify.Sender{w}, clock.NewAuto(t0), notify.Settings{}, l.logf)
	n.Observe(resumed[0])
	n.Close(context.Background())
	if len(r.got) != 1 || r.got[0].Event != notify.RunResumed || !strings.Contains(r.got[0].Text, "resumed in us-west-2: 2 resources") ||
		!strings.Contains(r.got[0].Text, "It waits for approval of \"Go? &lt;!channel&gt; &amp; co\" (`drorch approve run-2 --resource 1.0`).") {
		t.Errorf("got %+v; logged %s", r.got, l)
	}
}
