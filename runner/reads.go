package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"drorch/cloud"
	"drorch/journal"
	"drorch/resource/approval"
)

// KindReader serves one kind of state for Reads.
type KindReader interface {
	cloud.Reader
	cloud.BatchReader
}

// Reads is a cloud.Reader and cloud.BatchReader that serves the kinds named
// in Kinds from their own readers and every other kind from Reader and
// Batch (AWS): steps read an approval, kept in the journal, exactly as
// they read a cluster, and the engine never learns the difference.
type Reads struct {
	Reader cloud.Reader
	Batch  cloud.BatchReader
	Kinds  map[cloud.Kind]KindReader
}

// Read reads k from the reader of its kind.
func (r Reads) Read(ctx context.Context, k cloud.Key) (any, error) {
	if kr, ok := r.Kinds[k.Kind]; ok {
		return kr.Read(ctx, k)
	}
	return r.Reader.Read(ctx, k)
}

// ReadBatch reads ids of kind from the reader of that kind.
func (r Reads) ReadBatch(ctx context.Context, kind cloud.Kind, region string, ids []string) (map[string]any, error) {
	if kr, ok := r.Kinds[kind]; ok {
		return kr.ReadBatch(ctx, kind, region, ids)
	}
	return r.Batch.ReadBatch(ctx, kind, region, ids)
}

// ReadAlong reads ids of kind, and what its reader reads of along with
// them (nothing, from a reader that cannot).
func (r Reads) ReadAlong(ctx context.Context, kind cloud.Kind, region string, ids, along []string) (map[string]any, []string, error) {
	if _, ok := r.Kinds[kind]; !ok {
		if ar, ok := r.Batch.(cloud.AlongReader); ok {
			return ar.ReadAlong(ctx, kind, region, ids, along)
		}
	}
	found, err := r.ReadBatch(ctx, kind, region, ids)
	return found, nil, err
}

// WithJournal returns c reading approvals from store (nil: no run has an
// approval yet, as in a plan) and everything else from AWS as before.
func WithJournal(c Cloud, store journal.Store) Cloud {
	reads := Reads{Reader: c.Reader, Batch: c.Batch, Kinds: map[cloud.Kind]KindReader{
		approval.Approvals.Name: NewApprovals(store),
	}}
	c.Reader, c.Batch = reads, reads
	return c
}

// Approvals serves approval.Approvals from a journal: the decisions
// recorded on one resource of one run (approval.ID), folded from the run's
// events. It keeps the fold of each run it was asked about and applies
// only the events appended since, so that a step polling every second
// reads a few rows, not the whole run.
type Approvals struct {
	store journal.Store

	mu   sync.Mutex
	runs map[string]*journal.RunState
}

// NewApprovals returns the approvals of store's runs.
func NewApprovals(store journal.Store) *Approvals {
	return &Approvals{store: store, runs: map[string]*journal.RunState{}}
}

// Read returns the *approval.State of the key's resource.
func (a *Approvals) Read(ctx context.Context, k cloud.Key) (any, error) {
	runID, layer, index, err := approval.ParseID(k.ID)
	if err != nil {
		return nil, &cloud.APIError{Service: "drorch", Kind: cloud.KindInvalidInput, Message: err.Error()}
	}
	if runID == "" || a.store == nil {
		return &approval.State{}, nil // a plan: no run, nothing decided
	}
	st, err := a.state(ctx, runID)
	if errors.Is(err, journal.ErrRunNotFound) {
		// The plan of a run about to start names the run already (its
		// final snapshots carry the id): nothing is decided yet.
		return &approval.State{}, nil
	}
	if err != nil {
		// The journal is on this machine: a failed read (a busy lock)
		// is worth trying again, like AWS's 5xx.
		return nil, &cloud.APIError{Service: "drorch", Kind: cloud.KindTransient, Message: err.Error()}
	}
	r, ok := st.Resource(layer, index)
	if !ok {
		return nil, cloud.NotFound(k)
	}
	out := &approval.State{}
	if s, ok := r.Step(approval.StepName); ok {
		out.Requested = s.Started
	}
	if d, ok := r.Decision(); ok {
		out.Decision, out.By, out.At, out.Comment = string(d.Decision), d.By, d.At, d.Comment
	}
	return out, nil
}

// ReadBatch reads each id.
func (a *Approvals) ReadBatch(ctx context.Context, kind cloud.Kind, region string, ids []string) (map[string]any, error) {
	out := map[string]any{}
	for _, id := range ids {
		v, err := a.Read(ctx, cloud.Key{Kind: kind, Region: region, ID: id})
		if cloud.IsKind(err, cloud.KindNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = v
	}
	return out, nil
}

// state brings the kept fold of runID up to date with its journal.
func (a *Approvals) state(ctx context.Context, runID string) (*journal.RunState, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.runs[runID]
	var after int64
	if st != nil {
		after = st.LastSeq
	}
	evs, err := a.store.Events(ctx, runID, after)
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", runID, err)
	}
	if st == nil {
		if len(evs) == 0 {
			return nil, fmt.Errorf("read run %s: %w", runID, journal.ErrRunNotFound)
		}
		if st, err = journal.Fold(evs); err != nil {
			return nil, err
		}
	} else {
		for _, ev := range evs {
			if err := st.Apply(ev); err != nil {
				return nil, err
			}
		}
	}
	if st.Status.Terminal() {
		delete(a.runs, runID)
	} else {
		a.runs[runID] = st
	}
	return st, nil
}
