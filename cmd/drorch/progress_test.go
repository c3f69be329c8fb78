package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"drorch/journal"
)

// progressEvents is a one-resource run as the engine journals it.
func progressEvents(t *testing.T) []journal.Event {
	t.Helper()
	at := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	spec := journal.RunSpec{Region: "us-west-2", Layers: []journal.LayerSpec{{Number: 1, Resources: []journal.ResourceSpec{
		{Name: "Promote the orders replica", Type: "PromoteRDSReadReplica", Region: "us-west-2", Steps: []string{"promote"}}}}}}
	raw := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	call := journal.Call{ID: "c1", Service: "rds", Action: "PromoteReadReplica", Region: "us-west-2"}
	done := raw(journal.Outcome{Status: journal.StatusSucceeded})
	evs := []journal.Event{
		{Kind: journal.RunCreated, Layer: -1, Resource: -1, Data: raw(spec)},
		{Kind: journal.RunStarted, Layer: -1, Resource: -1, Data: raw(journal.Process{})},
		{Kind: journal.LayerStarted, Layer: 0, Resource: -1},
		{Kind: journal.ResourceStarted, Layer: 0, Resource: 0},
		{Kind: journal.StepStarted, Layer: 0, Resource: 0, Step: "promote"},
		{Kind: journal.CallIntent, Layer: 0, Resource: 0, Step: "promote", Message: "rds PromoteReadReplica in us-west-2", Data: raw(call)},
		{Kind: journal.CallIssued, Layer: 0, Resource: 0, Step: "promote", Data: raw(call)},
		{Kind: journal.StepObserved, Layer: 0, Resource: 0, Step: "promote", Message: "orders is modifying"},
		{Kind: journal.StepFinished, Layer: 0, Resource: 0, Step: "promote", Data: done},
		{Kind: journal.ResourceFinished, Layer: 0, Resource: 0, Data: done},
		{Kind: journal.LayerFinished, Layer: 0, Resource: -1, Data: done},
		{Kind: journal.RunFinished, Layer: -1, Resource: -1, Data: done},
	}
	for i := range evs {
		evs[i].RunID, evs[i].Seq, evs[i].Time = "r1", int64(i+1), at.Add(time.Duration(i)*10*time.Second)
	}
	return evs
}

func TestLineProgressTellsTheStory(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := newProgress(&out, false, 80, time.Now, nil)
	for _, ev := range progressEvents(t) {
		p.event(ev)
	}
	p.close()
	for _, want := range []string{
		"03:00:00.000  run r1 created",
		"layer 1 / Promote the orders replica: step 1/1 promote: calling rds PromoteReadReplica in us-west-2",
		"step 1/1 promote: accepted by AWS",
		"promote: orders is modifying",
		"layer 1 / Promote the orders replica: succeeded after 1m00s",
		"run r1 succeeded",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBarProgressDrawsOneLinePerResource(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := newProgress(&out, true, 80, time.Now, nil)
	for _, ev := range progressEvents(t) {
		p.event(ev)
	}
	p.close()
	got := out.String()
	for _, want := range []string{"L1 Promote the orders replica", "✓", "succeeded"} {
		if !strings.Contains(got, want) {
			t.Errorf("bars lack %q:\n%q", want, got)
		}
	}
}
