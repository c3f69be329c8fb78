package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"drorch/examples"
	"drorch/journal"
	"drorch/journal/sqlitestore"
	"drorch/resource"
	"drorch/resource/all"
	"drorch/runner"
	"drorch/sim"
)

func newDemoCmd(a *app) *cobra.Command {
	var speed float64
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the original framework's test cases on the built-in simulator",
		Long: `demo starts drorch's simulated AWS in-process with the seed scenario (the
original framework's demo topology in us-east-1 and us-west-2) and tells a
disaster-recovery story with the README's four payloads, unchanged:

  1. a planned switchover of the Aurora global database to us-west-2, and back;
  2. an outage of us-east-1: the planned switchover is blocked, then the
     unplanned failover of Aurora, the RDS replica promotion and the
     ElastiCache failover run from us-west-2 without a call to us-east-1;
  3. us-east-1 returns: the failback payload's import typo is caught by
     validation, the corrected payload rebuilds the Aurora secondary in
     us-east-1, and a switchover brings the writer home.

It needs nothing but this binary. Times shown are simulated AWS time; --speed
compresses them (at 120, a 60 s switchover takes half a second).`,
		Example: "  drorch demo\n  drorch demo --speed 60 --state ./demo-journal.db",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if speed < 1 {
				return badInput(errors.New("--speed must be at least 1"))
			}
			return runDemo(cmd.Context(), a, speed)
		},
	}
	cmd.Flags().Float64Var(&speed, "speed", 120, "how much faster than real AWS the simulated operations run")
	return cmd
}

type demoRun struct {
	act, payload, region string
	state                *journal.RunState
}

type demo struct {
	a     *app
	sim   *sim.Sim
	store *sqlitestore.Store
	out   io.Writer
	runs  []demoRun
	keep  bool // the journal outlives the demo (--state was given)
}

func runDemo(ctx context.Context, a *app, speed float64) error {
	started := time.Now()
	s, err := sim.New(sim.Config{Speed: speed})
	if err != nil {
		return fmt.Errorf("start the simulator: %w", err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("start the simulator: %w", err)
	}
	srvCtx, stopSrv := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() { served <- s.Serve(srvCtx, ln) }()
	defer func() { stopSrv(); <-served }()

	a.endpointURL = "http://" + ln.Addr().String()
	a.creds = staticCreds()
	// Runs are timed on the simulator's virtual time, so that polling,
	// deadlines and recovery times read as they would against real AWS.
	a.follower.Observe(s.Now(), speed)
	a.readAttempts, a.maxBackoff = 2, 50*time.Millisecond
	keep := a.statePath != ""
	if !keep {
		dir, err := os.MkdirTemp("", "drorch-demo-")
		if err != nil {
			return fmt.Errorf("make a journal for the demo: %w", err)
		}
		defer os.RemoveAll(dir)
		a.statePath = filepath.Join(dir, "journal.db")
	}
	store, err := a.createStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	// The demo is one story on one stream: plans and progress, which run
	// sends to stderr, go with the rest.
	stderr := a.stderr
	a.stderr = a.stdout
	defer func() { a.stderr = stderr }()
	d := &demo{a: a, sim: s, store: store, out: a.stdout, keep: keep}

	fmt.Fprintf(d.out, "drorch demo: simulated AWS at %s (seed scenario, %gx speed), journal %s\n", a.endpointURL, speed, a.statePath)
	fmt.Fprintln(d.out, "Aurora global database dr-globaldb-cluster-mysql: writer dbcluster-01 in us-east-1, secondary dbcluster-02 in us-west-2.")
	fmt.Fprintln(d.out, "RDS rds-mysql-instance in us-east-1 with a read replica in us-west-2; ElastiCache global datastore, primary in us-east-1.")
	if err := d.story(ctx); err != nil {
		return err
	}
	d.summary(time.Since(started))
	return nil
}

func (d *demo) act(n int, title string) {
	line := fmt.Sprintf("━━ %d. %s ", n, title)
	fmt.Fprintf(d.out, "\n%s%s\n", line, strings.Repeat("━", max(0, 78-len([]rune(line)))))
}

func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.out, "\n» "+format+"\n", args...) }

func payload(name string) ([]byte, error) {
	b, err := examples.Seed.ReadFile("seed/" + name)
	if err != nil {
		return nil, fmt.Errorf("demo payload %s: %w", name, err)
	}
	return b, nil
}

// run plans and runs one payload as `drorch run --region R --yes FILE` would.
func (d *demo) run(ctx context.Context, act, region, name string, data []byte) (*journal.RunState, error) {
	if data == nil {
		var err error
		if data, err = payload(name); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(d.out, "\n$ drorch run --region %s --yes examples/seed/%s\n", region, name)
	pf, err := runner.ParsePayload("examples/seed/"+name, data, all.Registry())
	if err != nil {
		return nil, err
	}
	d.a.region = region
	st, err := d.a.planAndRun(ctx, d.store, runRequest{payload: pf})
	if st != nil {
		d.runs = append(d.runs, demoRun{act: act, payload: name, region: region, state: st})
	}
	return st, err
}

func (d *demo) story(ctx context.Context) error {
	d.act(1, "Planned switchover (a drill): both regions healthy")
	d.say("Test case #1 run from the DR region moves the writer to us-west-2 with no data loss.")
	if _, err := d.run(ctx, "1", "us-west-2", "1-planned-switchover.json", nil); err != nil {
		return err
	}
	d.say("The same payload run from us-east-1 resolves its imports there, and brings the writer home.")
	if _, err := d.run(ctx, "1", "us-east-1", "1-planned-switchover.json", nil); err != nil {
		return err
	}

	d.act(2, "us-east-1 goes down")
	if _, err := d.sim.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: "us-east-1", Mode: sim.ModeRefuse}); err != nil {
		return fmt.Errorf("simulate the outage: %w", err)
	}
	d.say("Every connection to us-east-1 is now refused. A planned switchover needs both regions:")
	fmt.Fprintf(d.out, "\n$ drorch plan --region us-west-2 examples/seed/1-planned-switchover.json\n\n")
	d.a.region = "us-west-2"
	pf, err := d.parse("1-planned-switchover.json", nil)
	if err != nil {
		return err
	}
	if err := d.plan(ctx, pf); err == nil {
		return errors.New("demo: the planned switchover should be blocked while us-east-1 is down")
	}
	d.say("Blocked before any change, as it should be. The unplanned payloads run from us-west-2 only:")
	before := d.sim.CallCount("us-east-1", "", "")
	if _, err := d.run(ctx, "2", "us-west-2", "2-unplanned-failover.json", nil); err != nil {
		return err
	}
	if _, err := d.run(ctx, "2", "us-west-2", "4-rds-and-elasticache.json", nil); err != nil {
		return err
	}
	if n := d.sim.CallCount("us-east-1", "", "") - before; n != 0 {
		return fmt.Errorf("demo: the unplanned failovers made %d calls to us-east-1, want none", n)
	}
	d.say("Aurora, RDS and ElastiCache now take writes in us-west-2; not one call went to us-east-1.")

	d.act(3, "us-east-1 is back: failback")
	d.sim.ClearFaults()
	d.say("Test case #3, run from us-east-1, rebuilds the Aurora secondary there. Its payload imports a `vps` export that does not exist:")
	data, err := payload("3-create-secondary-cluster.json")
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\n$ drorch plan --region us-east-1 examples/seed/3-create-secondary-cluster.json\n\n")
	d.a.region = "us-east-1"
	pf, err = d.parse("3-create-secondary-cluster.json", data)
	if err == nil {
		err = d.plan(ctx, pf)
	}
	var pe *runner.ProblemsError
	if !errors.As(err, &pe) {
		return fmt.Errorf("demo: the vps typo should be reported, got %v", err)
	}
	for _, p := range pe.Problems {
		fmt.Fprintf(d.out, "  - %s\n", safe(p.Error()))
	}
	fmt.Fprintf(d.out, "drorch: %s\n", safe(err.Error()))
	d.say("Caught before any call, with the fix. examples/seed/3-create-secondary-cluster-fixed.json is the same payload, corrected (vps -> vpc):")
	fixed, err := payload("3-create-secondary-cluster-fixed.json")
	if err != nil {
		return err
	}
	if !bytes.Equal(fixed, bytes.ReplaceAll(data, []byte("-vps-security-group-ids"), []byte("-vpc-security-group-ids"))) {
		return errors.New("demo: 3-create-secondary-cluster-fixed.json is not the seed payload with its vps typo corrected")
	}
	st, err := d.run(ctx, "3", "us-east-1", "3-create-secondary-cluster-fixed.json", nil)
	if err != nil {
		return err
	}
	d.say("The secondary is back in us-east-1. The stale dbcluster-01 was deleted only once its final snapshot %s was available:\n  the writes it took that never reached us-west-2 are kept. Test case #1 from us-east-1 returns the writer there:",
		resource.SnapshotID(st.ID, "dbcluster-01"))
	if _, err := d.run(ctx, "3", "us-east-1", "1-planned-switchover.json", nil); err != nil {
		return err
	}
	d.say("Run again, a finished failover does nothing and says so:")
	_, err = d.run(ctx, "3", "us-east-1", "1-planned-switchover.json", nil)
	return err
}

func (d *demo) parse(name string, data []byte) (*runner.Payload, error) {
	if data == nil {
		var err error
		if data, err = payload(name); err != nil {
			return nil, err
		}
	}
	return runner.ParsePayload("examples/seed/"+name, data, all.Registry())
}

// plan shows a plan as `drorch plan` would and returns why it cannot run.
func (d *demo) plan(ctx context.Context, pf *runner.Payload) error {
	cl, err := d.a.connect(ctx)
	if err != nil {
		return err
	}
	p, err := runner.Prepare(ctx, cl, all.Registry(), pf, runner.Options{})
	if err != nil {
		return err
	}
	pv, err := d.a.newEngine(cl, nil, runSettings{}.engine()).Preview(ctx, p)
	if err != nil {
		return err
	}
	renderPreview(d.out, fmt.Sprintf("Plan for %s in %s", safe(pf.Name), safe(cl.Region)), pv)
	if pv.Blocked {
		return errors.New("blocked")
	}
	return nil
}

func (d *demo) summary(took time.Duration) {
	d.act(4, "Summary")
	rows := [][]string{{"run", "region", "status", "time", "payload (examples/seed/)"}}
	for _, r := range d.runs {
		status, t := string(r.state.Status), "-"
		if allAlreadyDone(r.state) {
			status = "nothing to do"
		} else {
			rep := runReport(r.state, "")
			switch {
			case rep.Run.RTO != nil:
				t = "RTO " + rep.Run.RTO.Display
			case rep.Run.Duration != nil:
				t = "duration " + rep.Run.Duration.Display
			}
		}
		rows = append(rows, []string{r.state.ID, r.region, status, t, strings.TrimSuffix(r.payload, ".json")})
	}
	writeTable(d.out, "  ", rows, 4, width(d.out))
	mutating := len(d.sim.MutatingCalls())
	total := d.sim.CallCount("", "", "")
	fmt.Fprintf(d.out, "\n%d AWS API calls in all, %d of them mutating. RTOs and durations are simulated AWS time; the demo took %s of real time.\n",
		total, mutating, took.Round(100*time.Millisecond))
	if d.keep {
		fmt.Fprintf(d.out, "Look at any run again with: drorch show RUN --state %s\n", shellQuote(d.a.statePath))
	} else {
		fmt.Fprintln(d.out, "The demo's journal was temporary: run drorch demo --state demo.db to keep it, then drorch show RUN --state demo.db.")
	}
}
