package sfn_test

import (
	"testing"

	"drorch/sfn"
	"drorch/sfn/sfntest"
)

// TestASLValidator: the npm package asl-validator accepts every generated
// definition, with the placeholder and with a real function ARN.
func TestASLValidator(t *testing.T) {
	t.Parallel()
	for _, w := range sfn.Workflows() {
		for _, arn := range []string{"", "arn:aws:lambda:us-east-1:123456789012:function:drorch"} {
			def, err := sfn.Generate(w, sfn.Options{FunctionARN: arn}).JSON()
			if err != nil {
				t.Fatal(err)
			}
			if errs := sfntest.Validate(t, def); errs != "" {
				t.Errorf("%s (function %q): asl-validator: %s", w.Name, arn, errs)
			}
		}
	}
}

// TestASLValidatorRejects: the validator is really consulted: a definition
// whose Task leads nowhere is refused.
func TestASLValidatorRejects(t *testing.T) {
	t.Parallel()
	d := sfn.Generate(sfn.Failover, sfn.Options{})
	d.States[sfn.StatePrepare].Next = "Nowhere"
	def, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if errs := sfntest.Validate(t, def); errs == "" {
		t.Error("asl-validator accepted a transition to a missing state")
	}
}
