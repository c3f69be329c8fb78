package ref

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"drorch/cloud"
	"drorch/internal/suggest"
	"drorch/manifest"
)

// DefaultMaxExportPages bounds ListExports paging when
// Resolver.MaxExportPages is 0: 1000 pages of 100 exports, far more than an
// account holds, so only a looping endpoint reaches it.
const DefaultMaxExportPages = 1000

// Resolver resolves the references of validated payloads against one
// region's CloudFormation exports and SSM parameters. It caches what it
// reads: the exports of a region are listed once (every page), and each SSM
// parameter name and version is read once, however many resources use them
// and however many times Resolve is called. Use one Resolver per run, by
// pointer; it is safe for concurrent use.
type Resolver struct {
	Exports    Exports
	Parameters Parameters
	// Region is the run's region (--region), where `!Import` and
	// `resolve:ssm:` are looked up, as in the original framework.
	Region string
	// MaxExportPages bounds ListExports paging; 0 means DefaultMaxExportPages.
	MaxExportPages int

	mu      sync.Mutex
	exports map[string]map[string]string // region -> export name -> value
	params  map[string]lookup            // region + "\x00" + SSM name -> result
}

// lookup is a cached SSM read: the parameter, or notFound.
type lookup struct {
	param    Parameter
	notFound error
}

// Resolve resolves every reference of p, a payload that Validate accepted,
// applies the defaults of c's specs, and checks each resolved value against
// its parameter's form (manifest.CheckValue).
//
// Faults in the payload (an export or SSM parameter that does not exist, a
// resolved value of the wrong form) are Problems, all of them, located like
// Validate's, with "did you mean" for export names. A failure to look
// something up (throttling, access denied, an unreachable region) is the
// error, and the Result is then nil. Secret values never appear in Problems
// or errors.
func (r *Resolver) Resolve(ctx context.Context, p *manifest.Payload, c manifest.Catalog) (*Result, manifest.Problems, error) {
	if err := r.prefetch(ctx, p); err != nil {
		return nil, nil, err
	}
	res := &Result{Region: r.Region}
	var problems manifest.Problems
	order := p.Order()
	for i, l := range p.Ordered() {
		layer := Layer{Number: l.Number, Index: order[i]}
		for j, mr := range l.Resources {
			at := manifest.Problem{LayerIndex: order[i], Layer: l.Number, ResourceIndex: j, ResourceName: mr.Name}
			rr, ps := r.resource(mr, j, c, at)
			problems = append(problems, ps...)
			layer.Resources = append(layer.Resources, rr)
		}
		res.Layers = append(res.Layers, layer)
	}
	return res, problems, nil
}

// Literals is Resolve without AWS, for checks that must make no call: the
// resources of p whose values are all literals, with the defaults of c's
// specs applied (their forms were checked by manifest.Validate).
// Resources with a reference are left out (Resolve handles them).
func Literals(p *manifest.Payload, c manifest.Catalog) (*Result, manifest.Problems) {
	r := &Resolver{}
	res := &Result{}
	var problems manifest.Problems
	order := p.Order()
	for i, l := range p.Ordered() {
		layer := Layer{Number: l.Number, Index: order[i]}
	resources:
		for j, mr := range l.Resources {
			for _, v := range mr.Parameters {
				if ref, err := manifest.ParseRef(v); err != nil || ref.Kind != manifest.RefNone {
					continue resources
				}
			}
			at := manifest.Problem{LayerIndex: order[i], Layer: l.Number, ResourceIndex: j, ResourceName: mr.Name}
			rr, ps := r.resource(mr, j, c, at)
			problems = append(problems, ps...)
			layer.Resources = append(layer.Resources, rr)
		}
		res.Layers = append(res.Layers, layer)
	}
	return res, problems
}

// prefetch reads everything p refers to, so that a lookup failure stops the
// resolution before any problem is reported on a partial view.
func (r *Resolver) prefetch(ctx context.Context, p *manifest.Payload) error {
	for _, l := range p.Layers {
		for _, mr := range l.Resources {
			for _, k := range slices.Sorted(maps.Keys(mr.Parameters)) {
				ref, err := manifest.ParseRef(mr.Parameters[k])
				if err != nil {
					continue
				}
				switch ref.Kind {
				case manifest.RefImport:
					if _, err := r.exportsOf(ctx, r.Region); err != nil {
						return err
					}
				case manifest.RefSSM:
					if _, err := r.parameter(ctx, r.Region, ref); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func (r *Resolver) resource(mr manifest.Resource, index int, c manifest.Catalog, at manifest.Problem) (Resource, manifest.Problems) {
	out := Resource{Index: index, Name: mr.Name, Type: mr.Type, ContinueOnError: mr.ContinueOnError,
		SkipFinalSnapshot: mr.FinalSnapshot != nil && !*mr.FinalSnapshot,
		Params:            map[string]string{}, Refs: map[string]string{}, Secret: map[string]bool{}, Defaulted: map[string]bool{}}
	if d, err := time.ParseDuration(mr.Timeout); err == nil && d > 0 {
		out.Timeout = d
	}
	problem := func(field, msg, fix string) manifest.Problem {
		p := at
		p.Field, p.Message, p.Fix = field, msg, fix
		return p
	}
	spec, ok := c.Lookup(mr.Type)
	if !ok {
		return out, manifest.Problems{problem("resourceType", fmt.Sprintf("unknown resource type %q", clip(mr.Type)), "validate the payload first")}
	}
	var problems manifest.Problems
	for _, ps := range spec.Params {
		v, given := mr.Parameters[ps.Name]
		if !given || v == "" {
			if ps.Default != "" {
				out.Params[ps.Name], out.Defaulted[ps.Name] = ps.Default, true
			}
			continue
		}
		ref, err := manifest.ParseRef(v)
		if err != nil {
			var re *manifest.RefError
			errors.As(err, &re)
			problems = append(problems, problem(ps.Name, re.Message, re.Fix))
			continue
		}
		if ref.Kind == manifest.RefNone {
			out.Params[ps.Name] = v
			continue
		}
		written := strings.TrimSpace(v)
		out.Refs[ps.Name] = written
		val, secret, msg, fix := r.value(ref)
		if msg != "" {
			problems = append(problems, problem(ps.Name, clip(written)+": "+msg, fix))
			continue
		}
		out.Params[ps.Name], out.Secret[ps.Name] = val, secret
		if err := manifest.CheckValue(ps, val); err != nil {
			var ve *manifest.ValueError
			errors.As(err, &ve)
			m, f := ve.Resolved(written, secret)
			problems = append(problems, problem(ps.Name, m, f))
		}
	}
	return out, problems
}

// value returns what ref resolves to from the caches prefetch filled, or
// the problem (message and fix) when it does not exist.
func (r *Resolver) value(ref manifest.Ref) (value string, secret bool, msg, fix string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ref.Kind {
	case manifest.RefImport:
		exports := r.exports[r.Region]
		if v, ok := exports[ref.Name]; ok {
			return v, false, "", ""
		}
		msg, fix := missingExport(ref.Name, r.Region, exports)
		return "", false, msg, fix
	case manifest.RefSSM:
		l := r.params[r.Region+"\x00"+ref.SSMName()]
		if l.notFound == nil {
			return l.param.Value, l.param.Type == TypeSecureString, "", ""
		}
		if ref.Version > 0 && isCode(l.notFound, "ParameterVersionNotFound") {
			return "", false, fmt.Sprintf("version %d of SSM parameter %s does not exist in %s", ref.Version, clip(ref.Name), r.Region),
				"use an existing version (aws ssm get-parameter-history --name " + clip(ref.Name) + " --region " + r.Region + "), or leave the version out for the latest"
		}
		return "", false, fmt.Sprintf("no SSM parameter %s in %s", clip(ref.Name), r.Region),
			"check the name (aws ssm describe-parameters --region " + r.Region + "), or create the parameter there"
	}
	return "", false, "not a reference", "write !Import <export-name> or resolve:ssm:<name>"
}

func missingExport(name, region string, exports map[string]string) (msg, fix string) {
	msg = "no such CloudFormation export in " + region
	if len(exports) == 0 {
		return msg, fmt.Sprintf("%s has no exports at all: check --region, or deploy the stack that exports %s", region, clip(name))
	}
	names := make([]string, 0, len(exports))
	for n := range exports {
		names = append(names, n)
	}
	if s := suggest.Closest(name, names, 3); len(s) > 0 {
		return msg, "did you mean " + joinOr(s) + "?"
	}
	return msg, fmt.Sprintf("check the name against the %d exports of %s (aws cloudformation list-exports --region %s)", len(exports), region, region)
}

func joinOr(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// lookupErr names a failed lookup once: an AWS error names the call and
// its region already ("cloudformation ListExports in us-west-2: ..."), so
// it gets only what it lacks (short: the parameter, or nothing); any other
// error gets the whole of what was looked up (long).
func lookupErr(short, long string, err error) error {
	var ae *cloud.APIError
	switch {
	case !errors.As(err, &ae):
		return fmt.Errorf("%s: %w", long, err)
	case short == "":
		return err
	}
	return fmt.Errorf("%s: %w", short, err)
}

// exportsOf lists every export of region, once per Resolver.
func (r *Resolver) exportsOf(ctx context.Context, region string) (map[string]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.exports[region]; ok {
		return e, nil
	}
	if r.Exports == nil {
		return nil, fmt.Errorf("list exports in %s: no CloudFormation client configured", region)
	}
	limit := r.MaxExportPages
	if limit <= 0 {
		limit = DefaultMaxExportPages
	}
	all := map[string]string{}
	seen := map[string]bool{}
	token := ""
	for page := 1; ; page++ {
		if page > limit {
			return nil, fmt.Errorf("list exports in %s: more than %d pages of exports; the endpoint keeps answering with a next token", region, limit)
		}
		exports, next, err := r.Exports.ListExports(ctx, region, token)
		if err != nil {
			return nil, lookupErr("", "list exports in "+region, err)
		}
		for _, e := range exports {
			all[e.Name] = e.Value
		}
		if next == "" {
			break
		}
		if seen[next] {
			return nil, fmt.Errorf("list exports in %s: the endpoint returned the page token %q twice; paging would never end", region, next)
		}
		seen[next], token = true, next
	}
	if r.exports == nil {
		r.exports = map[string]map[string]string{}
	}
	r.exports[region] = all
	return all, nil
}

// parameter reads an SSM parameter with decryption, once per Resolver. A
// parameter or version that does not exist is cached as such and is not an
// error here (it becomes a Problem); any other failure is.
func (r *Resolver) parameter(ctx context.Context, region string, ref manifest.Ref) (lookup, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := region + "\x00" + ref.SSMName()
	if l, ok := r.params[key]; ok {
		return l, nil
	}
	if r.Parameters == nil {
		return lookup{}, fmt.Errorf("get SSM parameter %s in %s: no SSM client configured", ref.SSMName(), region)
	}
	p, err := r.Parameters.GetParameter(ctx, region, ref.SSMName(), true)
	var l lookup
	switch {
	case err == nil:
		l.param = p
	case errors.Is(err, cloud.ErrNotFound):
		l.notFound = err
	default:
		return lookup{}, lookupErr("SSM parameter "+ref.SSMName(), fmt.Sprintf("get SSM parameter %s in %s", ref.SSMName(), region), err)
	}
	if r.params == nil {
		r.params = map[string]lookup{}
	}
	r.params[key] = l
	return l, nil
}

// clip shortens what the payload wrote to a length a message can repeat.
func clip(s string) string {
	const maxEcho = 120
	if utf8.RuneCountInString(s) <= maxEcho {
		return s
	}
	return string([]rune(s)[:maxEcho-3]) + "..."
}

func isCode(err error, code string) bool {
	var ae *cloud.APIError
	return errors.As(err, &ae) && ae.Code == code
}
