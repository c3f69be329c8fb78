package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"drorch/engine"
	"drorch/journal"
	"drorch/journal/sqlitestore"
	"drorch/resource/all"
	"drorch/runner"
)

// runSettings are the tuning flags shared by run and resume.
type runSettings struct {
	pollFirst, pollMax time.Duration
	concurrency        int
	timeout            time.Duration
	lockTable          string
}

func (r *runSettings) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&r.lockTable, "lock-table", "", lockTableHelp)
	f.DurationVar(&r.pollFirst, "poll-interval", time.Second, "first wait before looking at an operation again (it grows from there)")
	f.DurationVar(&r.pollMax, "poll-max", 5*time.Second, "longest wait between two looks at an operation")
	f.IntVar(&r.concurrency, "concurrency", 0, "resources of a layer run at once (0 = all)")
	f.DurationVar(&r.timeout, "timeout", 0, "deadline for the whole run (0 = none; each resource has its own)")
}

func (r runSettings) engine() engine.Settings {
	return engine.Settings{FirstPoll: r.pollFirst, MaxPoll: r.pollMax, Concurrency: r.concurrency, RunTimeout: r.timeout}
}

func newRunCmd(a *app) *cobra.Command {
	var (
		yes, allowDataLoss bool
		runID              string
		rs                 runSettings
		limit              rpoLimit
	)
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Fail over (or back) every resource of a payload",
		Long: `run validates and plans the payload (see "drorch plan"), asks for confirmation
(or takes --yes), then runs it: layers in order, the resources of a layer at
once, each until AWS shows its end state. Every mutating call is journaled
before and after it is made, so an interrupted run continues with
"drorch resume RUN" without repeating what was done. It ends with the
recovery time (RTO) of each resource. Exit code 0 when every resource
succeeded, 1 when the run failed or was cancelled, 2 for bad input.`,
		Example: `  drorch run --region us-west-2 examples/seed/1-planned-switchover.json
  drorch run --region us-west-2 --yes --allow-data-loss managed-failover.json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := journal.ValidRunID(runID); runID != "" && err != nil {
				return badInput(fmt.Errorf("--run-id: %w", err))
			}
			opts, err := limit.apply(runner.Options{AllowDataLoss: allowDataLoss})
			if err != nil {
				return err
			}
			reg := all.Registry()
			pf, err := a.readPayload(args[0], reg)
			if err != nil {
				return err
			}
			store, err := a.createStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			_, err = a.planAndRun(ctx, store, runRequest{payload: pf, opts: opts,
				settings: rs, confirm: !yes, runID: runID})
			return err
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "run without asking for confirmation")
	withDataLossFlag(cmd, &allowDataLoss)
	cmd.Flags().StringVar(&runID, "run-id", "", "id for the new run (default: random)")
	rs.flags(cmd)
	limit.flags(cmd)
	return cmd
}

// runRequest is one payload to plan and run.
type runRequest struct {
	payload  *runner.Payload
	opts     runner.Options
	settings runSettings
	confirm  bool   // ask the operator before changing anything
	runID    string // "" for a new random id
}

// planAndRun plans the payload, shows the plan, refuses a blocked one, asks
// for confirmation when asked to, then runs it with live progress and the
// RTO summary. It returns the run's final state when a run took place.
func (a *app) planAndRun(ctx context.Context, store *sqlitestore.Store, req runRequest) (*journal.RunState, error) {
	reg := all.Registry()
	cl, err := a.connect(ctx)
	if err != nil {
		return nil, err
	}
	p, err := runner.Prepare(ctx, cl, reg, req.payload, req.opts)
	if err != nil {
		return nil, err
	}
	e := a.newEngine(cl, store, req.settings.engine())
	runID := req.runID
	if runID == "" {
		runID = newID()
	}
	// The plan names what the run creates (final snapshots) as the run
	// will.
	p.RunID = runID
	// The shared lock is taken before the plan is read, so that a second
	// operator is refused, naming the holder, before anything else.
	locks, err := a.takeSharedLock(ctx, req.settings.lockTable, cl.Region, store, e, runID, p)
	if err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			locks.release(ctx)
		}
	}()
	pv, err := e.Preview(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("read current state: %w", err)
	}
	if a.output != "json" {
		renderPreview(a.stdout, fmt.Sprintf("Plan for %s in %s", req.payload.Name, cl.Region), pv)
	}
	if pv.Blocked {
		return nil, runFailed(errors.New("the plan is blocked (see BLOCKED above); nothing was changed"))
	}
	if req.confirm && !pv.NothingToDo {
		if err := a.confirm(); err != nil {
			return nil, err
		}
	}
	started = true
	return a.execute(ctx, e, func(ctx context.Context) (*journal.RunState, error) {
		fmt.Fprintf(a.stderr, "run %s: journal %s\n", runID, store.Path())
		return e.Start(ctx, runID, p, locks.options()...)
	})
}

// confirm asks the operator on a terminal; elsewhere it insists on --yes.
func (a *app) confirm() error {
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return badInput(errors.New("refusing to change anything without confirmation: pass --yes"))
	}
	fmt.Fprint(a.stdout, "\nRun this plan? Type yes to go on: ")
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read confirmation: %w", err)
	}
	if strings.TrimSpace(line) != "yes" {
		return badInput(errors.New("not confirmed; nothing was changed"))
	}
	return nil
}

// terminal reports whether w is a terminal (live bars) or not (lines).
func terminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// execute runs (or resumes) a run with live progress, then prints the RTO
// summary. The exit code follows the run's outcome.
func (a *app) execute(ctx context.Context, e *engine.Engine, do func(context.Context) (*journal.RunState, error)) (*journal.RunState, error) {
	var prog progress
	if a.output != "json" {
		prog = newProgress(a.stdout, terminal(a.stdout), e.Clock.Now)
		e.Observer = prog.event
	}
	st, err := do(ctx)
	if prog != nil {
		prog.close()
	}
	if errors.Is(err, engine.ErrInterrupted) && st != nil {
		return st, runFailed(interrupted(a, st))
	}
	var changed *engine.SecretChangedError
	if errors.As(err, &changed) {
		return st, runFailed(err) // nothing was done: no table to show
	}
	if st == nil {
		if err == nil {
			err = errors.New("run ended without a state")
		}
		return nil, runFailed(err)
	}
	if a.output == "json" {
		if jerr := writeJSON(a.stdout, st); jerr != nil {
			return st, jerr
		}
	} else {
		renderRTO(a.stdout, st)
		if allAlreadyDone(st) {
			fmt.Fprintln(a.stdout, "\nNothing to do: every resource was already in its desired state; no change was made.")
		}
	}
	switch {
	case errors.Is(err, engine.ErrRunFinished):
		return st, nil
	case err != nil:
		return st, runFailed(fmt.Errorf("run %s %s: %w", st.ID, st.Status, err))
	case st.Status != journal.StatusSucceeded:
		return st, runFailed(fmt.Errorf("run %s %s", st.ID, st.Status))
	}
	return st, nil
}

func allAlreadyDone(st *journal.RunState) bool {
	n := 0
	for _, l := range st.Layers {
		for _, r := range l.Resources {
			if r.Status != journal.StatusAlreadyDone {
				return false
			}
			n++
		}
	}
	return n > 0
}

func newResumeCmd(a *app) *cobra.Command {
	var rs runSettings
	cmd := &cobra.Command{
		Use:   "resume RUN",
		Short: "Continue an interrupted run without repeating what was done",
		Long: `resume continues a run whose process stopped (crash, kill, lost laptop): steps
the journal shows finished are not repeated; a call whose outcome is unknown
(the process stopped between making it and recording the answer) is judged by
reading AWS state, never made again blindly. It runs in the run's own region,
with the references it resolved when it started (secret values are read again).`,
		Example: `  drorch runs
  drorch resume 3f9a2c81d0`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			rec, st, err := runner.Load(ctx, store, args[0])
			if err != nil {
				return badInput(fmt.Errorf("resume %s: %w", args[0], err))
			}
			if st.Status.Terminal() {
				fmt.Fprintf(a.stdout, "run %s already %s; nothing to resume\n", st.ID, st.Status)
				return nil
			}
			if a.region != "" && a.region != st.Spec.Region {
				fmt.Fprintf(a.stderr, "note: run %s runs in %s; --region %s is ignored\n", st.ID, st.Spec.Region, a.region)
			}
			a.region = st.Spec.Region
			cl, err := a.connect(ctx)
			if err != nil {
				return err
			}
			p, err := runner.Rebind(ctx, cl, all.Registry(), st.Spec)
			if err != nil {
				return err
			}
			e := a.newEngine(cl, store, rs.engine())
			sl, err := a.sharedLock(ctx, a.lockTable(rs.lockTable), st.Spec.Region, store, e.Process.Owner)
			if err != nil {
				return err
			}
			var opts []engine.RunOption
			if sl != nil {
				opts = append(opts, engine.WithLocker(sl)) // taken again as the same run, once the run is claimed
			}
			_, err = a.execute(ctx, e, func(ctx context.Context) (*journal.RunState, error) {
				return e.Resume(ctx, rec.ID, p, opts...)
			})
			return err
		},
	}
	rs.flags(cmd)
	return cmd
}

// interrupted tells the operator what an interruption left: the run, the
// AWS operations that go on without drorch, and the command that resumes it.
func interrupted(a *app, st *journal.RunState) error {
	fmt.Fprintf(a.stderr, "\nrun %s interrupted: no further call was made after the ones in flight returned.\n", st.ID)
	if ongoing := engine.Ongoing(st); len(ongoing) > 0 {
		fmt.Fprintln(a.stderr, "These AWS operations go on without drorch:")
		for _, o := range ongoing {
			fmt.Fprintf(a.stderr, "  %s\n", o)
		}
	}
	resume := "drorch resume " + st.ID
	if a.statePath != "" {
		resume += " --state " + a.statePath
	}
	fmt.Fprintf(a.stderr, "Continue it with: %s\n", resume)
	return fmt.Errorf("run %s interrupted; resume it with %s", st.ID, resume)
}
