package engine

import (
	"context"
	"errors"
	"sync"
	"testing"

	"drorch/internal/clock"
	"drorch/journal"
)

// gateStore holds its first Append until released, and counts appends.
type gateStore struct {
	journal.Store
	gate chan struct{}
	fail error

	mu      sync.Mutex
	batches [][]journal.Event
}

func (g *gateStore) Append(ctx context.Context, runID string, evs ...journal.Event) ([]journal.Event, error) {
	g.mu.Lock()
	first := len(g.batches) == 0
	g.batches = append(g.batches, evs)
	g.mu.Unlock()
	if first {
		<-g.gate
	}
	if g.fail != nil {
		return nil, g.fail
	}
	return g.Store.Append(ctx, runID, evs...)
}

// TestAppendsAreGroupCommitted: the events appended while a batch is being
// written go into the journal together, in one Store.Append, and each
// caller returns only once its own events are written.
func TestAppendsAreGroupCommitted(t *testing.T) {
	t.Parallel()
	for _, fail := range []error{nil, errors.New("disk full")} {
		mem := journal.NewMemory(clock.NewFake(t0))
		ctx := context.Background()
		if err := mem.Create(ctx, "run-1", t0, nil); err != nil {
			t.Fatal(err)
		}
		g := &gateStore{Store: mem, gate: make(chan struct{})}
		e := &Engine{Store: g, Clock: clock.NewFake(t0)}
		first := make(chan error, 1)
		go func() {
			first <- e.append(ctx, "run-1", journal.Event{Kind: journal.LayerStarted, Layer: 0, Resource: -1})
		}()
		for {
			g.mu.Lock()
			n := len(g.batches)
			g.mu.Unlock()
			if n == 1 {
				break
			}
		}
		g.fail = fail
		const n = 40
		errs := make(chan error, n)
		for i := range n {
			go func() {
				errs <- e.append(ctx, "run-1", journal.Event{Kind: journal.ResourceStarted, Layer: 0, Resource: i})
			}()
		}
		for {
			e.groupMu.Lock()
			queued := len(e.queue)
			e.groupMu.Unlock()
			if queued == n {
				break
			}
		}
		select {
		case err := <-errs:
			t.Fatalf("an append returned (%v) before its events were written", err)
		default:
		}
		close(g.gate)
		if err := <-first; err != nil && fail == nil {
			t.Fatal(err)
		}
		for range n {
			if err := <-errs; !errors.Is(err, fail) {
				t.Errorf("append returned %v, want %v", err, fail)
			}
		}
		g.mu.Lock()
		if len(g.batches) != 2 || len(g.batches[1]) != n {
			t.Errorf("%d appends (the second of %d events), want 2: the first, then the %d queued meanwhile in one", len(g.batches), len(g.batches[len(g.batches)-1]), n)
		}
		g.mu.Unlock()
		if fail == nil {
			evs, err := mem.Events(ctx, "run-1", 0)
			if err != nil || len(evs) != n+1 {
				t.Errorf("%d events journaled (%v), want %d", len(evs), err, n+1)
			}
		}
	}
}
