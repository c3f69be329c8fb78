package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"drorch/manifest"
	"drorch/output"
	"drorch/resource"
	"drorch/resource/all"
	"drorch/runner"
)

func newValidateCmd(a *app) *cobra.Command {
	var allowDataLoss bool
	cmd := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a payload without calling AWS",
		Long: `validate reads a payload (the StatePayload JSON of the original framework, or
the same in YAML) and checks everything that can be checked without AWS:
structure, layers, resource types, parameter names and the form of every
literal value. References (!Import, resolve:ssm:) are resolved by "drorch plan".
Every problem is reported with its layer, resource, field and fix; the exit
code is 2 when there is any.`,
		Example: `  drorch validate examples/seed/1-planned-switchover.json
  drorch validate -o json payload.yaml`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg := all.Registry()
			pf, err := a.readPayload(cmd.Context(), args[0], reg)
			var problems manifest.Problems
			var pe *runner.ProblemsError
			var payload *manifest.Payload
			switch {
			case errors.As(err, &pe):
				problems, payload = pe.Problems, pe.Partial
			case err != nil:
				return err
			default:
				payload = pf.Payload
				problems = runner.ValidateLiterals(pf, reg, resource.Context{HomeRegion: a.region, AllowDataLoss: allowDataLoss})
			}
			layers, resources, refs := 0, 0, 0
			if payload != nil {
				layers, resources, refs = countPayload(payload)
			}
			if a.json() {
				if err := a.writeJSON(output.Validate{SchemaVersion: output.SchemaVersion, Kind: "validate", File: args[0],
					Valid: len(problems) == 0, Layers: layers, Resources: resources, References: refs,
					Problems: problemsJSON(problems)}); err != nil {
					return err
				}
				if len(problems) > 0 {
					return badInput(fmt.Errorf("%s: %s; nothing was changed", safe(args[0]), output.Plural(len(problems), "problem")))
				}
				return nil
			}
			if len(problems) > 0 {
				return &runner.ProblemsError{File: safe(args[0]), Problems: problems}
			}
			fmt.Fprintf(a.stdout, "%s: valid: %s, %s", safe(args[0]), output.Plural(layers, "layer"), output.Plural(resources, "resource"))
			if refs > 0 {
				fmt.Fprintf(a.stdout, "; %s, resolved by `drorch plan`", output.Plural(refs, "reference"))
			}
			fmt.Fprintln(a.stdout)
			return nil
		},
	}
	return withDataLossFlag(cmd, &allowDataLoss)
}

func problemsJSON(ps manifest.Problems) []output.Problem {
	out := make([]output.Problem, 0, len(ps))
	for _, p := range ps {
		j := output.Problem{ResourceName: p.ResourceName, Field: p.Field, Message: p.Message, Fix: p.Fix, Text: p.Error()}
		if p.LayerIndex >= 0 && !p.LayerUnknown {
			j.Layer = &p.Layer
		}
		if p.ResourceIndex >= 0 {
			j.Resource = &p.ResourceIndex
		}
		out = append(out, j)
	}
	return out
}

func countPayload(p *manifest.Payload) (layers, resources, refs int) {
	for _, l := range p.Layers {
		layers++
		for _, r := range l.Resources {
			resources++
			for _, v := range r.Parameters {
				if ref, err := manifest.ParseRef(v); err == nil && ref.Kind != manifest.RefNone {
					refs++
				}
			}
		}
	}
	return layers, resources, refs
}
