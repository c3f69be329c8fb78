package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"drorch/journal"
)

// testConcurrentAppends: resources of a layer run in parallel and each
// appends its own events; seq must stay dense and each writer's events in
// its own order, a multi-event Append contiguous.
func testConcurrentAppends(t *testing.T, s journal.Store) {
	const writers, appends = 8, 12
	ctx := context.Background()
	create(t, s, "run-1", t0)
	type mark struct{ W, I, Part int }
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	returned := make([][]journal.Event, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range appends {
				n := 1 + i%2 // every other Append carries two events
				batch := make([]journal.Event, n)
				for p := range n {
					data, _ := json.Marshal(mark{w, i, p})
					batch[p] = journal.Event{Time: t0, Kind: journal.StepObserved, Layer: 0, Resource: w, Step: "s", Data: data}
				}
				got, err := s.Append(ctx, "run-1", batch...)
				if err != nil {
					errs <- fmt.Errorf("writer %d append %d: %w", w, i, err)
					return
				}
				returned[w] = append(returned[w], got...)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, "run-1", 0)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	total := writers * (appends + appends/2)
	if len(evs) != total {
		t.Fatalf("%d events stored, want %d", len(evs), total)
	}
	bySeq := map[int64]journal.Event{}
	next := make([]int, writers) // next Append index expected per writer
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: seq must be dense and ordered", i, ev.Seq)
		}
		bySeq[ev.Seq] = ev
		var m mark
		if err := json.Unmarshal(ev.Data, &m); err != nil {
			t.Fatalf("seq %d: %v", ev.Seq, err)
		}
		switch {
		case m.Part == 0 && m.I != next[m.W]:
			t.Fatalf("seq %d: writer %d append %d, want append %d: a writer's events are out of order", ev.Seq, m.W, m.I, next[m.W])
		case m.Part == 1:
			var prev mark
			if i > 0 {
				json.Unmarshal(evs[i-1].Data, &prev) //nolint:errcheck // checked when it was visited
			}
			if i == 0 || prev != (mark{m.W, m.I, 0}) {
				t.Fatalf("seq %d: second event of writer %d append %d follows %+v: a batch was split", ev.Seq, m.W, m.I, prev)
			}
			next[m.W]++
		case m.I%2 == 0:
			next[m.W]++
		}
	}
	for w, got := range returned {
		for _, ev := range got {
			if stored := bySeq[ev.Seq]; !bytes.Equal(stored.Data, ev.Data) {
				t.Errorf("writer %d was told seq %d for %s, but seq %d holds %s", w, ev.Seq, ev.Data, ev.Seq, stored.Data)
			}
		}
	}
}

// testConcurrentCreateOneWins: two drorch runs started at once on the same
// database: exactly one gets it.
func testConcurrentCreateOneWins(t *testing.T, s journal.Store) {
	const racers = 8
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.Create(ctx, fmt.Sprintf("run-%d", i), t0, []string{"shared", fmt.Sprintf("own-%d", i)})
		}()
	}
	wg.Wait()
	winner := ""
	for i, err := range results {
		if err == nil {
			if winner != "" {
				t.Fatalf("both %s and run-%d took the shared lock", winner, i)
			}
			winner = fmt.Sprintf("run-%d", i)
		}
	}
	if winner == "" {
		t.Fatalf("no Create succeeded: %v", results)
	}
	for i, err := range results {
		if err != nil && !isBusy(err, winner) {
			t.Errorf("run-%d: %v, want *BusyError naming %s", i, err, winner)
		}
	}
	runs, err := s.Runs(ctx)
	if err != nil || len(runs) != 1 || runs[0].ID != winner {
		t.Errorf("Runs = %+v, %v; want only %s", runs, err, winner)
	}
}

// Helpers.

func create(t *testing.T, s journal.Store, id string, created time.Time, locks ...string) {
	t.Helper()
	if err := s.Create(context.Background(), id, created, locks); err != nil {
		t.Fatalf("Create %s: %v", id, err)
	}
}

func appendOK(t *testing.T, s journal.Store, id string, evs ...journal.Event) []journal.Event {
	t.Helper()
	got, err := s.Append(context.Background(), id, evs...)
	if err != nil {
		t.Fatalf("Append to %s: %v", id, err)
	}
	return got
}

func claim(t *testing.T, s journal.Store, id, owner string, now time.Time) {
	t.Helper()
	if err := s.Claim(context.Background(), id, owner, now, time.Minute); err != nil {
		t.Fatalf("Claim %s by %s: %v", id, owner, err)
	}
}

func run(t *testing.T, s journal.Store, id string) journal.RunRecord {
	t.Helper()
	rec, err := s.Run(context.Background(), id)
	if err != nil {
		t.Fatalf("Run %s: %v", id, err)
	}
	return rec
}

func finished(at time.Time, st journal.Status) journal.Event {
	data, _ := json.Marshal(journal.Outcome{Status: st})
	return journal.Event{Time: at, Kind: journal.RunFinished, Layer: -1, Resource: -1, Data: data}
}

// fps returns the store's fingerprints of keys, sorted as RunRecord.Locks.
func fps(s journal.Store, keys ...string) []string {
	out := []string{}
	for _, k := range keys {
		out = append(out, s.Fingerprint(k))
	}
	slices.Sort(out)
	return out
}

func seqs(evs []journal.Event) []int64 {
	out := []int64{}
	for _, ev := range evs {
		out = append(out, ev.Seq)
	}
	return out
}

// sameEvents compares events field by field; times as instants.
func sameEvents(t *testing.T, what string, got, want []journal.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.Time.Equal(w.Time) {
			t.Errorf("%s[%d].Time = %v, want %v", what, i, g.Time, w.Time)
		}
		if !bytes.Equal(g.Data, w.Data) {
			t.Errorf("%s[%d].Data = %s, want %s", what, i, g.Data, w.Data)
		}
		if key(g) != key(w) {
			t.Errorf("%s[%d] = %+v, want %+v", what, i, key(g), key(w))
		}
	}
}

// eventKey is an Event without its time and data, comparable with ==.
type eventKey struct {
	RunID                string
	Seq                  int64
	Kind                 journal.Kind
	Layer, Resource      int
	Step, Message, Error string
}

func key(ev journal.Event) eventKey {
	return eventKey{ev.RunID, ev.Seq, ev.Kind, ev.Layer, ev.Resource, ev.Step, ev.Message, ev.Error}
}
