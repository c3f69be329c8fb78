package main

import (
	"fmt"
	"os"
	"os/user"

	"github.com/spf13/cobra"

	"drorch/journal"
	"drorch/output"
	"drorch/report"
	"drorch/runner"
)

func newRunsCmd(a *app) *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:     "runs",
		Short:   "List runs, newest first",
		Long:    `runs lists the runs in the journal (--state, else DRORCH_STATE), newest first, with their status; a run whose process stopped is shown as interrupted and can be resumed.`,
		Example: "  drorch runs\n  drorch runs -o json --limit 5",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if limit < 0 {
				return badInput(fmt.Errorf("--limit %d: give 0 (all) or more", limit))
			}
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			recs, err := store.Runs(ctx)
			if err != nil {
				return fmt.Errorf("list runs: %w", err)
			}
			if limit > 0 && len(recs) > limit {
				recs = recs[:limit]
			}
			now := a.wall.Now()
			rows := make([]output.RunRow, 0, len(recs))
			for _, rec := range recs {
				st, err := runner.Fold(ctx, store, rec.ID)
				if err != nil {
					return err
				}
				rows = append(rows, output.NewRunRow(rec.Created, st, runner.Status(rec, st, now)))
			}
			if a.json() {
				return a.writeJSON(output.NewRuns(store.Path(), rows))
			}
			if len(rows) == 0 {
				fmt.Fprintf(a.stdout, "no runs yet in journal %s\n", safe(store.Path()))
				return nil
			}
			table := [][]string{{"RUN", "CREATED", "STATUS", "REGION", "RESOURCES", "DURATION", "PAYLOAD"}}
			for _, r := range rows {
				d := "-"
				if r.Duration != nil {
					d = r.Duration.Display
				}
				table = append(table, []string{safe(r.ID), r.Created.Local().Format("2006-01-02 15:04:05"), r.Status,
					safe(r.Region), fmt.Sprint(r.Resources), d, safe(r.Payload)})
			}
			// A terminal gets a table that fits; a file or a pipe every
			// character of every path.
			limit := 0
			if terminal(a.stdout) {
				limit = width(a.stdout)
			}
			writeTable(a.stdout, "", table, 6, limit)
			return nil
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "show at most this many runs (0 = all)")
	return cmd
}

func newShowCmd(a *app) *cobra.Command {
	var events bool
	cmd := &cobra.Command{
		Use:   "show RUN",
		Short: "Show one run: layers, resources, steps, calls and recovery times",
		Long: `show prints a run from its journal: every resource with its steps, the
mutating calls made (with the AWS request id of each answer), what was last
seen, errors, and each resource's time: its recovery time (RTO) for a
failover that succeeded, its duration otherwise. RUN may be a unique prefix of
at least 4 characters. -o json prints the run report (drorch schema report);
--events prints the raw journal instead.`,
		Example:           "  drorch show 3f9a\n  drorch show 3f9a2c81d0 -o json\n  drorch show 3f9a --events",
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeRunIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			rec, err := store.Run(ctx, args[0])
			if err != nil {
				return badInput(a.notFound("show", args[0], err))
			}
			if events {
				evs, err := store.Events(ctx, rec.ID, 0)
				if err != nil {
					return fmt.Errorf("read run %s: %w", safe(rec.ID), err)
				}
				if a.json() {
					return a.writeJSON(output.NewEvents(rec.ID, evs))
				}
				var st *journal.RunState
				for _, ev := range evs {
					applyEvent(&st, ev)
					fmt.Fprintf(a.stdout, "%5d  %s  %-22s %s\n", ev.Seq, ev.Time.UTC().Format("2006-01-02T15:04:05.000Z"), ev.Kind, describeEvent(st, ev))
				}
				return nil
			}
			if a.json() {
				rep, err := a.report(ctx, store, rec.ID)
				if err != nil {
					return err
				}
				if a.output == "jsonl" {
					return a.writeJSON(rep)
				}
				return report.WriteJSON(a.stdout, rep)
			}
			st, err := runner.Fold(ctx, store, rec.ID)
			if err != nil {
				return err
			}
			renderRun(a.stdout, st, runner.Status(rec, st, a.wall.Now()))
			return nil
		},
	}
	cmd.Flags().BoolVar(&events, "events", false, "print the raw journal events")
	return cmd
}

func newCancelCmd(a *app) *cobra.Command {
	var lockTable string
	cmd := &cobra.Command{
		Use:   "cancel RUN",
		Short: "Stop a run for good, after the calls in flight return",
		Long: `cancel ends a run for good: a run alive in another process stops after the AWS
calls in flight return and journals exactly what happened. A run whose
process already stopped (interrupted) is marked cancelled at once and its
resources are freed for other runs; an operation it started may still be
under way in AWS, so look with "drorch plan" before going on. (Ctrl-C only
interrupts a run, which "drorch resume" continues.)`,
		Example:           "  drorch cancel 3f9a2c81d0",
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeRunIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			rec, st, err := runner.Load(ctx, store, args[0])
			if err != nil {
				return badInput(a.notFound("cancel", args[0], err))
			}
			if st.Status.Terminal() {
				fmt.Fprintf(a.stdout, "run %s already %s\n", safe(rec.ID), st.Status)
				return nil
			}
			who := "drorch cancel"
			if u, err := user.Current(); err == nil {
				host, _ := os.Hostname()
				who = fmt.Sprintf("%s@%s", u.Username, host)
			}
			owner := fmt.Sprintf("cancel:%d:%s", os.Getpid(), newID()[:6])
			done, err := runner.Cancel(ctx, store, a.wall.Now(), rec, st, who, owner)
			if err != nil {
				return err
			}
			if done.Requested {
				fmt.Fprintf(a.stdout, "cancel requested: run %s stops after the calls in flight return (watch it with drorch show %s)\n", safe(rec.ID), safe(rec.ID))
				return nil
			}
			fmt.Fprintf(a.stdout, "run %s was interrupted; it is now cancelled and its resources are free.\n", safe(rec.ID))
			a.freeSharedLock(ctx, lockTable, store, st)
			for _, o := range done.Ongoing {
				fmt.Fprintf(a.stdout, "  %s may still be under way in AWS; check with drorch plan before going on\n", safe(o))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&lockTable, "lock-table", "", lockTableHelp)
	return cmd
}
