package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"

	"drorch/awsapi"
	"drorch/engine"
	"drorch/journal"
	"drorch/journal/sqlitestore"
	"drorch/manifest"
	"drorch/ref"
	"drorch/resource"
)

// payloadFile is a payload read from disk (or stdin) and validated.
type payloadFile struct {
	path    string
	sha256  string
	payload *manifest.Payload
}

// readPayload reads and validates the payload at path ("-" for stdin): no
// AWS call. Problems are bad input.
func readPayload(path string, stdin io.Reader, reg *resource.Registry) (*payloadFile, error) {
	var (
		data []byte
		err  error
	)
	if path == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, manifest.MaxPayloadBytes+1))
	} else {
		data, err = readLimited(path, manifest.MaxPayloadBytes+1)
	}
	if err != nil {
		return nil, badInput(fmt.Errorf("read payload: %w", err))
	}
	if len(data) > manifest.MaxPayloadBytes {
		// Reading stopped one byte past the limit: tell the operator the
		// payload's real size, not the limit's.
		size := int64(len(data))
		if path == "-" {
			n, _ := io.Copy(io.Discard, stdin)
			size += n
		} else if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() > size {
			size = fi.Size()
		}
		return nil, &problemsError{file: path, problems: manifest.Problems{manifest.TooLarge(size)}}
	}
	return parsePayload(path, data, reg)
}

// parsePayload validates a payload's bytes; name says where they came from.
func parsePayload(name string, data []byte, reg *resource.Registry) (*payloadFile, error) {
	p, problems := manifest.Load(data, reg)
	if len(problems) > 0 {
		return nil, &problemsError{file: name, problems: problems}
	}
	sum := sha256.Sum256(data)
	return &payloadFile{path: name, sha256: hex.EncodeToString(sum[:]), payload: p}, nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// problemsError is a payload's problems: bad input, one line each.
type problemsError struct {
	file     string
	problems manifest.Problems
}

func (e *problemsError) Error() string {
	n := len(e.problems)
	noun := "problems"
	if n == 1 {
		noun = "problem"
	}
	return fmt.Sprintf("%s: %d %s; nothing was changed", e.file, n, noun)
}

// connect builds the AWS clients from the global flags.
func (a *app) connect(ctx context.Context) (*awsapi.Clients, error) {
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

// planOptions are the operator's choices that shape a plan.
type planOptions struct {
	allowDataLoss bool
}

// buildPlan resolves every reference of the payload against the home
// region (read-only calls), checks the resolved values and binds every
// resource to its handler. Faults in the payload are bad input; failures to
// reach AWS are returned as they are.
func buildPlan(ctx context.Context, pf *payloadFile, reg *resource.Registry, cl *awsapi.Clients, opts planOptions) (*engine.Plan, error) {
	res, problems, err := (&ref.Resolver{Exports: cl, Parameters: cl, Region: cl.Region()}).Resolve(ctx, pf.payload, reg)
	if err != nil {
		return nil, fmt.Errorf("resolve references in %s: %w", cl.Region(), err)
	}
	if len(problems) > 0 {
		return nil, &problemsError{file: pf.path, problems: problems}
	}
	secrets := redactor(engine.SecretValues(res))
	account, err := cl.AccountID(ctx, cl.Region())
	if err != nil {
		account = "" // only IAM policies need it; they fall back to "*"
	}
	spec := journal.RunSpec{Command: "run", Region: cl.Region(), PayloadFile: pf.path, PayloadSHA256: pf.sha256, AllowDataLoss: opts.allowDataLoss}
	p, problems := engine.Bind(res, reg, resource.Context{HomeRegion: cl.Region(), AllowDataLoss: opts.allowDataLoss, Account: account}, spec)
	if len(problems) > 0 {
		return nil, &problemsError{file: pf.path, problems: secrets.problems(problems)}
	}
	return p, nil
}

// rebuildPlan binds a journaled run again for a resume: the recorded values
// are used as they are (references were resolved once, at the start), and
// only secret values, never journaled, are read again from SSM.
func rebuildPlan(ctx context.Context, spec journal.RunSpec, reg *resource.Registry, cl *awsapi.Clients) (*engine.Plan, error) {
	payload := &manifest.Payload{}
	for _, l := range spec.Layers {
		ml := manifest.Layer{Number: l.Number}
		for _, r := range l.Resources {
			params := map[string]string{}
			for k, v := range r.Params {
				params[k] = v
			}
			for _, k := range r.Secret {
				params[k] = r.Refs[k]
			}
			mr := manifest.Resource{Type: r.Type, Name: r.Name, Parameters: params, ContinueOnError: r.ContinueOnError}
			if r.Timeout > 0 {
				mr.Timeout = r.Timeout.String()
			}
			ml.Resources = append(ml.Resources, mr)
		}
		payload.Layers = append(payload.Layers, ml)
	}
	res, problems, err := (&ref.Resolver{Exports: cl, Parameters: cl, Region: spec.Region}).Resolve(ctx, payload, reg)
	if err != nil {
		return nil, fmt.Errorf("read the run's secret parameters again: %w", err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("the journaled run no longer resolves: %w", problems)
	}
	account, _ := cl.AccountID(ctx, spec.Region)
	p, problems := engine.Bind(res, reg, resource.Context{HomeRegion: spec.Region, AllowDataLoss: spec.AllowDataLoss, Account: account}, spec)
	if len(problems) > 0 {
		return nil, fmt.Errorf("the journaled run no longer binds: %w", problems)
	}
	p.Spec = spec // exactly what was journaled
	return p, nil
}

// newEngine wires the engine to AWS and the journal.
func (a *app) newEngine(cl *awsapi.Clients, store journal.Store, s engine.Settings) *engine.Engine {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return &engine.Engine{
		Store: store,
		Clock: a.clock,
		Env:   resource.Env{Read: cl, GlobalClusters: cl, Clusters: cl, Instances: cl, Datastores: cl, Identity: cl},
		Batch: cl,
		Process: journal.Process{Owner: fmt.Sprintf("%s:%d:%s", host, pid, newID()[:6]), Host: host, PID: pid,
			Version: version},
		Settings:  s,
		OwnerGone: ownerGone,
	}
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
