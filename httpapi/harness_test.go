package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"drorch/awsapi"
	"drorch/engine"
	"drorch/httpapi"
	"drorch/internal/clock"
	"drorch/journal"
	"drorch/journal/sqlitestore"
	"drorch/lock"
	"drorch/lock/dynamolock"
	"drorch/resource/all"
	"drorch/runner"
	"drorch/sim"
)

// Tokens of the test servers: alice's and bob's.
const (
	aliceToken = "alice-0123456789abcdef"
	bobToken   = "bob-fedcba9876543210ab"
)

var updateGolden = os.Getenv("DRORCH_UPDATE_GOLDEN") == "1"

// startSim serves a fresh seed-scenario simulator on loopback. Speed 200: a
// 60 s switchover takes 0.3 s.
func startSim(t testing.TB) (*sim.Sim, string) {
	t.Helper()
	return startSimOn(t, nil)
}

// startSimOn serves a simulator of sc (nil: the seed scenario).
func startSimOn(t testing.TB, sc *sim.Scenario) (*sim.Sim, string) {
	t.Helper()
	s, err := sim.New(sim.Config{Speed: 200, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close)
	return s, srv.URL
}

// env is a drorch serve on a real loopback listener, over a simulator and
// a SQLite journal that outlives the server (a restart opens it again).
type env struct {
	t        testing.TB
	endpoint string // the simulator
	journal  string
	store    *sqlitestore.Store
	srv      *httpapi.Server
	http     *httptest.Server
	url      string
	metrics  *httpapi.Metrics

	mu   sync.Mutex
	seen []journal.Event // what the observers saw
	// at is when each event was journaled (observed), by run and seq.
	at map[string]time.Time
}

type envOpts struct {
	resume bool
	// lockTable names the DynamoDB table of the shared lock ("" for
	// none).
	lockTable string
}

func newEnv(t testing.TB, endpoint string) *env {
	t.Helper()
	return newEnvWith(t, endpoint, envOpts{})
}

// newEnvWith is newEnv with options.
func newEnvWith(t testing.TB, endpoint string, o envOpts) *env {
	t.Helper()
	e := &env{t: t, endpoint: endpoint, journal: filepath.Join(t.TempDir(), "journal.db")}
	e.start(o)
	return e
}

// start opens the journal and serves it.
func (e *env) start(o envOpts) {
	t := e.t
	t.Helper()
	store, err := sqlitestore.Open(context.Background(), e.journal, sqlitestore.Create)
	if err != nil {
		t.Fatal(err)
	}
	e.store = store
	tokens, err := httpapi.ParseTokens(strings.NewReader("alice:" + aliceToken + "\nbob:" + bobToken + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	e.metrics = httpapi.NewMetrics(store)
	srv, err := httpapi.New(httpapi.Config{
		Store: store, Registry: all.Registry(), Connect: e.connect, Region: "us-west-2", Clock: clock.Real(),
		Process: journal.NewProcess("test"), Tokens: tokens, Metrics: e.metrics, Resume: o.resume, Version: "test",
		Engine:     engine.Settings{FirstPoll: 10 * time.Millisecond, MaxPoll: 50 * time.Millisecond, Heartbeat: 100 * time.Millisecond},
		Observers:  []func(journal.Event){e.observe},
		SharedLock: e.sharedLock(o.lockTable, store),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.http = httptest.NewServer(srv)
	e.url = e.http.URL
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.stop)
}

// stop interrupts the server's runs and closes it and its journal.
func (e *env) stop() {
	if e.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		e.t.Errorf("shutdown: %v", err)
	}
	e.http.Close()
	e.store.Close()
	e.srv = nil
}

func (e *env) observe(ev journal.Event) {
	now := time.Now()
	e.mu.Lock()
	e.seen = append(e.seen, ev)
	if e.at == nil {
		e.at = map[string]time.Time{}
	}
	e.at[fmt.Sprintf("%s/%d", ev.RunID, ev.Seq)] = now
	e.mu.Unlock()
}

func (e *env) connect(ctx context.Context, region string) (runner.Cloud, error) {
	c, err := awsapi.New(ctx, awsapi.Config{Region: region, EndpointURL: e.endpoint, MaxBackoff: time.Millisecond,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		}),
		OnCall: func(ci awsapi.CallInfo) { e.metrics.AWSCall(ci.Service, ci.Action, ci.Duration, ci.Err) }})
	if err != nil {
		return runner.Cloud{}, err
	}
	reads, refs := c.Reads(), c.Refs()
	return runner.Cloud{Region: c.Region(), Reader: reads, Batch: reads, Executor: c.Calls(), Identity: c.Identity(), Exports: refs, Params: refs}, nil
}

// sharedLock is the shared lock of table on the simulator's DynamoDB, as
// drorch serve --lock-table builds it (nil for no table).
func (e *env) sharedLock(table string, store journal.Store) func(ctx context.Context, region, owner string) (*runner.SharedLock, error) {
	if table == "" {
		return nil
	}
	return func(ctx context.Context, region, owner string) (*runner.SharedLock, error) {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region),
			config.WithCredentialsProvider(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
			})))
		if err != nil {
			return nil, err
		}
		db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(e.endpoint) })
		return &runner.SharedLock{Locker: lock.New(dynamolock.New(db, table), lock.Settings{}), Journal: store, Owner: owner}, nil
	}
}

// reply is one answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer %d is not JSON: %v\n%s", r.status, err, r.body)
	}
}

// errorText is the error message of a JSON error answer.
func (r reply) errorText(t testing.TB) string {
	t.Helper()
	var e struct {
		Error  string `json:"error"`
		Status int    `json:"status"`
	}
	r.json(t, &e)
	if e.Status != r.status || e.Error == "" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("error answer %d: %s (%s)", r.status, r.body, r.header.Get("Content-Type"))
	}
	return e.Error
}

// do makes a request with token ("" for none); body is JSON-encoded
// unless it is a string or []byte.
func (e *env) do(method, path, token string, body any) reply {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// payload is a README payload's text.
func payload(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", "seed", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// gated is a payload whose first layer waits for approvals, then a
// switchover.
func gated(names ...string) string {
	var res []string
	for _, n := range names {
		q, _ := json.Marshal(n)
		res = append(res, fmt.Sprintf(`{"resourceType": "ManualApproval", "resourceName": %s, "parameters": {"Message": "check the replication lag"}}`, q))
	}
	return `{"StatePayload": [{"layer": 1, "resources": [` + strings.Join(res, ",") + `]},
 {"layer": 2, "resources": [{"resourceType": "PlannedFailoverAurora", "resourceName": "Switchover of the orders database",
  "parameters": {"GlobalClusterIdentifier": "!Import dr-globaldb-cluster-mysql-global-identifier",
   "DBClusterIdentifier": "!Import dr-globaldb-cluster-mysql-cluster-identifier"}}]}]}`
}

// startRun starts a run of text as alice and returns its id.
func (e *env) startRun(text, id string) string {
	e.t.Helper()
	r := e.do("POST", "/api/v1/runs", aliceToken, map[string]any{"payload": text, "name": "test.json", "runId": id})
	if r.status != http.StatusAccepted {
		e.t.Fatalf("start: %d %s", r.status, r.body)
	}
	var out struct{ ID string }
	r.json(e.t, &out)
	return out.ID
}

// runView is what GET /api/v1/runs/{id} answers.
type runView struct {
	ID      string           `json:"id"`
	Status  journal.Status   `json:"status"`
	Waiting []runner.Waiting `json:"waiting"`
	Resume  *struct{ API, CLI string }
	State   *journal.RunState `json:"state"`
	Events  []journal.Event   `json:"events"`
}

func (e *env) run(id string) runView {
	e.t.Helper()
	r := e.do("GET", "/api/v1/runs/"+id, aliceToken, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("show %s: %d %s", id, r.status, r.body)
	}
	var v runView
	r.json(e.t, &v)
	return v
}

// await polls the run until ok holds (the API, as a client would).
func (e *env) await(id, what string, ok func(runView) bool) runView {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		v := e.run(id)
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("run %s: %s did not happen; it is %s, waiting for %d", id, what, v.Status, len(v.Waiting))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sse is one server-sent event.
type sse struct {
	id    int64
	event string
	data  string
}

// stream reads a run's stream from after; it hands each event to each and
// stops when each says so or the stream ends.
func (e *env) stream(id string, after int64, each func(sse) bool) (status int) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/api/v1/runs/"+id+"/stream", nil)
	req.Header.Set("Authorization", "Bearer "+aliceToken)
	if after > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(after, 10))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		e.t.Errorf("stream content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cur sse
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.event != "" && !each(cur) {
				return resp.StatusCode
			}
			cur = sse{}
		case strings.HasPrefix(line, "id: "):
			cur.id, _ = strconv.ParseInt(strings.TrimPrefix(line, "id: "), 10, 64)
		case strings.HasPrefix(line, "event: "):
			cur.event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		}
	}
	return resp.StatusCode
}

// golden compares got with testdata/golden/<name>, or rewrites it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (DRORCH_UPDATE_GOLDEN=1 writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (DRORCH_UPDATE_GOLDEN=1 rewrites it; review the diff):\n%s", path, got)
	}
}

func simOutage(region string) sim.Fault { return sim.Fault{Kind: sim.FaultOutage, Region: region} }
