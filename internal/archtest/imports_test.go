// Package archtest holds tests of the architecture itself.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreImportsNoAdapters enforces DESIGN.md's import direction: the core
// (manifest, ref, resource and its families, engine, journal) never depends
// on the AWS SDK, net/http or the Lambda library, so that it stays testable
// with fakes and free of transport concerns.
func TestCoreImportsNoAdapters(t *testing.T) {
	t.Parallel()
	core := []string{"drorch/manifest", "drorch/ref", "drorch/resource/...", "drorch/engine", "drorch/journal"}
	forbidden := []string{"github.com/aws/aws-sdk-go-v2", "github.com/aws/smithy-go", "net/http", "github.com/aws/aws-lambda-go"}
	for _, pkg := range core {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s depends on %s; the core must not import adapters", pkg, dep)
				}
			}
		}
	}
}
