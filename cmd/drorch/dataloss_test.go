package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"drorch/journal"
	"drorch/sim"
)

// wireLog records the requests that reach the endpoint behind it (the
// simulator, or moto), so that a test can count calls and read the
// arguments AWS would have received: the form of a Query-protocol request,
// the action alone of a JSON-protocol one.
type wireLog struct {
	next http.Handler
	mu   sync.Mutex
	reqs []url.Values
}

func (w *wireLog) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, err := url.ParseQuery(string(body))
	if target := r.Header.Get("X-Amz-Target"); target != "" { // JSON protocol (SSM)
		_, action, _ := strings.Cut(target, ".")
		form, err = url.Values{"Action": {action}}, nil
	}
	// The region is the SigV4 credential scope's: .../<date>/<region>/<service>/aws4_request.
	if _, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok && err == nil {
		if scope := strings.Split(strings.SplitN(cred, ",", 2)[0], "/"); len(scope) == 5 {
			form.Set("X-Region", scope[2])
		}
	}
	if err == nil && form.Get("Action") != "" {
		w.mu.Lock()
		w.reqs = append(w.reqs, form)
		w.mu.Unlock()
	}
	w.next.ServeHTTP(rw, r)
}

// since returns the requests recorded after the first n.
func (w *wireLog) since(n int) []url.Values {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]url.Values(nil), w.reqs[n:]...)
}

// count is the number of requests recorded so far.
func (w *wireLog) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.reqs)
}

// actions returns the recorded requests for one action.
func (w *wireLog) actions(action string) []url.Values {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []url.Values
	for _, f := range w.reqs {
		if f.Get("Action") == action {
			out = append(out, f)
		}
	}
	return out
}

// startWiredSim is startTestSim behind a wireLog.
func startWiredSim(t *testing.T) (*sim.Sim, *wireLog, string) {
	t.Helper()
	s, err := sim.New(sim.Config{Speed: 200})
	if err != nil {
		t.Fatal(err)
	}
	w := &wireLog{next: s}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close) // runs first
	return s, w, srv.URL
}

const managedPayload = `{"StatePayload": [{"layer": 1, "resources": [{
  "resourceType": "ManagedFailoverAurora",
  "resourceName": "Managed failover of the MySQL global database",
  "parameters": {
    "GlobalClusterIdentifier": "!Import dr-globaldb-cluster-mysql-global-identifier",
    "DBClusterIdentifier": "!Import dr-globaldb-cluster-mysql-cluster-identifier"
  }}]}]}`

const managedLiteral = `{"StatePayload": [{"layer": 1, "resources": [{
  "resourceType": "ManagedFailoverAurora",
  "resourceName": "Managed failover of the MySQL global database",
  "parameters": {
    "GlobalClusterIdentifier": "dr-globaldb-cluster-mysql",
    "DBClusterIdentifier": "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"
  }}]}]}`

// A failover that may lose writes runs only when the operator says so.
func TestManagedFailoverNeedsAllowDataLoss(t *testing.T) {
	t.Parallel()
	s, wire, endpoint := startWiredSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	path := writeFile(t, "managed.json", []byte(managedPayload))
	literal := writeFile(t, "managed-literal.json", []byte(managedLiteral))
	const refusal = `layer 1, resource 0 ("Managed failover of the MySQL global database"): ManagedFailoverAurora may lose the writes not yet replicated; pass --allow-data-loss to acknowledge`

	for _, args := range [][]string{
		{"validate", literal},
		{"plan", path},
		{"iam-policy", path},
		append(append([]string{"run", "--yes"}, fastPoll...), path),
	} {
		r := d.run(args...)
		if r.code != exitBadInput || !strings.Contains(r.stderr, refusal) {
			t.Errorf("without --allow-data-loss: want exit 2 and %q\n%s", refusal, r)
		}
	}
	noMutations(t, s, "ManagedFailoverAurora without --allow-data-loss")
	if v := d.run("validate", "--allow-data-loss", literal); v.code != 0 {
		t.Errorf("validate --allow-data-loss: want exit 0\n%s", v)
	}

	r := d.run(append(append([]string{"run", "--yes", "--allow-data-loss"}, fastPoll...), path)...)
	if r.code != 0 {
		t.Fatalf("run --allow-data-loss: want exit 0\n%s", r)
	}
	if got := strings.Join(mutations(s), "; "); got != "FailoverGlobalCluster us-west-2 200" {
		t.Fatalf("mutating calls = %s, want one FailoverGlobalCluster in us-west-2", got)
	}
	reqs := wire.actions("FailoverGlobalCluster")
	if len(reqs) != 1 || reqs[0].Get("AllowDataLoss") != "true" || reqs[0].Get("Switchover") == "true" ||
		reqs[0].Get("TargetDbClusterIdentifier") != "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02" {
		t.Errorf("FailoverGlobalCluster requests = %v, want one with AllowDataLoss=true to dbcluster-02", reqs)
	}
	if n := len(wire.actions("SwitchoverGlobalCluster")); n != 0 {
		t.Errorf("%d switchovers made instead of the data-loss failover", n)
	}

	sr := showJSON(t, d, runID(t, r))
	cs := calls(sr)
	if !sr.Run.AllowDataLoss || len(cs) != 1 || cs[0].Action != "FailoverGlobalCluster" ||
		cs[0].Args["AllowDataLoss"] != "true" || cs[0].Status != string(journal.CallStatusIssued) {
		t.Errorf("journal: allowDataLoss %v, calls %+v; want the acknowledgement and one FailoverGlobalCluster with AllowDataLoss=true", sr.Run.AllowDataLoss, cs)
	}
	if txt := d.run("show", sr.Run.ID); !strings.Contains(txt.stdout, "data loss allowed") {
		t.Errorf("show does not say that data loss was allowed\n%s", txt)
	}
	gc, _ := s.State().GlobalCluster("dr-globaldb-cluster-mysql")
	if w, ok := writer(gc); !ok || !strings.HasSuffix(w, ":cluster:dbcluster-02") || gc.Status != "available" {
		t.Errorf("after the failover: writer %q, status %s", w, gc.Status)
	}
}

func writer(gc sim.GlobalCluster) (string, bool) {
	for _, m := range gc.Members {
		if m.IsWriter {
			return m.ClusterARN, true
		}
	}
	return "", false
}
