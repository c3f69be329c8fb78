package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"drorch/httpapi"
	"drorch/internal/clock"
	"drorch/journal"
	"drorch/journal/sqlitestore"
	"drorch/resource/all"
	"drorch/runner"
)

// finishedRun is the journal of a finished run of three resources in two
// layers, 27 events: about what a README payload leaves.
func finishedRun(id string, t0 time.Time) []journal.Event {
	spec := journal.RunSpec{Command: "serve", Region: "us-west-2", PayloadFile: "failover.json", PayloadSHA256: "00", Layers: []journal.LayerSpec{
		{Number: 1, Resources: []journal.ResourceSpec{
			{Index: 0, Name: "aurora", Type: "PlannedFailoverAurora", Region: "us-west-2", Params: map[string]string{"GlobalClusterIdentifier": "g"}, Steps: []string{"switchover"}},
			{Index: 1, Name: "redis", Type: "FailoverElastiCacheCluster", Region: "us-west-2", Params: map[string]string{"TargetRegion": "us-west-2"}, Steps: []string{"failover"}}}},
		{Number: 2, Resources: []journal.ResourceSpec{
			{Index: 0, Name: "rds", Type: "PromoteRDSReadReplica", Region: "us-west-2", Params: map[string]string{"RDSInstanceIdentifier": "r"}, Steps: []string{"check-replica", "promote"}}}},
	}}
	raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	ok := raw(journal.Outcome{Status: journal.StatusSucceeded})
	call := func(a string) json.RawMessage {
		return raw(journal.Call{ID: id + a, Service: "rds", Action: a, Region: "us-west-2", RequestID: "req-" + a})
	}
	evs := []journal.Event{
		{Kind: journal.RunCreated, Layer: -1, Resource: -1, Data: raw(spec)},
		{Kind: journal.RunStarted, Layer: -1, Resource: -1, Data: raw(journal.Process{Owner: "h:1:a", Host: "h", PID: 1})},
	}
	res := func(l, r int, step, action string) {
		evs = append(evs,
			journal.Event{Kind: journal.ResourceStarted, Layer: l, Resource: r},
			journal.Event{Kind: journal.StepStarted, Layer: l, Resource: r, Step: step},
			journal.Event{Kind: journal.CallIntent, Layer: l, Resource: r, Step: step, Data: call(action)},
			journal.Event{Kind: journal.CallIssued, Layer: l, Resource: r, Step: step, Data: call(action)},
			journal.Event{Kind: journal.StepObserved, Layer: l, Resource: r, Step: step, Message: "switching over"},
			journal.Event{Kind: journal.StepFinished, Layer: l, Resource: r, Step: step, Data: ok},
			journal.Event{Kind: journal.ResourceFinished, Layer: l, Resource: r, Data: ok})
	}
	evs = append(evs, journal.Event{Kind: journal.LayerStarted, Layer: 0, Resource: -1})
	res(0, 0, "switchover", "SwitchoverGlobalCluster")
	res(0, 1, "failover", "FailoverGlobalReplicationGroup")
	evs = append(evs, journal.Event{Kind: journal.LayerFinished, Layer: 0, Resource: -1, Data: ok},
		journal.Event{Kind: journal.LayerStarted, Layer: 1, Resource: -1})
	res(1, 0, "promote", "PromoteReadReplica")
	evs = append(evs, journal.Event{Kind: journal.LayerFinished, Layer: 1, Resource: -1, Data: ok},
		journal.Event{Kind: journal.RunFinished, Layer: -1, Resource: -1, Data: ok})
	for i := range evs {
		evs[i].Time = t0.Add(time.Duration(i) * time.Second)
	}
	return evs
}

// BenchmarkServeThousandRuns: drorch serve over a journal of 1,000
// finished runs. It reports the heap the server holds once every run was
// listed (finished runs' rows are kept), and the time of a cold and of a
// warm GET /api/v1/runs?limit=0 (all of them).
//
//	go test -run '^$' -bench ServeThousandRuns -benchtime 20x ./httpapi/
func BenchmarkServeThousandRuns(b *testing.B) {
	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, filepath.Join(b.TempDir(), "journal.db"), sqlitestore.Create)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 1000 {
		id := fmt.Sprintf("run-%04d", i)
		if _, err := store.CreateWithEvents(ctx, id, t0, nil, finishedRun(id, t0.Add(time.Duration(i)*time.Minute))...); err != nil {
			b.Fatal(err)
		}
	}
	tokens := &httpapi.Tokens{}
	if err := tokens.Add("bench", aliceToken); err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	srv, err := httpapi.New(httpapi.Config{Store: store, Registry: all.Registry(), Clock: clock.Real(), Tokens: tokens,
		Metrics: httpapi.NewMetrics(store), Version: "bench",
		Connect: func(context.Context, string) (runner.Cloud, error) {
			return runner.Cloud{}, fmt.Errorf("no AWS in this benchmark")
		}})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	list := func() int {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/runs?limit=0", nil)
		req.Header.Set("Authorization", "Bearer "+aliceToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		n, _ := io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 {
			b.Fatalf("list: %d", resp.StatusCode)
		}
		return int(n)
	}
	start := time.Now()
	size := list()
	cold := time.Since(start)
	b.ResetTimer()
	for b.Loop() {
		list()
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-heap-held")
	b.ReportMetric(cold.Seconds()*1000, "ms-cold-list")
	b.ReportMetric(float64(size)/1024, "KiB-list")
}

// BenchmarkSSELatency: the time from an event's journaling by the engine
// (its observer) to its arrival at a client of the run's event stream,
// over loopback, for the events of runs of the README's switchover on the
// simulator that were journaled while a client streamed the run.
//
//	go test -run '^$' -bench SSELatency -benchtime 10x ./httpapi/
func BenchmarkSSELatency(b *testing.B) {
	_, endpoint := startSim(b)
	e := newEnv(b, endpoint)
	text := payload(b, "1-planned-switchover.json")
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		// The first run switches over; the next find it done (fewer events).
		id := e.startRun(text, fmt.Sprintf("lat-%04d", i))
		e.stream(id, 0, func(ev sse) bool {
			got := time.Now()
			if ev.event != "journal" {
				return false
			}
			e.mu.Lock()
			at, ok := e.at[fmt.Sprintf("%s/%d", id, ev.id)]
			e.mu.Unlock()
			if ok && ev.id > 2 { // events journaled before the client connected are not live
				lat = append(lat, got.Sub(at))
			}
			return true
		})
	}
	if len(lat) == 0 {
		b.Fatal("no event measured")
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "ms-p99")
	b.ReportMetric(float64(len(lat))/float64(b.N), "events/run")
}
