package sfn

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// history counts, from a definition read back from its JSON, the events
// that each visit of a state writes (see the Events* constants for where
// the numbers come from).
type history struct {
	t   *testing.T
	def *Definition
}

// visit is the events of one visit of state name; worst counts every retry
// of its Retry rules as taken.
func (h history) visit(d *Definition, name string, worst bool) int {
	h.t.Helper()
	s, ok := d.States[name]
	if !ok {
		h.t.Fatalf("no state %s", name)
	}
	switch s.Type {
	case "Task":
		n := EventsTask
		if worst {
			for _, r := range s.Retry {
				n += EventsRetry * r.MaxAttempts
			}
		}
		return n
	case "Choice":
		return EventsChoice
	case "Wait":
		return EventsWait
	case "Pass":
		return EventsPass
	case "Succeed":
		return EventsSucceed
	case "Fail":
		return EventsFail
	case "Map":
		if s.ItemProcessor == nil || s.ItemProcessor.ProcessorConfig == nil || s.ItemProcessor.ProcessorConfig.Mode != "DISTRIBUTED" {
			h.t.Fatalf("%s is an inline Map: its iterations would count in this history", name)
		}
		return EventsMap
	}
	h.t.Fatalf("%s: state type %s not counted", name, s.Type)
	return 0
}

// path sums the visits of a sequence of states, checking that each one
// leads to the next (by Next, a Choice rule or Default), so that the count
// follows the definition's real transitions.
func (h history) path(d *Definition, worst bool, names ...string) int {
	h.t.Helper()
	n := 0
	for i, name := range names {
		n += h.visit(d, name, worst)
		if i+1 < len(names) {
			found := false
			for _, next := range transitions(d.States[name]) {
				found = found || next == names[i+1]
			}
			if !found {
				h.t.Fatalf("%s does not lead to %s", name, names[i+1])
			}
		}
	}
	return n
}

// childEvents is the history of one resource's child execution that makes
// polls steps (polls-1 waits), every Task visit retried as worst says.
func (h history) childEvents(polls int, worst bool) int {
	child := h.def.States[StateLayer].ItemProcessor
	turn := h.path(child, worst, StateStep, StateDecide, StateWaitForAWS)
	if child.States[StateWaitForAWS].Next != StateStep {
		h.t.Fatalf("the wait does not loop back to the step")
	}
	end := h.path(child, worst, StateStep, StateDecide, StateResourceDone)
	return EventsExecution + (polls-1)*turn + end
}

// parentEvents is the history of an execution of layers layers.
func (h history) parentEvents(layers int, worst bool) int {
	d := h.def
	start := 1 + h.path(d, worst, StatePrepare, StateLayer)
	perLayer := h.path(d, worst, StateLayer, StateAfterLayer, StateMoreLayers, StateLayer) -
		h.visit(d, StateLayer, worst)
	// The end: the last layer's Map, its AfterLayer and MoreLayers are in
	// perLayer; then Finish and the outcome. A failed run also passes
	// LayerFailed; count it, and the larger of Succeed and Fail. A finish
	// that fails goes through ReleaseLock to FinishFailed instead.
	end := h.path(d, worst, StateMoreLayers, StateFinish, StateOutcome, StateSucceeded) - EventsChoice +
		h.visit(d, StateLayerFailed, worst) + 1
	failedEnd := h.path(d, worst, StateFinish, StateReleaseLock, StateFinishFailed) + h.visit(d, StateLayerFailed, worst)
	return start - h.visit(d, StateLayer, worst) + layers*perLayer + max(end, failedEnd)
}

// requested is the step machine of the brief: 1 s waits for the first
// three minutes of an operation, then 5 s.
func requested(elapsed time.Duration) time.Duration {
	if elapsed < 3*time.Minute {
		return time.Second
	}
	return 5 * time.Second
}

// polls counts the steps of a resource whose operation lasts d, in a layer
// of n resources: every wait as WaitSeconds makes it, steps taking no time.
func polls(d time.Duration, n int) int {
	minWait := MinWaitFor(n, DefaultPollsPerSecond)
	k := 1
	for t := time.Duration(0); t < d; k++ {
		t += time.Duration(WaitSeconds(requested(t), t, minWait)) * time.Second
	}
	return k
}

// TestHistoryArithmetic computes, from each generated definition, the
// worst-case history of the parent execution and of a resource's child
// execution, and checks both against HistoryQuota; it prints the figures
// the package doc quotes (go test ./sfn -run TestHistoryArithmetic -v).
func TestHistoryArithmetic(t *testing.T) {
	t.Parallel()
	for _, w := range Workflows() {
		t.Run(w.Name, func(t *testing.T) {
			t.Parallel()
			h := history{t: t, def: generated(t, w)}

			// The parent: a fixed start and end, and a fixed cost per
			// layer, whatever the number of resources in a layer.
			t.Logf("parent: start and end %d events with every retry taken, each layer %d (%d without retries)",
				h.parentEvents(0, true), h.parentEvents(1, true)-h.parentEvents(0, true), h.parentEvents(1, false)-h.parentEvents(0, false))
			worst := h.parentEvents(MaxLayers, true)
			t.Logf("parent: %d layers, every Lambda retry taken: %d events (nominal %d)", MaxLayers, worst, h.parentEvents(MaxLayers, false))
			if worst > HistoryQuota {
				t.Errorf("parent of %d layers: %d events > %d", MaxLayers, worst, HistoryQuota)
			}
			if more := h.parentEvents(MaxLayers*2, true); more <= HistoryQuota {
				t.Logf("note: MaxLayers could be doubled (%d events)", more)
			}

			// 1,000 resources, however layered, with a 20-minute
			// operation each (a failback).
			for _, layering := range []struct{ layers, perLayer int }{{1, 1000}, {10, 100}, {100, 10}, {MaxLayers, 1000 / MaxLayers}} {
				parent := h.parentEvents(layering.layers, true)
				p := polls(20*time.Minute, layering.perLayer)
				child := h.childEvents(p, false)
				t.Logf("1,000 resources in %d layers of %d, 20-minute operations: parent %d events (worst), each child %d polls, %d events",
					layering.layers, layering.perLayer, parent, p, child)
				if parent > HistoryQuota || child > HistoryQuota {
					t.Errorf("%d layers of %d: parent %d, child %d events", layering.layers, layering.perLayer, parent, child)
				}
			}

			// The child alone in its layer, polling as fast as the floor
			// lets it, for the longest deadline a payload may give.
			maxPolls := MaxPolls(24 * time.Hour)
			nominal := h.childEvents(maxPolls, false)
			t.Logf("child: at most %d polls in 24 h: %d events without retries, leaving %d for %d retried invocations",
				maxPolls, nominal, HistoryQuota-nominal, (HistoryQuota-nominal)/EventsRetry)
			// Without retries the longest child fits; with them, Budget
			// stops it in time (TestBudgetKeepsChildUnderQuota). The floor
			// must leave room for at least one retried invocation per poll
			// on average, so that throttling alone does not end a resource.
			if room := (HistoryQuota - nominal) / EventsRetry; room < maxPolls {
				t.Errorf("a 24-hour child costs %d events without a retry: room for %d retried invocations, fewer than its %d polls", nominal, room, maxPolls)
			}
			if got, want := h.childEvents(2, false)-h.childEvents(1, false), eventsPerLoopTurn; got != want {
				t.Errorf("one loop turn is %d events in the definition, %d in Budget", got, want)
			}
			if got, want := h.path(h.def.States[StateLayer].ItemProcessor, true, StateStep), taskWorst(); got != want {
				t.Errorf("a worst Step visit is %d events in the definition, %d in Budget", got, want)
			}
		})
	}
}

// TestBudgetKeepsChildUnderQuota drives Budget the way the step op does,
// with random retries (up to every retrier exhausted on every visit), for
// the longest deadline, and counts the history the definition would write:
// it never exceeds the quota, and the run ends with the resource decided.
func TestBudgetKeepsChildUnderQuota(t *testing.T) {
	t.Parallel()
	h := history{t: t, def: generated(t, Failback)}
	child := h.def.States[StateLayer].ItemProcessor
	rnd := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		stormy := trial%4 == 0 // every visit retried to the limit
		b := NewBudget()
		events := EventsExecution - 1 // ExecutionStarted; Succeeded added at the end
		for {
			r := rnd.IntN(3)
			if stormy {
				r = maxRetries()
			}
			b.Charge(r)
			events += h.visit(child, StateStep, false) + EventsRetry*r + EventsChoice
			if !b.CanWait() {
				// The step op ends the resource: its Pass and the
				// execution's end.
				events += EventsPass + 1
				break
			}
			events += EventsWait
			if b.Spent != events {
				t.Fatalf("trial %d: Budget says %d events, the definition %d", trial, b.Spent, events)
			}
		}
		if events > HistoryQuota {
			t.Fatalf("trial %d: %d events > %d", trial, events, HistoryQuota)
		}
		if HistoryQuota-events > taskWorst()+eventsPerLoopTurn+EventsPass+1 {
			t.Fatalf("trial %d: stopped with %d events left", trial, HistoryQuota-events)
		}
	}
}

// TestPace checks the wait floor: 1 s at first, 1/60 of the time spent,
// at most a minute; MinWait and the step machine's request can only
// lengthen it.
func TestPace(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		req, elapsed  time.Duration
		minWait, want int
	}{
		{0, 0, 0, 1},
		{time.Second, 30 * time.Second, 1, 1},
		{time.Second, 10 * time.Minute, 1, 10},
		{30 * time.Second, 10 * time.Minute, 1, 30},
		{time.Second, 5 * time.Hour, 1, 60},
		{time.Second, time.Minute, 200, 200},
		{1500 * time.Millisecond, 0, 0, 2},
	} {
		if got := WaitSeconds(c.req, c.elapsed, c.minWait); got != c.want {
			t.Errorf("WaitSeconds(%s, %s, %d) = %d, want %d", c.req, c.elapsed, c.minWait, got, c.want)
		}
	}
	if got := MinWaitFor(1000, 5); got != 200 {
		t.Errorf("MinWaitFor(1000, 5) = %d", got)
	}
	if got := MinWaitFor(3, 5); got != 1 {
		t.Errorf("MinWaitFor(3, 5) = %d", got)
	}
	if got := MinWaitFor(11, 0); got != 3 {
		t.Errorf("MinWaitFor(11, default) = %d", got)
	}
}

// TestPayloadQuota: the largest parent state prepare allows (MaxLayers
// layers, MaxLayerResources results of the largest form) fits in a state's
// input, and so does the Map's output.
func TestPayloadQuota(t *testing.T) {
	t.Parallel()
	run := &Run{Workflow: "failback", Region: "ap-southeast-2", Account: "123456789012",
		Bucket: strings.Repeat("b", 63), Prefix: "runs/" + strings.Repeat("m", 80) + "/" + strings.Repeat("e", 80) + "/"}
	for i := range MaxLayers {
		run.Layers = append(run.Layers, LayerInfo{Number: 1_000_000 + i, Resources: MaxLayerResources})
	}
	p := Progress{Run: run, Layer: &LayerRef{Position: MaxLayers - 1, Number: 1_000_000, Bucket: run.Bucket,
		Key: LayerKey(run.Prefix, MaxLayers-1), Resources: MaxLayerResources}, Status: StatusRunning,
		Summary: Summary{Resources: 1_000_000, Done: 1_000_000, Failed: 1_000_000, Continued: 1_000_000},
		Error:   &Failure{Error: strings.Repeat("E", 64), Cause: strings.Repeat("c", 4096)}}
	for i := range MaxLayerResources {
		p.Results = append(p.Results, Result{Index: 100000 + i, Status: StatusFailed, ContinueOnError: true})
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("largest parent state: %d bytes of %d", len(b), PayloadQuota)
	if len(b) > PayloadQuota {
		t.Errorf("largest parent state is %d bytes > %d", len(b), PayloadQuota)
	}
}

func ExampleMaxPolls() {
	fmt.Println(MaxPolls(20*time.Minute), MaxPolls(24*time.Hour))
	// Output: 219 1664
}
