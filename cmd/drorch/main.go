// Command drorch is the cross-region disaster-recovery orchestrator for AWS
// databases. This package is the only place that wires adapters (AWS SDK,
// SQLite, simulator, terminal) to the core; one file per subcommand.
//
// Standard output holds only what a command was asked for (a plan, a
// run's result, JSON); prompts, progress and notes go to standard error,
// the operator's terminal, so that `drorch run -o json > result.json`
// asks and shows progress on the terminal and writes clean JSON.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"drorch/engine"
	"drorch/internal/clock"
	"drorch/output"
	"drorch/report"
	"drorch/runner"
)

// Exit codes: 0 ok, 1 the run failed (or was interrupted), 2 bad input or
// usage; 130 when a second Ctrl-C ends drorch at once, as shells report.
// plan --detailed-exitcode exits 2 when there are changes to make.
const (
	exitOK          = 0
	exitFailed      = 1
	exitBadInput    = 2
	exitChanges     = 2
	exitInterrupted = 130
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// badInput marks err as the operator's mistake (exit 2).
func badInput(err error) error { return &exitError{code: exitBadInput, err: err} }

// runFailed marks err as a failed run (exit 1).
func runFailed(err error) error { return &exitError{code: exitFailed, err: err} }

// app holds the global flags and the process's streams; it is passed to every
// subcommand constructor instead of package-level state.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	region      string
	profile     string
	endpointURL string
	statePath   string
	output      string
	debug       bool

	// wall is the wall clock: leases, and what runs and show compare
	// heartbeats with. follower is the clock runs are timed on: the
	// endpoint's when it says its time (drorch sim does), else wall.
	wall     clock.Clock
	follower *clock.Follower
	// creds replaces the credential chain (the demo's in-process
	// simulator).
	creds aws.CredentialsProvider
	// readAttempts and maxBackoff tune the SDK's read retries (0: awsapi's
	// defaults); the demo shortens them to fit its compressed time.
	readAttempts int
	maxBackoff   time.Duration
	// apiRate is the request budget per service and region (--api-rate;
	// 0: awsapi's default).
	apiRate float64

	// live is the progress display of the run under way (nil when none),
	// so that a signal's notice is written above its bars; current is the
	// id of that run.
	mu      sync.Mutex
	live    progress
	current string
}

// json reports whether the output is for programs (json or jsonl).
func (a *app) json() bool { return a.output == "json" || a.output == "jsonl" }

// notice tells the operator something on stderr, above the live bars
// when a run is being drawn.
func (a *app) notice(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	a.mu.Lock()
	live := a.live
	a.mu.Unlock()
	if live != nil {
		live.notice(line)
		return
	}
	fmt.Fprintln(a.stderr, line)
}

// newID returns a new run id: 10 random hex digits, short enough to type,
// unique enough for one journal.
func newID() string {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	os.Exit(runWithSignals(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv, sigs, os.Exit))
}

// run executes drorch with args and returns the exit code (tests call it
// in-process; no signal reaches it).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return runWithSignals(ctx, args, stdin, stdout, stderr, getenv, nil, nil)
}

// runWithSignals is run, interrupted by sigs: the first Ctrl-C or SIGTERM
// interrupts (drorch makes no further call, lets the calls in flight
// return and leaves a run that `drorch resume` continues); a second one
// exits at once through exit, the run resumable all the same (its journal
// is written before and after every call).
func runWithSignals(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string,
	sigs <-chan os.Signal, exit func(int)) int {
	// Several goroutines write to stderr (the live progress, notifications
	// that could not be sent, signal notices): one at a time.
	a := &app{stdin: stdin, stdout: stdout, stderr: &syncWriter{w: stderr}, getenv: getenv, wall: clock.Real(), output: "text"}
	a.follower = clock.Follow(a.wall)
	ctx, interrupt := context.WithCancelCause(ctx)
	defer interrupt(nil)
	finished := make(chan struct{})
	defer close(finished)
	if sigs != nil {
		go func() {
			select {
			case <-sigs:
			case <-finished:
				return
			}
			a.notice("\ndrorch: interrupting: no new call will be made; waiting for the calls in flight.\nPress Ctrl-C again to exit at once (the run stays resumable).")
			interrupt(engine.ErrInterrupted)
			select {
			case <-sigs:
			case <-finished:
				return
			}
			a.mu.Lock()
			id := a.current
			a.mu.Unlock()
			if id != "" {
				fmt.Fprintf(a.stderr, "\ndrorch: exiting now; run %s is journaled and can be continued with: %s\n", safe(id), a.resumeCommand(id))
			} else {
				fmt.Fprintln(a.stderr, "\ndrorch: exiting now; nothing was changed")
			}
			exit(exitInterrupted)
		}()
	}
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	return a.fail(err)
}

// fail reports err the way the output asks (a JSON object on stderr for
// json and jsonl) and returns the exit code.
func (a *app) fail(err error) int {
	if errors.Is(err, errSilent) {
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
	}
	code := exitFailed
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case strings.HasPrefix(err.Error(), "unknown command"):
		code = exitBadInput
	}
	var pe *runner.ProblemsError
	isProblems := errors.As(err, &pe)
	if isProblems {
		code = exitBadInput
	}
	msg := report.Clean(err.Error())
	if a.json() {
		var problems []output.Problem
		if isProblems {
			problems = problemsJSON(pe.Problems)
		}
		a.mu.Lock()
		id := a.current
		a.mu.Unlock()
		_ = writeJSONTo(a.stderr, a.output, output.NewError(msg, code, problems, id))
		return code
	}
	if isProblems {
		for _, p := range pe.Problems {
			fmt.Fprintln(a.stderr, "  -", report.Clean(p.Error()))
		}
	}
	fmt.Fprintln(a.stderr, "drorch:", msg)
	return code
}

// exactArgs and noArgs are cobra's argument checks, as usage errors (exit 2).
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return badInput(err)
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return badInput(err)
	}
	return nil
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "drorch",
		Short: "Cross-region disaster recovery for AWS databases",
		Long: `drorch fails over, and fails back, Aurora global databases, RDS read replicas
and ElastiCache global datastores, layer by layer, from one manifest (the
StatePayload of the DR Orchestrator Framework), and proves what it did.

Standard output holds only what a command prints for you (text, or JSON with
-o json; -o jsonl streams a run's events one per line); prompts, progress and
notes go to standard error.`,
		Version:       buildVersion().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("drorch {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	// An unknown --output would otherwise print text where a script waits
	// for JSON.
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		switch a.output {
		case "text", "json", "jsonl":
		default:
			o := a.output
			a.output = "text"
			return badInput(fmt.Errorf("--output %q: write text, json or jsonl", report.Clean(o)))
		}
		return nil
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.region, "region", "", "AWS region drorch runs in (default: AWS_REGION / profile)")
	pf.StringVar(&a.profile, "profile", "", "AWS shared-config profile")
	pf.StringVar(&a.endpointURL, "endpoint-url", "", "send every AWS call to this endpoint (e.g. drorch sim); default AWS_ENDPOINT_URL")
	pf.StringVar(&a.statePath, "state", "", "journal database file (default: DRORCH_STATE, else drorch/journal.db under the user's state directory)")
	pf.StringVarP(&a.output, "output", "o", "text", "output format: text, json, or jsonl (run and resume: one event per line as the run goes)")
	pf.BoolVarP(&a.debug, "debug", "v", false, "log every AWS request and response (headers, no bodies; credentials redacted) to stderr")

	root.AddCommand(
		newDemoCmd(a),
		newValidateCmd(a),
		newPlanCmd(a),
		newCheckCmd(a),
		newRunCmd(a),
		newResumeCmd(a),
		newCancelCmd(a),
		newRunsCmd(a),
		newShowCmd(a),
		newReportCmd(a),
		newSchemaCmd(a),
		newIAMPolicyCmd(a),
		newSimCmd(a),
		newSFNCmd(a),
		newVersionCmd(a),
		newServeCmd(a),
		newApproveCmd(a),
	)
	return root
}
