package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"drorch/httpapi"
	"drorch/journal"
)

// Every route but /healthz and the data-free UI shell needs a valid
// bearer token in the Authorization header; a token in the query string is
// refused even with a valid header.
func TestAuth(t *testing.T) {
	t.Parallel()
	_, endpoint := startSim(t)
	e := newEnv(t, endpoint)
	id := e.startRun(gated("gate"), "auth-run")
	routes := []struct{ method, path string }{
		{"GET", "/metrics"}, {"GET", "/api/v1/info"}, {"POST", "/api/v1/validate"}, {"POST", "/api/v1/plan"},
		{"GET", "/api/v1/runs"}, {"POST", "/api/v1/runs"}, {"GET", "/api/v1/runs/" + id}, {"GET", "/api/v1/runs/" + id + "/events"},
		{"GET", "/api/v1/runs/" + id + "/stream"}, {"POST", "/api/v1/runs/" + id + "/cancel"}, {"POST", "/api/v1/runs/" + id + "/resume"},
		{"POST", "/api/v1/runs/" + id + "/approve"}, {"POST", "/api/v1/runs/" + id + "/reject"}, {"GET", "/api/v1/runs/" + id + "/report"},
		{"GET", "/api/v1/nope"}, {"GET", "/ui/f/runs"}, {"GET", "/ui/f/runs/" + id}, {"POST", "/ui/f/plan"},
	}
	for _, rt := range routes {
		for _, tc := range []struct {
			name, token, query string
			want               int
			says               string
		}{
			{"no token", "", "", http.StatusUnauthorized, "authentication required"},
			{"wrong token", "alice-0123456789abcdeX", "", http.StatusUnauthorized, "not valid"},
			{"token in the query", aliceToken, "?token=" + aliceToken, http.StatusBadRequest, "query string is refused"},
			{"access_token in the query", "", "?Access_Token=" + aliceToken, http.StatusBadRequest, "query string is refused"},
		} {
			r := e.do(rt.method, rt.path+tc.query, tc.token, nil)
			if r.status != tc.want || !strings.Contains(r.errorText(t), tc.says) {
				t.Errorf("%s %s, %s: %d %s", rt.method, rt.path, tc.name, r.status, r.body)
			}
			if tc.want == http.StatusUnauthorized && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s: no WWW-Authenticate", rt.method, rt.path)
			}
		}
	}
	// Other schemes are refused; bob's token is bob.
	req := e.do("GET", "/api/v1/info", "", nil)
	if req.status != http.StatusUnauthorized {
		t.Errorf("info without token: %d", req.status)
	}
	var info struct{ Caller string }
	e.do("GET", "/api/v1/info", bobToken, nil).json(t, &info)
	if info.Caller != "bob" {
		t.Errorf("caller = %q", info.Caller)
	}
	if r := e.do("GET", "/healthz", "", nil); r.status != http.StatusOK {
		t.Errorf("healthz: %d %s", r.status, r.body)
	}
	for _, p := range []string{"/ui/", "/ui/login", "/ui/new", "/ui/runs/" + id, "/ui/static/app.js", "/ui/static/app.css"} {
		r := e.do("GET", p, "", nil)
		if r.status != http.StatusOK || strings.Contains(string(r.body), "check the replication lag") || strings.Contains(string(r.body), "gate") {
			t.Errorf("public %s: %d, or it shows data", p, r.status)
		}
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
	}
	if r := e.do("GET", "/ui/static/../harness_test.go", "", nil); r.status == http.StatusOK {
		t.Error("the static route serves files outside its folder")
	}
}

// Malformed, oversized and otherwise bad bodies get 4xx JSON errors with
// the messages the CLI prints; nothing is started.
func TestBadRequests(t *testing.T) {
	t.Parallel()
	_, endpoint := startSim(t)
	e := newEnv(t, endpoint)
	huge := `{"payload": "` + strings.Repeat("x", httpapi.MaxBody) + `"}`
	tooLargePayload, _ := json.Marshal(map[string]string{"payload": `{"StatePayload": []}` + strings.Repeat(" ", 4<<20)})
	for _, tc := range []struct {
		name, method, path string
		body               any
		contentType        string
		want               int
		says               string
	}{
		{"oversized", "POST", "/api/v1/runs", huge, "", http.StatusRequestEntityTooLarge, "larger than"},
		{"payload over its limit", "POST", "/api/v1/plan", tooLargePayload, "", http.StatusUnprocessableEntity, "api: 1 problem; nothing was changed"},
		{"malformed", "POST", "/api/v1/runs", `{"payload": `, "", http.StatusBadRequest, "not valid JSON"},
		{"not an object", "POST", "/api/v1/plan", `[1,2]`, "", http.StatusBadRequest, "not valid JSON"},
		{"unknown field", "POST", "/api/v1/runs", `{"payload": "{}", "yes": true}`, "", http.StatusBadRequest, `unknown field "yes"`},
		{"trailing data", "POST", "/api/v1/validate", `{"payload": "{}"} {}`, "", http.StatusBadRequest, "more after"},
		{"empty", "POST", "/api/v1/runs", ``, "", http.StatusBadRequest, "empty"},
		{"no payload", "POST", "/api/v1/runs", `{}`, "", http.StatusBadRequest, "no payload"},
		{"form post", "POST", "/api/v1/runs", `payload=x`, "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType, "application/json"},
		{"bad run id", "POST", "/api/v1/runs", map[string]any{"payload": gated("g"), "runId": "../../etc"}, "", http.StatusBadRequest, "runId"},
		{"bad limit", "GET", "/api/v1/runs?limit=-1", nil, "", http.StatusBadRequest, "limit"},
		{"bad format", "GET", "/api/v1/runs/nope/report?format=pdf", nil, "", http.StatusBadRequest, "use one of json"},
		{"bad Last-Event-ID", "GET", "/api/v1/runs/nope/events?after=x", nil, "", http.StatusNotFound, "not found"},
		{"no such run", "GET", "/api/v1/runs/0000000000", nil, "", http.StatusNotFound, "run not found"},
		{"short prefix", "GET", "/api/v1/runs/ab", nil, "", http.StatusNotFound, "at least 4 characters"},
		{"approve of no run", "POST", "/api/v1/runs/0000000000/approve", nil, "", http.StatusNotFound, "run not found"},
		{"long comment", "POST", "/api/v1/runs/0000000000/approve", map[string]string{"comment": strings.Repeat("x", 20000)}, "", http.StatusRequestEntityTooLarge, "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r reply
			if tc.contentType != "" {
				r = e.doType(tc.method, tc.path, tc.contentType, tc.body.(string))
			} else {
				r = e.do(tc.method, tc.path, aliceToken, tc.body)
			}
			if r.status != tc.want || !strings.Contains(r.errorText(t), tc.says) {
				t.Errorf("%d %s, want %d saying %q", r.status, r.body, tc.want, tc.says)
			}
		})
	}
	// A payload's problems: 422, each problem as drorch validate prints it.
	bad := `{"StatePayload": [{"layer": 1, "resources": [{"resourceType": "PromoteRDSReadReplca", "resourceName": "p", "parameters": {}}]}]}`
	r := e.do("POST", "/api/v1/runs", aliceToken, map[string]any{"payload": bad, "name": "bad.json"})
	golden(t, "start-problems.json", r.body)
	if r.status != http.StatusUnprocessableEntity {
		t.Errorf("problems: %d", r.status)
	}
	if runs := e.do("GET", "/api/v1/runs", aliceToken, nil); !strings.Contains(string(runs.body), `"runs": []`) {
		t.Errorf("a refused request started a run: %s", runs.body)
	}
}

func (e *env) doType(method, path, contentType, body string) reply {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+aliceToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// Validate and plan answer as drorch validate and plan do; the plan of the
// README's switchover on the seed world is stable (golden); a blocked plan
// is 409 and starts nothing.
func TestValidateAndPlan(t *testing.T) {
	t.Parallel()
	s, endpoint := startSim(t)
	e := newEnv(t, endpoint)
	text := payload(t, "1-planned-switchover.json")
	r := e.do("POST", "/api/v1/validate", aliceToken, map[string]any{"payload": text, "name": "1-planned-switchover.json"})
	golden(t, "validate.json", r.body)
	// The payload as a JSON object works too.
	r = e.do("POST", "/api/v1/plan", aliceToken, map[string]any{"payload": json.RawMessage(text), "name": "1-planned-switchover.json"})
	if r.status != http.StatusOK {
		t.Fatalf("plan: %d %s", r.status, r.body)
	}
	golden(t, "plan-1-planned-switchover.json", r.body)
	if calls := s.MutatingCalls(); len(calls) != 0 {
		t.Errorf("plan made mutating calls: %+v", calls)
	}
	// The UI's plan of an unplanned failover shows the writes at risk.
	r = e.do("POST", "/ui/f/plan", aliceToken, map[string]any{"payload": payload(t, "2-unplanned-failover.json")})
	if !regexp.MustCompile(`<p class="rpo"><strong>Writes at risk:</strong> about \S+ \(AuroraGlobalDBRPOLag of dbcluster-02 in us-west-2 at `).Match(r.body) {
		t.Errorf("the UI's plan does not show the writes at risk: %d\n%.4000s", r.status, r.body)
	}
	if _, err := s.SetFault(simOutage("us-east-1")); err != nil {
		t.Fatal(err)
	}
	r = e.do("POST", "/api/v1/runs", aliceToken, map[string]any{"payload": text})
	if r.status != http.StatusConflict || !strings.Contains(r.errorText(t), "the plan is blocked") || !strings.Contains(string(r.body), `"blocked": true`) {
		t.Errorf("blocked start: %d %s", r.status, r.body)
	}
	if calls := s.MutatingCalls(); len(calls) != 0 {
		t.Errorf("a blocked start made mutating calls: %+v", calls)
	}
}

// A run of the README's switchover, started through the API: it is
// listed, streamed in order to its end, shown with its layers, resources,
// steps and calls, and reported in every format; metrics count it.
func TestRunThroughTheAPI(t *testing.T) {
	t.Parallel()
	_, endpoint := startSim(t)
	e := newEnv(t, endpoint)
	id := e.startRun(payload(t, "1-planned-switchover.json"), "")
	var seqs []int64
	var end sse
	e.stream(id, 0, func(ev sse) bool {
		if ev.event == "journal" {
			seqs = append(seqs, ev.id)
			return true
		}
		end = ev
		return false
	})
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("stream seqs %v: not 1, 2, 3, ...", seqs)
		}
	}
	if end.event != "end" || !strings.Contains(end.data, `"status":"succeeded"`) || len(seqs) < 8 {
		t.Fatalf("stream ended with %+v after %d events", end, len(seqs))
	}
	v := e.run(id)
	if v.Status != journal.StatusSucceeded || v.State.LastSeq != int64(len(seqs)) {
		t.Fatalf("run %s, last seq %d (streamed %d)", v.Status, v.State.LastSeq, len(seqs))
	}
	res := v.State.Layers[0].Resources[0]
	if res.Status != journal.StatusSucceeded || len(res.Steps) == 0 || len(res.Steps[0].Calls) != 1 || res.Steps[0].Calls[0].Call.RequestID == "" {
		t.Errorf("resource: %+v", res)
	}
	if r := e.do("GET", "/api/v1/runs/"+id+"?events=true", aliceToken, nil); !strings.Contains(string(r.body), `"kind": "call.issued"`) {
		t.Error("?events=true shows no events")
	}
	var evs struct{ Events []journal.Event }
	e.do("GET", "/api/v1/runs/"+id+"/events?after=3", aliceToken, nil).json(t, &evs)
	if len(evs.Events) != len(seqs)-3 || evs.Events[0].Seq != 4 {
		t.Errorf("events after 3: %d, first %+v", len(evs.Events), evs.Events[0])
	}
	var list struct {
		Runs []struct{ ID, Status, Command string }
	}
	e.do("GET", "/api/v1/runs", aliceToken, nil).json(t, &list)
	if len(list.Runs) != 1 || list.Runs[0].ID != id || list.Runs[0].Status != "succeeded" || list.Runs[0].Command != "serve" {
		t.Errorf("list: %+v", list.Runs)
	}
	for f, ct := range map[string]string{"json": "application/json", "md": "text/markdown", "html": "text/html", "junit": "application/xml"} {
		r := e.do("GET", "/api/v1/runs/"+id+"/report?format="+f, aliceToken, nil)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), ct) || !strings.Contains(string(r.body), id) {
			t.Errorf("report %s: %d %s", f, r.status, r.header.Get("Content-Type"))
		}
	}
	// The user journaled is the token's name.
	if r := e.do("GET", "/api/v1/runs/"+id+"/report", aliceToken, nil); !strings.Contains(string(r.body), `"user": "api:alice"`) {
		t.Errorf("the report does not name the API user:\n%.600s", r.body)
	}
	metrics := string(e.do("GET", "/metrics", aliceToken, nil).body)
	for _, want := range []string{
		`drorch_runs_total{outcome="succeeded"} 1`,
		`drorch_aws_calls_total{action="SwitchoverGlobalCluster",outcome="ok",service="rds"} 1`,
		`drorch_aws_calls_total{action="DescribeGlobalClusters",outcome="ok",service="rds"}`,
		`drorch_step_duration_seconds_count{outcome="succeeded",step="switchover",type="PlannedFailoverAurora"} 1`,
		`drorch_runs_active 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	e.mu.Lock()
	if len(e.seen) != len(seqs) {
		t.Errorf("observers saw %d events, the journal has %d", len(e.seen), len(seqs))
	}
	e.mu.Unlock()
}

// A stream left and taken again with Last-Event-ID goes on after the last
// event received, in order, to the run's end.
func TestStreamResumes(t *testing.T) {
	t.Parallel()
	_, endpoint := startSim(t)
	e := newEnv(t, endpoint)
	id := e.startRun(gated("gate"), "")
	e.await(id, "waiting", func(v runView) bool { return len(v.Waiting) == 1 })
	var first []int64
	e.stream(id, 0, func(ev sse) bool {
		first = append(first, ev.id)
		return len(first) < 3
	})
	if len(first) != 3 || first[2] != 3 {
		t.Fatalf("first connection: %v", first)
	}
	if r := e.do("POST", "/api/v1/runs/"+id+"/approve", bobToken, map[string]string{"comment": "lag 0s"}); r.status != http.StatusOK {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	var again []int64
	var kinds []string
	e.stream(id, 3, func(ev sse) bool {
		if ev.event != "journal" {
			return false
		}
		var je journal.Event
		if err := json.Unmarshal([]byte(ev.data), &je); err != nil || je.Seq != ev.id {
			t.Fatalf("event %d: %v %+v", ev.id, err, je)
		}
		again = append(again, ev.id)
		kinds = append(kinds, string(je.Kind))
		return true
	})
	for i, s := range again {
		if s != int64(4+i) {
			t.Fatalf("after reconnecting: %v, want 4, 5, 6, ...", again)
		}
	}
	joined := strings.Join(kinds, " ")
	if !strings.Contains(joined, "approval.granted") || !strings.HasSuffix(joined, "run.finished") {
		t.Errorf("kinds after reconnecting: %s", joined)
	}
	// A stream of a finished run from its last event ends at once.
	n := 0
	e.stream(id, again[len(again)-1], func(ev sse) bool { n++; return ev.event == "journal" })
	if n != 1 {
		t.Errorf("stream of a finished run from its end: %d events", n)
	}
	if st := e.stream(id, 0, func(sse) bool { return false }); st != http.StatusOK {
		t.Errorf("stream status %d", st)
	}
	if st := e.stream("0000000000", 0, func(sse) bool { return false }); st != http.StatusNotFound {
		t.Errorf("stream of no run: %d", st)
	}
}

// Approvals through the API: each by the token's name; the wrong one, one
// not waiting, or none named when two wait, are refused with the reason.
func TestApproveAndReject(t *testing.T) {
	t.Parallel()
	_, endpoint := startSim(t)
	e := newEnv(t, endpoint)
	id := e.startRun(gated("DBA", "App <team>"), "")
	e.await(id, "two waiting", func(v runView) bool { return len(v.Waiting) == 2 })
	for _, tc := range []struct {
		path string
		body any
		want int
		says string
	}{
		{"/approve", nil, http.StatusBadRequest, `waits for 2 approvals: name one of 1.0 (\"DBA\"), 1.1 (\"App \u003cteam\u003e\")`},
		{"/approve", map[string]string{"resource": "nope"}, http.StatusNotFound, "no resource named"},
		{"/approve", map[string]string{"resource": "2.0"}, http.StatusConflict, "is a PlannedFailoverAurora, not a ManualApproval"},
		{"/reject", map[string]string{"resource": "Switchover of the orders database"}, http.StatusConflict, "not a ManualApproval"},
	} {
		r := e.do("POST", "/api/v1/runs/"+id+tc.path, aliceToken, tc.body)
		if r.status != tc.want || !strings.Contains(string(r.body), tc.says) {
			t.Errorf("%s %v: %d %s", tc.path, tc.body, r.status, r.body)
		}
	}
	if r := e.do("POST", "/api/v1/runs/"+id+"/approve", aliceToken, map[string]string{"resource": "dba", "comment": "ok"}); r.status != http.StatusOK || !strings.Contains(string(r.body), `"by": "alice"`) {
		t.Fatalf("approve DBA: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/runs/"+id+"/approve", bobToken, map[string]string{"resource": "DBA"}); r.status != http.StatusConflict || !strings.Contains(string(r.body), "already approved by alice") {
		t.Errorf("second approve: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/runs/"+id+"/reject", bobToken, map[string]string{"comment": "lag is 40 minutes"}); r.status != http.StatusOK {
		t.Fatalf("reject: %d %s", r.status, r.body)
	}
	v := e.await(id, "the end", func(v runView) bool { return v.Status.Terminal() })
	if v.Status != journal.StatusFailed || v.State.Layers[1].Status != journal.StatusPending {
		t.Errorf("run %s, layer 2 %s", v.Status, v.State.Layers[1].Status)
	}
	app := v.State.Layers[0].Resources[1]
	if d, ok := app.Decision(); !ok || d.By != "bob" || d.Decision != journal.Rejected || !strings.Contains(app.Error, "rejected by bob") {
		t.Errorf("App team: %+v, %s", app.Approvals, app.Error)
	}
	rep := string(e.do("GET", "/api/v1/runs/"+id+"/report?format=md", aliceToken, nil).body)
	if !strings.Contains(rep, "## Approvals") || !strings.Contains(rep, "alice") || !strings.Contains(rep, "lag is 40 minutes") {
		t.Errorf("the report lacks the approvals:\n%s", rep)
	}
	if r := e.do("POST", "/api/v1/runs/"+id+"/approve", aliceToken, nil); r.status != http.StatusConflict || !strings.Contains(string(r.body), "already failed") {
		t.Errorf("approve of a finished run: %d %s", r.status, r.body)
	}
}

// A second run on databases a first one holds is refused (409) with the
// holder's name and the way out, as drorch run refuses it; an AWS region
// that cannot be reached is a 502.
func TestBusyAndUnreachable(t *testing.T) {
	t.Parallel()
	s, endpoint := startSim(t)
	e := newEnv(t, endpoint)
	id := e.startRun(gated("gate"), "holder-run")
	e.await(id, "waiting", func(v runView) bool { return len(v.Waiting) == 1 })
	r := e.do("POST", "/api/v1/runs", aliceToken, map[string]any{"payload": payload(t, "1-planned-switchover.json")})
	if r.status != http.StatusConflict || !strings.Contains(r.errorText(t), "is held by unfinished run holder-run") {
		t.Errorf("second run: %d %s", r.status, r.body)
	}
	if _, err := s.SetFault(simOutage("us-west-2")); err != nil {
		t.Fatal(err)
	}
	r = e.do("POST", "/api/v1/plan", aliceToken, map[string]any{"payload": payload(t, "1-planned-switchover.json")})
	if r.status != http.StatusBadGateway || !strings.Contains(r.errorText(t), "us-west-2") {
		t.Errorf("plan with the home region down: %d %s", r.status, r.body)
	}
}

// Cancel through the API ends a waiting run for good; a second cancel and
// a resume of it are refused.
func TestCancel(t *testing.T) {
	t.Parallel()
	_, endpoint := startSim(t)
	e := newEnv(t, endpoint)
	id := e.startRun(gated("gate"), "")
	e.await(id, "waiting", func(v runView) bool { return len(v.Waiting) == 1 })
	if r := e.do("POST", "/api/v1/runs/"+id+"/cancel", bobToken, nil); r.status != http.StatusAccepted || !strings.Contains(string(r.body), `"requested": true`) {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	v := e.await(id, "cancelled", func(v runView) bool { return v.Status.Terminal() })
	if v.Status != journal.StatusCancelled || v.State.CancelledBy != "api:bob" {
		t.Errorf("run %s, cancelled by %q", v.Status, v.State.CancelledBy)
	}
	for _, p := range []string{"/cancel", "/resume"} {
		if r := e.do("POST", "/api/v1/runs/"+id+p, aliceToken, nil); r.status != http.StatusConflict || !strings.Contains(string(r.body), "already cancelled") {
			t.Errorf("%s of a cancelled run: %d %s", p, r.status, r.body)
		}
	}
	if r := e.do("POST", "/api/v1/runs/"+id+"/cancel", aliceToken, `{"x":1}`); r.status != http.StatusBadRequest {
		t.Errorf("cancel with a body: %d %s", r.status, r.body)
	}
}

// A stopped drorch serve leaves its run interrupted with its resume
// action; a new one resumes it through the API (or at start, with
// Config.Resume), and the run ends as if nothing happened.
func TestRestart(t *testing.T) {
	t.Parallel()
	_, endpoint := startSim(t)
	for _, auto := range []bool{false, true} {
		name := "resume through the API"
		if auto {
			name = "resumed at start"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, endpoint)
			id := e.startRun(gated("gate"), "")
			e.await(id, "waiting", func(v runView) bool { return len(v.Waiting) == 1 })
			e.stop() // drorch serve stops: SIGTERM
			e.start(envOpts{resume: auto})
			if !auto {
				v := e.run(id)
				if v.Status != journal.StatusInterrupted || v.Resume == nil || v.Resume.CLI != "drorch resume "+id || !v.State.Interrupted {
					t.Fatalf("after the restart: %s, resume %+v", v.Status, v.Resume)
				}
				if r := e.do("POST", "/api/v1/runs/"+id+"/resume", aliceToken, nil); r.status != http.StatusAccepted {
					t.Fatalf("resume: %d %s", r.status, r.body)
				}
				if r := e.do("POST", "/api/v1/runs/"+id+"/resume", aliceToken, nil); r.status != http.StatusConflict {
					t.Errorf("second resume: %d %s", r.status, r.body)
				}
			}
			e.await(id, "waiting again", func(v runView) bool { return v.Status == journal.StatusRunning && len(v.Waiting) == 1 })
			if r := e.do("POST", "/api/v1/runs/"+id+"/approve", aliceToken, nil); r.status != http.StatusOK {
				t.Fatalf("approve: %d %s", r.status, r.body)
			}
			v := e.await(id, "the end", func(v runView) bool { return v.Status.Terminal() })
			if v.Status != journal.StatusSucceeded || v.State.Resumes != 1 {
				t.Errorf("run %s after %d resumes", v.Status, v.State.Resumes)
			}
		})
	}
}

// Names from payloads and AWS render as text in the UI's fragments: no
// element, no raw escape sequence.
func TestFragmentsEscape(t *testing.T) {
	t.Parallel()
	_, endpoint := startSim(t)
	e := newEnv(t, endpoint)
	hostile := "db\x1b[2J<script>alert(1)</script>\"'&"
	id := e.startRun(gated(hostile), "")
	e.await(id, "waiting", func(v runView) bool { return len(v.Waiting) == 1 })
	for _, p := range []string{"/ui/f/runs", "/ui/f/runs/" + id} {
		r := e.do("GET", p, aliceToken, nil)
		body := string(r.body)
		if r.status != http.StatusOK || strings.Contains(body, "<script>") || strings.Contains(body, "\x1b") {
			t.Errorf("%s: %d, raw markup or escape sequence:\n%.3000s", p, r.status, body)
		}
	}
	run := string(e.do("GET", "/ui/f/runs/"+id, aliceToken, nil).body)
	if !strings.Contains(run, `db\x1b[2J&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&amp;`) {
		t.Errorf("the name is not shown as text:\n%.4000s", run)
	}
	if !regexp.MustCompile(`<form class="approval" data-target="1.0">`).MatchString(run) || !strings.Contains(run, `<svg`) {
		t.Errorf("no approval form or no timeline:\n%.3000s", run)
	}
	plan := e.do("POST", "/ui/f/plan", aliceToken, map[string]any{"payload": gated(hostile)})
	if plan.status != http.StatusOK || strings.Contains(string(plan.body), "<script>") || !strings.Contains(string(plan.body), `data-action="start"`) {
		t.Errorf("plan fragment: %d\n%.3000s", plan.status, plan.body)
	}
}
