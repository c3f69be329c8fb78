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
	"drorch/output"
	"drorch/report"
	"drorch/resource/all"
	"drorch/runner"
)

// runSettings are the tuning flags shared by run and resume.
type runSettings struct {
	pollFirst, pollMax time.Duration
	concurrency        int
	timeout            time.Duration
	lockTable          string
	notify             notifyFlags
}

// minPoll is the shortest wait between two looks at an operation: faster
// only spends the account's request budget.
const minPoll = 100 * time.Millisecond

func (r *runSettings) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&r.lockTable, "lock-table", "", lockTableHelp)
	f.DurationVar(&r.pollFirst, "poll-interval", time.Second, "wait between two looks at an operation for its first 15 minutes, and the tick of the polling rounds (at least 100ms)")
	f.DurationVar(&r.pollMax, "poll-max", 2*time.Second, "wait between two looks at an operation after its first 15 minutes (at least --poll-interval)")
	f.IntVar(&r.concurrency, "concurrency", 0, "resources of a layer run at once (0 = all)")
	f.DurationVar(&r.timeout, "timeout", 0, "deadline for the whole run (0 = none; each resource has its own)")
	r.notify.flags(cmd)
}

// check refuses settings out of range, naming the range.
func (r runSettings) check() error {
	switch {
	case r.pollFirst < minPoll:
		return badInput(fmt.Errorf("--poll-interval %s: give at least %s (e.g. 1s)", r.pollFirst, minPoll))
	case r.pollMax < minPoll:
		return badInput(fmt.Errorf("--poll-max %s: give at least %s (e.g. 2s)", r.pollMax, minPoll))
	case r.pollMax < r.pollFirst:
		return badInput(fmt.Errorf("--poll-max %s is shorter than --poll-interval %s: give a --poll-max of at least %s", r.pollMax, r.pollFirst, r.pollFirst))
	case r.concurrency < 0:
		return badInput(fmt.Errorf("--concurrency %d: give 0 (all at once) or more", r.concurrency))
	case r.timeout < 0:
		return badInput(fmt.Errorf("--timeout %s: give 0 (none) or a positive duration", r.timeout))
	}
	return nil
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
		Long: `run validates and plans the payload (see "drorch plan"), shows the plan and asks
for confirmation on the terminal (or takes --yes), then runs it: layers in
order, the resources of a layer at once, each until AWS shows its end state.
Every mutating call is journaled before and after it is made, so an
interrupted run continues with "drorch resume RUN" without repeating what was
done. The plan, the prompt and the live progress go to standard error;
standard output gets the result: each resource's recovery time (RTO) for a
failover, its duration for a rebuild (-o json: the run report; -o jsonl: one
event per line as the run goes, then the report).

Ctrl-C (or SIGTERM) interrupts: no new call is made, the calls in flight
return, and the run is left for "drorch resume"; a second Ctrl-C exits at
once. Only "drorch cancel" cancels a run. Exit code 0 when every resource
succeeded, 1 when the run failed, was cancelled or interrupted, 2 for bad
input.`,
		Example: `  drorch run --region us-west-2 examples/seed/1-planned-switchover.json
  drorch run --region us-west-2 --yes --allow-data-loss managed-failover.json
  drorch run --region us-west-2 --yes -o jsonl payload.json | my-log-shipper`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := journal.ValidRunID(runID); runID != "" && err != nil {
				return badInput(fmt.Errorf("--run-id: %w", err))
			}
			if err := rs.check(); err != nil {
				return err
			}
			opts, err := limit.apply(runner.Options{AllowDataLoss: allowDataLoss})
			if err != nil {
				return err
			}
			reg := all.Registry()
			pf, err := a.readPayload(ctx, args[0], reg)
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
	cmd.Flags().Float64Var(&a.apiRate, "api-rate", 0, apiRateHelp)
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
// result. It returns the run's final state when a run took place.
func (a *app) planAndRun(ctx context.Context, store *sqlitestore.Store, req runRequest) (*journal.RunState, error) {
	reg := all.Registry()
	cl, err := a.connect(ctx)
	if err != nil {
		return nil, err
	}
	p, err := runner.Prepare(ctx, cl, reg, req.payload, req.opts)
	if err != nil {
		return nil, a.unreachableHint(err)
	}
	e := a.newEngine(cl, store, req.settings.engine())
	notified, err := a.notifyRun(ctx, req.settings.notify, store, e)
	if err != nil {
		return nil, err
	}
	defer notified()
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
		return nil, a.unreachableHint(fmt.Errorf("read current state: %w", err))
	}
	// The operator reads the plan where the prompt is: on stderr, the
	// terminal, whatever stdout is for.
	renderPreview(a.stderr, fmt.Sprintf("Plan for %s in %s", safe(req.payload.Name), safe(cl.Region)), pv)
	if pv.Blocked {
		return nil, runFailed(errors.New("the plan is blocked (see BLOCKED in the plan); nothing was changed"))
	}
	if req.confirm && !pv.NothingToDo {
		if err := a.confirm(ctx); err != nil {
			return nil, err
		}
	}
	started = true
	return a.execute(ctx, store, e, runID, nil, func(ctx context.Context) (*journal.RunState, error) {
		fmt.Fprintf(a.stderr, "run %s: journal %s\n", runID, safe(store.Path()))
		return e.Start(ctx, runID, p, locks.options()...)
	})
}

// confirm asks the operator on the terminal: the question on stderr, the
// answer from stdin, which must be a terminal (elsewhere it insists on
// --yes). A Ctrl-C while it waits ends it, nothing changed.
func (a *app) confirm(ctx context.Context) error {
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return badInput(errors.New("refusing to change anything without confirmation: pass --yes (stdin is not a terminal, so drorch cannot ask)"))
	}
	fmt.Fprint(a.stderr, "\nRun this plan? Type yes to go on: ")
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(a.stdin).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(a.stderr)
		return &exitError{code: exitInterrupted, err: errors.New("not confirmed (interrupted); nothing was changed")}
	case line := <-answer:
		if strings.TrimSpace(line) != "yes" {
			return badInput(errors.New("not confirmed; nothing was changed"))
		}
	}
	return nil
}

// terminal reports whether w is a terminal (live bars) or not (lines).
func terminal(w io.Writer) bool {
	f, ok := fileOf(w)
	return ok && term.IsTerminal(int(f.Fd()))
}

// width is w's width in columns when it is a terminal, else 80.
func width(w io.Writer) int {
	if f, ok := fileOf(w); ok && term.IsTerminal(int(f.Fd())) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	return 80
}

// execute runs (or resumes) a run with live progress on stderr (or its
// events on stdout with -o jsonl), then prints the result. prior is the
// journal of a run being resumed. The exit code follows the run's outcome.
func (a *app) execute(ctx context.Context, store journal.Store, e *engine.Engine, runID string, prior *journal.RunState,
	do func(context.Context) (*journal.RunState, error)) (*journal.RunState, error) {
	var prog progress
	switch a.output {
	case "jsonl":
		e.Observer = both(e.Observer, func(ev journal.Event) { _ = writeJSONTo(a.stdout, "jsonl", output.NewEvent(ev)) })
	case "text", "json":
		prog = newProgress(a.stderr, terminal(a.stderr), width(a.stderr), e.Clock.Now, prior)
		e.Observer = both(e.Observer, prog.event)
	}
	a.mu.Lock()
	a.live, a.current = prog, runID
	a.mu.Unlock()
	st, err := do(ctx)
	if prog != nil {
		prog.close()
	}
	a.mu.Lock()
	a.live = nil
	a.mu.Unlock()
	if errors.Is(err, engine.ErrInterrupted) && st != nil {
		return st, runFailed(a.interrupted(st))
	}
	var changed *engine.SecretChangedError
	if errors.As(err, &changed) {
		return st, runFailed(err) // nothing was done: no table to show
	}
	if st == nil {
		if err == nil {
			err = errors.New("run ended without a state")
		}
		return nil, runFailed(a.explainBusy(ctx, store, err))
	}
	if werr := a.printResult(ctx, store, st); werr != nil {
		return st, werr
	}
	switch {
	case errors.Is(err, engine.ErrRunFinished):
		return st, nil
	case err != nil:
		return st, runFailed(fmt.Errorf("run %s %s: %w", safe(st.ID), st.Status, err))
	case st.Status != journal.StatusSucceeded:
		return st, runFailed(fmt.Errorf("run %s %s", safe(st.ID), st.Status))
	}
	return st, nil
}

// printResult prints a finished run on stdout: the text table, the run
// report (json), or the report as the last line (jsonl).
func (a *app) printResult(ctx context.Context, store journal.Store, st *journal.RunState) error {
	if !a.json() {
		renderResult(a.stdout, st, width(a.stdout), a.clockNote())
		return nil
	}
	rep, err := a.report(ctx, store, st.ID)
	if err != nil {
		return err
	}
	if a.output == "jsonl" {
		return writeJSONTo(a.stdout, "jsonl", output.Final{Kind: "report", Report: rep})
	}
	return report.WriteJSON(a.stdout, rep)
}

// report builds the run report of run id from its journal.
func (a *app) report(ctx context.Context, store journal.Store, id string) (*report.Report, error) {
	rec, err := store.Run(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("report run %s: %w", id, err)
	}
	evs, err := store.Events(ctx, id, 0)
	if err != nil {
		return nil, fmt.Errorf("report run %s: %w", id, err)
	}
	st, err := journal.Fold(evs)
	if err != nil {
		return nil, fmt.Errorf("report run %s: %w", id, err)
	}
	now := a.wall.Now()
	return report.FromEvents(evs, report.Options{Recovery: all.Registry().Recovery, Status: runner.Status(rec, st, now),
		GeneratedBy: "drorch " + processVersion(), Approvals: runner.ApprovalEvents(st)})
}

// interrupted tells the operator what an interruption left: the run, the
// AWS operations that go on without drorch, and the command that resumes it.
func (a *app) interrupted(st *journal.RunState) error {
	fmt.Fprintf(a.stderr, "\nrun %s interrupted: no further call was made after the ones in flight returned; the journal has every call.\n", safe(st.ID))
	if ongoing := engine.Ongoing(st); len(ongoing) > 0 {
		fmt.Fprintln(a.stderr, "These AWS operations go on without drorch:")
		for _, o := range ongoing {
			fmt.Fprintf(a.stderr, "  %s\n", safe(o))
		}
	} else {
		fmt.Fprintln(a.stderr, "No AWS operation of this run is under way.")
	}
	resume := a.resumeCommand(st.ID)
	fmt.Fprintf(a.stderr, "Continue it with: %s\n(drorch cancel %s ends it for good.)\n", resume, safe(st.ID))
	return fmt.Errorf("run %s interrupted; continue it with: %s", safe(st.ID), resume)
}
