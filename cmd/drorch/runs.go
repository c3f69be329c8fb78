package main

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"drorch/engine"
	"drorch/journal"
)

// staleAfter is how old a run's heartbeat may be before it counts as
// interrupted (the engine heartbeats every 2 s).
var staleAfter = engine.Settings{}.WithDefaults().Stale

// runStatus is what an operator should read: a running run whose process
// stopped heartbeating, or is gone, is interrupted.
func runStatus(rec journal.RunRecord, st *journal.RunState, now time.Time) journal.Status {
	if !st.Status.Terminal() && !leaseLive(rec, now) {
		return journal.StatusInterrupted
	}
	return st.Status
}

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
			now := time.Now()
			rows := make([]row, 0, len(recs))
			for _, rec := range recs {
				st, err := foldRun(ctx, store, rec.ID)
				if err != nil {
					return err
				}
				n := 0
				for _, l := range st.Layers {
					n += len(l.Resources)
				}
				rows = append(rows, row{ID: rec.ID, Created: rec.Created, Status: runStatus(rec, st, now), Region: st.Spec.Region,
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
			st, err := foldRun(ctx, store, rec.ID)
			if err != nil {
				return err
			}
			status := runStatus(rec, st, time.Now())
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
			rec, st, err := loadRun(ctx, store, "cancel", args[0])
			if err != nil {
				return err
			}
			if st.Status.Terminal() {
				fmt.Fprintf(a.stdout, "run %s already %s\n", rec.ID, st.Status)
				return nil
			}
			return cancelRun(ctx, a, store, rec, st)
		},
	}
	return cmd
}

func cancelRun(ctx context.Context, a *app, store journal.Store, rec journal.RunRecord, st *journal.RunState) error {
	who := "drorch cancel"
	if u, err := user.Current(); err == nil {
		host, _ := os.Hostname()
		who = fmt.Sprintf("%s@%s", u.Username, host)
	}
	now := time.Now()
	req := journal.Event{RunID: rec.ID, Time: now, Kind: journal.RunCancelRequested, Layer: -1, Resource: -1, Message: who}
	if leaseLive(rec, now) {
		if _, err := store.Append(ctx, rec.ID, req); err != nil {
			return fmt.Errorf("cancel %s: %w", rec.ID, err)
		}
		fmt.Fprintf(a.stdout, "cancel requested: run %s stops after the calls in flight return (watch it with drorch show %s)\n", rec.ID, rec.ID)
		return nil
	}
	// Nobody runs it: take it over so that no resume starts meanwhile, then
	// end it.
	owner := fmt.Sprintf("cancel:%d:%s", os.Getpid(), newID()[:6])
	if err := store.Claim(ctx, rec.ID, owner, now, rec.ClaimStale(now, staleAfter, ownerGone(rec.Owner))); err != nil {
		return fmt.Errorf("cancel %s: %w", rec.ID, err)
	}
	fin := journal.Event{RunID: rec.ID, Time: now, Kind: journal.RunFinished, Layer: -1, Resource: -1,
		Data: mustJSONRaw(journal.Outcome{Status: journal.StatusCancelled}), Error: "cancelled by " + who + " while interrupted"}
	if _, err := store.Append(ctx, rec.ID, req, fin); err != nil {
		return fmt.Errorf("cancel %s: %w", rec.ID, err)
	}
	if err := store.Release(ctx, rec.ID); err != nil {
		return fmt.Errorf("cancel %s: %w", rec.ID, err)
	}
	fmt.Fprintf(a.stdout, "run %s was interrupted; it is now cancelled and its resources are free.\n", rec.ID)
	for _, l := range st.Layers {
		for _, r := range l.Resources {
			if c, ok := r.PendingCall(); ok {
				fmt.Fprintf(a.stdout, "  %s: %s %s in %s may have reached AWS; check with drorch plan before going on\n",
					r.Name, c.Call.Service, c.Call.Action, c.Call.Region)
			} else if r.Status == journal.StatusRunning {
				fmt.Fprintf(a.stdout, "  %s: was running; an operation it started may still be under way in AWS\n", r.Name)
			}
		}
	}
	return nil
}
