package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/engine"
	"drorch/internal/clock"
	"drorch/journal"
	"drorch/manifest"
	"drorch/ref"
	"drorch/resource"
)

// This file adds a resource type the engine has never heard of, on a
// service drorch has no adapter for: a DNS record switched to the DR
// region. Nothing outside this file changes, yet its calls are journaled
// (intent, then outcome with AWS's request id), a crash between the two is
// resumed without repeating the call, and plan's preview shows its step.

// records is the new kind of resource the type reads.
var records = cloud.KindOf[record]{Name: "route53:record", Noun: "DNS record"}

type record struct{ Name, Target string }

// dnsSwitch is the new type: PointDNSRecord.
type dnsSwitch struct{}

func (dnsSwitch) Spec() manifest.TypeSpec {
	return manifest.TypeSpec{Name: "PointDNSRecord", Doc: "points a DNS record at the DR region's endpoint", Params: []manifest.ParamSpec{
		{Name: "RecordName", Kind: manifest.KindString, Required: true, Doc: "the record", Example: "db.example.com"},
		{Name: "Target", Kind: manifest.KindString, Required: true, Doc: "where it points", Example: "dr.example.com"},
	}}
}

func (dnsSwitch) Bind(p resource.Params, _ resource.Context) (resource.Resource, []manifest.Problem) {
	return &pointDNS{name: p.String("RecordName"), target: p.String("Target")}, nil
}

type pointDNS struct{ name, target string }

func (d *pointDNS) Steps() []resource.Step {
	return []resource.Step{resource.FuncStep{StepName: "point-record", CheckFunc: d.check, CallsFunc: resource.Fixed(
		cloud.NewCall("route53", "ChangeResourceRecordSets", "us-east-1", "Name", d.name, "Target", d.target))}}
}

func (d *pointDNS) check(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	r, err := records.Get(ctx, v.Read, "us-east-1", d.name)
	if err != nil {
		return resource.Verdict{}, err
	}
	if r.Target == d.target {
		return resource.Verdictf(resource.Done, "%s points at %s", d.name, d.target), nil
	}
	return resource.Verdictf(resource.Ready, "%s points at %s", d.name, r.Target), nil
}

func (d *pointDNS) Goal(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	verdict, err := d.check(ctx, v)
	return resource.GoalOf(verdict), err
}

func (d *pointDNS) Preflight(context.Context, *resource.View) (resource.Preflight, error) {
	return resource.Preflight{}, nil
}
func (d *pointDNS) Watch() []cloud.Key                 { return []cloud.Key{records.Key("us-east-1", d.name)} }
func (d *pointDNS) Locks() []string                    { return []string{"route53-record:" + d.name} }
func (d *pointDNS) Permissions() []resource.Permission { return nil }
func (d *pointDNS) Timeout() time.Duration             { return time.Hour }
func (d *pointDNS) Region() string                     { return "us-east-1" }

// dns is the new service's fake AWS: records it reads, the change it makes.
type dns struct {
	mu      sync.Mutex
	targets map[string]string
	changes int
}

func (d *dns) Read(_ context.Context, k cloud.Key) (any, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t, ok := d.targets[k.ID]; ok && k.Kind == records.Name {
		return &record{Name: k.ID, Target: t}, nil
	}
	return nil, cloud.NotFound(k)
}

func (d *dns) ReadBatch(ctx context.Context, kind cloud.Kind, region string, ids []string) (map[string]any, error) {
	out := map[string]any{}
	for _, id := range ids {
		if v, err := d.Read(ctx, cloud.Key{Kind: kind, Region: region, ID: id}); err == nil {
			out[id] = v
		}
	}
	return out, nil
}

func (d *dns) Execute(_ context.Context, c cloud.Call) (cloud.Result, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c.Service != "route53" || c.Action != "ChangeResourceRecordSets" {
		return cloud.Result{}, fmt.Errorf("unknown action %s", c.Action)
	}
	d.changes++
	d.targets[c.Args["Name"]] = c.Args["Target"]
	return cloud.Result{RequestID: fmt.Sprintf("dns-req-%d", d.changes)}, nil
}

func (d *dns) Caller(context.Context, string) (cloud.Caller, error) { return cloud.Caller{}, nil }

// crashAfterIntent is a journal whose process dies right after it made the
// first call it journaled: every append after the first intent fails.
type crashAfterIntent struct {
	journal.Store
	mu      sync.Mutex
	crashed bool
}

var errCrashed = errors.New("the process died")

func (c *crashAfterIntent) Append(ctx context.Context, run string, evs ...journal.Event) ([]journal.Event, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.crashed {
		return nil, errCrashed
	}
	for _, ev := range evs {
		if ev.Kind == journal.CallIntent {
			c.crashed = true
		}
	}
	return c.Store.Append(ctx, run, evs...)
}

func TestANewTypeOnANewServiceIsJournaledAndResumed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := resource.NewRegistry(dnsSwitch{})
	payload := []byte(`{"StatePayload": [{"layer": 1, "resources": [{"resourceType": "PointDNSRecord",
		"resourceName": "DNS to the DR region", "parameters": {"RecordName": "db.example.com", "Target": "dr.example.com"}}]}]}`)
	p, problems := manifest.Load(payload, reg)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	res, problems := ref.Literals(p, reg)
	plan, bound := engine.Bind(res, reg, resource.Context{HomeRegion: "us-east-1"}, journal.RunSpec{Command: "run", Region: "us-east-1"})
	if len(problems)+len(bound) > 0 {
		t.Fatal(problems, bound)
	}

	clk := clock.NewAuto(time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC))
	cloudDNS := &dns{targets: map[string]string{"db.example.com": "primary.example.com"}}
	store := journal.NewMemory(clk)
	newEngine := func(s journal.Store, owner string) *engine.Engine {
		return &engine.Engine{Store: s, Clock: clk, Reader: cloudDNS, Batch: cloudDNS, Executor: cloudDNS, Identity: cloudDNS,
			Process: journal.Process{Owner: owner}, Settings: engine.Settings{Heartbeat: 10 * time.Millisecond},
			OwnerGone: func(string) bool { return true }}
	}

	// The plan's preview shows the step and the exact call.
	pv, err := newEngine(store, "plan").Preview(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	st := pv.Layers[0].Resources[0].Steps[0]
	if st.Name != "point-record" || st.Status != engine.StepNext || len(st.Calls) != 1 ||
		st.Calls[0].String() != "route53 ChangeResourceRecordSets in us-east-1 (Name=db.example.com, Target=dr.example.com)" {
		t.Fatalf("preview step = %+v", st)
	}

	// The run dies between the call and its outcome.
	if _, err := newEngine(&crashAfterIntent{Store: store}, "first").Start(ctx, "dns-1", plan); !errors.Is(err, errCrashed) {
		t.Fatalf("first run: %v, want the crash", err)
	}
	if cloudDNS.changes != 1 {
		t.Fatalf("%d changes before the crash, want 1", cloudDNS.changes)
	}
	state, err := journal.Fold(mustEvents(t, store, "dns-1"))
	if err != nil {
		t.Fatal(err)
	}
	calls := state.Layers[0].Resources[0].Steps[0].Calls
	if len(calls) != 1 || calls[0].Status != journal.CallStatusIntent || calls[0].Call.Action != "ChangeResourceRecordSets" {
		t.Fatalf("journaled calls after the crash = %+v, want the intent of the change", calls)
	}

	// A resume, a little later, reads state, sees the change made and does
	// not repeat it.
	clk.Advance(time.Second)
	state, err = newEngine(store, "second").Resume(ctx, "dns-1", plan)
	if err != nil || state.Status != journal.StatusSucceeded {
		t.Fatalf("resume: %+v %v", state, err)
	}
	if cloudDNS.changes != 1 {
		t.Errorf("%d changes after the resume, want the one before the crash", cloudDNS.changes)
	}

	// A run that is not interrupted journals the outcome with the request id.
	cloudDNS.targets["db.example.com"] = "primary.example.com"
	state, err = newEngine(store, "third").Start(ctx, "dns-2", plan)
	if err != nil || state.Status != journal.StatusSucceeded {
		t.Fatalf("second run: %+v %v", state, err)
	}
	calls = state.Layers[0].Resources[0].Steps[0].Calls
	if len(calls) != 1 || calls[0].Status != journal.CallStatusIssued || calls[0].Call.RequestID != "dns-req-2" {
		t.Errorf("journaled call = %+v, want issued with request id dns-req-2", calls)
	}
	var kinds []string
	for _, ev := range mustEvents(t, store, "dns-2") {
		if strings.HasPrefix(string(ev.Kind), "call.") {
			kinds = append(kinds, string(ev.Kind))
		}
	}
	if strings.Join(kinds, " ") != "call.intent call.issued" {
		t.Errorf("call events = %v, want the intent then the outcome", kinds)
	}
}

func mustEvents(t *testing.T, s journal.Store, run string) []journal.Event {
	t.Helper()
	evs, err := s.Events(context.Background(), run, 0)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
