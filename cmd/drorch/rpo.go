package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"drorch/engine"
	"drorch/report"
	"drorch/runner"
)

// rpoLimit is plan's and run's limit on the writes at risk.
type rpoLimit struct {
	max      time.Duration
	override bool
}

func (l *rpoLimit) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.DurationVar(&l.max, "max-rpo", 0, `block an unplanned failover (UnPlannedFailoverAurora, ManagedFailoverAurora,
PromoteRDSReadReplica, FailoverElastiCacheCluster) whose replica's last measured
replication lag is above this (e.g. 5s; 0 = no limit). When CloudWatch has no
lag figure at all, it blocks too: no figure is not "no lag", and a replica
that stopped replicating publishes none`)
	f.BoolVar(&l.override, "override-max-rpo", false, "run even though the writes at risk are above --max-rpo or unknown (the journal records it)")
}

// apply puts the limit into the plan options.
func (l rpoLimit) apply(o runner.Options) (runner.Options, error) {
	if l.max < 0 {
		return o, badInput(fmt.Errorf("--max-rpo %s: write a positive duration, e.g. 5s", l.max))
	}
	if l.override && l.max == 0 {
		return o, badInput(fmt.Errorf("--override-max-rpo overrides --max-rpo, which is not set"))
	}
	o.MaxRPO, o.OverrideMaxRPO = l.max, l.override
	return o, nil
}

// renderRPO prints a resource's writes at risk in a plan.
func renderRPO(w io.Writer, r engine.ResourcePreview) {
	if r.RPO == nil {
		return
	}
	fmt.Fprintf(w, "      rpo     %s\n", report.Clean(rpoLine(r.RPO.Known, r.RPO.Lag(), r.RPO.Metric, r.RPO.Replica, r.RPO.Region, r.RPO.At)))
}

// rpoLine says the writes at risk in words.
func rpoLine(known bool, lag time.Duration, metric, replica, region string, at time.Time) string {
	if !known {
		return fmt.Sprintf("writes at risk: unknown (no replication lag figure for %s in %s)", replica, region)
	}
	return fmt.Sprintf("writes at risk: about %s (%s of %s in %s, measured %s)",
		engine.FormatLag(lag), metric, replica, region, at.UTC().Format(time.RFC3339))
}
