package sqlitestore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"drorch/journal"
)

// BenchmarkAppend is the group commit: one Append is one BEGIN IMMEDIATE
// transaction and one fsync of the WAL (synchronous=FULL), whatever the
// number of events in it. It reports events and transactions appended per
// second with 1 and with 100 events per Append; the engine's moments with
// many events (a layer's starts, a polling round's observations) should
// pass them together.
func BenchmarkAppend(b *testing.B) {
	for _, per := range []int{1, 100} {
		b.Run(fmt.Sprintf("events-per-tx=%d", per), func(b *testing.B) {
			ctx := context.Background()
			s, err := Open(ctx, filepath.Join(b.TempDir(), "journal.db"), Create)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if err := s.Create(ctx, "bench-run", t0, []string{"k"}); err != nil {
				b.Fatal(err)
			}
			batch := make([]journal.Event, per)
			for i := range batch {
				batch[i] = journal.Event{Time: t0, Kind: journal.StepObserved, Layer: 0, Resource: i % 10, Step: "switchover",
					Message: "global cluster dr-globaldb-cluster-mysql is switching-over"}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Append(ctx, "bench-run", batch...); err != nil {
					b.Fatal(err)
				}
			}
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/secs, "tx/s")
			b.ReportMetric(float64(b.N*per)/secs, "events/s")
		})
	}
}

// BenchmarkEvents10k reads a 10,000-event run back from the file, the other
// half of what a resume pays before it folds.
func BenchmarkEvents10k(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "journal.db"), Create)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Create(ctx, "run-1", t0, nil); err != nil {
		b.Fatal(err)
	}
	evs := make([]journal.Event, 10000)
	for i := range evs {
		evs[i] = journal.Event{Time: t0, Kind: journal.StepObserved, Layer: i / 1000, Resource: i % 10, Step: "switchover",
			Message: fmt.Sprintf("status switching-over (%d)", i)}
	}
	if _, err := s.Append(ctx, "run-1", evs...); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		got, err := s.Events(ctx, "run-1", 0)
		if err != nil || len(got) != 10000 {
			b.Fatalf("Events: %d, %v", len(got), err)
		}
	}
}
