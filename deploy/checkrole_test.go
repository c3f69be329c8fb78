package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"drorch/internal/simtest"
	"drorch/sfn"
	"drorch/sfn/function"
	"drorch/sfn/sfntest"
	"drorch/sim"
)

// TestFunctionRoleRunsTheCheck deploys, in drorch's simulator, the
// function's role exactly as the template writes its policies (resolved as
// CloudFormation would), makes it the caller, and runs the check op on
// every README payload with its workflow: IAM's policy simulator finds
// nothing the payloads need that the role lacks, the failover payloads are
// ready in the seed world, and every call the check made is an action the
// role is granted (STS GetCallerIdentity needs none). The role's inline
// policies together stay within IAM's 10,240 characters.
func TestFunctionRoleRunsTheCheck(t *testing.T) {
	t.Parallel()
	st := newStack(t, map[string]string{"CheckPayloadKey": scheduledKey})
	policies := st.rolePolicies("FunctionRole")
	principal := sim.ScenarioPrincipal{ARN: testFunctionRole}
	size := 0
	var granted []string
	names := make([]string, 0, len(policies))
	for name := range policies {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		doc, err := json.Marshal(policies[name])
		if err != nil {
			t.Fatal(err)
		}
		// IAM does not count white space (IAM UG, "IAM and AWS STS
		// quotas": role policy size, the sum of its inline policies).
		size += len(regexp.MustCompile(`\s`).ReplaceAll(doc, nil))
		principal.Policies = append(principal.Policies, sim.ScenarioPolicy{Name: name, Document: string(doc)})
		granted = append(granted, allowedActions(policies[name])...)
	}
	t.Logf("the function role's %d inline policies: %d characters of IAM's 10,240", len(names), size)
	if size > 10240 {
		t.Errorf("the function role's inline policies hold %d characters: IAM refuses more than 10,240", size)
	}

	// The simulator starts before the wall clock the function reads
	// CloudWatch with, so that its replication lag falls in the window.
	s, _, url := simtest.Serve(t, sim.SeedScenario(), time.Now().UTC().Truncate(time.Minute).Add(-5*time.Minute))
	if err := s.PutPrincipal(principal); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCaller(testFunctionRole); err != nil {
		t.Fatal(err)
	}
	s.ResetCalls()
	h, err := function.New(context.Background(), function.Config{Region: testRegion, Bucket: "drorch-runs", LockTable: "drorch-locks",
		Topic: "arn:aws:sns:us-west-2:123456789012:dr-orchestrator-notifications", FingerprintKey: "local", EndpointURL: url,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	h.F.Store, h.F.Log = sfntest.NewBucket(), &bytes.Buffer{}
	for _, tc := range []struct {
		file, workflow  string
		ready, passRole bool
	}{
		{"1-planned-switchover.json", "failover", true, false},
		{"2-unplanned-failover.json", "failover", true, false},
		{"4-rds-and-elasticache.json", "failover", true, false},
		// The function may pass the monitoring role to RDS only: IAM's
		// simulator, given no value for iam:PassedToService, cannot tell.
		{"3-create-secondary-cluster.json", "failback", true, true},
	} {
		payload, err := os.ReadFile(filepath.Join("..", "examples", "seed", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		payload = bytes.ReplaceAll(payload, []byte("-vps-security-group-ids"), []byte("-vpc-security-group-ids"))
		req, _ := json.Marshal(sfn.Request{Op: sfn.OpCheck, Payload: payload, Workflow: tc.workflow})
		out, err := h.Invoke(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		var c sfn.Checked
		if err := json.Unmarshal(out, &c); err != nil {
			t.Fatal(err)
		}
		for _, f := range c.Failures {
			if strings.HasPrefix(f, "[permissions]") {
				t.Errorf("%s: the template's role lacks what the payload needs: %s", tc.file, f)
			}
		}
		if c.Ready != tc.ready {
			t.Errorf("%s: %s: %v", tc.file, c.Summary, c.Failures)
		}
		passRole := false
		for _, w := range c.Warnings {
			undecided := strings.Contains(w, "cannot tell whether the caller may iam:PassRole on arn:aws:iam::123456789012:role/rds-monitoring-role")
			passRole = passRole || undecided
			if strings.HasPrefix(w, "[permissions]") && !undecided {
				t.Errorf("%s: %s", tc.file, w)
			}
		}
		if passRole != tc.passRole {
			t.Errorf("%s: warnings %v", tc.file, c.Warnings)
		}
	}
	for _, call := range s.Calls() {
		action := iamAction(call.Service, call.Action)
		if action == "sts:GetCallerIdentity" {
			continue
		}
		if !grants(granted, action) {
			t.Errorf("the check called %s in %s; the template does not grant it to the function", action, call.Region)
		}
	}
}

// iamAction names a call as IAM does: CloudWatch signs as monitoring.
func iamAction(service, action string) string {
	if service == "monitoring" {
		service = "cloudwatch"
	}
	return service + ":" + action
}

// allowedActions lists the actions of a policy's Allow statements.
func allowedActions(doc any) []string {
	var out []string
	stmts, _ := doc.(map[string]any)["Statement"].([]any)
	for _, s := range stmts {
		st := s.(map[string]any)
		if st["Effect"] != "Allow" {
			continue
		}
		switch a := st["Action"].(type) {
		case string:
			out = append(out, a)
		case []any:
			for _, x := range a {
				out = append(out, x.(string))
			}
		}
	}
	return out
}

// grants reports whether one of patterns (IAM actions, * wildcards, any
// case) matches action.
func grants(patterns []string, action string) bool {
	for _, p := range patterns {
		re := "(?i)^" + strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, ".*") + "$"
		if regexp.MustCompile(re).MatchString(action) {
			return true
		}
	}
	return false
}
