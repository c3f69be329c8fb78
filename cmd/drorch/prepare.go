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
	secrets := secretValues(res)
	account, err := cl.AccountID(ctx, cl.Region())
	if err != nil {
		account = "" // only IAM policies need it; they fall back to "*"
	}
	spec := journal.RunSpec{Command: "run", Region: cl.Region(), PayloadFile: pf.path, PayloadSHA256: pf.sha256, AllowDataLoss: opts.allowDataLoss}
	p, problems := bindPlan(res, reg, resource.Context{HomeRegion: cl.Region(), AllowDataLoss: opts.allowDataLoss, Account: account}, spec)
	if len(problems) > 0 {
		return nil, &problemsError{file: pf.path, problems: secrets.problems(problems)}
	}
	return p, nil
}

// bindPlan binds every resolved resource to its type and builds the plan the
// engine runs, with the RunSpec the journal records (secrets removed).
func bindPlan(res *ref.Result, reg *resource.Registry, rctx resource.Context, spec journal.RunSpec) (*engine.Plan, manifest.Problems) {
	p := &engine.Plan{Secrets: secretValues(res)}
	var problems manifest.Problems
	for _, l := range res.Layers {
		pl := engine.PlanLayer{Number: l.Number}
		ls := journal.LayerSpec{Number: l.Number}
		for _, r := range l.Resources {
			typ, ok := reg.Type(r.Type)
			if !ok { // validation rejects unknown types first
				problems = append(problems, manifest.Problem{LayerIndex: l.Index, Layer: l.Number, ResourceIndex: r.Index,
					ResourceName: r.Name, Field: "resourceType", Message: fmt.Sprintf("unknown resource type %q", r.Type)})
				continue
			}
			bound, probs := typ.Bind(resource.Params(r.Params), rctx)
			for _, pr := range probs {
				pr.LayerIndex, pr.Layer, pr.ResourceIndex, pr.ResourceName = l.Index, l.Number, r.Index, r.Name
				problems = append(problems, pr)
			}
			if len(probs) > 0 {
				continue
			}
			red := r.Redacted()
			timeout := r.Timeout
			if timeout <= 0 {
				timeout = bound.Timeout()
			}
			steps := make([]string, 0, len(bound.Steps()))
			for _, st := range bound.Steps() {
				steps = append(steps, st.Name())
			}
			rs := journal.ResourceSpec{Index: r.Index, Name: r.Name, Type: r.Type, Region: bound.Region(), Params: red.Params,
				Refs: red.Refs, Secret: red.Secret, ContinueOnError: r.ContinueOnError, Timeout: timeout, Steps: steps}
			pl.Resources = append(pl.Resources, engine.PlanResource{Spec: rs, Resource: bound})
			ls.Resources = append(ls.Resources, rs)
		}
		p.Layers = append(p.Layers, pl)
		spec.Layers = append(spec.Layers, ls)
	}
	p.Spec = spec
	return p, problems
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
	p, problems := bindPlan(res, reg, resource.Context{HomeRegion: spec.Region, AllowDataLoss: spec.AllowDataLoss, Account: account}, spec)
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

// openStore opens the journal at --state or the default path.
func (a *app) openStore(ctx context.Context) (*journal.SQLite, error) {
	path := a.statePath
	if path == "" {
		var err error
		if path, err = journal.DefaultPath(a.getenv); err != nil {
			return nil, badInput(err)
		}
	}
	s, err := journal.OpenSQLite(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	return s, nil
}

// staticCreds are the dummy credentials drorch uses against its own simulator.
func staticCreds() aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", Source: "drorch-sim"}, nil
	})
}
