// Package archtest holds tests of the architecture itself.
package archtest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCoreImportsNoAdapters enforces DESIGN.md's import direction: the core
// (manifest, ref, cloud, resource and its families, engine and its step
// machine, journal, runner) never depends on the AWS SDK, net/http or the
// Lambda library, so that it stays testable with fakes and free of
// transport concerns.
func TestCoreImportsNoAdapters(t *testing.T) {
	t.Parallel()
	core := []string{"drorch/manifest", "drorch/ref", "drorch/cloud", "drorch/resource/...", "drorch/engine/...", "drorch/journal", "drorch/runner"}
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

// TestHandlersCannotWrite: the only way to change AWS is a cloud.Call made
// by the engine through a cloud.Executor. No package of handlers may even
// name an Executor, so a write outside the journal does not compile there.
func TestHandlersCannotWrite(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{.Dir}}", "drorch/resource/...", "drorch/manifest", "drorch/ref").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, dir, _ := strings.Cut(line, " ")
		if strings.HasSuffix(pkg, "/resourcetest") {
			continue // the fake cloud is an executor, for the test driver
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		var src []string
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				src = append(src, f)
			}
		}
		grep := exec.Command("grep", append([]string{"-ln", "-e", "cloud.Executor", "-e", ".Execute("}, src...)...)
		if found, _ := grep.Output(); len(found) > 0 {
			t.Errorf("%s names the executor of mutating calls: %s", pkg, found)
		}
	}
}
