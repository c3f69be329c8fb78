package readiness

import (
	"context"
	"fmt"
	"strings"

	"drorch/engine"
	"drorch/runner"
)

// permissions asks IAM's policy simulator whether the caller may make every
// call of the payload: the policy `drorch iam-policy` prints (runner.Policy),
// statement by statement. A denial is a failure on each resource that needs
// it, or on the payload for drorch's own reads.
func (e *evaluation) permissions(ctx context.Context) {
	if e.plan == nil || e.env.Permissions == nil {
		return
	}
	policy, _ := runner.Policy(e.plan)
	checked := 0
	var denied []Denial
	for _, st := range policy.Statement {
		var resources []string
		for _, r := range st.Resource {
			// A resource named by a secret value is redacted in the
			// policy: it cannot be asked about.
			if !strings.Contains(r, "(secret)") {
				resources = append(resources, r)
			}
		}
		if len(resources) == 0 {
			continue
		}
		d, err := e.env.Permissions.Denied(ctx, st.Action, resources)
		if err != nil {
			e.add(nil, CheckPermissions, Warning,
				"let the caller call iam:SimulatePrincipalPolicy on its own role (and sts:GetCallerIdentity), or compare its policy with `drorch iam-policy` by hand",
				"cannot ask IAM's policy simulator about the caller's permissions: %v", err)
			return
		}
		checked += len(st.Action) * len(resources)
		denied = append(denied, d...)
	}
	onResource := map[*ResourceResult]bool{}
	for _, d := range denied {
		owners := e.needing(d.Action, d.Resource)
		st := Failure
		msg := fmt.Sprintf("the caller may not %s on %s (%s)", d.Action, d.Resource, d.Decision)
		fix := fmt.Sprintf("grant %s on %s to the caller's role: `drorch iam-policy --region %s %s` prints every permission the payload needs", d.Action, d.Resource, e.set.Region, e.pf.Name)
		if undecided(d) {
			// The simulator is given no condition values: an Allow with a
			// condition (iam:PassedToService on iam:PassRole, as least
			// privilege has it) does not count, so its implicit deny says
			// nothing about the real call (IAM API reference,
			// SimulatePrincipalPolicy: "MissingContextValues").
			st = Warning
			msg = fmt.Sprintf("IAM's policy simulator cannot tell whether the caller may %s on %s: what would allow it has conditions on %s, which it does not evaluate",
				d.Action, d.Resource, strings.Join(d.MissingContext, ", "))
			fix = fmt.Sprintf("check by hand that the conditions allow drorch's call; if no statement allows %s, %s", d.Action, fix)
		}
		if len(owners) == 0 {
			e.add(nil, CheckPermissions, st, fix, "%s", msg)
		}
		for _, rr := range owners {
			onResource[rr] = true
			e.add(rr, CheckPermissions, st, fix, "%s", msg)
		}
	}
	for _, d := range denied {
		if len(d.MissingContext) > 0 && !undecided(d) {
			e.add(nil, CheckPermissions, Warning, "check the conditions of the caller's policies by hand",
				"IAM's simulation of %s had no value for %s: conditions on them were not evaluated", d.Action, strings.Join(d.MissingContext, ", "))
		}
	}
	e.resources(func(r engine.PlanResource, rr *ResourceResult) {
		if !onResource[rr] {
			n := 0
			for _, p := range r.Resource.Permissions() {
				n += len(p.Actions) * len(p.Resources)
			}
			e.add(rr, CheckPermissions, Pass, "", "the caller may make its %s", plural(n, "call"))
		}
	})
	if len(denied) == 0 {
		e.add(nil, CheckPermissions, Pass, "", "the caller may make the %s the payload needs (iam:SimulatePrincipalPolicy)", plural(checked, "call"))
	}
}

// undecided reports whether a denial is only the simulator's want of
// condition values: denied by default while a conditional statement was
// left out. An explicit deny is certain.
func undecided(d Denial) bool {
	return d.Decision == "implicitDeny" && len(d.MissingContext) > 0
}

// needing returns the resources whose permissions include action on arn.
func (e *evaluation) needing(action, arn string) []*ResourceResult {
	var out []*ResourceResult
	e.resources(func(r engine.PlanResource, rr *ResourceResult) {
		for _, p := range r.Resource.Permissions() {
			if contains(p.Actions, action) && contains(p.Resources, arn) {
				out = append(out, rr)
				return
			}
		}
	})
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
