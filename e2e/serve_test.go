package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"drorch/journal"
)

const serveToken = "e2e-0123456789abcdef"

// serveAPI is a drorch serve process and its address.
type serveAPI struct {
	t    *testing.T
	p    *proc
	base string
}

// startServe starts drorch serve on a free loopback port and waits until it
// listens.
func (w *world) startServe(tokens string) *serveAPI {
	w.t.Helper()
	p := w.startWatching("listening on", append([]string{"serve", "--region", "us-west-2", "--listen", "127.0.0.1:0", "--token-file", tokens}, pollFlags...)...)
	select {
	case <-p.stderr.seen:
	case <-p.done:
		w.t.Fatalf("drorch serve ended:\n%s", p.res)
	case <-time.After(30 * time.Second):
		w.t.Fatalf("drorch serve did not listen:\n%s", p.stderr)
	}
	m := regexp.MustCompile(`listening on (http://\S+) `).FindStringSubmatch(p.stderr.String())
	if m == nil {
		w.t.Fatalf("no address in:\n%s", p.stderr)
	}
	return &serveAPI{t: w.t, p: p, base: m[1]}
}

func (s *serveAPI) call(method, path, body string) (int, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+serveToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type apiRun struct {
	Status  journal.Status    `json:"status"`
	Waiting []json.RawMessage `json:"waiting"`
	State   journal.RunState  `json:"state"`
}

func (s *serveAPI) await(id, what string, ok func(apiRun) bool) apiRun {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, b := s.call("GET", "/api/v1/runs/"+id, "")
		var r apiRun
		if code == http.StatusOK && json.Unmarshal(b, &r) == nil && ok(r) {
			return r
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("run %s: %s did not happen: %d %s", id, what, code, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// drorch serve is SIGKILLed while a run it started waits for an approval:
// the run is left as the journal had it; a new drorch serve takes it over at
// once (its owner is gone) and resumes it; approved through the new server,
// it ends with the switchover made exactly once.
func TestServeKilledDuringARun(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldConfig{speed: 200})
	tokens := w.payload("tokens", "ops:"+serveToken+"\n")
	gated := `{"StatePayload": [
 {"layer": 1, "resources": [{"resourceType": "ManualApproval", "resourceName": "Go?", "parameters": {}}]},
 {"layer": 2, "resources": [{"resourceType": "PlannedFailoverAurora", "resourceName": "Switchover",
  "parameters": {"GlobalClusterIdentifier": "!Import dr-globaldb-cluster-mysql-global-identifier",
   "DBClusterIdentifier": "!Import dr-globaldb-cluster-mysql-cluster-identifier"}}]}]}`
	body, _ := json.Marshal(map[string]string{"payload": gated, "runId": "killed-serve"})

	first := w.startServe(tokens)
	if code, b := first.call("POST", "/api/v1/runs", string(body)); code != http.StatusAccepted {
		t.Fatalf("start: %d %s", code, b)
	}
	first.await("killed-serve", "waiting", func(r apiRun) bool { return len(r.Waiting) == 1 })
	first.p.kill()

	second := w.startServe(tokens)
	r := second.await("killed-serve", "resumed and waiting", func(r apiRun) bool {
		return r.Status == journal.StatusRunning && r.State.Resumes == 1 && len(r.Waiting) == 1
	})
	if r.State.Interrupted {
		t.Errorf("the resumed run still reads interrupted")
	}
	if code, b := second.call("POST", "/api/v1/runs/killed-serve/approve", `{"comment": "after the restart"}`); code != http.StatusOK || !strings.Contains(string(b), `"by": "ops"`) {
		t.Fatalf("approve: %d %s", code, b)
	}
	second.await("killed-serve", "succeeded", func(r apiRun) bool { return r.Status == journal.StatusSucceeded })
	var made []string
	for _, c := range w.sim.MutatingCalls() {
		made = append(made, c.Action)
	}
	if strings.Join(made, ",") != "SwitchoverGlobalCluster" {
		t.Errorf("mutating calls: %v, want one switchover", made)
	}
}
