package main

import (
	"errors"
	"fmt"
	"os"
	"os/user"

	"github.com/spf13/cobra"

	"drorch/journal"
	"drorch/output"
	"drorch/report"
	"drorch/runner"
)

func newApproveCmd(a *app) *cobra.Command {
	var (
		target, comment string
		reject          bool
	)
	cmd := &cobra.Command{
		Use:   "approve RUN",
		Short: "Approve (or --reject) what a run waits for: a ManualApproval resource",
		Long: `approve records your decision on a ManualApproval resource that run RUN waits
for: the run goes on within a few seconds (wherever it runs: drorch run,
drorch serve), or, with --reject, the resource fails and the run stops before
its next layer. Your OS user and host, the time and --comment are journaled
and shown in the run's report. When the run waits for several approvals,
name one with --resource (its name, or LAYER.INDEX as the payload numbers
them). Exit code 0 when recorded, 1 when the run waits for no such approval,
2 for an unknown run or resource.`,
		Example: `  drorch approve 3f9a --comment "app team confirmed writes stopped"
  drorch approve 3f9a2c81d0 --resource "Approve the database failover"
  drorch approve 3f9a --resource 2.0 --reject --comment "replication lag is 40 minutes"`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			_, st, err := runner.Load(ctx, store, args[0])
			if err != nil {
				return badInput(fmt.Errorf("approve %s: %w", report.Clean(args[0]), err))
			}
			who := "drorch approve"
			if u, err := user.Current(); err == nil {
				host, _ := os.Hostname()
				who = fmt.Sprintf("%s@%s", u.Username, host)
			}
			w, err := runner.Decide(ctx, store, a.wall.Now(), st, runner.Decision{Target: target, Approve: !reject, By: who, Comment: comment})
			switch {
			case errors.Is(err, runner.ErrNoSuchResource), errors.Is(err, runner.ErrInvalid):
				return badInput(err)
			case err != nil:
				return runFailed(err)
			}
			decision := journal.Approved
			if reject {
				decision = journal.Rejected
			}
			if a.json() {
				return a.writeJSON(output.Approval{SchemaVersion: output.SchemaVersion, Kind: "approval", Run: st.ID,
					Layer: w.LayerNumber, Index: w.Index, Resource: w.Name, Decision: string(decision), By: who})
			}
			fmt.Fprintf(a.stdout, "%s %q (layer %d, resource %d) of run %s as %s; the run sees it within a few seconds\n",
				decision, report.Clean(w.Name), w.LayerNumber, w.Index, st.ID, who)
			return nil
		},
	}
	cmd.Flags().StringVar(&target, "resource", "", "the approval: its resource name, or LAYER.INDEX (default: the only one the run waits for)")
	cmd.Flags().StringVar(&comment, "comment", "", "why, journaled with the decision")
	cmd.Flags().BoolVar(&reject, "reject", false, "reject instead: the resource fails and the run stops before its next layer")
	return cmd
}
