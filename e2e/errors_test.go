package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// drorchBare runs drorch with env as its whole environment (no AWS
// credentials unless env gives them).
func drorchBare(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(drorchBin, args...)
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true"}, env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	_ = cmd.Run()
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// Without credentials drorch says so in those words, and no SDK log line
// leaks; the message names the next step.
func TestNoCredentialsSaysSo(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldConfig{speed: 200})
	code, out, errs := drorchBare(t, nil, "plan", "--region", uswest, "--endpoint-url", w.url, seedPayload("1-planned-switchover.json"))
	if code != 2 || !strings.Contains(errs, "no AWS credentials found") || !strings.Contains(errs, "AWS_PROFILE") || out != "" {
		t.Errorf("want exit 2 and \"no AWS credentials found\" with the fix:\nexit %d\n%s%s", code, out, errs)
	}
	if strings.Contains(errs, "SDK ") || strings.Contains(errs, "WARN") {
		t.Errorf("an SDK log line leaked:\n%s", errs)
	}

	// With instance metadata reachable but refusing (403), the SDK warns
	// that it falls back to IMDSv1: the warning stays inside.
	imds := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) { rw.WriteHeader(http.StatusForbidden) }))
	defer imds.Close()
	code, _, errs = drorchBare(t, []string{"AWS_EC2_METADATA_DISABLED=false", "AWS_EC2_METADATA_SERVICE_ENDPOINT=" + imds.URL},
		"plan", "--region", uswest, "--endpoint-url", w.url, seedPayload("1-planned-switchover.json"))
	if code != 2 || !strings.Contains(errs, "no AWS credentials found") || strings.Contains(errs, "SDK ") || strings.Contains(errs, "falling back to IMDSv1") {
		t.Errorf("with IMDS refusing: want exit 2, \"no AWS credentials found\" and no SDK line:\nexit %d\n%s", code, errs)
	}
}

// An endpoint that refuses connections is named, once, with the next
// step; the operation is named once.
func TestRefusedEndpointIsNamed(t *testing.T) {
	t.Parallel()
	code, _, errs := drorchBare(t, []string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test"},
		"plan", "--region", uswest, "--endpoint-url", "http://127.0.0.1:1", seedPayload("1-planned-switchover.json"))
	if code != 1 || !strings.Contains(errs, "endpoint http://127.0.0.1:1 unreachable: connection refused") ||
		!strings.Contains(errs, "check --endpoint-url or AWS_ENDPOINT_URL") {
		t.Errorf("want the endpoint named and the next step:\nexit %d\n%s", code, errs)
	}
	if n := strings.Count(strings.ToLower(errs), "listexports") + strings.Count(errs, "list exports"); n != 1 {
		t.Errorf("the operation is named %d times, want once:\n%s", n, errs)
	}
}
