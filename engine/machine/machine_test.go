package machine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/resource"
)

var t0 = time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)

// scripted is a resource whose goal and steps answer what the test says.
type scripted struct {
	goal  resource.Verdict
	gerr  error
	steps []resource.Step
}

func (s scripted) Goal(context.Context, *resource.View) (resource.Verdict, error) {
	return s.goal, s.gerr
}
func (s scripted) Preflight(context.Context, *resource.View) (resource.Preflight, error) {
	return resource.Preflight{}, nil
}
func (s scripted) Steps() []resource.Step             { return s.steps }
func (s scripted) Watch() []cloud.Key                 { return nil }
func (s scripted) Locks() []string                    { return nil }
func (s scripted) Permissions() []resource.Permission { return nil }
func (s scripted) Timeout() time.Duration             { return time.Hour }
func (s scripted) Region() string                     { return "us-west-2" }

var call = cloud.NewCall("rds", "PromoteReadReplica", "us-west-2", "DBInstanceIdentifier", "db-1")

func step(name string, v resource.Verdict, err error, calls ...cloud.Call) resource.Step {
	return resource.FuncStep{StepName: name,
		CheckFunc: func(context.Context, *resource.View) (resource.Verdict, error) { return v, err },
		CallsFunc: resource.Fixed(calls...)}
}

func v(state resource.State, reason string) resource.Verdict {
	return resource.Verdict{State: state, Reason: reason}
}

var (
	notYet    = v(resource.Ready, "goal not reached")
	ready     = v(resource.Ready, "db-1 is a replica")
	underWay  = v(resource.InProgress, "db-1 is modifying")
	busy      = resource.Verdict{State: resource.Ready, Reason: "datastore modifying; target secondary", Busy: true}
	done      = v(resource.Done, "db-1 is stand-alone")
	blocked   = v(resource.Blocked, "db-1 not found")
	throttled = &cloud.APIError{Service: "rds", Kind: cloud.KindThrottled, Code: "Throttling", Message: "Rate exceeded"}
	reset     = &cloud.APIError{Service: "rds", Kind: cloud.KindUnreachable, Message: "connection reset"}
	refused   = &cloud.APIError{Service: "rds", Kind: cloud.KindInvalidState, Code: "InvalidDBInstanceState", Message: "not a replica"}
)

// looked is the memory of a resource whose goal was found not to hold and
// whose step began at t0.
func looked(f func(*Memory)) Memory {
	m := Begin(t0, time.Hour)
	m.Started, m.Looked, m.StepBegun = true, true, true
	if f != nil {
		f(&m)
	}
	return m
}

// TestNext is the step machine's decision for each situation a resource
// can be in: what the local engine, plan's preview, the test driver and the
// Step Functions Lambda all do next.
func TestNext(t *testing.T) {
	t.Parallel()
	s := Settings{StartGrace: 2 * time.Minute, WriteAttempts: 3, RetryRead: time.Second,
		Cadence: func(age time.Duration) time.Duration { return time.Second + age/60 }}
	tests := []struct {
		name   string
		res    scripted
		mem    Memory
		now    time.Time
		action Action
		step   string
		want   string // in Reason, Observe or Err
		wait   time.Duration
		calls  int
		check  func(t *testing.T, d Decision, m Memory)
	}{
		{name: "goal holds at the start: nothing to do", res: scripted{goal: done, steps: []resource.Step{step("promote", done, nil)}},
			mem: Begin(t0, time.Hour), now: t0, action: AlreadyDone, want: "stand-alone"},
		{name: "goal holds on resume: the rest is skipped", res: scripted{goal: done, steps: []resource.Step{step("a", done, nil), step("b", done, nil)}},
			mem: func() Memory { m := Begin(t0, time.Hour); m.Started, m.Resumed, m.Step = true, true, 1; return m }(), now: t0, action: Done,
			check: func(t *testing.T, d Decision, _ Memory) {
				if len(d.Skipped) != 1 || d.Skipped[0] != "b" {
					t.Errorf("skipped %v, want [b]", d.Skipped)
				}
			}},
		{name: "step's goal already holds: skipped", res: scripted{goal: notYet, steps: []resource.Step{step("promote", done, nil)}},
			mem: Begin(t0, time.Hour), now: t0, action: Skip, step: "promote", want: "stand-alone",
			check: func(t *testing.T, d Decision, m Memory) {
				if !d.BeginStep || m.Step != 1 || !m.Looked {
					t.Errorf("begin %v, memory %+v", d.BeginStep, m)
				}
			}},
		{name: "step done after its call", res: scripted{goal: notYet, steps: []resource.Step{step("promote", done, nil)}},
			mem: looked(func(m *Memory) { m.Issued, m.IssuedAt = true, t0 }), now: t0.Add(time.Minute), action: StepDone, step: "promote"},
		{name: "blocked step fails the resource", res: scripted{goal: notYet, steps: []resource.Step{step("promote", blocked, nil)}},
			mem: Begin(t0, time.Hour), now: t0, action: Failed, step: "promote", want: "promote: db-1 not found"},
		{name: "under way: wait on the cadence", res: scripted{goal: notYet, steps: []resource.Step{step("promote", underWay, nil)}},
			mem: looked(nil), now: t0.Add(2 * time.Minute), action: Wait, step: "promote", want: "modifying", wait: 3 * time.Second,
			check: func(t *testing.T, _ Decision, m Memory) {
				if !m.Progress || m.Observed != "db-1 is modifying" {
					t.Errorf("memory %+v", m)
				}
			}},
		{name: "ready: make the step's calls", res: scripted{goal: notYet, steps: []resource.Step{step("promote", ready, nil, call)}},
			mem: looked(nil), now: t0, action: Call, step: "promote", calls: 1,
			check: func(t *testing.T, _ Decision, m Memory) {
				if m.Attempts != 1 {
					t.Errorf("attempts %d", m.Attempts)
				}
			}},
		{name: "ready after an unknown outcome: made again, said so", res: scripted{goal: notYet, steps: []resource.Step{step("promote", ready, nil, call)}},
			mem: looked(func(m *Memory) { m.Unknown = true }), now: t0, action: Call, calls: 1, want: "left no trace"},
		{name: "accepted, not yet shown: wait within the grace", res: scripted{goal: notYet, steps: []resource.Step{step("promote", ready, nil, call)}},
			mem: looked(func(m *Memory) { m.Issued, m.IssuedAt = true, t0 }), now: t0.Add(time.Minute), action: Wait, want: "call accepted, waiting for AWS"},
		{name: "accepted, never shown: fail after the grace", res: scripted{goal: notYet, steps: []resource.Step{step("promote", ready, nil, call)}},
			mem: looked(func(m *Memory) { m.Issued, m.IssuedAt = true, t0 }), now: t0.Add(3 * time.Minute), action: Failed, want: "nothing shows it started"},
		{name: "busy and not yet asked: make the step's calls", res: scripted{goal: notYet, steps: []resource.Step{step("failover", busy, nil, call)}},
			mem: looked(nil), now: t0, action: Call, calls: 1},
		{name: "busy after the call: under way, past the grace", res: scripted{goal: notYet, steps: []resource.Step{step("failover", busy, nil, call)}},
			mem: looked(func(m *Memory) { m.Issued, m.IssuedAt = true, t0 }), now: t0.Add(30 * time.Minute), action: Wait, want: "datastore modifying",
			check: func(t *testing.T, _ Decision, m Memory) {
				if !m.Progress {
					t.Errorf("memory %+v: busy after the call is progress", m)
				}
			}},
		{name: "busy after an unknown outcome: wait, never call blindly", res: scripted{goal: notYet, steps: []resource.Step{step("failover", busy, nil, call)}},
			mem: looked(func(m *Memory) { m.Unknown = true }), now: t0, action: Wait, want: "outcome is unknown",
			check: func(t *testing.T, _ Decision, m Memory) {
				if m.Attempts != 0 || !m.Unknown {
					t.Errorf("memory %+v: nothing is called while the state cannot tell", m)
				}
			}},
		{name: "busy, then back to ready: rolled back", res: scripted{goal: notYet, steps: []resource.Step{step("failover", ready, nil, call)}},
			mem: looked(func(m *Memory) { m.Issued, m.IssuedAt, m.Progress = true, t0, true }), now: t0.Add(5 * time.Minute), action: Failed, want: "rolled back"},
		{name: "back to its start after progress: rolled back", res: scripted{goal: notYet, steps: []resource.Step{step("promote", ready, nil, call)}},
			mem: looked(func(m *Memory) { m.Issued, m.IssuedAt, m.Progress = true, t0, true }), now: t0.Add(time.Minute), action: Failed, want: "rolled back"},
		{name: "refused too often: give up with the cause", res: scripted{goal: notYet, steps: []resource.Step{step("promote", ready, nil, call)}},
			mem: looked(func(m *Memory) { m.Attempts, m.LastError = 3, "rds PromoteReadReplica: Throttling: Rate exceeded" }), now: t0,
			action: Failed, want: "gave up after 3 attempts; the last one: rds PromoteReadReplica: Throttling"},
		{name: "ready without a call: a bug, not a silent success", res: scripted{goal: notYet, steps: []resource.Step{step("promote", ready, nil)}},
			mem: looked(nil), now: t0, action: Failed, want: "declares no call"},
		{name: "read failed, worth retrying: look again soon", res: scripted{goal: notYet, steps: []resource.Step{step("promote", resource.Verdict{}, throttled)}},
			mem: looked(nil), now: t0, action: Wait, want: "cannot read state yet", wait: time.Second,
			check: func(t *testing.T, d Decision, _ Memory) {
				if !errors.Is(d.Err, throttled) {
					t.Errorf("err %v", d.Err)
				}
			}},
		{name: "read failed for good: fail", res: scripted{goal: notYet, steps: []resource.Step{step("promote", resource.Verdict{}, refused)}},
			mem: looked(nil), now: t0, action: Failed, want: "not a replica"},
		{name: "goal unreadable for good: fail", res: scripted{gerr: refused, steps: []resource.Step{step("promote", ready, nil)}},
			mem: Begin(t0, time.Hour), now: t0, action: Failed, want: "not a replica"},
		{name: "deadline passed: fail with what was seen last", res: scripted{goal: notYet, steps: []resource.Step{step("promote", underWay, nil)}},
			mem: looked(func(m *Memory) { m.Observed = "db-1 is modifying" }), now: t0.Add(time.Hour), action: Failed,
			want: "deadline of 1h0m0s passed (last seen: db-1 is modifying)"},
		{name: "waits never go past the deadline", res: scripted{goal: notYet, steps: []resource.Step{step("promote", underWay, nil)}},
			mem: looked(nil), now: t0.Add(time.Hour - 300*time.Millisecond), action: Wait, wait: 300 * time.Millisecond},
		{name: "every step done", res: scripted{goal: notYet, steps: []resource.Step{step("promote", done, nil)}},
			mem: looked(func(m *Memory) { m.Step = 1 }), now: t0, action: Done},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, m := Next(context.Background(), tt.res, tt.mem, &resource.View{}, tt.now, s)
			if d.Action != tt.action {
				t.Fatalf("action %s (%+v), want %s", d.Action, d, tt.action)
			}
			if tt.step != "" && d.Step != tt.step {
				t.Errorf("step %q, want %q", d.Step, tt.step)
			}
			said := d.Reason + " | " + d.Observe
			if d.Err != nil {
				said += " | " + d.Err.Error()
			}
			if !strings.Contains(said, tt.want) {
				t.Errorf("decision says %q, want %q", said, tt.want)
			}
			if tt.wait != 0 && d.Wait != tt.wait {
				t.Errorf("wait %s, want %s", d.Wait, tt.wait)
			}
			if len(d.Calls) != tt.calls {
				t.Errorf("%d calls, want %d", len(d.Calls), tt.calls)
			}
			if tt.check != nil {
				tt.check(t, d, m)
			}
		})
	}
}

// TestRecord: what the outcome of a step's calls means for the next look.
func TestRecord(t *testing.T) {
	t.Parallel()
	s := Settings{Cadence: func(time.Duration) time.Duration { return 5 * time.Second }}
	now := t0.Add(time.Minute)
	tests := []struct {
		name            string
		o               Outcome
		action          Action
		issued, unknown bool
		want            string
	}{
		{"accepted", Outcome{Accepted: 1}, Wait, true, false, ""},
		{"throttled: refused before acting, made again later", Outcome{Err: throttled}, Wait, false, false, "throttled by AWS"},
		{"reset after one of two was accepted: read state first", Outcome{Accepted: 1, Err: reset}, Wait, true, true, "outcome of the call unknown"},
		{"refused for good", Outcome{Err: refused}, Failed, false, false, "promote: rds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, m := Record(looked(nil), "promote", tt.o, now, s)
			if d.Action != tt.action || m.Issued != tt.issued || m.Unknown != tt.unknown {
				t.Fatalf("decision %+v, memory %+v", d, m)
			}
			said := d.Observe
			if d.Err != nil {
				said += d.Err.Error()
			}
			if !strings.Contains(said, tt.want) {
				t.Errorf("says %q, want %q", said, tt.want)
			}
			if tt.issued && !m.IssuedAt.Equal(now) {
				t.Errorf("issued at %v, want %v (the start grace runs from the call)", m.IssuedAt, now)
			}
		})
	}
}

// TestDefaultCadence: every second while an operation is young, every two
// seconds after, so that the end of any operation is seen within 2 s.
func TestDefaultCadence(t *testing.T) {
	t.Parallel()
	for age, want := range map[time.Duration]time.Duration{0: time.Second, 14 * time.Minute: time.Second, 15 * time.Minute: 2 * time.Second, time.Hour: 2 * time.Second} {
		if got := DefaultCadence(age); got != want {
			t.Errorf("DefaultCadence(%s) = %s, want %s", age, got, want)
		}
	}
}
