// Command drorch is the cross-region disaster-recovery orchestrator for AWS
// databases. This package is the only place that wires adapters (AWS SDK,
// SQLite, simulator, terminal) to the core; one file per subcommand.
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
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"drorch/engine"
	"drorch/internal/clock"
	"drorch/runner"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

// Exit codes: 0 ok, 1 the run failed (or was interrupted), 2 bad input or
// usage; 130 when a second Ctrl-C ends drorch at once, as shells report.
const (
	exitOK          = 0
	exitFailed      = 1
	exitBadInput    = 2
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

	// clock is the engine's clock (real, except in the demo, where it is
	// the simulator's virtual time); creds replaces the credential chain
	// (the demo's in-process simulator).
	clock clock.Clock
	creds aws.CredentialsProvider
	// readAttempts and maxBackoff tune the SDK's read retries (0: awsapi's
	// defaults); the demo shortens them to fit its compressed time.
	readAttempts int
	maxBackoff   time.Duration
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
	ctx, interrupt := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first Ctrl-C or SIGTERM interrupts: drorch makes no further
		// call, lets the calls in flight return and leaves a run that
		// `drorch resume` continues. A second one exits at once; the run
		// is resumable all the same (its journal is written before and
		// after every call).
		<-sigs
		fmt.Fprintln(os.Stderr, "\ndrorch: interrupting after the calls in flight return (press Ctrl-C again to exit at once)")
		interrupt(engine.ErrInterrupted)
		<-sigs
		fmt.Fprintln(os.Stderr, "drorch: exiting now; the run can be resumed with drorch resume")
		os.Exit(exitInterrupted)
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run executes drorch with args and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, clock: clock.Real()}
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var pe *runner.ProblemsError
	if errors.As(err, &pe) {
		for _, p := range pe.Problems {
			fmt.Fprintln(stderr, "  -", p.Error())
		}
		fmt.Fprintln(stderr, "drorch:", err)
		return exitBadInput
	}
	fmt.Fprintln(stderr, "drorch:", err)
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case strings.HasPrefix(err.Error(), "unknown command"):
		return exitBadInput
	}
	return exitFailed
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
StatePayload of the DR Orchestrator Framework), and proves what it did.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	// An unknown --output would otherwise print text where a script waits
	// for JSON.
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if a.output != "text" && a.output != "json" {
			return badInput(fmt.Errorf("--output %q: write text or json", a.output))
		}
		return nil
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.region, "region", "", "AWS region drorch runs in (default: AWS_REGION / profile)")
	pf.StringVar(&a.profile, "profile", "", "AWS shared-config profile")
	pf.StringVar(&a.endpointURL, "endpoint-url", "", "send every AWS call to this endpoint (e.g. drorch sim); default AWS_ENDPOINT_URL")
	pf.StringVar(&a.statePath, "state", "", "journal database file (default: drorch/journal.db under the user's state directory)")
	pf.StringVarP(&a.output, "output", "o", "text", "output format: text or json")

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
	)
	return root
}
