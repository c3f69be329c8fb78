package readiness

import (
	"context"
	"fmt"
	"slices"
	"time"

	"drorch/cloud"
	"drorch/engine"
	"drorch/internal/clock"
	"drorch/journal"
	"drorch/manifest"
	"drorch/ref"
	"drorch/resource"
	"drorch/runner"
)

// DefaultMaxLag is the replication lag a replica may have when neither the
// payload (maxReplicationLag) nor Settings say otherwise.
const DefaultMaxLag = time.Second

// Env is how an evaluation reaches AWS: read-only, every call.
type Env struct {
	// Cloud returns the adapters that act from region (runner.Cloud with
	// Region set to it): the run's region for everything, the other
	// regions for their exports and SSM parameters.
	Cloud func(region string) runner.Cloud
	// Permissions asks IAM's policy simulator about the caller.
	Permissions PermissionChecker
	Clock       clock.Clock
}

// Regional returns the Env.Cloud of adapters that take the region per call
// (awsapi's): home with its Region replaced.
func Regional(home runner.Cloud) func(region string) runner.Cloud {
	return func(region string) runner.Cloud {
		c := home
		c.Region = region
		return c
	}
}

// PermissionChecker asks IAM whether the caller may make calls.
type PermissionChecker interface {
	// Denied returns the action-resource pairs among actions × resources
	// the caller may not make.
	Denied(ctx context.Context, actions, resources []string) ([]Denial, error)
}

// Denial is one action the caller may not make on one resource.
type Denial struct {
	Action, Resource string
	// Decision is explicitDeny or implicitDeny.
	Decision string
	// MissingContext are condition keys the simulator had no value for:
	// the real decision may differ.
	MissingContext []string
}

// Settings are the operator's choices for an evaluation.
type Settings struct {
	// Region is the run's region (--region): where references resolve and
	// the failover is run from.
	Region string
	// MaxLag is the replication lag threshold of the resources whose
	// payload sets none (default DefaultMaxLag).
	MaxLag time.Duration
}

// rkey names a resource of the payload: its layer number and its position
// in the layer as written.
type rkey struct{ layer, index int }

// evaluation is one Evaluate: what it has learnt so far.
type evaluation struct {
	env  Env
	reg  *resource.Registry
	pf   *runner.Payload
	set  Settings
	home runner.Cloud
	res  *Result
	at   map[rkey]*ResourceResult
	// resolved is the payload resolved in the run's region; plan binds
	// the resources that resolved and bound without a problem.
	resolved *ref.Result
	plan     *engine.Plan
	secrets  []string
	// otherSides are the regions of the primary sides the replica checks
	// found, where the payload is resolved too.
	otherSides []string
}

// Evaluate evaluates the payload now. Whatever AWS answers, it returns a
// result: a region that cannot be reached, a read that fails or a check
// that cannot be made is a finding. Its error is the context's, when it
// ended the evaluation.
func Evaluate(ctx context.Context, env Env, reg *resource.Registry, pf *runner.Payload, s Settings) (*Result, error) {
	if s.MaxLag <= 0 {
		s.MaxLag = DefaultMaxLag
	}
	e := &evaluation{env: env, reg: reg, pf: pf, set: s, home: env.Cloud(s.Region), at: map[rkey]*ResourceResult{},
		res: &Result{Payload: pf.Name, SHA256: pf.SHA256, Region: s.Region, At: env.Clock.Now().UTC()}}
	for _, l := range pf.Payload.Ordered() {
		for j, r := range l.Resources {
			e.res.Resources = append(e.res.Resources, ResourceResult{Layer: l.Number, Index: j, Name: r.Name, Type: r.Type, Findings: []Finding{}})
		}
	}
	for i := range e.res.Resources {
		rr := &e.res.Resources[i]
		e.at[rkey{rr.Layer, rr.Index}] = rr
	}
	if e.references(ctx) {
		e.replicas(ctx)
		e.crossRegion(ctx)
		e.permissions(ctx)
		e.preview(ctx)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", pf.Name, err)
	}
	e.redact()
	e.res.finish()
	return e.res, nil
}

// add records a finding on a resource, or on the payload when rr is nil.
func (e *evaluation) add(rr *ResourceResult, check string, st Status, fix, format string, a ...any) {
	f := Finding{Check: check, Status: st, Message: fmt.Sprintf(format, a...), Fix: fix}
	if rr == nil {
		e.res.Findings = append(e.res.Findings, f)
		return
	}
	rr.Findings = append(rr.Findings, f)
}

// located returns the resource a problem is about (nil: the payload).
func (e *evaluation) located(p manifest.Problem) *ResourceResult {
	if p.ResourceIndex < 0 || p.LayerUnknown {
		return nil
	}
	return e.at[rkey{p.Layer, p.ResourceIndex}]
}

// references resolves and binds the payload in the run's region. It reports
// false when nothing else can be checked: the region's references could not
// be read at all.
func (e *evaluation) references(ctx context.Context) bool {
	c := e.home
	res, problems, err := (&ref.Resolver{Exports: c.Exports, Parameters: c.Params, Region: c.Region}).Resolve(ctx, e.pf.Payload, e.reg)
	if err != nil {
		e.add(nil, CheckReferences, Failure,
			fmt.Sprintf("check that %s is reachable and that the caller may cloudformation:ListExports and ssm:GetParameter there", c.Region),
			"cannot read the references of the payload in %s: %v", c.Region, err)
		return false
	}
	e.resolved, e.secrets = res, engine.SecretValues(res)
	bad := map[rkey]bool{}
	for _, p := range problems {
		rr := e.located(p)
		if rr != nil {
			bad[rkey{rr.Layer, rr.Index}] = true
		}
		e.add(rr, CheckReferences, Failure, p.Fix, "%s", problemText(p, c.Region))
	}
	ok := &ref.Result{Region: res.Region}
	for _, l := range res.Layers {
		kept := ref.Layer{Number: l.Number, Index: l.Index}
		for _, r := range l.Resources {
			if !bad[rkey{l.Number, r.Index}] {
				kept.Resources = append(kept.Resources, r)
			}
		}
		ok.Layers = append(ok.Layers, kept)
	}
	// ManagedFailoverAurora binds only with the operator's acknowledgement
	// of data loss, which is given when it runs, not a readiness matter.
	rctx := resource.Context{HomeRegion: c.Region, AllowDataLoss: true}
	if who, err := c.Identity.Caller(ctx, c.Region); err == nil {
		rctx.Account, rctx.Partition = who.Account, who.Partition
	}
	spec := journal.RunSpec{Command: "check", Region: c.Region, PayloadFile: e.pf.Name, PayloadSHA256: e.pf.SHA256}
	p, bindProblems := engine.Bind(ok, e.reg, rctx, spec)
	for _, pr := range bindProblems {
		e.add(e.located(pr), CheckReferences, Failure, pr.Fix, "%s", pr.Message)
	}
	e.plan = p
	for _, l := range p.Layers {
		for _, r := range l.Resources {
			rr := e.at[rkey{l.Number, r.Spec.Index}]
			if rr == nil {
				continue
			}
			rr.Region = r.Resource.Region()
			n := len(r.Spec.Refs)
			switch {
			case n == 0:
				e.add(rr, CheckReferences, Pass, "", "every parameter is a literal value")
			default:
				e.add(rr, CheckReferences, Pass, "", "its %s resolve in %s", plural(n, "reference"), c.Region)
			}
		}
	}
	return true
}

// problemText is a resolution problem without its location (the finding is
// on the resource already) and with the region it was met in.
func problemText(p manifest.Problem, region string) string {
	msg := p.Message
	if p.Field != "" {
		msg = p.Field + ": " + msg
	}
	return fmt.Sprintf("%s (resolving in %s)", msg, region)
}

// resources calls fn for every bound resource with its result.
func (e *evaluation) resources(fn func(r engine.PlanResource, rr *ResourceResult)) {
	if e.plan == nil {
		return
	}
	for _, l := range e.plan.Layers {
		for _, r := range l.Resources {
			if rr := e.at[rkey{l.Number, r.Spec.Index}]; rr != nil {
				fn(r, rr)
			}
		}
	}
}

// crossRegion resolves the payload in the other regions its resources name
// (their ARNs and region parameters, and the primary sides the replica
// checks found) and compares the values of shared parameters imported in
// both: a global database or datastore, an engine, a version must be the
// same from either side. The other region is where the failback is run
// from; it may be the one that is down, so what cannot be read there is a
// warning.
func (e *evaluation) crossRegion(ctx context.Context) {
	for _, region := range e.otherRegions() {
		c := e.env.Cloud(region)
		other, problems, err := (&ref.Resolver{Exports: c.Exports, Parameters: c.Params, Region: region}).Resolve(ctx, e.pf.Payload, e.reg)
		if err != nil {
			e.add(nil, CheckReferences, Warning, fmt.Sprintf("check that %s is reachable; until then the exports of the two regions are not compared", region),
				"cannot read the payload's references in %s, the other region: %v", region, err)
			continue
		}
		bad := map[rkey]bool{}
		for _, p := range problems {
			rr := e.located(p)
			if rr != nil {
				bad[rkey{rr.Layer, rr.Index}] = true
			}
			e.add(rr, CheckReferences, Warning, p.Fix+" (the payload is run from "+region+" to fail back)", "%s", problemText(p, region))
		}
		for _, l := range other.Layers {
			for _, r := range l.Resources {
				rr := e.at[rkey{l.Number, r.Index}]
				if rr == nil || bad[rkey{l.Number, r.Index}] {
					continue
				}
				e.compareShared(rr, r, region)
			}
		}
	}
}

// compareShared compares the shared parameters of a resource as resolved in
// the run's region and in region.
func (e *evaluation) compareShared(rr *ResourceResult, there ref.Resource, region string) {
	here, ok := e.resolvedResource(rr)
	if !ok {
		return
	}
	spec, ok := e.reg.Lookup(rr.Type)
	if !ok {
		return
	}
	compared := 0
	for _, ps := range spec.Params {
		if !ps.Shared || here.Refs[ps.Name] == "" || there.Refs[ps.Name] == "" {
			continue
		}
		a, b := here.Params[ps.Name], there.Params[ps.Name]
		if ps.CaseInsensitive() {
			a, b = cloud.ID(a), cloud.ID(b)
		}
		compared++
		if a == b {
			continue
		}
		shown := func(v string) string {
			if here.Secret[ps.Name] || there.Secret[ps.Name] {
				return "(secret)"
			}
			return fmt.Sprintf("%q", v)
		}
		e.add(rr, CheckReferences, Failure,
			fmt.Sprintf("make %s give the same value in both regions (it names the same %s from either side)", here.Refs[ps.Name], ps.Doc),
			"%s is %s in %s but %s in %s (%s)", ps.Name, shown(a), e.set.Region, shown(b), region, here.Refs[ps.Name])
	}
	if compared > 0 && !hasFailure(rr, CheckReferences) {
		verb := "agree"
		if compared == 1 {
			verb = "agrees"
		}
		e.add(rr, CheckReferences, Pass, "", "%s %s with the exports of %s", plural(compared, "shared value"), verb, region)
	}
}

func hasFailure(rr *ResourceResult, check string) bool {
	for _, f := range rr.Findings {
		if f.Check == check && f.Status == Failure {
			return true
		}
	}
	return false
}

func (e *evaluation) resolvedResource(rr *ResourceResult) (ref.Resource, bool) {
	for _, l := range e.resolved.Layers {
		if l.Number != rr.Layer {
			continue
		}
		for _, r := range l.Resources {
			if r.Index == rr.Index {
				return r, true
			}
		}
	}
	return ref.Resource{}, false
}

// otherRegions are the regions, other than the run's, that the payload's
// resources name or whose primary sides live in, sorted.
func (e *evaluation) otherRegions() []string {
	seen := map[string]bool{e.set.Region: true}
	var out []string
	add := func(r string) {
		if r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	e.resources(func(r engine.PlanResource, _ *ResourceResult) {
		add(r.Resource.Region())
		spec, _ := e.reg.Lookup(r.Spec.Type)
		for _, ps := range spec.Params {
			v := r.Spec.Params[ps.Name]
			switch ps.Kind {
			case manifest.KindRegion:
				add(v)
			case manifest.KindClusterARN, manifest.KindInstanceARN:
				if a, err := manifest.ParseARN(v); err == nil {
					add(a.Region)
				}
			}
		}
	})
	for _, r := range e.otherSides {
		add(r)
	}
	slices.Sort(out)
	return out
}

// preview runs the plan's preview, as `drorch plan` would, and reports its
// blockers.
func (e *evaluation) preview(ctx context.Context) {
	if e.plan == nil || len(e.plan.Layers) == 0 {
		return
	}
	c := e.home
	eng := &engine.Engine{Clock: e.env.Clock, Reader: c.Reader, Batch: c.Batch, Identity: c.Identity}
	pv, err := eng.Preview(ctx, e.plan)
	if err != nil {
		e.add(nil, CheckPlan, Failure, "run `drorch plan` for details", "cannot plan the payload: %v", err)
		return
	}
	for i, l := range pv.Layers {
		for j, rp := range l.Resources {
			rr := e.at[rkey{l.Number, e.plan.Layers[i].Resources[j].Spec.Index}]
			if rr == nil {
				continue
			}
			switch {
			case len(rp.Blockers) > 0:
				for _, b := range rp.Blockers {
					e.add(rr, CheckPlan, Failure, "the message says what to do; `drorch plan` shows the whole plan", "a run would be blocked: %s", b)
				}
			case rp.AlreadyDone:
				e.add(rr, CheckPlan, Warning, "nothing to fix if the failover has happened; otherwise check the payload names the DR side",
					"already in its desired state: a run would do nothing")
			default:
				e.add(rr, CheckPlan, Pass, "", "a run would start: %s", nextStep(rp))
			}
		}
	}
}

// nextStep names what a run would do first.
func nextStep(rp engine.ResourcePreview) string {
	for _, st := range rp.Steps {
		if st.Status == engine.StepNext || st.Status == engine.StepUnderWay {
			if len(st.Calls) > 0 {
				return fmt.Sprintf("step %s, %s %s in %s", st.Name, st.Calls[0].Service, st.Calls[0].Action, st.Calls[0].Region)
			}
			return "step " + st.Name + " (" + st.Status + ")"
		}
	}
	return "its steps"
}

// redact hides secret values in every finding.
func (e *evaluation) redact() {
	if len(e.secrets) == 0 {
		return
	}
	fix := func(fs []Finding) {
		for i := range fs {
			fs[i].Message, fs[i].Fix = engine.Redact(e.secrets, fs[i].Message), engine.Redact(e.secrets, fs[i].Fix)
		}
	}
	fix(e.res.Findings)
	for i := range e.res.Resources {
		fix(e.res.Resources[i].Findings)
	}
}

// plural is "1 reference", "2 references".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
