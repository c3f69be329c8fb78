package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"drorch/resource"
	"drorch/resource/all"
)

// policyStatement is one statement of an IAM policy document.
type policyStatement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

func newIAMPolicyCmd(a *app) *cobra.Command {
	var allowDataLoss bool
	return withDataLossFlag(&cobra.Command{
		Use:   "iam-policy FILE",
		Short: "Print the least-privilege IAM policy a payload needs",
		Long: `iam-policy resolves the payload's references (read-only calls, as plan does)
and prints an IAM policy document granting exactly the actions each resource
needs, on the ARNs of its resources, plus what drorch itself reads
(CloudFormation exports, SSM parameters, the caller's identity). Attach it to
the role drorch runs as, in both regions.`,
		Example: "  drorch iam-policy --region us-west-2 examples/seed/4-rds-and-elasticache.json > drorch-policy.json",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			reg := all.Registry()
			pf, err := readPayload(args[0], a.stdin, reg)
			if err != nil {
				return err
			}
			cl, err := a.connect(ctx)
			if err != nil {
				return err
			}
			p, err := buildPlan(ctx, pf, reg, cl, planOptions{allowDataLoss: allowDataLoss})
			if err != nil {
				return err
			}
			var perms []resource.Permission
			imports, ssm := false, false
			for _, l := range p.Layers {
				for _, r := range l.Resources {
					perms = append(perms, r.Resource.Permissions()...)
					for _, ref := range r.Spec.Refs {
						imports = imports || strings.HasPrefix(ref, "!Import")
						ssm = ssm || strings.HasPrefix(ref, "resolve:ssm:")
					}
				}
			}
			perms = append(perms, resource.Permission{Actions: []string{"sts:GetCallerIdentity"}, Resources: []string{"*"}})
			if imports {
				perms = append(perms, resource.Permission{Actions: []string{"cloudformation:ListExports"}, Resources: []string{"*"}})
			}
			if ssm {
				perms = append(perms, resource.Permission{Actions: []string{"ssm:GetParameter", "kms:Decrypt"}, Resources: []string{"*"}})
			}
			stmts := mergePermissions(perms)
			if red := redactor(p.Secrets); len(red) > 0 {
				// A resource named by a secret value is an operator's
				// mistake; the policy says where, without the value.
				for i := range stmts {
					for j, r := range stmts[i].Resource {
						if hidden := red.str(r); hidden != r {
							stmts[i].Resource[j] = hidden
							fmt.Fprintf(a.stderr, "warning: a resource of statement %s is named by a SecureString value; check the payload's resolve:ssm references\n", stmts[i].Sid)
						}
					}
				}
			}
			return writeJSON(a.stdout, map[string]any{"Version": "2012-10-17", "Statement": stmts})
		},
	}, &allowDataLoss)
}

func withDataLossFlag(cmd *cobra.Command, v *bool) *cobra.Command {
	cmd.Flags().BoolVar(v, "allow-data-loss", false, "acknowledge that data-loss failovers (ManagedFailoverAurora) may run")
	return cmd
}

// mergePermissions folds permissions into statements: one statement per set
// of resources, with every action needed on exactly that set.
func mergePermissions(perms []resource.Permission) []policyStatement {
	byRes := map[string]map[string]bool{}
	resOf := map[string][]string{}
	for _, p := range perms {
		rs := append([]string(nil), p.Resources...)
		sort.Strings(rs)
		key := strings.Join(rs, "\n")
		if byRes[key] == nil {
			byRes[key] = map[string]bool{}
			resOf[key] = rs
		}
		for _, act := range p.Actions {
			byRes[key][act] = true
		}
	}
	keys := make([]string, 0, len(byRes))
	for k := range byRes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]policyStatement, 0, len(keys))
	for i, k := range keys {
		acts := make([]string, 0, len(byRes[k]))
		for act := range byRes[k] {
			acts = append(acts, act)
		}
		sort.Strings(acts)
		out = append(out, policyStatement{Sid: fmt.Sprintf("Drorch%d", i+1), Effect: "Allow", Action: acts, Resource: resOf[k]})
	}
	return out
}
