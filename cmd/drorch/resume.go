package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"drorch/engine"
	"drorch/journal"
	"drorch/resource/all"
	"drorch/runner"
)

func newResumeCmd(a *app) *cobra.Command {
	var rs runSettings
	cmd := &cobra.Command{
		Use:   "resume RUN",
		Short: "Continue an interrupted run without repeating what was done",
		Long: `resume continues a run whose process stopped (Ctrl-C, crash, kill, lost laptop):
steps the journal shows finished are not repeated; a call whose outcome is
unknown (the process stopped between making it and recording the answer) is
judged by reading AWS state, never made again blindly. It runs in the run's
own region, with the references it resolved when it started (secret values are
read again). It first says what is done and where it picks up, then shows the
same live progress and result as run.`,
		Example: `  drorch runs
  drorch resume 3f9a2c81d0`,
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeRunIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := rs.check(); err != nil {
				return err
			}
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			rec, st, err := runner.Load(ctx, store, args[0])
			if err != nil {
				return badInput(a.notFound("resume", args[0], err))
			}
			if st.Status.Terminal() {
				fmt.Fprintf(a.stderr, "run %s already %s; nothing to resume\n", safe(rec.ID), st.Status)
				return a.printResult(ctx, store, st)
			}
			if runner.Live(rec, a.wall.Now()) && !st.Interrupted {
				return runFailed(a.runningElsewhere("resume", st))
			}
			if a.region != "" && a.region != st.Spec.Region {
				fmt.Fprintf(a.stderr, "note: run %s runs in %s; --region %s is ignored\n", safe(rec.ID), safe(st.Spec.Region), safe(a.region))
			}
			a.region = st.Spec.Region
			cl, err := a.connect(ctx)
			if err != nil {
				return err
			}
			p, err := runner.Rebind(ctx, cl, all.Registry(), st.Spec)
			if err != nil {
				return a.unreachableHint(err)
			}
			e := a.newEngine(cl, store, rs.engine())
			notified, err := a.notifyRun(ctx, rs.notify, store, e)
			if err != nil {
				return err
			}
			defer notified()
			sl, err := a.sharedLock(ctx, a.lockTable(rs.lockTable), st.Spec.Region, store, e.Process.Owner)
			if err != nil {
				return err
			}
			var opts []engine.RunOption
			if sl != nil {
				opts = append(opts, engine.WithLocker(sl)) // taken again as the same run, once the run is claimed
			}
			fmt.Fprintf(a.stderr, "run %s: journal %s\n", safe(rec.ID), safe(store.Path()))
			fmt.Fprintf(a.stderr, "resuming run %s: %s\n", safe(rec.ID), safe(runner.ResumePoint(st)))
			_, err = a.execute(ctx, store, e, rec.ID, st, func(ctx context.Context) (*journal.RunState, error) {
				return e.Resume(ctx, rec.ID, p, opts...)
			})
			return err
		},
	}
	cmd.Flags().Float64Var(&a.apiRate, "api-rate", 0, apiRateHelp)
	rs.flags(cmd)
	return cmd
}

// runningElsewhere is the error for resuming a run that another process
// is running now: who runs it, and how to watch or stop it.
func (a *app) runningElsewhere(what string, st *journal.RunState) error {
	return fmt.Errorf("%s %s: it is running now, in %s; watch it with drorch show %s, or stop it with drorch cancel %s",
		what, safe(st.ID), runBy(st), safe(st.ID), safe(st.ID))
}

// runBy names the process running a run: "process 4242 on host (user ana)".
func runBy(st *journal.RunState) string {
	p := st.Process
	if p.Host == "" {
		return "another process"
	}
	who := fmt.Sprintf("process %d on %s", p.PID, safe(p.Host))
	if p.User != "" {
		who += " (user " + safe(p.User) + ")"
	}
	return who
}

// explainBusy turns a run that could not start because another run holds
// its resources into the next step: watch or cancel a run that is alive,
// resume or cancel one that is interrupted.
func (a *app) explainBusy(ctx context.Context, store journal.Store, err error) error {
	var busy *journal.BusyError
	if !errors.As(err, &busy) {
		return err
	}
	keys := safe(strings.Join(busy.Keys, ", "))
	rec, st, lerr := runner.Load(ctx, store, busy.RunID)
	if lerr != nil {
		return err
	}
	id := safe(rec.ID)
	if !st.Interrupted && runner.Live(rec, a.wall.Now()) {
		return fmt.Errorf("%s is held by unfinished run %s, running now in %s: wait for it, watch it with drorch show %s, or stop it with drorch cancel %s",
			keys, id, runBy(st), id, id)
	}
	return fmt.Errorf("%s is held by unfinished run %s, interrupted (its process stopped %s ago): continue it with %s, or end it with drorch cancel %s",
		keys, id, a.wall.Now().Sub(rec.Heartbeat).Round(time.Second), a.resumeCommand(rec.ID), id)
}

// notFound names the journal that was searched for an unknown run.
func (a *app) notFound(what, id string, err error) error {
	path, _ := a.journalPath()
	if errors.Is(err, journal.ErrRunNotFound) || errors.Is(err, journal.ErrRunAmbiguous) {
		return fmt.Errorf("%s %s: %s in journal %s (drorch runs --state %s lists its runs)", what, safe(id), safe(err.Error()), safe(path), shellQuote(path))
	}
	return fmt.Errorf("%s %s: %s", what, safe(id), safe(err.Error()))
}

// completeRunIDs completes a run id from the journal (--state,
// DRORCH_STATE or the default), newest first, with each run's status.
func (a *app) completeRunIDs(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	store, err := a.openStore(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer store.Close()
	recs, err := store.Runs(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, rec := range recs {
		if journal.ValidRunID(rec.ID) != nil || !strings.HasPrefix(rec.ID, prefix) {
			continue
		}
		desc := ""
		if st, err := runner.Fold(ctx, store, rec.ID); err == nil {
			desc = fmt.Sprintf("%s, %s", runner.Status(rec, st, a.wall.Now()), rec.Created.Local().Format("2006-01-02 15:04"))
		}
		out = append(out, rec.ID+"\t"+safe(desc))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
