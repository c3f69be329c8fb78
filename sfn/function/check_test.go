package function

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"drorch/internal/clock"
	"drorch/internal/simtest"
	"drorch/sfn"
	"drorch/sfn/ops"
	"drorch/sfn/sfntest"
	"drorch/sim"
)

// The check op through the real handler, as the Lambda runtime calls it
// (aws-lambda-go), against drorch's simulator: CloudFormation exports,
// SSM, RDS, CloudWatch's replication lag, IAM's policy simulator, STS and
// SNS are the simulator's. It serves no S3: the run bucket is kept in
// memory here (TestAdaptersAgainstMoto runs the check through the real S3
// adapter).

const (
	region     = "us-west-2"
	runBucket  = "drorch-runs"
	payloadKey = "checks/payloads/failover.json"
	topicARN   = "arn:aws:sns:us-west-2:123456789012:dr-orchestrator-notifications"
	// secretID is a SecureString parameter's value: no log line, state
	// object, message or answer may hold it.
	secretID = "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"
)

// startSim serves sc, its virtual time standing still until the test
// advances the clock. It starts ago before the wall clock the function
// reads CloudWatch with, so that its replication lag data points fall in
// the ten minutes drorch reads.
func startSim(t *testing.T, sc *sim.Scenario, ago time.Duration) (*sim.Sim, *clock.Fake, string) {
	t.Helper()
	return simtest.Serve(t, sc, time.Now().UTC().Truncate(time.Minute).Add(-ago))
}

// secretScenario is the seed world with the secondary cluster's id in a
// SecureString parameter, in both regions.
func secretScenario() *sim.Scenario {
	sc := sim.SeedScenario()
	sc.Parameters = append(sc.Parameters, sim.ScenarioParameter{Name: "/dr/switchover-cluster", Type: "SecureString", Value: secretID})
	return sc
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// simFunction is the function deployed in us-west-2 against the simulator
// at endpoint, publishing to topic, with bucket as its run bucket.
func simFunction(t *testing.T, endpoint, topic string, bucket *sfntest.Bucket) (*Handler, *syncBuffer) {
	t.Helper()
	h, err := New(context.Background(), Config{Region: region, Bucket: runBucket, LockTable: "drorch-locks", Topic: topic,
		FingerprintKey: "local", EndpointURL: endpoint, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	h.F.Store, h.F.Log = bucket, log
	return h, log
}

// seedFile reads one of the original README's payloads.
func seedFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "seed", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// switchoverPayload is README payload 1 with the cluster's id read from
// the SecureString parameter; typo misspells the global cluster's export.
func switchoverPayload(t *testing.T, typo bool) []byte {
	t.Helper()
	s := strings.Replace(string(seedFile(t, "1-planned-switchover.json")), "!Import dr-globaldb-cluster-mysql-cluster-identifier",
		"resolve:ssm:/dr/switchover-cluster", 1)
	if typo {
		s = strings.Replace(s, "mysql-global-identifier", "mysql-globl-identifier", 1)
	}
	return []byte(s)
}

// checkOnce invokes the check op and decodes its answer.
func checkOnce(t *testing.T, h *Handler, req map[string]any) sfn.Checked {
	t.Helper()
	out, ie := invokeLambda(t, h, req)
	if ie != nil {
		t.Fatalf("check: %s: %s", ie.Type, ie.Message)
	}
	var c sfn.Checked
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatalf("answer %s: %v", out, err)
	}
	return c
}

// topicMessages are the messages published to topic so far, decoded.
func topicMessages(t *testing.T, s *sim.Sim, topic string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range s.Messages() {
		if m.TopicARN != topic {
			continue
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(m.Message), &body); err != nil {
			t.Fatalf("message %q is not JSON: %v", m.Message, err)
		}
		body["subject"] = m.Subject
		out = append(out, body)
	}
	return out
}

// logEvents are the log's lines of one event.
func logEvents(t *testing.T, log *syncBuffer, event string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["event"] == event {
			out = append(out, m)
		}
	}
	return out
}

// TestCheckTellsTheTopicOnlyOfChanges: a schedule's invocations, one after
// another, as the world drifts and comes back. Each evaluation is logged;
// the topic is told when readiness changes (ready -> not ready through a
// lag fault, back, a payload re-uploaded with a misspelt export and
// corrected, a role losing a permission and getting it back), never when
// it does not; the first evaluation, ready, tells nothing. A SecureString
// parameter's value reaches no log line, message, answer or state object.
func TestCheckTellsTheTopicOnlyOfChanges(t *testing.T) {
	t.Parallel()
	s, clk, endpoint := startSim(t, secretScenario(), 7*time.Minute)
	bucket := sfntest.NewBucket()
	h, log := simFunction(t, endpoint, topicARN, bucket)
	upload := func(typo bool) {
		if err := bucket.Put(context.Background(), runBucket, payloadKey, switchoverPayload(t, typo)); err != nil {
			t.Fatal(err)
		}
	}
	upload(false)
	req := map[string]any{"op": "check", "payloadKey": payloadKey, "workflow": "failover", "maxLag": "5s"}
	steps := []struct {
		name     string
		act      func(t *testing.T)
		ready    bool
		notified bool
		// finding is in the answer's failures, or in the message.
		finding string
	}{
		{name: "first, ready", ready: true},
		{name: "unchanged", ready: true},
		{name: "lag above the threshold", act: func(t *testing.T) {
			if _, err := s.SetFault(sim.Fault{Kind: sim.FaultLag, Region: region, Seconds: 30}); err != nil {
				t.Fatal(err)
			}
			clk.Advance(2 * time.Minute)
		}, notified: true, finding: "[lag] layer 1"},
		{name: "still lagging", act: func(*testing.T) { clk.Advance(time.Minute) }, finding: "[lag] layer 1"},
		{name: "lag back", act: func(*testing.T) {
			s.ClearFaults()
			clk.Advance(2 * time.Minute)
		}, ready: true, notified: true, finding: "is ready again"},
		{name: "a misspelt export uploaded", act: func(*testing.T) { upload(true) }, notified: true,
			finding: "no such CloudFormation export in us-west-2"},
		{name: "still misspelt", finding: "[references]"},
		{name: "corrected", act: func(*testing.T) { upload(false) }, ready: true, notified: true},
		{name: "the role loses a permission", act: func(t *testing.T) {
			if err := s.SetCaller("arn:aws:iam::123456789012:role/drorch-no-switchover"); err != nil {
				t.Fatal(err)
			}
		}, notified: true, finding: "may not rds:SwitchoverGlobalCluster"},
		{name: "the role gets it back", act: func(t *testing.T) {
			if err := s.SetCaller("arn:aws:iam::123456789012:role/drorch-operator"); err != nil {
				t.Fatal(err)
			}
		}, ready: true, notified: true},
		{name: "unchanged at last", ready: true},
	}
	var answers strings.Builder
	told := 0
	for i, st := range steps {
		if st.act != nil {
			st.act(t)
		}
		c := checkOnce(t, h, req)
		b, _ := json.Marshal(c)
		answers.Write(b)
		if c.Ready != st.ready || c.Notified != st.notified {
			t.Fatalf("step %d (%s): ready %v notified %v, want %v %v: %+v", i+1, st.name, c.Ready, c.Notified, st.ready, st.notified, c)
		}
		if st.notified {
			told++
		}
		msgs := topicMessages(t, s, topicARN)
		if len(msgs) != told {
			t.Fatalf("step %d (%s): %d messages, want %d: %v", i+1, st.name, len(msgs), told, msgs)
		}
		where := strings.Join(c.Failures, "\n")
		if st.notified {
			m := msgs[told-1]
			where = fmt.Sprint(m["text"])
			status := map[bool]string{true: "ready", false: "not-ready"}[st.ready]
			if m["status"] != status || m["event"] != "readiness.changed" || !strings.Contains(where, "s3://drorch-runs/"+payloadKey) {
				t.Errorf("step %d (%s): message %v", i+1, st.name, m)
			}
			want := "drorch: failover NOT READY: s3://drorch-runs/" + payloadKey
			if st.ready {
				want = "drorch: failover ready again: s3://drorch-runs/" + payloadKey
			}
			if subj := fmt.Sprint(m["subject"]); !strings.HasPrefix(subj, want[:min(len(want), 97)]) || len(subj) > 100 {
				t.Errorf("step %d (%s): subject %q", i+1, st.name, subj)
			}
		}
		if !strings.Contains(where, st.finding) {
			t.Errorf("step %d (%s): %q not in\n%s", i+1, st.name, st.finding, where)
		}
		if c.Payload != "s3://drorch-runs/"+payloadKey || c.StateKey == "" || c.Counts.Pass == 0 || (c.Ready != (c.Counts.Failure == 0)) {
			t.Errorf("step %d (%s): answer %+v", i+1, st.name, c)
		}
	}

	lines := logEvents(t, log, "readiness.checked")
	if len(lines) != len(steps) {
		t.Fatalf("%d evaluation lines for %d invocations:\n%s", len(lines), len(steps), log)
	}
	for i, l := range lines {
		if l["notified"] != steps[i].notified || l["ready"] != steps[i].ready || l["payload"] != "s3://drorch-runs/"+payloadKey {
			t.Errorf("line %d: %v", i+1, l)
		}
	}
	var rec struct {
		Version int
		Payload string
		Told    struct{ NotReady bool }
		Last    struct{ Ready, Notified bool }
	}
	state, err := bucket.Get(context.Background(), runBucket, lines[0]["stateKey"].(string))
	if err != nil || json.Unmarshal(state, &rec) != nil || rec.Version != 1 || rec.Told.NotReady || !rec.Last.Ready || rec.Last.Notified {
		t.Errorf("state %s (%v): %+v", state, err, rec)
	}
	var all strings.Builder
	for _, m := range s.Messages() {
		all.WriteString(m.Subject + m.Message)
	}
	for what, text := range map[string]string{"log": log.String(), "messages": all.String(), "answers": answers.String(), "state": string(state)} {
		if strings.Contains(text, secretID) {
			t.Errorf("the secret value is in the %s:\n%s", what, text)
		}
	}
	for _, c := range s.MutatingCalls() {
		if c.Service != "sns" {
			t.Errorf("the check made a mutating call: %+v", c)
		}
	}
}

// TestCheckRetriesALostMessage: a message the topic refused is not taken
// as told: the invocation fails (logged, with the evaluation), the state
// still says what the topic last heard, and the next check tells it.
// A damaged state object is not read as "nothing told": the topic is told
// the readiness now, whatever it is.
func TestCheckRetriesALostMessage(t *testing.T) {
	t.Parallel()
	s, _, endpoint := startSim(t, sim.SeedScenario(), 5*time.Minute)
	if err := s.SetCaller("arn:aws:iam::123456789012:role/drorch-no-switchover"); err != nil {
		t.Fatal(err)
	}
	bucket := sfntest.NewBucket()
	gone := strings.Replace(topicARN, "dr-orchestrator-notifications", "deleted-topic", 1)
	broken, log := simFunction(t, endpoint, gone, bucket)
	req := map[string]any{"op": "check", "payload": json.RawMessage(seedFile(t, "1-planned-switchover.json"))}
	_, ie := invokeLambda(t, broken, req)
	if ie == nil || ie.Type != sfn.ErrAWS || !strings.Contains(ie.Message, "tell the topic that inline payload sha256:") ||
		!strings.Contains(ie.Message, "NOT READY") {
		t.Fatalf("error %+v", ie)
	}
	lines := logEvents(t, log, "readiness.checked")
	if len(lines) != 1 || lines[0]["notified"] != false || lines[0]["notifyError"] == nil || len(logEvents(t, log, "readiness.failed")) != 0 {
		t.Fatalf("log:\n%s", log)
	}
	h, _ := simFunction(t, endpoint, topicARN, bucket)
	if c := checkOnce(t, h, req); c.Ready || !c.Notified {
		t.Fatalf("the next check: %+v", c)
	}
	if c := checkOnce(t, h, req); c.Notified {
		t.Fatalf("told twice: %+v", c)
	}

	// Damaged: the topic is told the readiness now, ready as it is.
	if err := s.SetCaller("arn:aws:iam::123456789012:role/drorch-operator"); err != nil {
		t.Fatal(err)
	}
	key := lines[0]["stateKey"].(string)
	for _, damage := range []string{"{not json", `{"version":9}`, `{"version":1,"payload":"s3://other/key","told":{"notReady":false}}`} {
		if err := bucket.Put(context.Background(), runBucket, key, []byte(damage)); err != nil {
			t.Fatal(err)
		}
		c := checkOnce(t, h, req)
		if !c.Ready || !c.Notified {
			t.Fatalf("state %s: %+v", damage, c)
		}
	}
	if c := checkOnce(t, h, req); c.Notified {
		t.Fatalf("told again after the state was repaired: %+v", c)
	}
	msgs := topicMessages(t, s, topicARN)
	if len(msgs) != 4 || msgs[0]["status"] != "not-ready" || msgs[3]["status"] != "ready" {
		t.Errorf("messages %v", msgs)
	}
}

// TestCheckBadInput: a request the check cannot evaluate is refused with
// drorch.BadInput saying what to fix, logged (nobody reads a scheduled
// invocation's answer), and nothing is written or published.
func TestCheckBadInput(t *testing.T) {
	t.Parallel()
	s, _, endpoint := startSim(t, sim.SeedScenario(), 5*time.Minute)
	bucket := sfntest.NewBucket()
	h, log := simFunction(t, endpoint, topicARN, bucket)
	good := json.RawMessage(seedFile(t, "2-unplanned-failover.json"))
	failback := json.RawMessage(seedFile(t, "3-create-secondary-cluster.json"))
	_ = bucket.Put(context.Background(), runBucket, "checks/payloads/empty.json", []byte(`{"StatePayload": []}`))
	tests := []struct {
		name string
		req  map[string]any
		want string
	}{
		{"no payload", map[string]any{"op": "check"}, `give "payloadKey"`},
		{"both", map[string]any{"op": "check", "payload": good, "payloadKey": payloadKey}, "both payload and payloadKey"},
		{"no such object", map[string]any{"op": "check", "payloadKey": payloadKey}, "s3://drorch-runs/" + payloadKey + " does not exist: upload the payload there"},
		{"a run's object", map[string]any{"op": "check", "payloadKey": "runs/drorch-failover/x/run.json"}, "outside runs/ and checks/state/"},
		{"a control character", map[string]any{"op": "check", "payloadKey": "checks/payloads/a\x1b[2Jb.json"}, "without control characters"},
		{"unknown workflow", map[string]any{"op": "check", "payload": good, "workflow": "failsideways"}, `unknown workflow "failsideways"`},
		{"bad lag", map[string]any{"op": "check", "payload": good, "maxLag": "soon"}, `maxLag "soon": write a positive Go duration`},
		{"negative lag", map[string]any{"op": "check", "payload": good, "maxLag": "-1s"}, "positive"},
		{"a type of the other workflow", map[string]any{"op": "check", "payload": failback, "workflow": "failover"},
			"resource type CreateAuroraSecondaryDBCluster is not run by the failover state machine"},
		{"an empty payload", map[string]any{"op": "check", "payloadKey": "checks/payloads/empty.json"}, "s3://drorch-runs/checks/payloads/empty.json: the payload has 1 problem"},
		{"not JSON", map[string]any{"op": "check", "payload": json.RawMessage(`"StatePayload"`)}, "inline payload sha256:"},
	}
	for _, tc := range tests {
		_, ie := invokeLambda(t, h, tc.req)
		if ie == nil || ie.Type != sfn.ErrBadInput || !strings.Contains(ie.Message, tc.want) {
			t.Errorf("%s: error %+v, want %s with %q", tc.name, ie, sfn.ErrBadInput, tc.want)
		}
	}
	if n := len(logEvents(t, log, "readiness.failed")); n != len(tests) {
		t.Errorf("%d failure lines for %d refusals:\n%s", n, len(tests), log)
	}
	if strings.Contains(log.String(), "\x1b") || strings.Contains(bucket.String(), ops.CheckStatePrefix) || len(s.Messages()) != 0 {
		t.Errorf("a refused check left a trace:\n%s\n%s", log, bucket.String())
	}
}
