package engine

import (
	"context"
	"strings"
	"testing"

	"drorch/resource"
)

// runIDRes records the run id its preflight saw.
type runIDRes struct {
	promoteRes
	saw *string
}

func (r runIDRes) Preflight(ctx context.Context, v *resource.View) (resource.Preflight, error) {
	*r.saw = v.RunID
	return r.promoteRes.Preflight(ctx, v)
}

// A plan previewed for a run shows what the run will name (final
// snapshots carry the run id), and that run only may start from it.
func TestPreviewKnowsTheRunItPlans(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "db-1")
	var saw string
	p := plan([]promoteRes{{region: "us-west-2", id: "db-1"}})
	p.Layers[0].Resources[0].Resource = runIDRes{promoteRes: promoteRes{region: "us-west-2", id: "db-1"}, saw: &saw}
	if _, err := h.engine().Preview(context.Background(), p); err != nil || saw != "" {
		t.Fatalf("preview of a plan without a run: run id %q, %v", saw, err)
	}
	p.RunID = "r-42"
	if _, err := h.engine().Preview(context.Background(), p); err != nil || saw != "r-42" {
		t.Fatalf("preview of the plan of run r-42: run id %q, %v", saw, err)
	}
	if _, err := h.engine().Start(context.Background(), "r-43", p); err == nil || !strings.Contains(err.Error(), "previewed for run r-42") {
		t.Fatalf("start of another run from the plan: %v", err)
	}
	if st, err := h.engine().Start(context.Background(), "r-42", p); err != nil || st.ID != "r-42" {
		t.Fatalf("start of the planned run: %+v, %v", st, err)
	}
}
