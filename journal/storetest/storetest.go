// Package storetest is the one test suite every journal.Store passes: the
// SQLite store and the in-memory store run it, so that code tested against
// memory behaves the same on the real journal.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"drorch/journal"
)

// t0 is the suite's reference time; stores must give back exactly the
// instants they were given.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Run runs the suite. open returns a new, empty store each time it is
// called (a subtest may ask for several); the suite closes them.
func Run(t *testing.T, open func(t *testing.T) journal.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s journal.Store)
	}{
		{"CreateAppendEvents", testCreateAppendEvents},
		{"EventsAfterSeq", testEventsAfterSeq},
		{"AppendStampsAndCopies", testAppendStampsAndCopies},
		{"AppendRefusesBadInput", testAppendRefusesBadInput},
		{"UnknownRun", testUnknownRun},
		{"CreateTwice", testCreateTwice},
		{"LockContention", testLockContention},
		{"LocksFreedByTerminalStatus", testLocksFreedByTerminalStatus},
		{"Release", testRelease},
		{"ClaimHeartbeatTakeover", testClaimHeartbeatTakeover},
		{"ClaimStaleGoneOwner", testClaimStaleGoneOwner},
		{"PrefixLookup", testPrefixLookup},
		{"RunsNewestFirst", testRunsNewestFirst},
		{"ConcurrentAppends", testConcurrentAppends},
		{"ConcurrentCreateOneWins", testConcurrentCreateOneWins},
		{"CancelledContext", testCancelledContext},
		{"LocksKeptAsFingerprints", func(t *testing.T, s journal.Store) { testLocksKeptAsFingerprints(t, s, open(t)) }},
		{"BusyNamesCallersKeys", testBusyNamesCallersKeys},
		{"InvalidRunIDs", testInvalidRunIDs},
		{"CreateWithEventsAllOrNothing", func(t *testing.T, s journal.Store) { testCreateWithEvents(t, open) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

func testCreateAppendEvents(t *testing.T, s journal.Store) {
	ctx := context.Background()
	create(t, s, "run-1", t0, "aurora/gc-1")
	in := []journal.Event{
		{Time: t0, Kind: journal.RunStarted, Layer: -1, Resource: -1, Data: json.RawMessage(`{"owner":"h:1:x","host":"h","pid":1}`)},
		{Time: t0.Add(time.Second), Kind: journal.StepStarted, Layer: 0, Resource: 1, Step: "switchover", Message: "starting"},
		{Time: t0.Add(2 * time.Second), Kind: journal.CallFailed, Layer: 0, Resource: 1, Step: "switchover", Error: "rds: boom"},
	}
	got, err := s.Append(ctx, "run-1", in...)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	want := make([]journal.Event, len(in))
	for i, ev := range in {
		ev.RunID, ev.Seq = "run-1", int64(i+1)
		want[i] = ev
	}
	sameEvents(t, "Append result", got, want)
	stored, err := s.Events(ctx, "run-1", 0)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	sameEvents(t, "Events", stored, want)

	more, err := s.Append(ctx, "run-1", journal.Event{Time: t0.Add(3 * time.Second), Kind: journal.StepObserved, Layer: 0, Resource: 1, Step: "switchover"})
	if err != nil {
		t.Fatalf("second Append: %v", err)
	}
	if len(more) != 1 || more[0].Seq != 4 {
		t.Errorf("second Append assigned %+v, want one event with seq 4", more)
	}
	rec, err := s.Run(ctx, "run-1")
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if rec.ID != "run-1" || !rec.Created.Equal(t0) || rec.Status != journal.StatusRunning {
		t.Errorf("Run = %+v, want id run-1, created %v, status running", rec, t0)
	}
	if want := fps(s, "aurora/gc-1"); fmt.Sprint(rec.Locks) != fmt.Sprint(want) {
		t.Errorf("Run locks = %v, want the fingerprint of aurora/gc-1 %v", rec.Locks, want)
	}
}

func testEventsAfterSeq(t *testing.T, s journal.Store) {
	ctx := context.Background()
	create(t, s, "run-1", t0)
	for i := range 5 {
		appendOK(t, s, "run-1", journal.Event{Time: t0.Add(time.Duration(i) * time.Second), Kind: journal.StepObserved, Layer: 0, Resource: 0, Step: "s", Message: fmt.Sprint(i)})
	}
	tests := []struct {
		after int64
		want  []int64
	}{
		{-3, []int64{1, 2, 3, 4, 5}},
		{0, []int64{1, 2, 3, 4, 5}},
		{2, []int64{3, 4, 5}},
		{4, []int64{5}},
		{5, []int64{}},
		{99, []int64{}},
	}
	for _, tc := range tests {
		evs, err := s.Events(ctx, "run-1", tc.after)
		if err != nil {
			t.Fatalf("Events(after %d): %v", tc.after, err)
		}
		if evs == nil {
			t.Errorf("Events(after %d) = nil, want an empty slice", tc.after)
		}
		if got := seqs(evs); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Events(after %d) seqs = %v, want %v", tc.after, got, tc.want)
		}
		for _, ev := range evs {
			if ev.Message != fmt.Sprint(ev.Seq-1) {
				t.Errorf("event seq %d has message %q, want %q", ev.Seq, ev.Message, fmt.Sprint(ev.Seq-1))
			}
		}
	}
}

func testAppendStampsAndCopies(t *testing.T, s journal.Store) {
	ctx := context.Background()
	create(t, s, "run-1", t0)
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	local := time.Date(2026, 3, 1, 17, 30, 0, 123456789, zone) // t0 + 123456789ns
	data := []byte(`{"status":"succeeded"}`)
	got, err := s.Append(ctx, "run-1",
		journal.Event{Kind: journal.StepStarted, Layer: 0, Resource: 0, Step: "s"}, // no time: the store stamps it
		journal.Event{RunID: "run-1", Seq: 77, Time: local, Kind: journal.StepFinished, Layer: 0, Resource: 0, Step: "s", Data: data},
	)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if got[0].Time.IsZero() {
		t.Error("Append left a zero event time: the store must stamp it")
	}
	if got[1].Seq != 2 {
		t.Errorf("caller's seq 77 was kept (%d): the store assigns seq", got[1].Seq)
	}
	// The caller reusing its buffers must not change what was journaled.
	copy(data, `{"status":"XXXXXXXXX"}`)
	got[1].Data[2] = 'Z'
	evs, err := s.Events(ctx, "run-1", 0)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if !evs[1].Time.Equal(local) {
		t.Errorf("time = %v, want the instant %v", evs[1].Time, local)
	}
	if string(evs[1].Data) != `{"status":"succeeded"}` {
		t.Errorf("data = %s: the store aliases the caller's buffers", evs[1].Data)
	}
	if evs[0].Data != nil {
		t.Errorf("event without data came back with %q", evs[0].Data)
	}
	evs[1].Data[2] = 'Q'
	again, err := s.Events(ctx, "run-1", 1)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if string(again[0].Data) != `{"status":"succeeded"}` {
		t.Errorf("data = %s: Events hands out the store's own memory", again[0].Data)
	}
}

func testAppendRefusesBadInput(t *testing.T, s journal.Store) {
	ctx := context.Background()
	create(t, s, "run-1", t0, "k")
	good := journal.Event{Time: t0, Kind: journal.StepStarted, Layer: 0, Resource: 0, Step: "s"}
	tests := []struct {
		name string
		evs  []journal.Event
	}{
		{"finished without outcome", []journal.Event{good, {Time: t0, Kind: journal.RunFinished, Layer: -1, Resource: -1}}},
		{"finished with a running outcome", []journal.Event{good, finished(t0, journal.StatusRunning)}},
		{"finished with a typo", []journal.Event{good, finished(t0, "succeded")}},
		{"no kind", []journal.Event{good, {Time: t0}}},
		{"another run's event", []journal.Event{good, {RunID: "run-2", Time: t0, Kind: journal.StepStarted}}},
	}
	for _, tc := range tests {
		if _, err := s.Append(ctx, "run-1", tc.evs...); err == nil {
			t.Errorf("%s: Append succeeded, want an error", tc.name)
		}
	}
	evs, err := s.Events(ctx, "run-1", 0)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(evs) != 0 {
		t.Errorf("a refused batch left %d events behind: batches must be all or nothing", len(evs))
	}
	rec := run(t, s, "run-1")
	if rec.Status != journal.StatusRunning {
		t.Errorf("status = %s after refused finishes, want running", rec.Status)
	}
	if err := s.Create(ctx, "run-2", t0, []string{"k"}); !isBusy(err, "run-1") {
		t.Errorf("Create on k = %v, want *BusyError naming run-1 (its locks must hold)", err)
	}
}

func testUnknownRun(t *testing.T, s journal.Store) {
	ctx := context.Background()
	create(t, s, "run-1", t0)
	calls := map[string]func() error{
		"Append": func() error {
			_, err := s.Append(ctx, "nope", journal.Event{Time: t0, Kind: journal.RunStarted})
			return err
		},
		"Events":    func() error { _, err := s.Events(ctx, "nope", 0); return err },
		"Run":       func() error { _, err := s.Run(ctx, "nope"); return err },
		"Claim":     func() error { return s.Claim(ctx, "nope", "me", t0, time.Minute) },
		"Heartbeat": func() error { return s.Heartbeat(ctx, "nope", "me", t0) },
		"Release":   func() error { return s.Release(ctx, "nope") },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, journal.ErrRunNotFound) {
			t.Errorf("%s on an unknown run = %v, want ErrRunNotFound", name, err)
		}
	}
}

func testCreateTwice(t *testing.T, s journal.Store) {
	create(t, s, "run-1", t0, "a")
	appendOK(t, s, "run-1", finished(t0, journal.StatusSucceeded))
	err := s.Create(context.Background(), "run-1", t0.Add(time.Hour), []string{"b"})
	var busy *journal.BusyError
	if err == nil || errors.As(err, &busy) {
		t.Fatalf("second Create of run-1 = %v, want a plain error", err)
	}
	rec := run(t, s, "run-1")
	if rec.Status != journal.StatusSucceeded || !rec.Created.Equal(t0) {
		t.Errorf("second Create changed the run: %+v", rec)
	}
	create(t, s, "run-2", t0, "b") // b was not taken by the refused Create
}
