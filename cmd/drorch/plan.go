package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"drorch/resource/all"
	"drorch/runner"
)

func newPlanCmd(a *app) *cobra.Command {
	var (
		allowDataLoss bool
		limit         rpoLimit
	)
	cmd := &cobra.Command{
		Use:   "plan FILE",
		Short: "Show what a run would do, without changing anything",
		Long: `plan validates the payload, resolves its references in --region (CloudFormation
exports, SSM parameters), reads the current state of every resource with
read-only calls, and prints, per resource: the resolved parameters, what it
sees now, the steps and the exact API calls a run would make and in which
region, blockers and warnings. Exit code 0 when a run could start, 1 when
something blocks it, 2 for bad input.`,
		Example: `  drorch plan --region us-west-2 examples/seed/2-unplanned-failover.json
  AWS_ENDPOINT_URL=http://127.0.0.1:4566 drorch plan --region us-west-2 payload.json -o json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			opts, err := limit.apply(runner.Options{AllowDataLoss: allowDataLoss})
			if err != nil {
				return err
			}
			reg := all.Registry()
			pf, err := a.readPayload(args[0], reg)
			if err != nil {
				return err
			}
			cl, err := a.connect(ctx)
			if err != nil {
				return err
			}
			p, err := runner.Prepare(ctx, cl, reg, pf, opts)
			if err != nil {
				return err
			}
			pv, err := a.newEngine(cl, nil, runSettings{}.engine()).Preview(ctx, p)
			if err != nil {
				return fmt.Errorf("read current state: %w", err)
			}
			if a.output == "json" {
				if err := writeJSON(a.stdout, pv); err != nil {
					return err
				}
			} else {
				renderPreview(a.stdout, fmt.Sprintf("Plan for %s in %s", args[0], cl.Region), pv)
			}
			if pv.Blocked {
				return runFailed(errors.New("the plan is blocked (see BLOCKED above); nothing was changed"))
			}
			return nil
		},
	}
	limit.flags(cmd)
	return withDataLossFlag(cmd, &allowDataLoss)
}
