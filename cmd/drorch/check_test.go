package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/internal/clock"
	"drorch/sim"
)

// startClockedSim serves a simulator on sc (nil: the seed scenario) whose
// virtual time stands still until the test advances it. It starts a few
// minutes before the wall clock drorch runs on, so that the replication
// lag CloudWatch holds for it falls in the window drorch reads (the last
// ten minutes), and the test can advance it past a lag fault without any
// real wait.
func startClockedSim(t *testing.T, sc *sim.Scenario, ago time.Duration) (*sim.Sim, *clock.Fake, string) {
	t.Helper()
	clk := clock.NewFake(time.Now().UTC().Truncate(time.Minute).Add(-ago))
	s, err := sim.New(sim.Config{Scenario: sc, Clock: clk})
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		s.Close()
		cancel()
		<-served
	})
	return s, clk, "http://" + ln.Addr().String()
}

// withoutSimTime serves endpoint through a proxy that drops the
// simulator's time headers, as real AWS sends none: drorch then times
// everything on its own wall clock, and a simulator clock set in the past
// stands for CloudWatch data that stopped arriving.
func withoutSimTime(t *testing.T, endpoint string) string {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatalf("parse %s: %v", endpoint, err)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.ModifyResponse = func(r *http.Response) error {
		r.Header.Del(sim.TimeHeader)
		r.Header.Del(sim.SpeedHeader)
		return nil
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv.URL
}

// wantCheck fails the test unless r exited with code and its output names
// every one of want.
func wantCheck(t *testing.T, r result, code int, want ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d\n%s", code, r)
	}
	for _, w := range want {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("output does not say %q\n%s", w, r)
		}
	}
}

// The seed world is ready to fail over, payload by payload, with a pass for
// every check, and check changes nothing.
func TestCheckSeedIsReady(t *testing.T) {
	t.Parallel()
	s, _, endpoint := startClockedSim(t, nil, 5*time.Minute)
	c := newCLI(t, endpoint, "us-west-2")
	for _, name := range readmePlans {
		r := c.run("check", seedPayload(name+".json"))
		wantCheck(t, r, exitOK, "READY (", " 0 failed): a failover would work now.")
		for _, check := range []string{"references", "exists", "health", "lag", "parity", "permissions", "plan"} {
			if !strings.Contains(r.stdout, "pass     "+check) {
				t.Errorf("%s: no pass for %s\n%s", name, check, r)
			}
		}
		if strings.Contains(r.stdout, "FAILURE") || strings.Contains(r.stdout, "warning ") {
			t.Errorf("%s: a finding that is not a pass\n%s", name, r)
		}
	}
	// The shared exports are compared with the other region's.
	r := c.run("check", seedPayload("2-unplanned-failover.json"))
	wantCheck(t, r, exitOK, "1 shared value agrees with the exports of us-east-1")
	noMutations(t, s, "check")
}

// Each drift that would make the failover fail makes check exit 1, with
// the finding named and its fix.
func TestCheckFindsDrift(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload string
		world   func(*sim.Scenario)
		act     func(t *testing.T, s *sim.Sim, clk *clock.Fake, c *cli)
		want    []string
	}{
		{name: "an export removed", payload: "2-unplanned-failover.json",
			world: func(sc *sim.Scenario) {
				delete(sc.Exports["us-west-2"], "dr-globaldb-cluster-mysql-cluster-identifier")
			},
			want: []string{"FAILURE  references", "DBClusterIdentifier: !Import dr-globaldb-cluster-mysql-cluster-identifier: no such CloudFormation export in us-west-2",
				"fix: did you mean"}},
		{name: "an export that disagrees across regions", payload: "1-planned-switchover.json",
			world: func(sc *sim.Scenario) {
				sc.Exports["us-east-1"]["dr-globaldb-cluster-mysql-global-identifier"] = "dr-globaldb-cluster-old"
			},
			want: []string{"FAILURE  references", `GlobalClusterIdentifier is "dr-globaldb-cluster-mysql" in us-west-2 but "dr-globaldb-cluster-old" in us-east-1`,
				"fix: make !Import dr-globaldb-cluster-mysql-global-identifier give the same value in both regions"}},
		{name: "a secondary detached", payload: "1-planned-switchover.json",
			world: func(sc *sim.Scenario) { sc.Clusters[1].GlobalCluster = "" },
			want: []string{"FAILURE  health", "DB cluster dbcluster-02 (us-west-2) is not a member of any global cluster",
				"fix: rebuild the secondary (a CreateAuroraSecondaryDBCluster payload)"}},
		{name: "lag above the threshold", payload: "2-unplanned-failover.json",
			act: func(t *testing.T, s *sim.Sim, clk *clock.Fake, c *cli) {
				if r := c.run("sim", "fault", "lag", "--seconds", "30"); r.code != 0 {
					t.Fatalf("set the lag fault\n%s", r)
				}
				clk.Advance(2 * time.Minute)
			},
			want: []string{"FAILURE  lag", "replication lag of dbcluster-02 is ", " s (AuroraGlobalDBRPOLag at", "above 1s: a failover now would lose about that much"}},
		{name: "a smaller instance class in the DR region", payload: "1-planned-switchover.json",
			world: func(sc *sim.Scenario) { sc.Clusters[0].Instances[0].Class = "db.r5.2xlarge" },
			want: []string{"FAILURE  parity", "dbcluster-02 (us-west-2) runs db.r5.large, smaller than the primary's db.r5.2xlarge",
				"fix: modify dbcluster-02 (us-west-2) to db.r5.2xlarge"}},
		{name: "a role missing rds:SwitchoverGlobalCluster", payload: "1-planned-switchover.json",
			act: func(t *testing.T, s *sim.Sim, _ *clock.Fake, _ *cli) {
				if err := s.SetCaller("arn:aws:iam::123456789012:role/drorch-no-switchover"); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"FAILURE  permissions", "the caller may not rds:SwitchoverGlobalCluster on arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02 (implicitDeny)",
				"fix: grant rds:SwitchoverGlobalCluster"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := sim.SeedScenario()
			if tc.world != nil {
				tc.world(sc)
			}
			s, clk, endpoint := startClockedSim(t, sc, 5*time.Minute)
			c := newCLI(t, endpoint, "us-west-2")
			if tc.act != nil {
				tc.act(t, s, clk, c)
			}
			r := c.run("check", seedPayload(tc.payload))
			wantCheck(t, r, exitFailed, append(tc.want, "NOT READY (", "a failover would not work now")...)
			if !strings.Contains(r.stderr, "not ready") {
				t.Errorf("stderr does not say not ready\n%s", r)
			}
			js := c.run("check", "-o", "json", seedPayload(tc.payload))
			var res struct {
				Ready     bool
				Status    string
				Resources []struct {
					Status   string
					Findings []struct{ Check, Status, Message, Fix string }
				}
			}
			if err := json.Unmarshal([]byte(js.stdout), &res); err != nil || js.code != exitFailed {
				t.Fatalf("check -o json: %v\n%s", err, js)
			}
			if res.Ready || res.Status != "failure" || res.Resources[0].Status != "failure" {
				t.Errorf("JSON result: %+v", res)
			}
			for _, f := range res.Resources[0].Findings {
				if f.Status == "failure" && f.Fix == "" {
					t.Errorf("failure without a fix: %+v", f)
				}
			}
			noMutations(t, s, "check")
		})
	}
}

// The lag threshold is the payload's maxReplicationLag, else --max-lag.
func TestCheckLagThresholds(t *testing.T) {
	t.Parallel()
	_, clk, endpoint := startClockedSim(t, nil, 5*time.Minute)
	c := newCLI(t, endpoint, "us-west-2")
	if r := c.run("sim", "fault", "lag", "--seconds", "30"); r.code != 0 {
		t.Fatalf("set the lag fault\n%s", r)
	}
	clk.Advance(2 * time.Minute)
	wantCheck(t, c.run("check", "--max-lag", "1m", seedPayload("2-unplanned-failover.json")), exitOK, "pass     lag", "within 1m0s")
	lenient := strings.Replace(string(readFile(t, seedPayload("2-unplanned-failover.json"))),
		`"resourceName":`, `"maxReplicationLag": "45s", "resourceName":`, 1)
	wantCheck(t, c.run("check", writeFile(t, "lenient.json", []byte(lenient))), exitOK, "within 45s")
	strict := strings.Replace(lenient, `"45s"`, `"10s"`, 1)
	wantCheck(t, c.run("check", "--max-lag", "1m", writeFile(t, "strict.json", []byte(strict))), exitFailed, "above 10s")
}

func TestCheckBadInput(t *testing.T) {
	t.Parallel()
	_, _, endpoint := startClockedSim(t, nil, 5*time.Minute)
	c := newCLI(t, endpoint, "us-west-2")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--max-lag", "0s", seedPayload("2-unplanned-failover.json")}, "--max-lag 0s: write a positive duration"},
		{[]string{"check", "--notify-sns", "not-an-arn", seedPayload("2-unplanned-failover.json")}, "give an SNS topic ARN"},
		{[]string{"check", "--notify-webhook", "ftp://x", seedPayload("2-unplanned-failover.json")}, "give an http:// or https:// URL"},
		{[]string{"check", writeFile(t, "bad.json", []byte(`{"StatePayload": [{"layer": 1, "resources": [{"resourceType": "PlannedFailoverAurora", "resourceName": "x", "maxReplicationLag": "soon"}]}]}`))}, `"soon" is not a duration`},
	} {
		r := c.run(tc.args...)
		if r.code != exitBadInput || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("want exit 2 and %q\n%s", tc.want, r)
		}
	}
}

// check --every logs one line per evaluation and tells the webhook (named by
// the environment, as a URL with a token should be) when readiness changes.
func TestCheckEveryNotifiesAWebhook(t *testing.T) {
	t.Parallel()
	s, _, endpoint := startClockedSim(t, nil, 5*time.Minute)
	if err := s.SetCaller("arn:aws:iam::123456789012:role/drorch-no-switchover"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	texts := make(chan string, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Text string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		texts <- body.Text
	}))
	defer hook.Close()
	// One evaluation is enough: its log line ends the schedule.
	out := &lineWriter{onLine: cancel}
	var errb strings.Builder
	env := map[string]string{webhookEnv: hook.URL + "/T0/SECRET"}
	code := run(ctx, []string{"--endpoint-url", endpoint, "--region", "us-west-2", "--state", t.TempDir() + "/j.db",
		"check", "--every", "1h", seedPayload("1-planned-switchover.json")}, strings.NewReader(""), out, &errb, func(k string) string { return env[k] })
	if code != exitFailed {
		t.Fatalf("exit %d, want 1 (the last evaluation was not ready)\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "check ../../examples/seed/1-planned-switchover.json in us-west-2: NOT READY (") ||
		!strings.Contains(lines[0], "[permissions] layer 1") || !strings.HasSuffix(lines[0], "; notified") {
		t.Errorf("want one log line per evaluation:\n%s", out.String())
	}
	text := <-texts
	if !strings.HasPrefix(text, "drorch: failover NOT READY: ../../examples/seed/1-planned-switchover.json in us-west-2\n") ||
		!strings.Contains(text, "the caller may not rds:SwitchoverGlobalCluster") {
		t.Errorf("webhook text:\n%s", text)
	}
	if strings.Contains(out.String()+errb.String(), "SECRET") {
		t.Errorf("the webhook URL was shown:\n%s\n%s", out.String(), errb.String())
	}
}

// lineWriter keeps what is written and calls onLine after the first line.
type lineWriter struct {
	mu     sync.Mutex
	b      strings.Builder
	onLine func()
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if w.onLine != nil && strings.Contains(w.b.String(), "\n") {
		w.onLine()
		w.onLine = nil
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
