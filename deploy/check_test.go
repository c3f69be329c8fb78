package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"drorch/sfn"
)

const scheduledKey = "checks/payloads/failover.json"

// TestTemplateCheckSchedule: with CheckPayloadKey set, the schedule invokes
// the function every 30 minutes by default with a check request the
// function takes, through a role that may invoke that function and
// nothing else, and the function may read that key; without it, neither
// the schedule nor its role nor the key's grant exists, while the check
// op's own permissions stay (an operator may invoke it by hand).
func TestTemplateCheckSchedule(t *testing.T) {
	t.Parallel()
	s := newStack(t, map[string]string{"CheckPayloadKey": scheduledKey})
	created, p := s.resource("CheckSchedule")
	if !created || p["ScheduleExpression"] != "rate(30 minutes)" || p["State"] != "ENABLED" ||
		fmt.Sprint(p["FlexibleTimeWindow"]) != "map[Mode:OFF]" {
		t.Errorf("schedule %v", p)
	}
	target := p["Target"].(map[string]any)
	if target["Arn"] != testFunctionArn || target["RoleArn"] != s.value("CheckScheduleRole.Arn") {
		t.Errorf("target %v", target)
	}
	var req sfn.Request
	if err := json.Unmarshal([]byte(target["Input"].(string)), &req); err != nil {
		t.Fatalf("input %v: %v", target["Input"], err)
	}
	if req.Op != sfn.OpCheck || req.PayloadKey != scheduledKey || req.Workflow != "failover" || req.MaxLag != "1s" {
		t.Errorf("request %+v", req)
	}
	retry := target["RetryPolicy"].(map[string]any)
	if age := retry["MaximumEventAgeInSeconds"].(int); age < 60 || age > 86400 {
		t.Errorf("retry policy %v: the event age must be within 60 s and a day", retry)
	}

	created, role := s.resource("CheckScheduleRole")
	trust := role["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
	policies := role["Policies"].([]any)
	if !created || len(trust) != 1 || fmt.Sprint(trust[0].(map[string]any)["Principal"]) != "map[Service:scheduler.amazonaws.com]" ||
		fmt.Sprint(trust[0].(map[string]any)["Condition"]) != "map[StringEquals:map[aws:SourceAccount:123456789012]]" || len(policies) != 1 {
		t.Errorf("role %v", role)
	}
	invoke := policies[0].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any)
	if len(invoke) != 1 || fmt.Sprint(invoke[0].(map[string]any)["Action"]) != "lambda:InvokeFunction" ||
		invoke[0].(map[string]any)["Resource"] != testFunctionArn {
		t.Errorf("the schedule's role may %v", invoke)
	}
	payload := s.rolePolicies("FunctionRole")["check-payload"].(map[string]any)["Statement"].([]any)
	if len(payload) != 1 || payload[0].(map[string]any)["Action"] != "s3:GetObject" ||
		payload[0].(map[string]any)["Resource"] != testRunBucketArn+"/"+scheduledKey {
		t.Errorf("check-payload policy %v", payload)
	}

	off := newStack(t, nil)
	for _, name := range []string{"CheckSchedule", "CheckScheduleRole", "FunctionCheckPayloadPolicy"} {
		if created, _ := off.resource(name); created {
			t.Errorf("%s is created without a payload key", name)
		}
	}
	if _, ok := off.rolePolicies("FunctionRole")["check"]; !ok {
		t.Error("the check op's permissions depend on the schedule")
	}
}

// TestTemplateCheckParameters: the parameters that reach the schedule's
// JSON input and an IAM ARN take what the function takes, and nothing that
// could break out of either.
func TestTemplateCheckParameters(t *testing.T) {
	t.Parallel()
	pattern := func(name string) *regexp.Regexp {
		p := field(newStack(t, nil).param(name), "AllowedPattern")
		return regexp.MustCompile(p.Value)
	}
	key := pattern("CheckPayloadKey")
	for k, ok := range map[string]bool{"": true, scheduledKey: true, "checks/payloads/eu/orders-db.v2.json": true,
		`checks/payloads/a"b.json`: false, "checks/payloads/*": false, "checks/payloads/a\\b": false, "checks/payloads/${x}": false,
		"checks/state/x.json": false, "runs/drorch-failover/x/run.json": false, "payload.json": false} {
		if key.MatchString(k) != ok {
			t.Errorf("CheckPayloadKey %q accepted: %v, want %v", k, !ok, ok)
		}
	}
	lag := pattern("CheckMaxLag")
	for _, v := range []string{"1s", "30s", "1m30s", "1.5s", "500ms", "2h"} {
		if d, err := time.ParseDuration(v); !lag.MatchString(v) || err != nil || d <= 0 {
			t.Errorf("CheckMaxLag %q: pattern %v, duration %v %v", v, lag.MatchString(v), d, err)
		}
	}
	for _, v := range []string{"", "1", "soon", "-1s", `1s","op":"prepare`} {
		if lag.MatchString(v) {
			t.Errorf("CheckMaxLag accepts %q", v)
		}
	}
	if expr := pattern("CheckScheduleExpression"); !expr.MatchString("rate(30 minutes)") || !expr.MatchString("cron(0/15 * * * ? *)") || expr.MatchString("every 30 minutes") {
		t.Error("CheckScheduleExpression's pattern")
	}
}

func (s *stack) param(name string) *yaml.Node {
	s.t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(Template, &doc); err != nil {
		s.t.Fatal(err)
	}
	p := field(field(doc.Content[0], "Parameters"), name)
	if p == nil {
		s.t.Fatalf("no parameter %s", name)
	}
	return p
}

// TestTemplateCheckGolden: the check's resources as CloudFormation creates
// them with a payload key set (testdata/check.golden.json; -update
// rewrites it), for review: every permission and the schedule, resolved.
func TestTemplateCheckGolden(t *testing.T) {
	t.Parallel()
	s := newStack(t, map[string]string{"CheckPayloadKey": scheduledKey})
	out := map[string]any{}
	for _, name := range []string{"FunctionCheckPolicy", "FunctionCheckPayloadPolicy", "CheckScheduleRole", "CheckSchedule"} {
		_, props := s.resource(name)
		out[name] = props
	}
	got, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "check.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("the check's resources differ from %s (go test ./deploy -update, then review the diff) %v:\n%s", golden, err, got)
	}
}
