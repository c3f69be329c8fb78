package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"drorch/resource/all"
	"drorch/runner"
)

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
			pf, err := a.readPayload(cmd.Context(), args[0], reg)
			if err != nil {
				return err
			}
			cl, err := a.connect(ctx)
			if err != nil {
				return err
			}
			p, err := runner.Prepare(ctx, cl, reg, pf, runner.Options{AllowDataLoss: allowDataLoss})
			if err != nil {
				return err
			}
			policy, redacted := runner.Policy(p)
			if redacted > 0 {
				// A resource named by a secret value is an operator's
				// mistake; the policy says where, without the value.
				fmt.Fprintf(a.stderr, "warning: %d resource(s) of the policy are named by a SecureString value; check the payload's resolve:ssm references\n", redacted)
			}
			return writeJSONTo(a.stdout, "json", policy)
		},
	}, &allowDataLoss)
}

// withDataLossFlag adds --allow-data-loss, the operator's acknowledgement,
// to cmd.
func withDataLossFlag(cmd *cobra.Command, v *bool) *cobra.Command {
	cmd.Flags().BoolVar(v, "allow-data-loss", false, "acknowledge that data-loss failovers (ManagedFailoverAurora) may run")
	return cmd
}
