package engine

import (
	"context"
	"fmt"
	"math"
	"time"

	"drorch/cloud"
	"drorch/journal"
	"drorch/resource"
)

// rpoOf reads the writes at risk of a resource whose operation may lose the
// writes not yet replicated: the newest replication lag CloudWatch has for
// the replica it makes writable, in the replica's region. It is nil for
// other resources. A failed read is no figure, with the reason: the plan
// goes on, the operator is told.
func rpoOf(ctx context.Context, v *resource.View, r resource.Resource) *journal.RPO {
	rr, ok := r.(resource.RPOReporter)
	if !ok || !rr.LosesWrites() {
		return nil
	}
	key := rr.ReplicationLag()
	_, replica, _ := cloud.ParseLagID(key.ID)
	out := &journal.RPO{Replica: replica, Region: key.Region}
	lag, err := cloud.ReplicationLags.Get(ctx, v.Read, key.Region, key.ID)
	switch {
	case err != nil:
		out.Note = fmt.Sprintf("the replication lag could not be read from CloudWatch in %s: %v", key.Region, err)
	case !lag.HasData:
		out.Note = fmt.Sprintf("CloudWatch in %s has no recent replication lag for %s: the replica may not be replicating, or its metric is not published", key.Region, replica)
	case !lag.Active:
		out.Metric, out.At = lag.Metric, lag.At
		out.Note = fmt.Sprintf("%s says replication to %s is not active: the replica may be behind by any amount", lag.Metric, replica)
	default:
		out.Metric, out.At, out.Known = lag.Metric, lag.At, true
		out.Seconds = math.Round(lag.Seconds*1000) / 1000
	}
	return out
}

// rpoKeys are what rpoOf reads for r, so that the preview's batched reads
// fetch the lags of a region's replicas with one call.
func rpoKeys(r resource.Resource) []cloud.Key {
	if rr, ok := r.(resource.RPOReporter); ok && rr.LosesWrites() {
		return []cloud.Key{rr.ReplicationLag()}
	}
	return nil
}

// limitRPO holds a resource's writes at risk to the run's MaxRPO: above it,
// or unknown under it, the resource is blocked, unless the operator
// overrode the limit, which is then a warning and recorded on the RPO.
func limitRPO(rp *ResourcePreview, max time.Duration, override bool) {
	r := rp.RPO
	if r == nil {
		return
	}
	if !r.Known {
		rp.Warnings = append(rp.Warnings, "writes at risk unknown: "+r.Note)
	}
	if max <= 0 {
		return
	}
	var problem string
	switch {
	case !r.Known:
		problem = fmt.Sprintf("--max-rpo %s is set but the writes at risk are unknown (%s)", max, r.Note)
	case r.Lag() > max:
		problem = fmt.Sprintf("writes at risk: about %s (replication lag of %s in %s at %s), above --max-rpo %s",
			FormatLag(r.Lag()), r.Replica, r.Region, r.At.UTC().Format(time.RFC3339), max)
	default:
		return
	}
	if override {
		r.OverLimit = true
		rp.Warnings = append(rp.Warnings, problem+"; --override-max-rpo runs it anyway")
		return
	}
	rp.Blockers = append(rp.Blockers, problem+": wait for the replica to catch up and plan again, or pass --override-max-rpo to accept the loss")
}

// FormatLag shows a replication lag the way the plan says it: "0.42 s",
// "12 s", "3m05s".
func FormatLag(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%.0f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// recordRPO keeps on the plan's spec the RPO the preview measured for each
// resource, so that a run started from the plan journals what the operator
// was shown.
func recordRPO(p *Plan, pv *Preview) {
	for i := range p.Layers {
		for j := range p.Layers[i].Resources {
			if i >= len(pv.Layers) || j >= len(pv.Layers[i].Resources) || i >= len(p.Spec.Layers) || j >= len(p.Spec.Layers[i].Resources) {
				continue
			}
			rpo := pv.Layers[i].Resources[j].RPO
			p.Layers[i].Resources[j].Spec.RPO = rpo
			p.Spec.Layers[i].Resources[j].RPO = rpo
		}
	}
}
