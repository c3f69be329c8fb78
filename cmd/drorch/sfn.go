package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"drorch/sfn"
)

func newSFNCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sfn",
		Short: "Step Functions deployment: the generated state machines",
		Long: `sfn shows what drorch deploys to AWS Step Functions (deploy/README.md says
how): the failover and failback state machines, generated from the same
handlers as "drorch run".`,
		Args: noArgs,
	}
	var workflow, functionARN string
	asl := &cobra.Command{
		Use:   "asl",
		Short: "Print a state machine's Amazon States Language definition",
		Long: `asl prints the definition of the failover or failback state machine as JSON.
Its Tasks invoke ${FunctionArn}, which CloudFormation fills in (deploy/);
--function-arn puts a real function ARN in its place.`,
		Example: `  drorch sfn asl --workflow failover
  drorch sfn asl --workflow failback --function-arn arn:aws:lambda:us-east-1:123456789012:function:drorch`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := sfn.LookupWorkflow(workflow)
			if err != nil {
				return badInput(fmt.Errorf("--workflow: %w", err))
			}
			b, err := sfn.Generate(w, sfn.Options{FunctionARN: functionARN}).JSON()
			if err != nil {
				return err
			}
			_, err = a.stdout.Write(b)
			return err
		},
	}
	asl.Flags().StringVar(&workflow, "workflow", "failover", "failover or failback")
	asl.Flags().StringVar(&functionARN, "function-arn", "", "the Lambda function's ARN (default: the ${FunctionArn} placeholder)")
	cmd.AddCommand(asl)
	return cmd
}
