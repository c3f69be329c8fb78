package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLockStandsAlone keeps package lock usable by the CLI and the Step
// Functions Lambda alike: it never depends on the engine, the commands or
// the resource types, and its core reaches DynamoDB only through its own
// Table interface (the SDK stays in lock/dynamolock).
func TestLockStandsAlone(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"drorch/lock":            {"drorch/engine", "drorch/cmd", "drorch/resource", "github.com/aws/aws-sdk-go-v2", "github.com/aws/smithy-go", "net/http"},
		"drorch/lock/dynamolock": {"drorch/engine", "drorch/cmd", "drorch/resource"},
	}
	for pkg, forbidden := range cases {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
