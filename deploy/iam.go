// Package deploy holds the CloudFormation template that deploys drorch's
// Step Functions engine in one region (template.yaml; README.md says how),
// and the code that keeps it true to the generator: the state machine
// definitions and the function's database and check permissions in the
// template are generated (go test ./deploy -update rewrites them) and
// checked.
package deploy

import (
	"fmt"
	"sort"
	"strings"

	"drorch/manifest"
	"drorch/resource"
	"drorch/resource/all"
	"drorch/sfn"
)

// Statement is one IAM policy statement, its resources written with
// CloudFormation's ${AWS::Partition} and ${AWS::AccountId} (Fn::Sub).
type Statement struct {
	Sid      string
	Action   []string
	Resource []string
	// Condition is the statement's IAM condition, if any.
	Condition map[string]map[string]string
}

// homes are the regions a type is bound in, to find its permissions: some
// types refuse to run from the region their source lives in.
var homes = []string{"us-west-2", "us-east-1", "eu-west-1"}

// DatabaseStatements are the IAM statements the function needs for every
// resource type the two workflows run, derived from the types' own
// Permissions (the ones `drorch iam-policy` prints for a payload): each
// type is bound with its parameters' examples, and every ARN it names is
// widened to any resource of the same kind in the account, in any region,
// since a deployed function serves whatever payload it is given. Region and
// name are the only parts widened: the service, the resource kind and the
// account stay.
func DatabaseStatements() ([]Statement, error) {
	reg := all.Registry()
	byResources := map[string]map[string]bool{}
	resOf := map[string][]string{}
	var types []string
	for _, w := range sfn.Workflows() {
		types = append(types, w.Types...)
	}
	sort.Strings(types)
	for _, name := range types {
		typ, ok := reg.Type(name)
		if !ok {
			return nil, fmt.Errorf("workflow type %s is not registered", name)
		}
		params := resource.Params{}
		for _, p := range typ.Spec().Params {
			if p.Example != "" {
				params[p.Name] = p.Example
			} else if p.Default != "" {
				params[p.Name] = p.Default
			}
		}
		var bound resource.Resource
		var problems []manifest.Problem
		for _, home := range homes {
			if bound, problems = typ.Bind(params, resource.Context{HomeRegion: home, Account: "123456789012"}); len(problems) == 0 {
				break
			}
		}
		if len(problems) > 0 {
			return nil, fmt.Errorf("bind %s with its examples: %v", name, manifest.Problems(problems))
		}
		for _, perm := range bound.Permissions() {
			rs := make([]string, 0, len(perm.Resources))
			for _, r := range perm.Resources {
				rs = append(rs, widen(r))
			}
			sort.Strings(rs)
			rs = compact(rs)
			key := strings.Join(rs, "\n")
			if byResources[key] == nil {
				byResources[key] = map[string]bool{}
				resOf[key] = rs
			}
			for _, a := range perm.Actions {
				byResources[key][a] = true
			}
		}
	}
	keys := make([]string, 0, len(byResources))
	for k := range byResources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Statement, 0, len(keys))
	for i, k := range keys {
		var acts []string
		for a := range byResources[k] {
			acts = append(acts, a)
		}
		sort.Strings(acts)
		st := Statement{Sid: fmt.Sprintf("Databases%d", i+1), Action: acts, Resource: resOf[k]}
		if len(acts) == 1 && acts[0] == "iam:PassRole" {
			// The only role drorch passes is Enhanced Monitoring's.
			st.Condition = map[string]map[string]string{"StringEquals": {"iam:PassedToService": "monitoring.rds.amazonaws.com"}}
		}
		out = append(out, st)
	}
	return out, nil
}

// widen turns one ARN into the pattern of every resource of its kind in the
// deploying account: arn:${AWS::Partition}:rds:*:${AWS::AccountId}:cluster:*.
func widen(r string) string {
	a, err := manifest.ParseARN(r)
	if err != nil {
		return r // "*" and the like stay as they are
	}
	region := a.Region
	if region != "" {
		region = "*"
	}
	sep := ":"
	if strings.HasPrefix(strings.TrimPrefix(r, fmt.Sprintf("arn:%s:%s:%s:%s:", a.Partition, a.Service, a.Region, a.Account)), a.ResourceType+"/") {
		sep = "/"
	}
	kind := a.ResourceType + sep + "*"
	if a.ResourceType == "" {
		kind = "*"
	}
	return fmt.Sprintf("arn:${AWS::Partition}:%s:%s:${AWS::AccountId}:%s", a.Service, region, kind)
}

func compact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
