package runner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"drorch/cloud"
	"drorch/engine"
	"drorch/internal/clock"
	"drorch/journal"
	"drorch/manifest"
	"drorch/ref"
	"drorch/resource"
)

// Cloud is what runner needs of AWS: reads, the executor of mutating calls,
// the caller's identity and reference lookups, for one home region.
type Cloud struct {
	// Region is the home region: where references resolve and where the
	// run acts from.
	Region   string
	Reader   cloud.Reader
	Batch    cloud.BatchReader
	Executor cloud.Executor
	Identity cloud.Identity
	Exports  ref.Exports
	Params   ref.Parameters
}

// Options are the operator's choices that shape a plan.
type Options struct {
	// AllowDataLoss acknowledges that data-loss failovers may run.
	AllowDataLoss bool
	// MaxRPO blocks an operation that may lose writes when the last
	// measured replication lag of its replica is above it, or unknown (0:
	// no limit); OverrideMaxRPO runs it anyway (the journal records both).
	MaxRPO         time.Duration
	OverrideMaxRPO bool
	// Command is journaled as what started the run (RunSpec.Command):
	// "run" by default, "serve" for the HTTP API.
	Command string
}

// Prepare resolves every reference of the payload in c.Region (read-only
// calls), checks the resolved values and binds every resource to its
// handler. Faults in the payload are a *ProblemsError; failures to reach
// AWS are returned as they are.
func Prepare(ctx context.Context, c Cloud, reg *resource.Registry, pf *Payload, opts Options) (*engine.Plan, error) {
	res, problems, err := (&ref.Resolver{Exports: c.Exports, Parameters: c.Params, Region: c.Region}).Resolve(ctx, pf.Payload, reg)
	if err != nil {
		// The lookup's error names the call and its region.
		return nil, fmt.Errorf("resolve references: %w", err)
	}
	if len(problems) > 0 {
		return nil, &ProblemsError{File: pf.Name, Problems: problems}
	}
	secrets := engine.SecretValues(res)
	rctx := bindContext(ctx, c, opts.AllowDataLoss)
	command := opts.Command
	if command == "" {
		command = "run"
	}
	spec := journal.RunSpec{Command: command, Region: c.Region, PayloadFile: pf.Name, PayloadSHA256: pf.SHA256, AllowDataLoss: opts.AllowDataLoss,
		MaxRPO: opts.MaxRPO, OverrideMaxRPO: opts.OverrideMaxRPO}
	p, problems := engine.Bind(res, reg, rctx, spec)
	if len(problems) > 0 {
		return nil, &ProblemsError{File: pf.Name, Problems: engine.RedactProblems(secrets, problems)}
	}
	return p, nil
}

// bindContext is what resources know of the run when bound: the caller's
// account and partition when AWS says them (only IAM policies and ARNs
// need them; they fall back to "*" and "aws").
func bindContext(ctx context.Context, c Cloud, allowDataLoss bool) resource.Context {
	rctx := resource.Context{HomeRegion: c.Region, AllowDataLoss: allowDataLoss}
	if who, err := c.Identity.Caller(ctx, c.Region); err == nil {
		rctx.Account, rctx.Partition = who.Account, who.Partition
	}
	return rctx
}

// Rebind binds a journaled run again for a resume: the recorded values are
// used as they are (references were resolved once, at the start), and only
// secret values, never journaled, are read again from SSM.
func Rebind(ctx context.Context, c Cloud, reg *resource.Registry, spec journal.RunSpec) (*engine.Plan, error) {
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
			if r.SkipFinalSnapshot {
				mr.FinalSnapshot = new(bool)
			}
			if r.Timeout > 0 {
				mr.Timeout = r.Timeout.String()
			}
			ml.Resources = append(ml.Resources, mr)
		}
		payload.Layers = append(payload.Layers, ml)
	}
	res, problems, err := (&ref.Resolver{Exports: c.Exports, Parameters: c.Params, Region: spec.Region}).Resolve(ctx, payload, reg)
	if err != nil {
		return nil, fmt.Errorf("read the run's secret parameters again: %w", err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("the journaled run no longer resolves: %w", problems)
	}
	p, problems := engine.Bind(res, reg, bindContext(ctx, c, spec.AllowDataLoss), spec)
	if len(problems) > 0 {
		return nil, fmt.Errorf("the journaled run no longer binds: %w", problems)
	}
	p.Spec = spec // exactly what was journaled
	return p, nil
}

// ValidateLiterals runs the cross-field checks of every resource whose
// values are all literal, with no AWS call (the others are checked by
// Prepare, once resolved).
func ValidateLiterals(pf *Payload, reg *resource.Registry, rctx resource.Context) manifest.Problems {
	res, problems := ref.Literals(pf.Payload, reg)
	_, bound := engine.Bind(res, reg, rctx, journal.RunSpec{})
	return append(problems, bound...)
}

// Policy is the least-privilege IAM policy a plan needs: every resource's
// permissions, plus what drorch itself reads (the caller's identity,
// CloudFormation exports and SSM parameters when the payload uses them, and
// CloudWatch's replication lag when an operation may lose writes: the plan
// shows the writes at risk).
// A resource named by a secret value is an operator's mistake: it is
// redacted, and Redacted says how many.
func Policy(p *engine.Plan) (policy resource.Policy, redacted int) {
	var perms []resource.Permission
	imports, ssm, lag := false, false, false
	for _, l := range p.Layers {
		for _, r := range l.Resources {
			perms = append(perms, r.Resource.Permissions()...)
			if rr, ok := r.Resource.(resource.RPOReporter); ok && rr.LosesWrites() {
				lag = true
			}
			for _, rf := range r.Spec.Refs {
				imports = imports || strings.HasPrefix(rf, "!Import")
				ssm = ssm || strings.HasPrefix(rf, "resolve:ssm:")
			}
		}
	}
	perms = append(perms, resource.Permission{Actions: []string{"sts:GetCallerIdentity"}, Resources: []string{"*"}})
	if imports {
		perms = append(perms, resource.Permission{Actions: []string{"cloudformation:ListExports"}, Resources: []string{"*"}})
	}
	if lag {
		// GetMetricData has no resource-level permissions (CloudWatch UG,
		// "Actions, resources, and condition keys for Amazon CloudWatch").
		perms = append(perms, resource.Permission{Actions: []string{"cloudwatch:GetMetricData"}, Resources: []string{"*"}})
	}
	if ssm {
		perms = append(perms, resource.Permission{Actions: []string{"ssm:GetParameter", "kms:Decrypt"}, Resources: []string{"*"}})
	}
	policy = resource.MergePermissions(perms)
	for i := range policy.Statement {
		for j, r := range policy.Statement[i].Resource {
			if hidden := engine.Redact(p.Secrets, r); hidden != r {
				policy.Statement[i].Resource[j] = hidden
				redacted++
			}
		}
	}
	return policy, redacted
}

// Engine is the local engine over c and store, driving runs as process.
// Steps read approvals from store (WithJournal), everything else from AWS.
func Engine(c Cloud, store journal.Store, clk clock.Clock, process journal.Process, s engine.Settings) *engine.Engine {
	c = WithJournal(c, store)
	return &engine.Engine{
		Store: store, Clock: clk, Reader: c.Reader, Batch: c.Batch, Executor: c.Executor, Identity: c.Identity,
		Process: process, Settings: s, OwnerGone: journal.ProcessGone,
	}
}
