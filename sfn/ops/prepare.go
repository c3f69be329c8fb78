package ops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"drorch/cloud"
	"drorch/engine"
	"drorch/journal"
	"drorch/lock"
	"drorch/manifest"
	"drorch/ref"
	"drorch/resource"
	"drorch/sfn"
)

// maxCause bounds an error message: Step Functions keeps at most 32,768
// characters of a Cause.
const maxCause = 30000

// lockMargin is added to a run's longest possible length to make its
// lease's lifetime, for what the deadlines do not bound: the Map starting
// its children, throttled invocations retried, the pacing's waits past a
// deadline, prepare and the layer ops. A run that dies without its finish
// or release state (an execution stopped by hand, whose end no Catch sees)
// frees its databases once no part of it could still be acting on them;
// a step makes no call past the lease's end (Item.LockUntil).
const lockMargin = time.Hour

// Prepare validates the execution input, refuses resource types the
// workflow does not run, resolves every reference once, binds every
// resource to its handler, takes the lock and writes each layer's items to
// the run bucket. Nothing is changed in AWS.
func (f *Functions) Prepare(ctx context.Context, req *sfn.Request) (*sfn.Progress, error) {
	w, err := sfn.LookupWorkflow(req.Workflow)
	if err != nil {
		return nil, sfn.Errorf(sfn.ErrInternal, "%v", err)
	}
	if req.Execution.ID == "" {
		return nil, sfn.Errorf(sfn.ErrInternal, "prepare without the execution's id")
	}
	catalog := workflowCatalog{reg: f.Registry, w: w}
	payload, problems := manifest.Load(req.Input, catalog)
	if len(problems) > 0 {
		return nil, badInput(explainWorkflow(problems, payload, f.Registry, w))
	}
	if problems := limits(payload); len(problems) > 0 {
		return nil, badInput(problems)
	}
	res, problems, err := (&ref.Resolver{Exports: f.Exports, Parameters: f.Parameters, Region: f.Settings.Region}).Resolve(ctx, payload, catalog)
	if err != nil {
		return nil, awsError("resolve references in "+f.Settings.Region, err)
	}
	if len(problems) > 0 {
		return nil, badInput(problems)
	}
	// Only IAM policies and ARNs need the caller; they fall back to "*"
	// and the aws partition.
	who, _ := f.Identity.Caller(ctx, f.Settings.Region)
	account := who.Account
	sum := sha256.Sum256(req.Input)
	spec := journal.RunSpec{Command: "sfn " + w.Name, Region: f.Settings.Region, PayloadFile: req.Execution.ID,
		PayloadSHA256: hex.EncodeToString(sum[:])}
	plan, problems := engine.Bind(res, f.Registry, resource.Context{HomeRegion: f.Settings.Region, Account: account, Partition: who.Partition}, spec)
	if len(problems) > 0 {
		return nil, badInput(hideSecrets(problems, plan.Secrets))
	}

	prefix := runPrefix(req.Execution.ID)
	run := &sfn.Run{Workflow: w.Name, Region: f.Settings.Region, Account: account, Bucket: f.Settings.Bucket, Prefix: prefix}
	// The lease lasts as long as the run can (see lockMargin), so that no
	// step has to renew it; finish, or release after a failed finish,
	// gives it back as soon as the run ends.
	lease, err := f.Locks.Acquire(ctx, lock.Request{Keys: plan.Locks(), TTL: runLength(plan) + lockMargin,
		Holder: lock.Holder{RunID: req.Execution.ID, Owner: req.Execution.ID, Kind: lock.KindSFN}})
	if err != nil {
		// The error names the keys, which may hold a secret's value.
		msg := engine.Redact(plan.Secrets, err.Error())
		var held *lock.HeldError
		if errors.As(err, &held) {
			return nil, sfn.Errorf(sfn.ErrLocked, "%s; nothing was changed", msg)
		}
		return nil, &sfn.Error{Name: sfn.ErrAWS, Message: "take the lock: " + msg}
	}
	release := func() {
		// The run never starts: give its databases back, whatever
		// happens to the caller's context (Release outlives it).
		_ = lease.Release(ctx)
	}
	ticket := lease.Ticket()
	layers, err := f.items(ctx, req.Execution, w, who, res, plan, ticket.Until)
	if err != nil {
		release()
		return nil, err
	}
	record, _ := json.Marshal(sfn.RunRecord{Execution: req.Execution, Lock: ticket})
	if err := f.Store.Put(ctx, run.Bucket, sfn.RunKey(prefix), record); err != nil {
		release()
		return nil, awsError("write the run record", err)
	}
	total := 0
	for pos, items := range layers {
		data, err := json.Marshal(items)
		if err != nil {
			release()
			return nil, sfn.Errorf(sfn.ErrInternal, "encode layer %d: %v", plan.Layers[pos].Number, err)
		}
		if err := f.Store.Put(ctx, run.Bucket, sfn.LayerKey(prefix, pos), data); err != nil {
			release()
			return nil, awsError(fmt.Sprintf("write layer %d's items", plan.Layers[pos].Number), err)
		}
		run.Layers = append(run.Layers, sfn.LayerInfo{Number: plan.Layers[pos].Number, Resources: len(items)})
		total += len(items)
	}
	f.logLine(map[string]any{"event": "run.started", "workflow": w.Name, "execution": req.Execution.ID,
		"region": run.Region, "layers": len(run.Layers), "resources": total, "locks": len(ticket.Records),
		"lockUntil": ticket.Until.UTC().Format(time.RFC3339)})
	return &sfn.Progress{Run: run, Layer: layerRef(run, 0), Status: sfn.StatusRunning, Summary: sfn.Summary{Resources: total}}, nil
}

// items builds the Items of every layer, in run order, with a fingerprint
// in place of each secret value.
func (f *Functions) items(ctx context.Context, ex sfn.Execution, w sfn.Workflow, who cloud.Caller, res *ref.Result, plan *engine.Plan,
	lockUntil time.Time) ([][]sfn.Item, error) {
	out := make([][]sfn.Item, 0, len(plan.Layers))
	for li, pl := range plan.Layers {
		minWait := sfn.MinWaitFor(len(pl.Resources), f.Settings.PollsPerSecond)
		items := make([]sfn.Item, 0, len(pl.Resources))
		for _, pr := range pl.Resources {
			s := pr.Spec
			it := sfn.Item{Execution: ex, Workflow: w.Name, Region: f.Settings.Region, Account: who.Account, Partition: who.Partition,
				Layer: pl.Number, Index: s.Index, Name: s.Name, Type: s.Type, Params: s.Params, Refs: s.Refs,
				ContinueOnError: s.ContinueOnError, SkipFinalSnapshot: s.SkipFinalSnapshot, TimeoutSeconds: int(s.Timeout / time.Second),
				MinWait: minWait, Steps: s.Steps, LockUntil: lockUntil.UTC()}
			for _, name := range s.Secret {
				value := secretValue(res.Layers[li], s.Index, name)
				fp, err := f.Fingerprints.Fingerprint(ctx, SecretMessage(ex.ID, s.Refs[name], value))
				if err != nil {
					return nil, awsError("fingerprint a secret parameter", err)
				}
				if it.Secrets == nil {
					it.Secrets = map[string]sfn.Secret{}
				}
				it.Secrets[name] = sfn.Secret{Ref: s.Refs[name], Fingerprint: fp}
			}
			items = append(items, it)
		}
		out = append(out, items)
	}
	return out, nil
}

func secretValue(l ref.Layer, index int, name string) string {
	for _, r := range l.Resources {
		if r.Index == index {
			return r.Params[name]
		}
	}
	return ""
}

// SecretMessage is what a secret's fingerprint is a MAC of: the value bound
// to the execution and the reference, so that a fingerprint is worth
// nothing outside its run.
func SecretMessage(execution, reference, value string) []byte {
	return []byte("drorch-secret-v1\x00" + execution + "\x00" + reference + "\x00" + value)
}

// CheckSecret compares a secret value read again with the fingerprint
// prepare recorded: a value that changed since the run started is refused
// (ErrSecretChanged), so that a run never acts on a value it did not plan
// with.
func (f *Functions) CheckSecret(ctx context.Context, item *sfn.Item, name, value string) error {
	s, ok := item.Secrets[name]
	if !ok {
		return sfn.Errorf(sfn.ErrInternal, "parameter %s of %q is not a secret of this run", name, clip(item.Name, 80))
	}
	ok, err := f.Fingerprints.Verify(ctx, SecretMessage(item.Execution.ID, s.Ref, value), s.Fingerprint)
	if err != nil {
		return awsError("check a secret parameter", err)
	}
	if !ok {
		return sfn.Errorf(sfn.ErrSecretChanged, "parameter %s of %q (%s) has changed since the run started; start a new execution to use the new value",
			name, clip(item.Name, 80), s.Ref)
	}
	return nil
}

// runLength is the longest a run can take: the longest deadline of each
// layer, one layer after another.
func runLength(p *engine.Plan) time.Duration {
	var total time.Duration
	for _, l := range p.Layers {
		var longest time.Duration
		for _, r := range l.Resources {
			longest = max(longest, r.Spec.Timeout)
		}
		total += longest
	}
	return total
}

// runPrefix is where a run's objects go: runs/<state machine>/<execution>/.
func runPrefix(executionARN string) string {
	parts := strings.Split(executionARN, ":")
	name := parts[len(parts)-1]
	machine := "execution"
	if len(parts) >= 2 {
		machine = parts[len(parts)-2]
	}
	return "runs/" + safeKey(machine) + "/" + safeKey(name) + "/"
}

// safeKey keeps the characters S3 keys carry without escaping.
func safeKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

func layerRef(run *sfn.Run, pos int) *sfn.LayerRef {
	l := run.Layers[pos]
	return &sfn.LayerRef{Position: pos, Number: l.Number, Bucket: run.Bucket, Key: sfn.LayerKey(run.Prefix, pos), Resources: l.Resources}
}

// workflowCatalog is the registry seen through a workflow: the types it
// does not run are unknown, so validation refuses them where it refuses a
// misspelt type.
type workflowCatalog struct {
	reg *resource.Registry
	w   sfn.Workflow
}

func (c workflowCatalog) Lookup(name string) (manifest.TypeSpec, bool) {
	if !c.w.Accepts(name) {
		return manifest.TypeSpec{}, false
	}
	return c.reg.Lookup(name)
}

func (c workflowCatalog) Names() []string { return c.w.Types }

// explainWorkflow rewrites the problem of a type that drorch knows but this
// workflow does not run, so that the operator starts the right state
// machine instead of looking for a typo.
func explainWorkflow(ps manifest.Problems, p *manifest.Payload, reg *resource.Registry, w sfn.Workflow) manifest.Problems {
	out := make(manifest.Problems, len(ps))
	copy(out, ps)
	for i, pr := range out {
		if pr.Field != "resourceType" || pr.LayerIndex < 0 || pr.ResourceIndex < 0 || p == nil ||
			pr.LayerIndex >= len(p.Layers) || pr.ResourceIndex >= len(p.Layers[pr.LayerIndex].Resources) {
			continue
		}
		typ := p.Layers[pr.LayerIndex].Resources[pr.ResourceIndex].Type
		if _, known := reg.Type(typ); !known || w.Accepts(typ) {
			continue
		}
		other := "another drorch workflow"
		for _, o := range sfn.Workflows() {
			if o.Accepts(typ) {
				other = "the " + o.Name + " state machine"
			}
		}
		out[i].Message = fmt.Sprintf("resource type %s is not run by the %s state machine", typ, w.Name)
		out[i].Fix = fmt.Sprintf("start %s with it, or run it with `drorch run`; the %s state machine runs %s",
			other, w.Name, strings.Join(w.Types, ", "))
	}
	return out
}

// limits are the Step Functions engine's own: sfn.MaxLayers and
// sfn.MaxLayerResources.
func limits(p *manifest.Payload) manifest.Problems {
	var ps manifest.Problems
	if n := len(p.Layers); n > sfn.MaxLayers {
		ps = append(ps, manifest.Problem{LayerIndex: -1, ResourceIndex: -1, Field: "StatePayload",
			Message: fmt.Sprintf("%d layers: a Step Functions execution runs at most %d (its history holds 25,000 events)", n, sfn.MaxLayers),
			Fix:     "merge layers whose order does not matter, split the payload into several executions, or run it with `drorch run`"})
	}
	for i, l := range p.Layers {
		if n := len(l.Resources); n > sfn.MaxLayerResources {
			ps = append(ps, manifest.Problem{LayerIndex: i, Layer: l.Number, ResourceIndex: -1, Field: "resources",
				Message: fmt.Sprintf("%d resources: a Step Functions layer runs at most %d", n, sfn.MaxLayerResources),
				Fix:     "split the layer into several layers, or run the payload with `drorch run`"})
		}
	}
	return ps
}

// badInput is the error of a refused payload: every problem, one a line,
// as `drorch validate` prints them.
func badInput(ps manifest.Problems) error {
	var b strings.Builder
	noun := "problems"
	if len(ps) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "the payload has %d %s; nothing was changed", len(ps), noun)
	for _, p := range ps {
		line := "\n  - " + p.Error()
		if b.Len()+len(line) > maxCause {
			b.WriteString("\n  - ...")
			break
		}
		b.WriteString(line)
	}
	return &sfn.Error{Name: sfn.ErrBadInput, Message: b.String()}
}

// hideSecrets replaces secret values wherever a problem would show them.
func hideSecrets(ps manifest.Problems, secrets []string) manifest.Problems {
	out := make(manifest.Problems, len(ps))
	for i, p := range ps {
		for _, s := range secrets {
			if s == "" {
				continue
			}
			p.Message = strings.ReplaceAll(p.Message, s, "(secret)")
			p.Fix = strings.ReplaceAll(p.Fix, s, "(secret)")
			p.Field = strings.ReplaceAll(p.Field, s, "(secret)")
		}
		out[i] = p
	}
	return out
}
