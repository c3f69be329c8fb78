package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"drorch/awsapi"
	"drorch/cloud"
	"drorch/engine"
	"drorch/journal"
	"drorch/journal/sqlitestore"
	"drorch/resource"
	"drorch/runner"
	"drorch/sim"
)

// apiRateHelp documents --api-rate (run, resume, plan and serve).
const apiRateHelp = "requests per second drorch sends to each AWS service in each region, reads and writes (default 4: a third of RDS's 12 per account and region, leaving the rest to the account's other callers; -1: no limit)"

// connect builds the AWS adapters from the global flags. Every answer's
// headers go to the run clock: an endpoint that says its time (drorch sim)
// has its runs timed on it.
func (a *app) connect(ctx context.Context) (runner.Cloud, error) {
	c, err := a.awsClients(ctx)
	if err != nil {
		return runner.Cloud{}, err
	}
	return a.cloudOf(c), nil
}

// awsClients builds the AWS clients from the global flags. The request
// budget is timed on the clock runs are timed on: the wall clock against
// AWS, the simulator's time against drorch sim, whose --speed would
// otherwise turn 4 requests per second into 4 per minute of its time.
func (a *app) awsClients(ctx context.Context) (*awsapi.Clients, error) {
	if err := a.checkAPIRate(); err != nil {
		return nil, err
	}
	conf := awsapi.Config{Region: a.region, Profile: a.profile, EndpointURL: a.endpointURL,
		ReadAttempts: a.readAttempts, MaxBackoff: a.maxBackoff, ObserveHeaders: a.observe, APIRate: a.apiRate, Clock: a.follower}
	if a.creds != nil {
		conf.Credentials = a.creds
	}
	if a.debug {
		conf.Log = awsapi.DebugLog(a.stderr)
		conf.LogMode = aws.LogRequest | aws.LogResponse | aws.LogRetries
	}
	c, err := awsapi.New(ctx, conf)
	if errors.Is(err, awsapi.ErrNoRegion) {
		return nil, badInput(err)
	}
	if err != nil {
		return nil, fmt.Errorf("set up AWS clients: %w", err)
	}
	if err := c.CheckCredentials(ctx); errors.Is(err, awsapi.ErrNoCredentials) {
		return nil, badInput(fmt.Errorf("%w; set AWS_PROFILE (then aws sso login if it uses SSO), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile; against drorch sim any key works", err))
	} else if err != nil {
		return nil, err
	}
	return c, nil
}

// checkAPIRate refuses an --api-rate that is not a number of requests per
// second.
func (a *app) checkAPIRate() error {
	if math.IsNaN(a.apiRate) || math.IsInf(a.apiRate, 0) {
		return badInput(fmt.Errorf("--api-rate %v: give requests per second (e.g. 4), or -1 for no limit", a.apiRate))
	}
	return nil
}

// cloudOf is runner's view of the clients, acting from their home region.
func (a *app) cloudOf(c *awsapi.Clients) runner.Cloud {
	reads, refs := c.Reads(), c.Refs()
	reads.Now = a.follower.Now
	return runner.Cloud{Region: c.Region(), Reader: reads, Batch: reads, Executor: c.Calls(), Identity: c.Identity(),
		Exports: refs, Params: refs}
}

// observe reads the endpoint's clock from an answer's headers.
func (a *app) observe(h http.Header) {
	v := h.Get(sim.TimeHeader)
	if v == "" {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return
	}
	rate, _ := strconv.ParseFloat(h.Get(sim.SpeedHeader), 64)
	a.follower.Observe(t, rate)
}

// clockNote says whose time a run's times are: "" for the wall clock.
func (a *app) clockNote() string {
	if !a.follower.Following() {
		return ""
	}
	return fmt.Sprintf("simulated AWS time, %gx", a.follower.Rate())
}

// newEngine wires the engine to AWS and the journal: timed on the run
// clock, its lease on the wall clock.
func (a *app) newEngine(c runner.Cloud, store journal.Store, s engine.Settings) *engine.Engine {
	e := runner.Engine(c, store, a.follower, journal.NewProcess(processVersion()), s)
	e.LeaseClock = a.wall
	return e
}

// openStore opens the existing journal at --state or the default path: a
// missing one is bad input (exit 2), and nothing is created.
func (a *app) openStore(ctx context.Context) (*sqlitestore.Store, error) {
	return a.openJournal(ctx, sqlitestore.MustExist)
}

// createStore opens the journal, creating it if there is none (drorch run).
func (a *app) createStore(ctx context.Context) (*sqlitestore.Store, error) {
	return a.openJournal(ctx, sqlitestore.Create)
}

func (a *app) openJournal(ctx context.Context, mode sqlitestore.Mode) (*sqlitestore.Store, error) {
	path, err := a.journalPath()
	if err != nil {
		return nil, err
	}
	s, err := sqlitestore.Open(ctx, path, mode)
	var missing *sqlitestore.NoJournalError
	if errors.As(err, &missing) {
		return nil, badInput(err)
	}
	return s, err // the error names the journal already
}

// journalPath is the journal --state names, else DRORCH_STATE, else the
// default one.
func (a *app) journalPath() (string, error) {
	if a.statePath != "" {
		return a.statePath, nil
	}
	if p := a.getenv("DRORCH_STATE"); p != "" {
		return p, nil
	}
	p, err := journal.DefaultPath(a.getenv)
	if err != nil {
		return "", badInput(fmt.Errorf("%w (or set DRORCH_STATE, or pass --state)", err))
	}
	return p, nil
}

// resumeCommand is the command that continues run id with this journal.
func (a *app) resumeCommand(id string) string {
	cmd := "drorch resume " + id
	if a.statePath != "" {
		cmd += " --state " + shellQuote(a.statePath)
	}
	if a.endpointURL != "" {
		cmd += " --endpoint-url " + shellQuote(a.endpointURL)
	}
	return cmd
}

// staticCreds are the dummy credentials drorch uses against its own simulator.
func staticCreds() aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", Source: "drorch-sim"}, nil
	})
}

// readPayload reads and validates the payload at path ("-" for stdin)
// under ctx: a Ctrl-C ends the wait for a FIFO with no writer. A file that
// cannot be read is the operator's mistake, as bad content is.
func (a *app) readPayload(ctx context.Context, path string, reg *resource.Registry) (*runner.Payload, error) {
	pf, err := runner.ReadPayloadContext(ctx, path, a.stdin, reg)
	var pe *runner.ProblemsError
	switch {
	case err == nil, errors.As(err, &pe):
		return pf, err
	case ctx.Err() != nil:
		return nil, &exitError{code: exitInterrupted, err: fmt.Errorf("read payload %s: interrupted before it was read; nothing was changed", safe(path))}
	}
	return nil, badInput(err)
}

// unreachableHint adds the next step to an error that says the endpoint
// could not be reached.
func (a *app) unreachableHint(err error) error {
	var ae *cloud.APIError
	if !errors.As(err, &ae) || ae.Kind != cloud.KindUnreachable || a.endpointURL == "" && a.getenv("AWS_ENDPOINT_URL") == "" {
		return err
	}
	return fmt.Errorf("%w; is the endpoint running (drorch sim)? check --endpoint-url or AWS_ENDPOINT_URL", err)
}
