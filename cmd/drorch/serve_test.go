package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/engine"
	"drorch/journal"
	"drorch/notify"
	"drorch/report"
)

// gatedPayload waits for an approval, then switches the seed's Aurora over.
const gatedPayload = `{"StatePayload": [
 {"layer": 1, "resources": [{"resourceType": "ManualApproval", "resourceName": "Approve the failover",
   "parameters": {"Message": "the app team stopped writes", "ApprovalTimeout": "30m"}}]},
 {"layer": 2, "resources": [{"resourceType": "PlannedFailoverAurora", "resourceName": "Switchover",
   "parameters": {"GlobalClusterIdentifier": "!Import dr-globaldb-cluster-mysql-global-identifier",
    "DBClusterIdentifier": "!Import dr-globaldb-cluster-mysql-cluster-identifier"}}]}]}`

// awaitWaiting polls drorch show until the run waits for its approval.
func awaitWaiting(t *testing.T, d *cli, id string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last result
	for time.Now().Before(deadline) {
		r := d.run("show", "-o", "json", id)
		last = r
		if r.code == 0 {
			var s report.Report
			if json.Unmarshal([]byte(r.stdout), &s) == nil && len(s.Layers) > 0 && len(s.Layers[0].Resources[0].Steps) > 0 &&
				s.Layers[0].Resources[0].Steps[0].Status == string(journal.StatusRunning) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("run %s never waited for its approval; last show:\n%s", id, last)
}

// drorch run waits at a ManualApproval until drorch approve, run from
// another shell, records the decision; who approved, when and why are in
// the report. Approving what does not wait is refused.
func TestApproveCommand(t *testing.T) {
	t.Parallel()
	_, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	payload := writeFile(t, "gated.json", []byte(gatedPayload))
	done := make(chan result, 1)
	go func() {
		done <- d.run(append(append([]string{"run", "--yes", "--run-id", "gated-run"}, fastPoll...), payload)...)
	}()
	awaitWaiting(t, d, "gated-run")

	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"approve", "nope"}, exitBadInput, "run not found"},
		{[]string{"approve", "gated-run", "--resource", "nope"}, exitBadInput, "no resource named"},
		{[]string{"approve", "gated-run", "--resource", "Switchover"}, exitFailed, "not a ManualApproval"},
		{[]string{"approve", "gated-run", "--comment", strings.Repeat("x", 3000)}, exitBadInput, "keep it under 2000"},
	} {
		if r := d.run(tc.args...); r.code != tc.code || !strings.Contains(r.stderr, tc.says) {
			t.Errorf("want exit %d saying %q\n%s", tc.code, tc.says, r)
		}
	}
	r := d.run("approve", "gated", "--comment", "writes stopped at 12:00")
	if r.code != 0 || !strings.Contains(r.stdout, `approved "Approve the failover" (layer 1, resource 0) of run gated-run as `) {
		t.Fatalf("approve: want exit 0\n%s", r)
	}
	if run := <-done; run.code != 0 || !strings.Contains(run.stdout, "succeeded") {
		t.Fatalf("the run after the approval: want exit 0\n%s", run)
	}
	rep := d.run("report", "gated-run", "--format", "json")
	var doc struct {
		Approvals []struct{ Decision, By, Comment, Resource string }
	}
	if err := json.Unmarshal([]byte(rep.stdout), &doc); err != nil || len(doc.Approvals) != 1 {
		t.Fatalf("report: %v\n%s", err, rep)
	}
	if a := doc.Approvals[0]; a.Decision != "approved" || !strings.Contains(a.By, "@") || a.Comment != "writes stopped at 12:00" || a.Resource != "Approve the failover" {
		t.Errorf("approval in the report: %+v", a)
	}
	if r := d.run("approve", "gated-run"); r.code != exitFailed || !strings.Contains(r.stderr, "the run already succeeded") {
		t.Errorf("approve of a finished run: want exit 1\n%s", r)
	}
}

// drorch run --reject path: the run fails at the gate, before its second
// layer, and says who rejected it.
func TestRejectCommand(t *testing.T) {
	t.Parallel()
	s, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	payload := writeFile(t, "gated.json", []byte(gatedPayload))
	done := make(chan result, 1)
	go func() {
		done <- d.run(append(append([]string{"run", "--yes", "--run-id", "gated-no"}, fastPoll...), payload)...)
	}()
	awaitWaiting(t, d, "gated-no")
	if r := d.run("-o", "json", "approve", "gated-no", "--reject", "--comment", "lag"); r.code != 0 || !strings.Contains(r.stdout, `"decision": "rejected"`) {
		t.Fatalf("reject: want exit 0\n%s", r)
	}
	run := <-done
	if run.code != exitFailed || !strings.Contains(run.stderr, "rejected by") {
		t.Errorf("the rejected run: want exit 1 naming who rejected\n%s", run)
	}
	noMutations(t, s, "a rejected run")
}

// Notifications of drorch run go to the simulator's SNS topic and to a
// webhook; a webhook that refuses them is logged and the run still
// succeeds.
func TestRunNotifications(t *testing.T) {
	t.Parallel()
	s, endpoint := startTestSim(t)
	var (
		mu  sync.Mutex
		got []notify.Message
	)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m notify.Message
		if err := json.NewDecoder(r.Body).Decode(&m); err == nil {
			mu.Lock()
			got = append(got, m)
			mu.Unlock()
		}
	}))
	defer ok.Close()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such hook", http.StatusNotFound)
	}))
	defer refusing.Close()
	topic := "arn:aws:sns:us-west-2:123456789012:dr-orchestrator-notifications"

	d := newCLI(t, endpoint, "us-west-2")
	d.env["DRORCH_NOTIFY_SNS"] = topic
	r := d.run(append(append([]string{"run", "--yes", "--notify-webhook", ok.URL + "/hook"}, fastPoll...), seedPayload("1-planned-switchover.json"))...)
	if r.code != 0 {
		t.Fatalf("run: want exit 0\n%s", r)
	}
	mu.Lock()
	events := []notify.Event{}
	for _, m := range got {
		events = append(events, m.Event)
	}
	mu.Unlock()
	if len(events) != 2 || events[0] != notify.RunStarted || events[1] != notify.RunSucceeded {
		t.Errorf("webhook got %v, want run.started, run.succeeded", events)
	}
	var subjects []string
	for _, m := range s.Messages() {
		subjects = append(subjects, m.Subject)
	}
	if len(subjects) != 2 || !strings.HasSuffix(subjects[1], "succeeded") {
		t.Errorf("SNS got %v", subjects)
	}

	d2 := newCLI(t, endpoint, "us-west-2")
	r = d2.run(append(append([]string{"run", "--yes", "--notify-webhook", refusing.URL + "/secret-hook-path"}, fastPoll...), seedPayload("1-planned-switchover.json"))...)
	if r.code != 0 || !strings.Contains(r.stderr, "not sent to webhook http://127.0.0.1") || strings.Contains(r.stderr, "secret-hook-path") {
		t.Errorf("run with a refusing webhook: want exit 0, the failure logged without the URL's path\n%s", r)
	}
	if r := d2.run("run", "--yes", "--notify-webhook", "ftp://example.com/x", seedPayload("1-planned-switchover.json")); r.code != exitBadInput {
		t.Errorf("a bad webhook URL: want exit 2\n%s", r)
	}
}

// drorch serve prints its address and a token made for it once, serves
// /healthz without it and the API with it, and stops cleanly when
// interrupted; a token file with a short token is refused.
func TestServeCommand(t *testing.T) {
	t.Parallel()
	_, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	ctx, interrupt := context.WithCancelCause(context.Background())
	defer interrupt(nil)
	var stderr syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, append(d.global(), "serve", "--listen", "127.0.0.1:0"), strings.NewReader(""), io.Discard, &stderr,
			func(k string) string { return d.env[k] })
	}()
	var addr, token string
	deadline := time.Now().Add(20 * time.Second)
	for addr == "" || token == "" {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not say where it listens:\n%s", stderr.String())
		}
		out := stderr.String()
		if m := regexp.MustCompile(`listening on (http://\S+) `).FindStringSubmatch(out); m != nil {
			addr = m[1]
		}
		if m := regexp.MustCompile(`API token \(shown once[^)]*\): (\S+)`).FindStringSubmatch(out); m != nil {
			token = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	get := func(path, tok string) int {
		req, _ := http.NewRequest("GET", addr+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if get("/healthz", "") != 200 || get("/api/v1/runs", "") != 401 || get("/api/v1/runs", token) != 200 {
		t.Errorf("healthz %d, runs without token %d, with %d", get("/healthz", ""), get("/api/v1/runs", ""), get("/api/v1/runs", token))
	}
	if strings.Count(stderr.String(), token) != 1 {
		t.Errorf("the token is printed %d times", strings.Count(stderr.String(), token))
	}
	interrupt(engine.ErrInterrupted)
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("serve exited %d\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}

	short := writeFile(t, "tokens", []byte("alice:tooshort\n"))
	if r := d.run("serve", "--listen", "127.0.0.1:0", "--token-file", short); r.code != exitBadInput || !strings.Contains(r.stderr, "at least 16") {
		t.Errorf("a short token: want exit 2\n%s", r)
	}
	if err := os.Chmod(short, 0o600); err != nil {
		t.Fatal(err)
	}
}
