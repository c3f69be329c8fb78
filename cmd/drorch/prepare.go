package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"drorch/awsapi"
	"drorch/engine"
	"drorch/journal"
	"drorch/journal/sqlitestore"
	"drorch/resource"
	"drorch/runner"
)

// connect builds the AWS adapters from the global flags.
func (a *app) connect(ctx context.Context) (runner.Cloud, error) {
	c, err := a.awsClients(ctx)
	if err != nil {
		return runner.Cloud{}, err
	}
	return a.cloudOf(c), nil
}

// awsClients builds the AWS clients from the global flags.
func (a *app) awsClients(ctx context.Context) (*awsapi.Clients, error) {
	conf := awsapi.Config{Region: a.region, Profile: a.profile, EndpointURL: a.endpointURL,
		ReadAttempts: a.readAttempts, MaxBackoff: a.maxBackoff}
	if a.creds != nil {
		conf.Credentials = a.creds
	}
	c, err := awsapi.New(ctx, conf)
	if errors.Is(err, awsapi.ErrNoRegion) {
		return nil, badInput(err)
	}
	if err != nil {
		return nil, fmt.Errorf("set up AWS clients: %w", err)
	}
	return c, nil
}

// cloudOf is runner's view of the clients, acting from their home region.
func (a *app) cloudOf(c *awsapi.Clients) runner.Cloud {
	reads, refs := c.Reads(), c.Refs()
	reads.Now = a.clock.Now
	return runner.Cloud{Region: c.Region(), Reader: reads, Batch: reads, Executor: c.Calls(), Identity: c.Identity(),
		Exports: refs, Params: refs}
}

// newEngine wires the engine to AWS and the journal.
func (a *app) newEngine(c runner.Cloud, store journal.Store, s engine.Settings) *engine.Engine {
	return runner.Engine(c, store, a.clock, journal.NewProcess(version), s)
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
	path := a.statePath
	if path == "" {
		var err error
		if path, err = journal.DefaultPath(a.getenv); err != nil {
			return nil, badInput(err)
		}
	}
	s, err := sqlitestore.Open(ctx, path, mode)
	var missing *sqlitestore.NoJournalError
	if errors.As(err, &missing) {
		return nil, badInput(err)
	}
	return s, err // the error names the journal already
}

// staticCreds are the dummy credentials drorch uses against its own simulator.
func staticCreds() aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", Source: "drorch-sim"}, nil
	})
}

// readPayload reads and validates the payload at path ("-" for stdin). A
// file that cannot be read is the operator's mistake, as bad content is.
func (a *app) readPayload(path string, reg *resource.Registry) (*runner.Payload, error) {
	pf, err := runner.ReadPayload(path, a.stdin, reg)
	var pe *runner.ProblemsError
	if err != nil && !errors.As(err, &pe) {
		return nil, badInput(err)
	}
	return pf, err
}
