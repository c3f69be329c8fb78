package approval_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/engine/machine"
	"drorch/resource"
	"drorch/resource/approval"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// journalView serves approvals as the run's journal would: by key, and
// nothing else (an approval must never read AWS).
type journalView map[cloud.Key]*approval.State

func (j journalView) Read(_ context.Context, k cloud.Key) (any, error) {
	if k.Kind != approval.Approvals.Name {
		return nil, &cloud.APIError{Kind: cloud.KindInvalidInput, Message: "an approval read " + string(k.Kind)}
	}
	if s, ok := j[k]; ok {
		return s, nil
	}
	return &approval.State{}, nil
}

func bind(t *testing.T, params resource.Params, layer, index int) resource.Resource {
	t.Helper()
	r, probs := approval.ManualApproval{}.Bind(params, resource.Context{HomeRegion: "us-west-2", Layer: layer, Index: index})
	if len(probs) > 0 {
		t.Fatalf("bind: %v", probs)
	}
	return r
}

func view(j journalView, run string, now time.Time) *resource.View {
	return &resource.View{Read: j, RunID: run, Now: func() time.Time { return now }}
}

func key(run string, layer, index int) cloud.Key {
	return approval.Approvals.Key("us-west-2", approval.ID(run, layer, index))
}

func TestCheck(t *testing.T) {
	t.Parallel()
	decidedAt := t0.Add(5 * time.Minute)
	tests := []struct {
		name  string
		state *approval.State // of run r1, layer 1, resource 2
		run   string
		now   time.Time
		want  resource.State
		says  string
	}{
		{"nobody decided", nil, "r1", t0, resource.InProgress, "waiting for approval: check the app (drorch approve r1"},
		{"asked a while ago", &approval.State{Requested: t0}, "r1", t0.Add(29 * time.Minute), resource.InProgress, "times out at 2026-03-01T12:30:00Z"},
		{"timed out", &approval.State{Requested: t0}, "r1", t0.Add(30 * time.Minute), resource.Failed, "nobody approved within 30m0s (asked at 2026-03-01T12:00:00Z)"},
		{"approved", &approval.State{Decision: approval.Approved, By: "alice", At: decidedAt, Comment: "writes stopped", Requested: t0}, "r1", t0.Add(time.Hour), resource.Done,
			"approved by alice at 2026-03-01T12:05:00Z: writes stopped"},
		{"rejected", &approval.State{Decision: approval.Rejected, By: "bob", At: decidedAt}, "r1", decidedAt, resource.Blocked, "rejected by bob at"},
		{"another run's approval", nil, "r2", t0, resource.InProgress, "waiting for approval"},
		{"in a plan", nil, "", t0.Add(48 * time.Hour), resource.InProgress, "waiting for approval: check the app"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := journalView{
				// Another resource of the same run, and the same
				// resource of another run, are approved: neither
				// counts for r1's resource 1/2.
				key("r1", 1, 1): {Decision: approval.Approved, By: "mallory", At: t0},
				key("r9", 1, 2): {Decision: approval.Approved, By: "mallory", At: t0},
			}
			if tc.state != nil {
				j[key("r1", 1, 2)] = tc.state
			}
			r := bind(t, resource.Params{"Message": "check the app", "ApprovalTimeout": "30m"}, 1, 2)
			v, err := r.Steps()[0].Check(context.Background(), view(j, tc.run, tc.now))
			if err != nil {
				t.Fatal(err)
			}
			if v.State != tc.want || !strings.Contains(v.Reason, tc.says) {
				t.Errorf("check = %s %q, want %s containing %q", v.State, v.Reason, tc.want, tc.says)
			}
			calls, err := r.Steps()[0].Calls(context.Background(), view(j, tc.run, tc.now))
			if err != nil || len(calls) != 0 {
				t.Errorf("an approval declared calls %v (%v)", calls, err)
			}
		})
	}
}

// Driven by the step machine, as the engine drives it: the resource waits,
// then finishes when the journal says approved, and fails when rejected.
func TestMachine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		decision string
		want     machine.Action
	}{{approval.Approved, machine.StepDone}, {approval.Rejected, machine.Failed}} {
		t.Run(tc.decision, func(t *testing.T) {
			t.Parallel()
			j := journalView{}
			r := bind(t, resource.Params{}, 0, 0)
			m := machine.Begin(t0, r.Timeout())
			m.Started = true
			d, m := machine.Next(context.Background(), r, m, view(j, "r1", t0), t0, machine.Settings{})
			if d.Action != machine.Wait || !d.BeginStep || !strings.Contains(d.Observe, "waiting for approval") {
				t.Fatalf("first decision = %+v", d)
			}
			j[key("r1", 0, 0)] = &approval.State{Decision: tc.decision, By: "alice", At: t0.Add(time.Minute), Requested: t0}
			d, _ = machine.Next(context.Background(), r, m, view(j, "r1", t0.Add(time.Minute)), t0.Add(time.Minute), machine.Settings{})
			if d.Action != tc.want {
				t.Fatalf("after %s: %+v", tc.decision, d)
			}
		})
	}
}

func TestGoalAndPreflight(t *testing.T) {
	t.Parallel()
	r := bind(t, resource.Params{"Message": "call the DBA"}, 0, 3)
	j := journalView{}
	g, err := r.Goal(context.Background(), view(j, "r1", t0))
	if err != nil || g.State != resource.Ready {
		t.Errorf("goal before any decision = %+v, %v", g, err)
	}
	j[key("r1", 0, 3)] = &approval.State{Decision: approval.Approved, By: "alice", At: t0}
	if g, _ := r.Goal(context.Background(), view(j, "r1", t0)); g.State != resource.Done {
		t.Errorf("goal once approved = %+v", g)
	}
	pf, err := r.Preflight(context.Background(), view(j, "", t0))
	if err != nil || len(pf.Blockers) != 0 || !strings.Contains(strings.Join(pf.State, "\n"), "call the DBA") || !strings.Contains(strings.Join(pf.State, "\n"), "1h0m0s") {
		t.Errorf("preflight = %+v, %v", pf, err)
	}
	if r.Timeout() <= time.Hour || len(r.Locks()) != 0 || len(r.Watch()) != 0 || len(r.Permissions()) != 0 || r.Region() != "us-west-2" {
		t.Errorf("timeout %s, locks %v, watch %v, permissions %v, region %s", r.Timeout(), r.Locks(), r.Watch(), r.Permissions(), r.Region())
	}
}

func TestBindRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ value, says string }{
		{"soon", `"soon" is not a duration`},
		{"10s", "10s is out of range"},
		{"25h", "25h0m0s is out of range"},
	} {
		_, probs := approval.ManualApproval{}.Bind(resource.Params{"ApprovalTimeout": tc.value}, resource.Context{HomeRegion: "us-west-2"})
		if len(probs) != 1 || probs[0].Field != "ApprovalTimeout" || !strings.Contains(probs[0].Message, tc.says) || probs[0].Fix == "" {
			t.Errorf("ApprovalTimeout %q: problems %v, want one saying %q with a fix", tc.value, probs, tc.says)
		}
	}
}

func TestID(t *testing.T) {
	t.Parallel()
	run, l, i, err := approval.ParseID(approval.ID("3f9a2c81d0", 2, 7))
	if err != nil || run != "3f9a2c81d0" || l != 2 || i != 7 {
		t.Errorf("ParseID(ID) = %s %d %d %v", run, l, i, err)
	}
	for _, bad := range []string{"", "r1", "r1/1", "r1/a/2", "r1/1/-2", "r1/1/2/3"} {
		if _, _, _, err := approval.ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) accepted it", bad)
		}
	}
}
