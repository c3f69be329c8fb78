package report

import (
	"strings"
	"testing"
	"time"

	"drorch/journal"
)

func TestRTO(t *testing.T) {
	t.Parallel()
	const (
		failover = "PlannedFailoverAurora"
		rebuild  = "CreateAuroraSecondaryDBCluster"
	)
	type res struct {
		typ    string
		status journal.Status
		start  time.Duration
		took   time.Duration
	}
	tests := []struct {
		name      string
		resources []res
		recovery  func(string) bool
		runRTO    time.Duration // 0: none
		note      string        // part of RTONote
		resRTO    []time.Duration
	}{
		{"one failover", []res{{failover, journal.StatusSucceeded, time.Second, 61 * time.Second}}, recoveryTypes,
			62 * time.Second, `to the end of "r0"`, []time.Duration{61 * time.Second}},
		{"the last failover to finish, not the last in order", []res{
			{failover, journal.StatusSucceeded, time.Second, 90 * time.Second},
			{failover, journal.StatusSucceeded, time.Second, 30 * time.Second}}, recoveryTypes,
			91 * time.Second, `"r0"`, []time.Duration{90 * time.Second, 30 * time.Second}},
		{"a rebuild has a duration, not an RTO", []res{{rebuild, journal.StatusSucceeded, time.Second, 10 * time.Minute}}, recoveryTypes,
			0, "no recovery (failover) resource", []time.Duration{0}},
		{"a rebuild after the failover does not count", []res{
			{failover, journal.StatusSucceeded, time.Second, time.Minute},
			{rebuild, journal.StatusSucceeded, time.Second, 10 * time.Minute}}, recoveryTypes,
			61 * time.Second, `"r0"`, []time.Duration{time.Minute, 0}},
		{"a failed failover: no RTO at all", []res{
			{failover, journal.StatusSucceeded, time.Second, time.Minute},
			{failover, journal.StatusFailed, time.Second, 2 * time.Minute}}, recoveryTypes,
			0, `"r1" is failed`, []time.Duration{time.Minute, 0}},
		{"a cancelled failover", []res{{failover, journal.StatusCancelled, time.Second, time.Minute}}, recoveryTypes,
			0, "is cancelled", []time.Duration{0}},
		{"already done: nothing recovered", []res{{failover, journal.StatusAlreadyDone, time.Second, 0}}, recoveryTypes,
			0, "already done", []time.Duration{0}},
		{"already done and one recovered", []res{
			{failover, journal.StatusAlreadyDone, time.Second, 0},
			{failover, journal.StatusSucceeded, time.Second, 40 * time.Second}}, recoveryTypes,
			41 * time.Second, `"r1"`, []time.Duration{0, 40 * time.Second}},
		{"no registry: durations only", []res{{failover, journal.StatusSucceeded, time.Second, time.Minute}}, nil,
			0, "no recovery", []time.Duration{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var specs []journal.ResourceSpec
			for i, r := range tc.resources {
				specs = append(specs, resourceSpec(i, "r"+string(rune('0'+i)), r.typ))
			}
			s := newScript(oneLayer(specs...)).run(0, journal.RunStarted, "", started()).layer(0, journal.LayerStarted, 0, "")
			end := time.Duration(0)
			for i, r := range tc.resources {
				if r.status == journal.StatusAlreadyDone {
					s.res(r.start, journal.ResourceAlreadyDone, 0, i, "the writer is already in us-west-2", "", "")
					continue
				}
				s.resourceRun(r.start, r.took, i, r.status, "")
				end = max(end, r.start+r.took)
			}
			s.layer(end, journal.LayerFinished, 0, journal.StatusSucceeded).finish(end, journal.StatusSucceeded, "")
			rep, err := FromEvents(s.evs, Options{Recovery: tc.recovery})
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Run.RTO.D(); got != tc.runRTO {
				t.Errorf("run RTO %s, want %s (%s)", got, tc.runRTO, rep.Run.RTONote)
			}
			if !strings.Contains(rep.Run.RTONote, tc.note) {
				t.Errorf("RTO note %q does not say %q", rep.Run.RTONote, tc.note)
			}
			for i, want := range tc.resRTO {
				r := rep.Layers[0].Resources[i]
				if got := r.RTO.D(); got != want {
					t.Errorf("%s (%s, %s): RTO %s, want %s", r.Name, r.Type, r.Status, got, want)
				}
				if r.RTO != nil && r.RTO.Seconds != r.Duration.Seconds {
					t.Errorf("%s: RTO %v is not its duration %v", r.Name, r.RTO, r.Duration)
				}
			}
			// The text formats say RTO only where there is one.
			md := render(t, rep, Markdown)
			if tc.runRTO == 0 && !strings.Contains(md, "- **RTO:** none") {
				t.Errorf("the Markdown report gives an RTO where there is none:\n%s", md)
			}
		})
	}
}

// A resource interrupted and resumed keeps its first start: its duration
// (and RTO) include the time the run stood still.
func TestRTOIncludesTheInterruption(t *testing.T) {
	t.Parallel()
	s := newScript(oneLayer(resourceSpec(0, "r0", "PlannedFailoverAurora"))).
		run(0, journal.RunStarted, "", started()).layer(0, journal.LayerStarted, 0, "").
		res(time.Second, journal.ResourceStarted, 0, 0, "", "", "").
		step(time.Second, journal.StepStarted, 0, 0, "do", "", "", nil).
		run(10*time.Minute, journal.RunResumed, "", journal.Process{Host: "ops2", PID: 2, User: "bob"}).
		res(10*time.Minute, journal.ResourceStarted, 0, 0, "", "", "").
		step(10*time.Minute, journal.StepStarted, 0, 0, "do", "", "", nil).
		step(11*time.Minute, journal.StepFinished, 0, 0, "do", "", "", out(journal.StatusSucceeded)).
		res(11*time.Minute, journal.ResourceFinished, 0, 0, "", "", journal.StatusSucceeded).
		layer(11*time.Minute, journal.LayerFinished, 0, journal.StatusSucceeded).finish(11*time.Minute, journal.StatusSucceeded, "")
	rep, err := FromEvents(s.evs, Options{Recovery: recoveryTypes})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Layers[0].Resources[0].RTO.D(); got != 11*time.Minute-time.Second {
		t.Errorf("resource RTO %s, want 10m59s (from its first start)", got)
	}
	if got := rep.Run.RTO.D(); got != 11*time.Minute {
		t.Errorf("run RTO %s, want 11m", got)
	}
	if len(rep.Run.Sessions) != 2 || rep.Run.Sessions[0].User != "alice" || rep.Run.Sessions[1].Action != "resumed" ||
		rep.Run.Sessions[1].User != "bob" || !rep.Run.Sessions[1].At.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("sessions %+v, want alice's start and bob's resume at 10m", rep.Run.Sessions)
	}
	// The state alone knows only the latest process.
	st, err := journal.Fold(s.evs)
	if err != nil {
		t.Fatal(err)
	}
	fs := FromState(st, Options{Recovery: recoveryTypes})
	if len(fs.Run.Sessions) != 1 || fs.Run.Sessions[0].User != "bob" || fs.Run.Sessions[0].Action != "resumed" {
		t.Errorf("FromState sessions %+v, want bob's resume", fs.Run.Sessions)
	}
	if fs.Run.RTO.D() != rep.Run.RTO.D() || len(fs.Layers) != len(rep.Layers) {
		t.Errorf("FromState and FromEvents disagree: %v / %v", fs.Run.RTO, rep.Run.RTO)
	}
}

// An unfinished run is reported as far as it went: running bars end at the
// report's moment, nothing has an RTO yet, and every format says so.
func TestUnfinishedRun(t *testing.T) {
	t.Parallel()
	s := newScript(oneLayer(resourceSpec(0, "r0", "PlannedFailoverAurora"))).
		run(0, journal.RunStarted, "", started()).layer(0, journal.LayerStarted, 0, "").
		res(time.Second, journal.ResourceStarted, 0, 0, "", "", "").
		step(time.Second, journal.StepStarted, 0, 0, "do", "", "", nil).
		step(2*time.Second, journal.CallIntent, 0, 0, "do", "", "", journal.Call{ID: "c1", Service: "rds", Action: "SwitchoverGlobalCluster", Region: "us-west-2"})
	now := t0.Add(time.Minute)
	rep, err := FromEvents(s.evs, Options{Recovery: recoveryTypes, Status: journal.StatusInterrupted, Generated: now})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Run.Finished || rep.Run.Status != "interrupted" || !rep.Run.AsOf.Equal(now) || rep.Run.RTO != nil || rep.Run.Duration != nil {
		t.Errorf("run %+v: want unfinished, interrupted, as of %s, no RTO or duration", rep.Run, now)
	}
	if rep.Summary.UnknownCalls != 1 || len(rep.UnknownCalls) != 1 || rep.UnknownCalls[0].Call.Action != "SwitchoverGlobalCluster" {
		t.Errorf("the call with only an intent is not listed as unknown: %+v", rep.UnknownCalls)
	}
	for f, want := range map[Format]string{
		Markdown: "**Unfinished run** (interrupted)",
		HTML:     "<strong>Unfinished run</strong> (interrupted)",
		JUnit:    `type="unfinished"`,
		JSON:     `"finished": false`,
	} {
		if got := render(t, rep, f); !strings.Contains(got, want) {
			t.Errorf("%s report does not say %q", f, want)
		}
	}
	svg := string(Timeline(rep, TimelineOptions{}))
	if !strings.Contains(svg, `class="asof"`) {
		t.Errorf("the timeline has no 'as of' line for an unfinished run")
	}
}

// A secret parameter's value never reaches a report, even if a journal
// wrongly held one: every format shows "(secret)" and its reference.
func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-demo-password"
	spec := resourceSpec(0, "Redis failover", "FailoverElastiCacheCluster")
	spec.Params = map[string]string{"AuthToken": secret, "GlobalReplicationGroupId": "g1"}
	spec.Refs = map[string]string{"AuthToken": "resolve:ssm:/dr/redis-auth"}
	spec.Secret = []string{"AuthToken"}
	s := newScript(oneLayer(spec)).run(0, journal.RunStarted, "", started()).finish(time.Second, journal.StatusFailed, "")
	rep, err := FromEvents(s.evs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := rep.Layers[0].Resources[0].Parameters[0]
	if p.Name != "AuthToken" || !p.Secret || p.Value != "" || p.Ref != "resolve:ssm:/dr/redis-auth" || p.Display() != "(secret)" {
		t.Errorf("secret parameter %+v", p)
	}
	for _, f := range Formats {
		got := render(t, rep, f)
		if strings.Contains(got, secret) {
			t.Errorf("the %s report shows the secret", f)
		}
		if f != JSON && f != JUnit && (!strings.Contains(got, "(secret)") || !strings.Contains(got, "resolve:ssm:/dr/redis-auth")) {
			t.Errorf("the %s report does not show (secret) and its reference", f)
		}
	}
}

// Approvals, when the journal has them, are in every format, on their
// resource and in the run's list.
func TestApprovals(t *testing.T) {
	t.Parallel()
	spec := oneLayer(resourceSpec(0, "Go ahead from the incident lead", "ManualApproval", "approve"),
		resourceSpec(1, "Aurora failover", "UnPlannedFailoverAurora"))
	s := newScript(spec).run(0, journal.RunStarted, "", started()).layer(0, journal.LayerStarted, 0, "").
		res(time.Second, journal.ResourceStarted, 0, 0, "", "", "").
		step(time.Second, journal.StepStarted, 0, 0, "approve", "", "", nil).
		step(5*time.Minute, journal.StepFinished, 0, 0, "approve", "", "", out(journal.StatusSucceeded)).
		res(5*time.Minute, journal.ResourceFinished, 0, 0, "", "", journal.StatusSucceeded).
		layer(5*time.Minute, journal.LayerFinished, 0, journal.StatusSucceeded).finish(5*time.Minute, journal.StatusSucceeded, "")
	rep, err := FromEvents(s.evs, Options{Recovery: recoveryTypes, Approvals: []ApprovalEvent{
		{Layer: 0, Resource: 0, Step: "approve", By: "carol@example.com", At: t0.Add(5 * time.Minute), Comment: "us-east-1 confirmed down"},
		{Layer: 7, Resource: 0, By: "nobody"}, // no such resource: dropped
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Approvals) != 1 || rep.Summary.Approvals != 1 || len(rep.Layers[0].Resources[0].Approvals) != 1 {
		t.Fatalf("approvals %+v", rep.Approvals)
	}
	a := rep.Approvals[0]
	if a.Decision != "approved" || a.By != "carol@example.com" || a.Resource != "Go ahead from the incident lead" || a.Layer != 1 {
		t.Errorf("approval %+v", a)
	}
	for _, f := range Formats {
		got := render(t, rep, f)
		if !strings.Contains(got, "carol@example.com") || !strings.Contains(got, "us-east-1 confirmed down") {
			t.Errorf("the %s report does not show the approval", f)
		}
	}
	validateJSON(t, compileSchema(t), render(t, rep, JSON))
}

// FromEvents refuses a journal that does not fold, naming the problem.
func TestFromEventsBadJournal(t *testing.T) {
	t.Parallel()
	if _, err := FromEvents(nil, Options{}); err == nil {
		t.Error("no events: want an error")
	}
	s := newScript(oneLayer(resourceSpec(0, "r0", "PlannedFailoverAurora"))).res(time.Second, journal.ResourceStarted, 3, 0, "", "", "")
	if _, err := FromEvents(s.evs, Options{}); err == nil || !strings.Contains(err.Error(), "layer 3") {
		t.Errorf("an event for a layer the run lacks: got %v", err)
	}
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Format{"json": JSON, "MD": Markdown, "markdown": Markdown, " html ": HTML, "junit": JUnit, "xml": JUnit} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := ParseFormat("pdf\x1b[2J")
	if err == nil || strings.Contains(err.Error(), "\x1b") || !strings.Contains(err.Error(), "json, md, html, junit") {
		t.Errorf("ParseFormat(pdf): %v", err)
	}
}

// A run that was created but never started (its process died at once)
// still gets a report in every format.
func TestReportOfARunThatNeverStarted(t *testing.T) {
	t.Parallel()
	s := newScript(oneLayer(resourceSpec(0, "r0", "PlannedFailoverAurora")))
	rep, err := FromEvents(s.evs, Options{Recovery: recoveryTypes, Status: journal.StatusInterrupted})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Run.Finished || len(rep.Run.Sessions) != 0 || rep.Run.RTO != nil || !strings.Contains(rep.Run.RTONote, "still running") && !strings.Contains(rep.Run.RTONote, "not reached") {
		t.Errorf("run %+v", rep.Run)
	}
	for _, f := range Formats {
		if out := render(t, rep, f); !strings.Contains(out, "r0") {
			t.Errorf("the %s report does not name the resource", f)
		}
	}
	validateJSON(t, compileSchema(t), render(t, rep, JSON))
}
