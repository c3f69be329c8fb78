package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"drorch/manifest"
	"drorch/resource/all"
)

func newSchemaCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of payloads",
		Long: `schema prints the JSON Schema (2020-12) of the StatePayload drorch accepts: every
resource type with its parameters, which are required, and the form of their
values (or a reference). Editors use it to complete and check payloads.`,
		Example: "  drorch schema > statepayload.schema.json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := manifest.Schema(all.Registry())
			if err != nil {
				return fmt.Errorf("build schema: %w", err)
			}
			_, err = fmt.Fprintf(a.stdout, "%s\n", b)
			return err
		},
	}
}
