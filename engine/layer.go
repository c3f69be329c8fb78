package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"drorch/cloud"
	"drorch/engine/machine"
	"drorch/journal"
	"drorch/resource"
)

// layer runs one layer's resources concurrently. A failed resource lets the
// others finish; the layer fails unless every failure had continueOnError.
//
// While it runs, its rounds also read what the next layer watches as far
// as the calls they make anyway cover it (at no extra call: the pages of a
// listing read for the current layer, room left in a filter), so that the
// round which sees the layer's end is also the next layer's first look, as
// far as it goes; the opening reads the rest.
func (e *Engine) layer(ctx context.Context, runID string, li int, layer PlanLayer, prior *journal.LayerState, rr *rounds, s Settings, next *PlanLayer) (journal.Status, error) {
	first := e.opening(ctx, runID, layer, prior, rr, s)
	if next != nil {
		rr.carry(watched(*next))
	}
	defer rr.carry(nil)

	sem := make(chan struct{}, max(s.Concurrency, len(layer.Resources), 1))
	if s.Concurrency > 0 {
		sem = make(chan struct{}, s.Concurrency)
	}
	type result struct {
		status journal.Status
		err    error
	}
	results := make([]result, len(layer.Resources))
	var wg sync.WaitGroup
	for ri, r := range layer.Resources {
		var pr *journal.ResourceState
		if prior != nil && ri < len(prior.Resources) {
			pr = &prior.Resources[ri]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				status := journal.StatusCancelled
				if errors.Is(context.Cause(ctx), ErrInterrupted) {
					status = journal.StatusInterrupted
				}
				results[ri] = result{status, context.Cause(ctx)}
				return
			}
			rn := &resourceRun{e: e, s: s, runID: runID, layer: li, index: ri, pr: r, prior: pr, rounds: rr, first: first}
			st, err := rn.run(ctx)
			results[ri] = result{st, err}
		}()
	}
	wg.Wait()

	status := journal.StatusSucceeded
	var errs []error
	for _, res := range results {
		if res.status == journal.StatusInterrupted {
			return journal.StatusInterrupted, res.err
		}
	}
	for ri, res := range results {
		switch res.status {
		case journal.StatusSucceeded, journal.StatusAlreadyDone:
		case journal.StatusCancelled:
			status = journal.StatusCancelled
			errs = append(errs, fmt.Errorf("%s: %w", layer.Resources[ri].Spec.Name, res.err))
		default:
			if layer.Resources[ri].Spec.ContinueOnError {
				continue
			}
			if status != journal.StatusCancelled {
				status = journal.StatusFailed
			}
			errs = append(errs, fmt.Errorf("%s: %w", layer.Resources[ri].Spec.Name, res.err))
		}
	}
	return status, errors.Join(errs...)
}

// opening is the snapshot of a layer's first looks: the previous layer's
// last round (which saw that layer end, and read what it carried of this
// one's keys), completed with one batched read per kind and region of the
// keys it lacks; then what the first decisions read beyond the watched
// keys, batched too. Nothing changed AWS since that round: every call of
// the previous layer was followed by a look, the last one that round.
func (e *Engine) opening(ctx context.Context, runID string, layer PlanLayer, prior *journal.LayerState, rr *rounds, s Settings) *snapshot {
	first := rr.begin()
	if first == nil {
		first = newSnapshot(e.Reader)
	}
	first.fetch(ctx, e.Batch, watched(layer))
	now, ms := e.Clock.Now(), s.machine()
	prefetch(ctx, first, e.Batch, func(rd cloud.Reader) {
		v := &resource.View{Read: rd, Identity: e.Identity, Now: e.Clock.Now, RunID: runID}
		for ri, r := range layer.Resources {
			var pr *journal.ResourceState
			if prior != nil && ri < len(prior.Resources) {
				pr = &prior.Resources[ri]
			}
			if pr != nil && pr.Status.Terminal() {
				continue
			}
			m := memoryOf(pr, r.Resource.Steps(), now, 0)
			m.Started = true
			machine.Next(ctx, r.Resource, m, v, now, ms)
		}
	})
	return first
}

// watched is every key a layer's resources watch.
func watched(l PlanLayer) []cloud.Key {
	var keys []cloud.Key
	for _, r := range l.Resources {
		keys = append(keys, r.Resource.Watch()...)
	}
	return keys
}
