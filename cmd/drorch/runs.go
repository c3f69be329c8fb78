package main

import (
	"fmt"
	"os"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"drorch/journal"
	"drorch/runner"
)

func newRunsCmd(a *app) *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:     "runs",
		Short:   "List runs, newest first",
		Long:    `runs lists the runs in the journal (--state), newest first, with their status; a run whose process stopped is shown as interrupted and can be resumed.`,
		Example: "  drorch runs\n  drorch runs -o json --limit 5",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
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
			type row struct {
				ID        string         `json:"id"`
				Created   time.Time      `json:"created"`
				Status    journal.Status `json:"status"`
				Region    string         `json:"region"`
				Payload   string         `json:"payload"`
				Resources int            `json:"resources"`
				Duration  string         `json:"duration"`
			}
			now := a.clock.Now()
			rows := make([]row, 0, len(recs))
			for _, rec := range recs {
				st, err := runner.Fold(ctx, store, rec.ID)
				if err != nil {
					return err
				}
				n := 0
				for _, l := range st.Layers {
					n += len(l.Resources)
				}
				rows = append(rows, row{ID: rec.ID, Created: rec.Created, Status: runner.Status(rec, st, now), Region: st.Spec.Region,
					Payload: st.Spec.PayloadFile, Resources: n, Duration: fmtDuration(st.Elapsed())})
			}
			if a.output == "json" {
				return writeJSON(a.stdout, rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(a.stdout, "no runs yet")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tCREATED\tSTATUS\tREGION\tRESOURCES\tDURATION\tPAYLOAD")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Created.Local().Format("2006-01-02 15:04:05"), r.Status,
					r.Region, r.Resources, r.Duration, r.Payload)
			}
			return tw.Flush()
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
mutating calls made (with their AWS request ids), what was last seen, errors,
and the recovery time (RTO) of each resource. RUN may be a unique prefix of
at least 4 characters. --events prints the raw journal instead.`,
		Example: "  drorch show 3f9a\n  drorch show 3f9a2c81d0 -o json\n  drorch show 3f9a --events",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			rec, err := store.Run(ctx, args[0])
			if err != nil {
				return badInput(fmt.Errorf("show %s: %w", args[0], err))
			}
			if events {
				evs, err := store.Events(ctx, rec.ID, 0)
				if err != nil {
					return fmt.Errorf("read run %s: %w", rec.ID, err)
				}
				if a.output == "json" {
					return writeJSON(a.stdout, evs)
				}
				var st *journal.RunState
				for _, ev := range evs {
					applyEvent(&st, ev)
					fmt.Fprintf(a.stdout, "%5d  %s  %-22s %s\n", ev.Seq, ev.Time.UTC().Format(time.RFC3339Nano), ev.Kind, describeEvent(st, ev))
				}
				return nil
			}
			st, err := runner.Fold(ctx, store, rec.ID)
			if err != nil {
				return err
			}
			status := runner.Status(rec, st, a.clock.Now())
			if a.output == "json" {
				return writeJSON(a.stdout, struct {
					*journal.RunState
					Shown journal.Status `json:"shownStatus"`
				}{st, status})
			}
			renderRun(a.stdout, st, status)
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
		Short: "Stop a run after the calls in flight return",
		Long: `cancel asks a running run to stop: the process running it stops after the AWS
calls in flight return and journals exactly what happened. A run whose
process already stopped (interrupted) is marked cancelled at once and its
resources are freed for other runs; an operation it started may still be
under way in AWS, so look with "drorch plan" before going on.`,
		Example: "  drorch cancel 3f9a2c81d0",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			rec, st, err := runner.Load(ctx, store, args[0])
			if err != nil {
				return badInput(fmt.Errorf("cancel %s: %w", args[0], err))
			}
			if st.Status.Terminal() {
				fmt.Fprintf(a.stdout, "run %s already %s\n", rec.ID, st.Status)
				return nil
			}
			who := "drorch cancel"
			if u, err := user.Current(); err == nil {
				host, _ := os.Hostname()
				who = fmt.Sprintf("%s@%s", u.Username, host)
			}
			owner := fmt.Sprintf("cancel:%d:%s", os.Getpid(), newID()[:6])
			done, err := runner.Cancel(ctx, store, a.clock.Now(), rec, st, who, owner)
			if err != nil {
				return err
			}
			if done.Requested {
				fmt.Fprintf(a.stdout, "cancel requested: run %s stops after the calls in flight return (watch it with drorch show %s)\n", rec.ID, rec.ID)
				return nil
			}
			fmt.Fprintf(a.stdout, "run %s was interrupted; it is now cancelled and its resources are free.\n", rec.ID)
			a.freeSharedLock(ctx, lockTable, store, st)
			for _, o := range done.Ongoing {
				fmt.Fprintf(a.stdout, "  %s may still be under way in AWS; check with drorch plan before going on\n", o)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&lockTable, "lock-table", "", lockTableHelp)
	return cmd
}
