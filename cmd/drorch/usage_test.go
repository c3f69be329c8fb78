package main

import (
	"strings"
	"testing"
)

// Usage errors are the operator's mistake, like bad input: exit 2, a
// message naming the fault on stderr, and nothing done.
func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	s, endpoint := startTestSim(t)
	payload := seedPayload("1-planned-switchover.json")
	tests := []struct {
		name   string
		region string // "" leaves --region out
		args   []string
		want   string
	}{
		{"unknown command", "us-west-2", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", "us-west-2", []string{"plan", "--no-such-flag", payload}, "unknown flag: --no-such-flag"},
		{"unknown shorthand flag", "us-west-2", []string{"run", "-Z", payload}, "unknown shorthand flag: 'Z'"},
		{"flag without value", "us-west-2", []string{"run", payload, "--run-id"}, "flag needs an argument: --run-id"},
		{"bad flag value", "us-west-2", []string{"run", "--yes", "--poll-interval", "soon", payload}, `invalid argument "soon"`},
		{"missing argument to plan", "us-west-2", []string{"plan"}, "accepts 1 arg(s), received 0"},
		{"missing argument to validate", "us-west-2", []string{"validate"}, "accepts 1 arg(s), received 0"},
		{"missing argument to run", "us-west-2", []string{"run", "--yes"}, "accepts 1 arg(s), received 0"},
		{"missing argument to show", "us-west-2", []string{"show"}, "accepts 1 arg(s), received 0"},
		{"two payloads", "us-west-2", []string{"plan", payload, payload}, "accepts 1 arg(s), received 2"},
		{"argument to runs", "us-west-2", []string{"runs", "extra"}, `unknown command "extra"`},
		{"argument to schema", "us-west-2", []string{"schema", "extra"}, `invalid argument "extra" for "drorch schema" (write payload, output or report)`},
		{"unknown output format for plan", "us-west-2", []string{"plan", "-o", "yaml", payload}, `--output "yaml": write text, json or jsonl`},
		{"unknown output format for validate", "us-west-2", []string{"validate", "-o", "jsn", payload}, `--output "jsn"`},
		{"no region for plan", "", []string{"plan", payload}, "no region: pass --region or set AWS_REGION"},
		{"no region for run", "", []string{"run", "--yes", payload}, "no region: pass --region or set AWS_REGION"},
		{"payload file missing", "us-west-2", []string{"plan", "no-such-payload.json"}, "read payload: open no-such-payload.json"},
		{"unknown run to show", "us-west-2", []string{"show", "no-such-run"}, "show no-such-run: run no-such-run: run not found in journal "},
		{"unknown run to resume", "us-west-2", []string{"resume", "no-such-run"}, "resume no-such-run"},
		{"unknown run to cancel", "us-west-2", []string{"cancel", "no-such-run"}, "cancel no-such-run"},
		{"demo slower than AWS", "us-west-2", []string{"demo", "--speed", "0.5"}, "--speed must be at least 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t, endpoint, tc.region)
			if strings.HasPrefix(tc.name, "unknown run") { // a journal without that run
				createJournal(t, c.state)
			}
			r := c.run(tc.args...)
			if r.code != exitBadInput || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("want exit 2 and %q on stderr\n%s", tc.want, r)
			}
			if r.stdout != "" {
				t.Errorf("a usage error printed on stdout\n%s", r)
			}
		})
	}
	t.Cleanup(func() { noMutations(t, s, "usage errors") })
}

// Help is not an error.
func TestHelpExits0(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{}, {"--help"}, {"help"}, {"run", "--help"}, {"plan", "-h"}, {"help", "resume"}} {
		r := newCLI(t, "", "").run(args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("want exit 0 and usage on stdout\n%s", r)
		}
	}
	// Every command has an example in its help (DESIGN.md 3).
	for _, cmd := range []string{"validate", "plan", "run", "resume", "cancel", "runs", "show", "schema", "iam-policy", "demo", "sim"} {
		r := newCLI(t, "", "").run(cmd, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%s --help has no example\n%s", cmd, r)
		}
	}
}
