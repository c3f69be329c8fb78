package deploy

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"drorch/sfn"
)

// checkInMoto checks a stack deployed into moto for the readiness check:
// the function's role holds the check's statements, and, when scheduled,
// the payload key's; the schedule's role may invoke the function; and
// moto's EventBridge Scheduler takes the schedule as the template writes
// it, resolved with the stack's physical ids, its input a check request.
// Without a schedule, neither it nor its role nor the key's grant exists.
func checkInMoto(t *testing.T, cli func(region string, args ...string) []byte, region string, physical map[string]string, scheduled bool) {
	t.Helper()
	role := physical["FunctionRole"]
	var policies struct{ PolicyNames []string }
	if err := json.Unmarshal(cli(region, "iam", "list-role-policies", "--role-name", role), &policies); err != nil {
		t.Fatal(err)
	}
	sort.Strings(policies.PolicyNames)
	want := []string{"check", "databases", "run"}
	if scheduled {
		want = []string{"check", "check-payload", "databases", "run"}
	}
	if !equal(policies.PolicyNames, want) {
		t.Errorf("%s: the function's role has policies %v, want %v", region, policies.PolicyNames, want)
	}
	var check struct{ PolicyDocument any }
	if err := json.Unmarshal(cli(region, "iam", "get-role-policy", "--role-name", role, "--policy-name", "check"), &check); err != nil {
		t.Fatal(err)
	}
	doc := check.PolicyDocument
	if s, ok := doc.(string); ok { // URL-encoded JSON, as IAM answers it
		u, _ := url.QueryUnescape(s)
		_ = json.Unmarshal([]byte(u), &doc)
	}
	var sids []string
	for _, st := range doc.(map[string]any)["Statement"].([]any) {
		sids = append(sids, st.(map[string]any)["Sid"].(string))
	}
	var wantSids []string
	for _, st := range CheckStatements() {
		wantSids = append(wantSids, st.Sid)
	}
	if !equal(sids, wantSids) {
		t.Errorf("%s: the check policy holds %v, want %v", region, sids, wantSids)
	}
	if !scheduled {
		if physical["CheckScheduleRole"] != "" {
			t.Errorf("%s: a schedule's role without a payload key", region)
		}
		return
	}

	var sr struct{ Role struct{ Arn string } }
	if err := json.Unmarshal(cli(region, "iam", "get-role", "--role-name", physical["CheckScheduleRole"]), &sr); err != nil || sr.Role.Arn == "" {
		t.Fatalf("%s: the schedule's role: %v", region, err)
	}
	var fn struct{ Configuration struct{ FunctionArn string } }
	if err := json.Unmarshal(cli(region, "lambda", "get-function", "--function-name", physical["Function"]), &fn); err != nil {
		t.Fatal(err)
	}
	s := newStack(t, map[string]string{"CheckPayloadKey": scheduledKey, "AWS::Region": region})
	s.values["Function.Arn"], s.values["CheckScheduleRole.Arn"] = fn.Configuration.FunctionArn, sr.Role.Arn
	_, props := s.resource("CheckSchedule")
	input, _ := json.Marshal(props)
	file := filepath.Join(t.TempDir(), "schedule.json")
	if err := os.WriteFile(file, input, 0o600); err != nil {
		t.Fatal(err)
	}
	cli(region, "scheduler", "create-schedule", "--cli-input-json", "file://"+file)
	var got struct {
		ScheduleExpression, State string
		Target                    struct{ Arn, RoleArn, Input string }
	}
	if err := json.Unmarshal(cli(region, "scheduler", "get-schedule", "--name", props["Name"].(string)), &got); err != nil {
		t.Fatal(err)
	}
	var req sfn.Request
	if err := json.Unmarshal([]byte(got.Target.Input), &req); err != nil || req.Op != sfn.OpCheck || req.PayloadKey != scheduledKey ||
		got.ScheduleExpression != "rate(30 minutes)" || got.State != "ENABLED" || got.Target.Arn != fn.Configuration.FunctionArn ||
		got.Target.RoleArn != sr.Role.Arn {
		t.Errorf("%s: schedule %+v (%v)", region, got, err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
