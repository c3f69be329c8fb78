package ops

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"drorch/cloud"
	"drorch/engine"
	"drorch/journal"
	"drorch/manifest"
	"drorch/ref"
	"drorch/resource"
	"drorch/sfn"
)

// bound is an item bound to its handler for one step invocation.
type bound struct {
	res resource.Resource
	// secrets are the values of its secret parameters, read again: they
	// are hidden wherever a decision's words would show them.
	secrets []string
}

// transientError is a failure to bind that may pass: a secret could not
// be read or checked now. The step waits and tries again.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// bindItem binds it to its handler as prepare bound it: the same resolved
// parameters, the same context, its secret values read again from SSM and
// checked against the fingerprints prepare recorded. A failure is an
// *sfn.Error (the resource cannot go on: its type is unknown, a secret
// changed or vanished, it no longer binds) or a *transientError.
func (f *Functions) bindItem(ctx context.Context, it *sfn.Item) (bound, error) {
	if _, ok := f.Registry.Type(it.Type); !ok {
		return bound{}, sfn.Errorf(sfn.ErrInternal, "resource type %q is not one this function runs", clip(it.Type, 80))
	}
	r := ref.Resource{Index: it.Index, Name: it.Name, Type: it.Type, Params: maps.Clone(it.Params), Refs: it.Refs,
		Secret: map[string]bool{}, ContinueOnError: it.ContinueOnError, Timeout: time.Duration(it.TimeoutSeconds) * time.Second,
		SkipFinalSnapshot: it.SkipFinalSnapshot}
	if r.Params == nil {
		r.Params = map[string]string{}
	}
	for name, s := range it.Secrets {
		v, err := f.readSecret(ctx, it, name, s)
		if err != nil {
			return bound{}, err
		}
		r.Params[name], r.Secret[name] = v, true
	}
	res := &ref.Result{Region: it.Region, Layers: []ref.Layer{{Number: it.Layer, Resources: []ref.Resource{r}}}}
	rctx := resource.Context{HomeRegion: it.Region, Account: it.Account, Partition: it.Partition}
	plan, problems := engine.Bind(res, f.Registry, rctx, journal.RunSpec{})
	// Bind wrote the canonical form of each identifier into r.Params, the
	// form prepare fingerprinted, before its checks: a changed secret is
	// named as such, rather than by the check it now fails.
	for _, name := range slices.Sorted(maps.Keys(it.Secrets)) {
		if err := f.CheckSecret(ctx, it, name, r.Params[name]); err != nil {
			var se *sfn.Error
			if errors.As(err, &se) && se.Name == sfn.ErrAWS {
				return bound{}, &transientError{err}
			}
			return bound{}, err
		}
	}
	if len(problems) > 0 {
		return bound{}, sfn.Errorf(sfn.ErrInternal, "the resource no longer binds to its handler: %s", engine.Redact(plan.Secrets, problems.Error()))
	}
	return bound{res: plan.Layers[0].Resources[0].Resource, secrets: plan.Secrets}, nil
}

// readSecret reads a secret parameter's value again, in the run's region,
// where prepare resolved it.
func (f *Functions) readSecret(ctx context.Context, it *sfn.Item, name string, s sfn.Secret) (string, error) {
	rf, err := manifest.ParseRef(s.Ref)
	if err != nil || rf.Kind != manifest.RefSSM {
		return "", sfn.Errorf(sfn.ErrInternal, "parameter %s of %q: %q is not an SSM reference", name, clip(it.Name, 80), clip(s.Ref, 120))
	}
	p, err := f.Parameters.GetParameter(ctx, it.Region, rf.SSMName(), true)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		return "", sfn.Errorf(sfn.ErrSecretChanged, "parameter %s of %q (%s) no longer exists in %s; start a new execution once it is back",
			name, clip(it.Name, 80), s.Ref, it.Region)
	case err != nil && cloud.Retryable(err):
		return "", &transientError{fmt.Errorf("read parameter %s (%s) again: %w", name, s.Ref, err)}
	case err != nil:
		return "", sfn.Errorf(sfn.ErrAWS, "read parameter %s (%s) again: %v", name, s.Ref, err)
	}
	return p.Value, nil
}
