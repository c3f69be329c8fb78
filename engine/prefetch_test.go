package engine

import (
	"context"
	"fmt"
	"testing"

	"drorch/cloud"
	"drorch/resource"
)

// fanRes is a promote whose Preflight reads more than it watches: three
// peers of its instance, and then, once the first peer is read, that
// peer's own peer (known only then), as a global cluster's Preflight reads
// its members and then their instances.
type fanRes struct{ promoteRes }

func (f fanRes) Preflight(ctx context.Context, v *resource.View) (resource.Preflight, error) {
	pf, err := f.promoteRes.Preflight(ctx, v)
	for i := 1; i <= 3; i++ {
		peer, err := cloud.DBInstances.Get(ctx, v.Read, f.region, fmt.Sprintf("%s-peer-%d", f.id, i))
		if err != nil {
			pf.Blockers = append(pf.Blockers, err.Error())
			continue
		}
		if i == 1 {
			if _, err := cloud.DBInstances.Get(ctx, v.Read, f.region, peer.ID+"-deep"); err != nil {
				pf.Blockers = append(pf.Blockers, err.Error())
			}
		}
	}
	return pf, err
}

// TestPreviewBatchesWhatPreflightsRead: what the resources' Preflights
// read beyond their watched keys is read in batches, one per kind and
// region per level of discovery, never one call per key.
func TestPreviewBatchesWhatPreflightsRead(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var rs []promoteRes
	for i := range 20 {
		id := fmt.Sprintf("db-%02d", i)
		for _, x := range []string{id, id + "-peer-1", id + "-peer-2", id + "-peer-3", id + "-peer-1-deep"} {
			h.world.addReplica("us-west-2", x)
		}
		rs = append(rs, promoteRes{region: "us-west-2", id: id})
	}
	p := plan(rs)
	for i := range p.Layers[0].Resources {
		p.Layers[0].Resources[i].Resource = fanRes{rs[i]}
	}
	pv, err := h.engine().Preview(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if pv.Blocked {
		t.Fatalf("the preview is blocked: %+v", pv.Layers[0].Resources[0].Blockers)
	}
	// The watched instances, then the peers, then the deep peers.
	if _, batch, direct, _ := h.world.stats(); batch != 3 || direct != 0 {
		t.Errorf("%d batched and %d direct reads for 20 resources reading 100 instances, want 3 and 0", batch, direct)
	}
}
