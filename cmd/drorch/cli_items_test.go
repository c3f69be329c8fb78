package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"drorch/cloud"
	"drorch/engine"
	"drorch/journal"
	"drorch/output"
	"drorch/sim"
)

// drorch --version and drorch version say the same version, and the
// journal records it with every process that runs a run.
func TestVersionEverywhere(t *testing.T) {
	t.Parallel()
	_, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	want := "drorch " + buildVersion().String()
	if r := d.run("--version"); r.code != 0 || strings.TrimSpace(r.stdout) != want {
		t.Errorf("--version: want %q\n%s", want, r)
	}
	if r := d.run("version"); r.code != 0 || !strings.HasPrefix(r.stdout, want+", go") {
		t.Errorf("version: want %q\n%s", want, r)
	}
	r := d.run(append(append([]string{"run", "--yes", "--run-id", "ver-1"}, fastPoll...), seedPayload("1-planned-switchover.json"))...)
	if r.code != 0 {
		t.Fatalf("run:\n%s", r)
	}
	if s := showJSON(t, d, "ver-1").Run.Sessions; len(s) != 1 || s[0].Version != processVersion() || s[0].Version == "" {
		t.Errorf("the journal's process version: %+v, want %q", s, processVersion())
	}
}

// plan --detailed-exitcode answers as Terraform does: 2 changes, 0 nothing
// to do, 1 blocked.
func TestPlanDetailedExitcode(t *testing.T) {
	t.Parallel()
	s, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	payload := seedPayload("1-planned-switchover.json")
	if r := d.run("plan", "--detailed-exitcode", payload); r.code != exitChanges || r.stderr != "" || !strings.Contains(r.stdout, "1 to change") {
		t.Errorf("a plan with changes: want exit 2 and no error\n%s", r)
	}
	if r := d.run("plan", payload); r.code != 0 {
		t.Errorf("without the flag, a plan with changes exits 0\n%s", r)
	}
	if r := d.run(append(append([]string{"run", "--yes"}, fastPoll...), payload)...); r.code != 0 {
		t.Fatalf("run:\n%s", r)
	}
	if r := d.run("plan", "--detailed-exitcode", payload); r.code != 0 {
		t.Errorf("nothing to do: want exit 0\n%s", r)
	}
	if _, err := s.SetFault(simOutage("us-east-1")); err != nil {
		t.Fatal(err)
	}
	if r := d.run("plan", "--detailed-exitcode", "--region", "us-east-1", payload); r.code != exitFailed {
		t.Errorf("blocked: want exit 1\n%s", r)
	}
}

// DRORCH_STATE names the journal when --state does not.
func TestDrorchStateNamesTheJournal(t *testing.T) {
	t.Parallel()
	_, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	path := filepath.Join(t.TempDir(), "from-env.db")
	d.state, d.env["DRORCH_STATE"] = "", path
	if r := d.run(append(append([]string{"run", "--yes", "--run-id", "env1"}, fastPoll...), seedPayload("1-planned-switchover.json"))...); r.code != 0 ||
		!strings.Contains(r.stderr, "run env1: journal "+path) {
		t.Fatalf("run with DRORCH_STATE:\n%s", r)
	}
	if r := d.run("runs"); r.code != 0 || !strings.Contains(r.stdout, "env1") {
		t.Errorf("runs with DRORCH_STATE:\n%s", r)
	}
	if r := d.run("show", "nope"); r.code != exitBadInput || !strings.Contains(r.stderr, "in journal "+path) {
		t.Errorf("an unknown run names the journal searched:\n%s", r)
	}
}

// -v logs the SDK's requests and answers on stderr, credentials redacted;
// without it the SDK says nothing.
func TestDebugLogsTheSDKRequests(t *testing.T) {
	t.Parallel()
	_, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	r := d.run("plan", "-v", seedPayload("1-planned-switchover.json"))
	if r.code != 0 || !strings.Contains(r.stderr, "aws-sdk DEBUG Request") || !strings.Contains(r.stderr, "Signature=(redacted)") ||
		!strings.Contains(r.stderr, "aws-sdk DEBUG Response") {
		t.Errorf("plan -v: want the SDK's request log on stderr, signatures redacted\n%s", r.stderr[:min(len(r.stderr), 3000)])
	}
	if strings.Contains(r.stdout, "aws-sdk") {
		t.Errorf("the debug log reached stdout")
	}
	if q := d.run("plan", seedPayload("1-planned-switchover.json")); q.stderr != "" {
		t.Errorf("without -v, stderr is quiet:\n%s", q)
	}
}

// Shell completion of show, resume and cancel offers the journal's runs.
func TestCompletionOffersRunIDs(t *testing.T) {
	t.Parallel()
	_, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	if r := d.run(append(append([]string{"run", "--yes", "--run-id", "comp-1"}, fastPoll...), seedPayload("1-planned-switchover.json"))...); r.code != 0 {
		t.Fatalf("run:\n%s", r)
	}
	for _, cmd := range []string{"show", "resume", "cancel"} {
		r := d.run("__complete", cmd, "comp")
		if r.code != 0 || !strings.Contains(r.stdout, "comp-1\tsucceeded, ") {
			t.Errorf("completion of %s: want comp-1 with its status\n%s", cmd, r)
		}
		if r := d.run("__complete", cmd, "zzz"); strings.Contains(r.stdout, "comp-1") {
			t.Errorf("completion of %s offered a run that does not match the prefix\n%s", cmd, r)
		}
	}
}

// Control characters from a payload are escaped in every text output:
// plan, progress, the result table, show, runs and errors.
func TestEscapesInEveryTextOutput(t *testing.T) {
	t.Parallel()
	_, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	evil := strings.Replace(string(readFile(t, seedPayload("1-planned-switchover.json"))), `"resourceName": "`,
		`"resourceName": "\u001b[2J\u001b[8m\u202eevil `, 1)
	path := writeFile(t, "evil\x1b[2J.json", []byte(evil))
	outs := []result{
		d.run("plan", path),
		d.run(append(append([]string{"run", "--yes", "--run-id", "evil"}, fastPoll...), path)...),
		d.run("show", "evil"),
		d.run("show", "--events", "evil"),
		d.run("runs"),
		d.run("show", "evil\x1b[2J"),
		d.run("validate", writeFile(t, "bad.json", []byte(strings.Replace(evil, `"PlannedFailoverAurora"`, `"Planned\u001b[31mFailover"`, 1)))),
	}
	for _, r := range outs {
		if strings.ContainsAny(r.stdout+r.stderr, "\x1b\u202e") {
			t.Errorf("a control character reached the terminal:\n%q", r.stdout+r.stderr)
		}
	}
	if !strings.Contains(outs[0].stdout, `\x1b[2J\x1b[8m\u202eevil`) || !strings.Contains(outs[2].stdout, `\x1b[2J`) {
		t.Errorf("the name is not shown escaped:\n%s\n%s", outs[0], outs[2])
	}
}

// The plan tells what a run would do, and only that: no call counted for
// a blocked plan, none announced for an operation already under way, and
// every argument of a call in full.
func TestPlanRendering(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300)
	call := cloud.NewCall("rds", "SwitchoverGlobalCluster", "us-west-2", "GlobalClusterIdentifier", "g", "TargetDbClusterIdentifier", long)
	res := func(status string, blockers ...string) engine.ResourcePreview {
		st := engine.StepPreview{Name: "switchover", Status: status}
		if status != engine.StepUnderWay {
			st.Calls = []cloud.Call{call}
		}
		return engine.ResourcePreview{Name: "r", Type: "PlannedFailoverAurora", Region: "us-west-2", Timeout: "30m0s",
			Blockers: blockers, Steps: []engine.StepPreview{st}}
	}
	tests := []struct {
		name      string
		pv        engine.Preview
		want, not []string
	}{
		{"blocked", engine.Preview{Blocked: true, Layers: []engine.LayerPreview{{Number: 1, Resources: []engine.ResourcePreview{
			res(engine.StepBlocked, "us-east-1 is unreachable")}}}},
			[]string{"0 to change, 0 already done, 1 blocked; the plan is blocked: no mutating call will be made."},
			[]string{"mutating calls: 1"}},
		{"blocked beside a resource that would change", engine.Preview{Blocked: true, Layers: []engine.LayerPreview{{Number: 1, Resources: []engine.ResourcePreview{
			res(engine.StepNext), res(engine.StepBlocked, "nope")}}}},
			[]string{"1 to change, 0 already done, 1 blocked; the plan is blocked: no mutating call will be made."},
			[]string{"mutating calls: 1"}},
		{"under way", engine.Preview{Layers: []engine.LayerPreview{{Number: 1, Resources: []engine.ResourcePreview{res(engine.StepUnderWay)}}}},
			[]string{"under-way no call: the operation is already under way in AWS; the run waits for it",
				"no mutating call: 1 operation already under way in AWS."},
			[]string{"SwitchoverGlobalCluster"}},
		{"full arguments", engine.Preview{Layers: []engine.LayerPreview{{Number: 1, Resources: []engine.ResourcePreview{res(engine.StepNext)}}}},
			[]string{"TargetDbClusterIdentifier=" + long + ")", "mutating calls: 1 in us-west-2."}, []string{"…"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			renderPreview(&b, "Plan", &tc.pv)
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("lacks %q:\n%s", w, b.String())
				}
			}
			for _, n := range tc.not {
				if strings.Contains(b.String(), n) {
					t.Errorf("has %q:\n%s", n, b.String())
				}
			}
			js, _ := json.Marshal(planDoc(&tc.pv))
			validJSON(t, "output", string(js))
		})
	}
}

// The result table fits 80 columns and says RTO only for a recovery that
// succeeded.
func TestResultTableAt80Columns(t *testing.T) {
	t.Parallel()
	_, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	r := d.run(append(append([]string{"run", "--yes"}, fastPoll...), seedPayload("4-rds-and-elasticache.json"))...)
	if r.code != 0 {
		t.Fatalf("run:\n%s", r)
	}
	for _, l := range strings.Split(r.stdout, "\n") {
		if n := len([]rune(l)); n >= 80 {
			t.Errorf("a %d-column line: %q", n, l)
		}
	}
	for _, want := range []string{"us-west-2", "succeeded  RTO "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the table lacks %q:\n%s", want, r.stdout)
		}
	}
}

// Poll flags out of range are refused with the range.
func TestPollFlagsChecked(t *testing.T) {
	t.Parallel()
	d := newCLI(t, "", "us-west-2")
	for _, args := range [][]string{
		{"--poll-interval", "10ms"}, {"--poll-interval", "-1s"}, {"--poll-max", "50ms"}, {"--poll-interval", "5s", "--poll-max", "1s"},
	} {
		r := d.run(append(append([]string{"run", "--yes"}, args...), seedPayload("1-planned-switchover.json"))...)
		if r.code != exitBadInput || !strings.Contains(r.stderr, "at least") {
			t.Errorf("%v: want exit 2 and the range\n%s", args, r)
		}
	}
}

// A request budget that is not a number of requests per second is refused
// before anything is read, by each command that takes it.
func TestAPIRateChecked(t *testing.T) {
	t.Parallel()
	d := newCLI(t, "", "us-west-2")
	payload := seedPayload("1-planned-switchover.json")
	for _, args := range [][]string{
		{"run", "--yes", "--api-rate", "NaN", payload}, {"run", "--yes", "--api-rate", "+Inf", payload},
		{"plan", "--api-rate", "-Inf", payload}, {"serve", "--api-rate", "NaN", "--listen", "127.0.0.1:0"},
	} {
		r := d.run(args...)
		if r.code != exitBadInput || !strings.Contains(r.stderr, "--api-rate") || !strings.Contains(r.stderr, "-1 for no limit") {
			t.Errorf("%v: want exit 2 naming --api-rate and what to give\n%s", args, r)
		}
	}
}

// planDoc is plan -o json of a preview.
func planDoc(pv *engine.Preview) any { return output.NewPlan("p.json", "us-west-2", pv) }

func simOutage(region string) sim.Fault {
	return sim.Fault{Kind: sim.FaultOutage, Region: region, Mode: sim.ModeRefuse}
}

// Counts read as English: 1 layer, 2 layers, resumed once, twice, 3 times.
func TestPlurals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{output.Plural(1, "layer"), "1 layer"}, {output.Plural(2, "layer"), "2 layers"}, {output.Plural(0, "problem"), "0 problems"},
		{output.Times(1), "once"}, {output.Times(2), "twice"}, {output.Times(3), "3 times"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	var b bytes.Buffer
	renderRun(&b, &journal.RunState{ID: "r-one", Resumes: 1, Status: journal.StatusRunning}, journal.StatusInterrupted)
	if !strings.Contains(b.String(), "resumed once") {
		t.Errorf("show of a run resumed once:\n%s", b.String())
	}
}
