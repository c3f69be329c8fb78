package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"drorch/output"
	"drorch/resource/all"
	"drorch/runner"
)

func newPlanCmd(a *app) *cobra.Command {
	var (
		allowDataLoss, detailed bool
		limit                   rpoLimit
	)
	cmd := &cobra.Command{
		Use:   "plan FILE",
		Short: "Show what a run would do, without changing anything",
		Long: `plan validates the payload, resolves its references in --region (CloudFormation
exports, SSM parameters), reads the current state of every resource with
read-only calls, and prints, per resource: the resolved parameters, what it
sees now, the steps and the exact API calls a run would make and in which
region (in full), blockers and warnings. Exit code 0 when a run could start,
1 when something blocks it (or an error), 2 for bad input. With
--detailed-exitcode, as Terraform: 0 nothing to do, 1 error or blocked,
2 changes to make.`,
		Example: `  drorch plan --region us-west-2 examples/seed/2-unplanned-failover.json
  AWS_ENDPOINT_URL=http://127.0.0.1:4566 drorch plan --region us-west-2 payload.json -o json
  drorch plan --region us-west-2 --detailed-exitcode payload.json; echo $?`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			opts, err := limit.apply(runner.Options{AllowDataLoss: allowDataLoss})
			if err != nil {
				return err
			}
			reg := all.Registry()
			pf, err := a.readPayload(ctx, args[0], reg)
			if err != nil {
				return err
			}
			cl, err := a.connect(ctx)
			if err != nil {
				return err
			}
			p, err := runner.Prepare(ctx, cl, reg, pf, opts)
			if err != nil {
				return a.unreachableHint(err)
			}
			pv, err := a.newEngine(cl, nil, runSettings{}.engine()).Preview(ctx, p)
			if err != nil {
				return a.unreachableHint(fmt.Errorf("read current state: %w", err))
			}
			if a.json() {
				if err := a.writeJSON(output.NewPlan(args[0], cl.Region, pv)); err != nil {
					return err
				}
			} else {
				renderPreview(a.stdout, fmt.Sprintf("Plan for %s in %s", safe(args[0]), safe(cl.Region)), pv)
			}
			switch {
			case pv.Blocked:
				return runFailed(errors.New("the plan is blocked (see BLOCKED in the plan); nothing was changed"))
			case detailed && !pv.NothingToDo:
				return &exitError{code: exitChanges, err: errSilent}
			}
			return nil
		},
	}
	limit.flags(cmd)
	cmd.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 0 when there is nothing to do, 2 when there are changes, 1 on error or a blocked plan")
	cmd.Flags().Float64Var(&a.apiRate, "api-rate", 0, apiRateHelp)
	return withDataLossFlag(cmd, &allowDataLoss)
}

// errSilent ends a command with its exit code and no message: the exit
// code is the answer (plan --detailed-exitcode).
var errSilent = errors.New("")
