package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"drorch/manifest"
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
			pf, err := a.readPayload(args[0], reg)
			var problems manifest.Problems
			var pe *runner.ProblemsError
			switch {
			case errors.As(err, &pe):
				problems = pe.Problems
			case err != nil:
				return err
			default:
				problems = runner.ValidateLiterals(pf, reg, resource.Context{HomeRegion: a.region, AllowDataLoss: allowDataLoss})
			}
			layers, resources, refs := 0, 0, 0
			if pf != nil {
				layers, resources, refs = countPayload(pf.Payload)
			}
			if a.output == "json" {
				if err := writeJSON(a.stdout, validateReport{File: args[0], Valid: len(problems) == 0, Layers: layers,
					Resources: resources, References: refs, Problems: problemsJSON(problems)}); err != nil {
					return err
				}
				if len(problems) > 0 {
					return badInput(fmt.Errorf("%s: %d problems", args[0], len(problems)))
				}
				return nil
			}
			if len(problems) > 0 {
				return &runner.ProblemsError{File: args[0], Problems: problems}
			}
			fmt.Fprintf(a.stdout, "%s: valid: %d layers, %d resources", args[0], layers, resources)
			if refs > 0 {
				fmt.Fprintf(a.stdout, "; %d references, resolved by `drorch plan`", refs)
			}
			fmt.Fprintln(a.stdout)
			return nil
		},
	}
	return withDataLossFlag(cmd, &allowDataLoss)
}

type validateReport struct {
	File       string        `json:"file"`
	Valid      bool          `json:"valid"`
	Layers     int           `json:"layers"`
	Resources  int           `json:"resources"`
	References int           `json:"references"`
	Problems   []problemJSON `json:"problems"`
}

type problemJSON struct {
	Layer        *int   `json:"layer,omitempty"`
	Resource     *int   `json:"resource,omitempty"`
	ResourceName string `json:"resourceName,omitempty"`
	Field        string `json:"field,omitempty"`
	Message      string `json:"message"`
	Fix          string `json:"fix,omitempty"`
	Text         string `json:"text"`
}

func problemsJSON(ps manifest.Problems) []problemJSON {
	out := make([]problemJSON, 0, len(ps))
	for _, p := range ps {
		j := problemJSON{ResourceName: p.ResourceName, Field: p.Field, Message: p.Message, Fix: p.Fix, Text: p.Error()}
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
