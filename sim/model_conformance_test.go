package sim

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"drorch/internal/clock"
	"drorch/sim/internal/awsmodel"
)

// Every answer of the simulator, success or error, against the botocore
// service model of its service (read from the machine's botocore install):
// members and types, enums, list item names, flattened lists, required
// members, timestamp and boolean formats, and nothing outside the model.
// The answers come from a replay of every operation the simulator serves,
// on the seed scenario and through every state the operations' timelines
// pass through (replay_test.go).

// conformanceService ties a simulated service (by SigV4 signing name) to
// its botocore model and the protocol the simulator answers it in. A new
// service is one line here.
type conformanceService struct {
	signing, model string
	protocol       awsmodel.Protocol
}

var conformanceServices = []conformanceService{
	{"rds", "rds", awsmodel.Query},
	{"elasticache", "elasticache", awsmodel.Query},
	{"cloudformation", "cloudformation", awsmodel.Query},
	{"sns", "sns", awsmodel.Query},
	{"sts", "sts", awsmodel.Query},
	{"ssm", "ssm", awsmodel.JSON},
	{"iam", "iam", awsmodel.Query},
	{"dynamodb", "dynamodb", awsmodel.JSON},
}

// commonErrors are the codes any action may answer: AWS's Common Errors
// (the same list in every Query and JSON service's API reference, e.g.
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html),
// plus Throttling, the name RDS actually answers throttling with
// (aws/aws-cli#8604; the list's name is ThrottlingException).
var commonErrors = map[string][]int{
	"AccessDeniedException": {400}, "IncompleteSignature": {400}, "InternalFailure": {500}, "InvalidAction": {400},
	"InvalidClientTokenId": {403}, "InvalidParameterCombination": {400}, "InvalidParameterValue": {400},
	"InvalidQueryParameter": {400}, "MalformedQueryString": {404}, "MissingAction": {400},
	"MissingAuthenticationToken": {403}, "MissingParameter": {400}, "NotAuthorized": {400}, "OptInRequired": {403},
	"RequestExpired": {400}, "ServiceUnavailable": {503}, "ThrottlingException": {400}, "Throttling": {400},
	"ValidationError": {400},
}

// jsonProtocolErrors are what JSON-protocol endpoints answer for an
// unknown X-Amz-Target, a body that is not the operation's input, and an
// input that breaks a constraint (UnknownOperationException,
// SerializationException, ValidationException: the AWS SDKs' protocol
// tests and SSM's own answers). They are not on the Common Errors pages.
var jsonProtocolErrors = map[string][]int{
	"UnknownOperationException": {400}, "SerializationException": {400}, "ValidationException": {400},
}

// simulatorOnlyErrors guard the simulator itself and have no AWS
// counterpart worth imitating: a body over 1 MiB, a body that cannot be
// read.
var simulatorOnlyErrors = map[string][]int{"RequestEntityTooLarge": {413}, "IncompleteBody": {400}}

// extraEnums are enum values the AWS documentation lists although the
// model's enum does not.
var extraEnums = map[string][]string{
	// FailoverState.Status: "switching-over – This status covers the
	// range of Aurora internal operations that take place during the
	// switchover process"
	// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverState.html).
	"FailoverStatus": {"switching-over"},
}

func TestAnswersMatchTheModels(t *testing.T) {
	t.Parallel()
	dataDir := botocoreData(t)
	models := map[string]*awsmodel.Model{}
	for _, cs := range conformanceServices {
		m, err := awsmodel.Load(dataDir, cs.model, "")
		if err != nil {
			t.Fatal(err)
		}
		models[cs.signing] = m
	}
	r := newReplay(t)
	r.run()
	if len(r.answers) < 500 {
		t.Fatalf("the replay gave only %d answers", len(r.answers))
	}

	opts := map[awsmodel.Protocol]awsmodel.Options{
		awsmodel.Query: {CommonErrors: merge(commonErrors, simulatorOnlyErrors), ExtraEnum: extraEnums},
		awsmodel.JSON:  {CommonErrors: merge(commonErrors, jsonProtocolErrors, simulatorOnlyErrors), ExtraEnum: extraEnums},
	}
	assertCheckerBites(t, r.answers, models, opts)
	t.Logf("checking %d answers against the botocore models in %s", len(r.answers), dataDir)
	problems := map[string][]string{}  // problem -> where it was seen (first few)
	seen := map[string]map[bool]bool{} // service/action -> success?
	for _, a := range r.answers {
		ans := awsmodel.Answer{Operation: a.action, Status: a.status, Header: a.header, Body: a.body}
		var got []string
		if cs := serviceOf(a.service); cs != nil {
			got = models[a.service].Check(cs.protocol, ans, opts[cs.protocol])
		} else { // a request no service could take (no SigV4 scope, unknown service)
			got = awsmodel.CheckUnrouted(ans, opts[awsmodel.Query])
		}
		for _, p := range got {
			k := a.service + " " + a.action + " " + p
			if len(problems[k]) < 3 {
				problems[k] = append(problems[k], a.request)
			}
		}
		if a.action != "" {
			k := a.service + "/" + a.action
			if seen[k] == nil {
				seen[k] = map[bool]bool{}
			}
			seen[k][a.status == 200] = true
		}
	}
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("%s\n\tfor %s", k, strings.Join(problems[k], "\n\tand "))
	}
	// The replay must have made every operation answer both ways.
	for name, svc := range r.s.services {
		var actions []string
		for a := range svc.query {
			actions = append(actions, a)
		}
		for a := range svc.jsonOps {
			actions = append(actions, a)
		}
		for _, a := range actions {
			k := name + "/" + a
			if !seen[k][true] || !seen[k][false] {
				t.Errorf("%s: the replay got success=%v, error=%v; it must get both", k, seen[k][true], seen[k][false])
			}
		}
	}
}

// assertCheckerBites corrupts real answers of both protocols and requires
// the checker to object, so that the conformance test cannot pass by
// checking nothing.
func assertCheckerBites(t *testing.T, answers []answer, models map[string]*awsmodel.Model, opts map[awsmodel.Protocol]awsmodel.Options) {
	t.Helper()
	corruptions := []struct {
		service, action, old, new string
		p                         awsmodel.Protocol
	}{
		{"rds", "DescribeDBClusters", "<DBCluster>", "<DBCluster><Bogus>1</Bogus>", awsmodel.Query},
		{"rds", "DescribeGlobalClusters", "<IsWriter>true</IsWriter>", "<IsWriter>True</IsWriter>", awsmodel.Query},
		{"elasticache", "DescribeReplicationGroups", "<NodeGroupMember>", "<member>", awsmodel.Query},
		{"ssm", "GetParameter", `"Parameter":{`, `"Parameter":{"Bogus":1,`, awsmodel.JSON},
	}
	for _, c := range corruptions {
		found := false
		for _, a := range answers {
			if a.service != c.service || a.action != c.action || a.status != 200 || !strings.Contains(string(a.body), c.old) {
				continue
			}
			found = true
			bad := strings.Replace(string(a.body), c.old, c.new, 1)
			if got := models[c.service].Check(c.p, awsmodel.Answer{Operation: a.action, Status: 200, Header: a.header, Body: []byte(bad)}, opts[c.p]); len(got) == 0 {
				t.Errorf("the checker accepts %s %s with %s replaced by %s", c.service, c.action, c.old, c.new)
			}
			break
		}
		if !found {
			t.Errorf("no %s %s answer holds %s", c.service, c.action, c.old)
		}
	}
}

func serviceOf(signing string) *conformanceService {
	for i := range conformanceServices {
		if conformanceServices[i].signing == signing {
			return &conformanceServices[i]
		}
	}
	return nil
}

func merge(ms ...map[string][]int) map[string][]int {
	out := map[string][]int{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// botocoreData finds botocore's models; without python3 and botocore the
// test skips, unless DRORCH_REQUIRE_PYTHON=1 (as CI sets it).
func botocoreData(t *testing.T) string {
	t.Helper()
	dir, err := awsmodel.BotocoreData()
	if err != nil {
		if os.Getenv("DRORCH_REQUIRE_PYTHON") == "1" {
			t.Fatalf("botocore is required (DRORCH_REQUIRE_PYTHON=1): %v", err)
		}
		t.Skipf("botocore not available: %v", err)
	}
	return dir
}

// answer is one recorded exchange.
type answer struct {
	request                 string // for messages
	region, service, action string
	status                  int
	header                  http.Header
	body                    []byte
}

// replay drives a simulator in-process on a fake clock and records every
// answer.
type replay struct {
	t       *testing.T
	s       *Sim
	clk     *clock.Fake
	answers []answer
}

func newReplay(t *testing.T) *replay {
	t.Helper()
	clk := clock.NewFake(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	s, err := New(Config{Scenario: replayScenario(), Clock: clk, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &replay{t: t, s: s, clk: clk}
}

// send serves one request and records the answer.
func (r *replay) send(req *http.Request, region, service, action, what string) answer {
	rec := httptest.NewRecorder()
	r.s.ServeHTTP(rec, req)
	a := answer{request: what, region: region, service: service, action: action, status: rec.Code,
		header: rec.Header().Clone(), body: rec.Body.Bytes()}
	r.answers = append(r.answers, a)
	return a
}

func scope(region, service string) string {
	return fmt.Sprintf("AWS4-HMAC-SHA256 Credential=AKIDREPLAY/20250601/%s/%s/aws4_request, SignedHeaders=host, Signature=00", region, service)
}

// query sends a Query action with params given as name, value pairs.
func (r *replay) query(region, service, action string, params ...string) answer {
	v := url.Values{"Action": {action}, "Version": {r.s.services[service].version}}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Authorization", scope(region, service))
	act := action
	if r.s.services[service].query[action] == nil {
		act = "" // not an action of the service: a common error
	}
	return r.send(req, region, service, act, region+" "+service+" "+v.Encode())
}

// ssm sends an SSM JSON 1.1 action.
func (r *replay) ssm(region, op, body string) answer {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM."+op)
	req.Header.Set("Authorization", scope(region, "ssm"))
	act := op
	if r.s.services["ssm"].jsonOps[op] == nil {
		act = ""
	}
	return r.send(req, region, "ssm", act, region+" ssm "+op+" "+body)
}

// must fails the test unless the answer is a success.
func (r *replay) must(a answer) answer {
	r.t.Helper()
	if a.status != 200 {
		r.t.Fatalf("%s: %d %s", a.request, a.status, a.body)
	}
	return a
}

// fails fails the test unless the answer is the error code.
func (r *replay) fails(code string, a answer) {
	r.t.Helper()
	if a.status == 200 || !strings.Contains(string(a.body), code) {
		r.t.Fatalf("%s: %d %s, want %s", a.request, a.status, a.body, code)
	}
}
