package pythonenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func script(t *testing.T, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root, aerr := filepath.Abs(filepath.Join("..", ".."))
	if aerr != nil {
		t.Fatal(aerr)
	}
	cmd := exec.Command(filepath.Join(root, "scripts", "python-env.sh"), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// A python that lacks the test's packages (a fresh virtual environment)
// gets a virtual environment from the pinned requirements, once; a python
// that has them is used as it is.
func TestPythonEnvInstallsWhatIsMissing(t *testing.T) {
	if os.Getenv("DRORCH_REQUIRE_PYTHON") != "1" {
		if _, err := exec.LookPath("python3"); err != nil {
			t.Skip("no python3 (DRORCH_REQUIRE_PYTHON=1 makes this a failure)")
		}
	}
	t.Parallel()
	bare := filepath.Join(t.TempDir(), "bare")
	if out, err := exec.Command("python3", "-m", "venv", "--without-pip", bare).CombinedOutput(); err != nil {
		t.Fatalf("make a bare virtual environment: %v\n%s", err, out)
	}
	barepy := filepath.Join(bare, "bin", "python")
	if exec.Command(barepy, "-c", "import boto3").Run() == nil {
		t.Fatal("the bare environment has boto3: the test would prove nothing")
	}
	venv := filepath.Join(t.TempDir(), "venv")
	env := []string{"DRORCH_VENV=" + venv}

	out, errs, err := script(t, env, barepy)
	if err != nil {
		t.Fatalf("python-env.sh with a python lacking the packages: %v\n%s", err, errs)
	}
	if !strings.Contains(errs, "lacks boto3, moto, the AWS CLI or cfn-lint: installing scripts/requirements-test.txt") {
		t.Errorf("it does not say what it installs:\n%s", errs)
	}
	bin := strings.TrimSpace(out)
	if bin != filepath.Join(venv, "bin") {
		t.Fatalf("PATH directory %q, want %s", bin, filepath.Join(venv, "bin"))
	}
	check := exec.Command(filepath.Join(bin, "python"), "-c", "import boto3, moto.server, awscli, cfnlint")
	if b, err := check.CombinedOutput(); err != nil {
		t.Errorf("the environment cannot import the packages: %v\n%s", err, b)
	}

	// Again: the environment is reused, nothing is installed.
	out, errs, err = script(t, env, barepy)
	if err != nil || strings.TrimSpace(out) != bin || strings.Contains(errs, "installing") {
		t.Errorf("second call: %v, %q, %q; want the same environment, nothing installed", err, out, errs)
	}

	// The machine's python, which has them, is used as it is.
	if exec.Command("python3", "-c", "import boto3, moto.server, awscli, cfnlint").Run() == nil {
		out, errs, err = script(t, env, "python3")
		if err != nil || strings.TrimSpace(out) != "" || errs != "" {
			t.Errorf("with the machine's python3: %v, %q, %q; want nothing to do", err, out, errs)
		}
	}
}
