package httpapi_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// browserTools returns node and the browser test folder that package
// report keeps (report/browsertest: playwright-core, installed by
// scripts/test.sh with Debian's chromium). Without them the test is
// skipped, unless DRORCH_REQUIRE_BROWSER=1 makes it fail.
func browserTools(t *testing.T) (node, dir string) {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		if os.Getenv("DRORCH_REQUIRE_BROWSER") == "1" {
			t.Fatalf("%s is missing, and DRORCH_REQUIRE_BROWSER=1 requires it (scripts/test.sh installs it)", what)
		}
		t.Skipf("%s is missing (scripts/test.sh installs it; DRORCH_REQUIRE_BROWSER=1 makes this a failure)", what)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node")
	}
	dir, err = filepath.Abs(filepath.Join("..", "report", "browsertest"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil {
		missing("the npm package playwright-core (npm ci in report/browsertest)")
	}
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		missing("/usr/bin/chromium (Debian's chromium package)")
	}
	return node, dir
}

// uiResult is what serve-ui.mjs saw.
type uiResult struct {
	Requests, Foreign, Failed, Dialogs, ConsoleErrors, Steps []string
	Error                                                    string
	BadTokenMessage, Who                                     string
	ReadmePlan                                               struct{ Blocked, Text string }
	ReadmeRun, GatedRun                                      string
	ReadmeResources, GatedResources                          []string
	ReadmeBars, ReadmeLive                                   int
	WaitingStatus, GateRow, ApprovalText, CommentKept        string
	ApproveToSucceededMs                                     int
	GatedRowsText                                            []string
	NavigationsWhileLive, EventsAfterApproval                int
	SSELatencyMs                                             struct{ N, Median, P90, Max int } `json:"sseLatencyMs"`
	PrintHidesButtons                                        bool
	PrintTimelineWidth                                       float64
	FitsLaptop                                               bool
	Report                                                   struct {
		Title         string
		Bars, Scripts int
		Styled        bool
		Text          string
	}
	ReadmeStream   struct{ C, Done int }
	GatedStream    struct{ C, Done int }
	Listed         []string
	TokenInStorage bool
	Cookies        int
}

// An operator's session in headless Chromium against drorch serve over the
// simulator: sign in, start a README payload from the UI and watch it
// succeed live, approve a ManualApproval from the run's page and watch the
// run finish, open the report. Nothing is fetched from anywhere but the
// server, no token travels in a URL or a cookie, a hostile resource name
// shows as text, and the page fits a laptop screen and prints. Screenshots
// are left in report/browsertest/artifacts (serve-*.png).
func TestUIInChromium(t *testing.T) {
	t.Parallel()
	node, dir := browserTools(t)
	_, endpoint := startSim(t)
	e := newEnv(t, endpoint)
	artefacts := filepath.Join(dir, "artifacts")
	if err := os.MkdirAll(artefacts, 0o755); err != nil {
		t.Fatal(err)
	}
	readme, err := filepath.Abs(filepath.Join("..", "examples", "seed", "1-planned-switchover.json"))
	if err != nil {
		t.Fatal(err)
	}
	hostile := "Go? <script>alert(1)</script> \x1b[31m"
	cmd := exec.Command(node, filepath.Join(dir, "serve-ui.mjs"), "--url", e.url, "--token", aliceToken, "--readme", readme,
		"--gated-text", gated(hostile), "--out-dir", artefacts)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("serve-ui.mjs: %v\n%s\n%s", err, b, stderr.String())
	}
	var r uiResult
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("serve-ui.mjs printed %q: %v", b, err)
	}
	if r.Error != "" {
		t.Fatalf("the session stopped after %v: %s", r.Steps, r.Error)
	}
	if len(r.Foreign) > 0 || len(r.Failed) > 0 || len(r.Dialogs) > 0 || len(r.ConsoleErrors) > 0 {
		t.Errorf("foreign requests %q, failed %q, dialogs %q, console errors %q", r.Foreign, r.Failed, r.Dialogs, r.ConsoleErrors)
	}
	if r.ReadmeStream.C != 1 || r.ReadmeStream.Done != 1 || r.GatedStream.C != 1 || r.GatedStream.Done != 1 {
		t.Errorf("streams (connections, read to their end): README %+v, gated %+v", r.ReadmeStream, r.GatedStream)
	}
	if !strings.Contains(r.BadTokenMessage, "not valid") || r.Who != "signed in as alice" || !r.TokenInStorage || r.Cookies != 0 {
		t.Errorf("sign-in: bad token said %q; %q; token kept %v; %d cookies", r.BadTokenMessage, r.Who, r.TokenInStorage, r.Cookies)
	}
	if r.ReadmePlan.Blocked != "false" || !strings.Contains(r.ReadmePlan.Text, "SwitchoverGlobalCluster") {
		t.Errorf("the README plan: %+v", r.ReadmePlan)
	}
	if strings.Join(r.ReadmeResources, ",") != "succeeded" || r.ReadmeBars == 0 || r.ReadmeLive == 0 {
		t.Errorf("README run %s: resources %v, %d bars, %d live events", r.ReadmeRun, r.ReadmeResources, r.ReadmeBars, r.ReadmeLive)
	}
	if r.WaitingStatus != "running" || !strings.Contains(r.ApprovalText, `Go? <script>alert(1)</script> \x1b[31m`) ||
		!strings.Contains(r.ApprovalText, "check the replication lag") || !strings.Contains(r.GateRow, "running") {
		t.Errorf("waiting: status %q, approval %q, row %q", r.WaitingStatus, r.ApprovalText, r.GateRow)
	}
	// The README run switched the database over already: the gated run's
	// switchover finds its goal holding.
	if strings.Join(r.GatedResources, ",") != "succeeded,already-done" || r.NavigationsWhileLive != 1 || r.EventsAfterApproval < 5 {
		t.Errorf("after approving: %v, %d navigations, %d live events", r.GatedResources, r.NavigationsWhileLive, r.EventsAfterApproval)
	}
	if r.CommentKept != "replication lag is 0 s <b>ok</b>" {
		t.Errorf("a live refresh wiped the approval's comment being typed: %q", r.CommentKept)
	}
	if rows := strings.Join(r.GatedRowsText, "\n"); !strings.Contains(rows, "approved by alice") || !strings.Contains(rows, "replication lag is 0 s <b>ok</b>") {
		t.Errorf("the approval is not shown:\n%s", rows)
	}
	if !r.PrintHidesButtons || r.PrintTimelineWidth < 500 || !r.FitsLaptop {
		t.Errorf("print hides buttons %v, timeline %.0f wide in print; fits a laptop %v", r.PrintHidesButtons, r.PrintTimelineWidth, r.FitsLaptop)
	}
	if !strings.Contains(r.Report.Title, "drorch run "+r.GatedRun) || r.Report.Bars < 4 || !r.Report.Styled || r.Report.Scripts != 0 ||
		!strings.Contains(r.Report.Text, "approved") || !strings.Contains(r.Report.Text, "alice") {
		t.Errorf("report: %+v", r.Report)
	}
	if len(r.Listed) != 2 || r.Listed[0] != r.GatedRun || r.Listed[1] != r.ReadmeRun {
		t.Errorf("runs listed %v", r.Listed)
	}
	t.Logf("steps: %v", r.Steps)
	t.Logf("SSE latency from journal event to browser: %+v ms; approve to run succeeded: %d ms; screenshots in %s",
		r.SSELatencyMs, r.ApproveToSucceededMs, artefacts)
}
