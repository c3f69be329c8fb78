package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"drorch/manifest"
	"drorch/output"
	"drorch/report"
	"drorch/resource/all"
)

func newSchemaCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "schema [payload|output|report]",
		Short: "Print a JSON Schema: of payloads, of drorch's JSON output, or of run reports",
		Long: `schema prints a JSON Schema (2020-12):

  payload  (the default) the StatePayload drorch accepts: every resource type
           with its parameters, which are required, and the form of their
           values (or a reference). Editors use it to complete and check
           payloads.
  output   what every command prints with -o json (plan, runs, validate,
           version, show --events, errors on stderr) and each line of
           run -o jsonl.
  report   the run report: what run, resume and show print with -o json, and
           drorch report --format json.`,
		Example: "  drorch schema > statepayload.schema.json\n  drorch schema output > drorch-output.schema.json\n  drorch schema report",
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.MatchAll(cobra.MaximumNArgs(1), cobra.OnlyValidArgs)(cmd, args); err != nil {
				return badInput(fmt.Errorf("%w (write payload, output or report)", err))
			}
			return nil
		},
		ValidArgs: []string{"payload", "output", "report"},
		RunE: func(cmd *cobra.Command, args []string) error {
			which := "payload"
			if len(args) == 1 {
				which = args[0]
			}
			var b []byte
			switch which {
			case "output":
				b = output.Schema
			case "report":
				b = report.Schema
			default:
				var err error
				if b, err = manifest.Schema(all.Registry()); err != nil {
					return fmt.Errorf("build schema: %w", err)
				}
			}
			_, err := fmt.Fprintf(a.stdout, "%s\n", trimNewline(b))
			return err
		},
	}
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	return b
}
