package sim_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// The simulator against clients nobody here wrote: boto3 and the AWS CLI
// shipped with the machine's python3. The scripts under testdata/ drive the
// operations and check what the clients parsed.

// requireTool finds a program, or skips (fails when DRORCH_REQUIRE_PYTHON=1,
// as CI sets it, so that a missing tool cannot hide a failure there).
func requireTool(t *testing.T, name string, check ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil && len(check) > 0 {
		if out, cerr := exec.Command(path, check...).CombinedOutput(); cerr != nil {
			err = &exec.Error{Name: name + " " + check[len(check)-1], Err: cerr}
			t.Logf("%s", out)
		}
	}
	if err != nil {
		if os.Getenv("DRORCH_REQUIRE_PYTHON") == "1" {
			t.Fatalf("%s is required (DRORCH_REQUIRE_PYTHON=1): %v", name, err)
		}
		t.Skipf("%s not available: %v", name, err)
	}
	return path
}

// clientEnv keeps the user's AWS configuration out of the clients' way.
func clientEnv(t *testing.T) []string {
	home := t.TempDir()
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_ACCESS_KEY_ID=AKIDPYTHON",
		"AWS_SECRET_ACCESS_KEY=secret",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=1",
		"PYTHONDONTWRITEBYTECODE=1",
	}
}

func runScript(t *testing.T, script string, tools ...string) {
	t.Helper()
	py := requireTool(t, "python3", "-c", "import boto3")
	for _, tool := range tools {
		requireTool(t, tool, "--version")
	}
	h := seedHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", script), h.url)
	cmd.Env = clientEnv(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s: %v\n%s", script, err, out)
		return
	}
	t.Logf("%s", out)
}

func TestBoto3Conformance(t *testing.T) {
	t.Parallel()
	runScript(t, "boto3_conformance.py")
}

func TestAWSCLIConformance(t *testing.T) {
	t.Parallel()
	runScript(t, "cli_conformance.py", "aws")
}
