package report

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// requireBrowserEnv makes the Node and Chromium tests fail, not skip, when
// what they need is missing: scripts/test.sh sets it after installing it.
const requireBrowserEnv = "DRORCH_REQUIRE_BROWSER"

// nodeTools returns node and the browsertest folder once its packages are
// installed (scripts/test.sh: npm ci in report/browsertest). Without them
// the test is skipped, unless DRORCH_REQUIRE_BROWSER=1.
func nodeTools(t *testing.T, needChromium bool) (node, dir string) {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		if os.Getenv(requireBrowserEnv) == "1" {
			t.Fatalf("%s is missing, and %s=1 requires it (scripts/test.sh installs it)", what, requireBrowserEnv)
		}
		t.Skipf("%s is missing (scripts/test.sh installs it; %s=1 makes this a failure)", what, requireBrowserEnv)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node")
	}
	dir, err = filepath.Abs("browsertest")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"playwright-core", "xmllint-wasm"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			missing("the npm package " + pkg + " (npm ci in report/browsertest)")
		}
	}
	if needChromium {
		if _, err := os.Stat("/usr/bin/chromium"); err != nil {
			missing("/usr/bin/chromium (Debian's chromium package)")
		}
	}
	return node, dir
}

// artefacts is where the browser test leaves its screenshots and PDFs
// (git-ignored), for a person to look at.
func artefacts(t *testing.T, dir string) string {
	t.Helper()
	a := filepath.Join(dir, "artifacts")
	if err := os.MkdirAll(a, 0o755); err != nil {
		t.Fatal(err)
	}
	return a
}

// pageResult is what open-report.mjs saw.
type pageResult struct {
	URL             string   `json:"url"`
	Requests        []string `json:"requests"`
	Failed          []string `json:"failed"`
	ConsoleMessages []string `json:"consoleMessages"`
	Dialogs         []string `json:"dialogs"`
	Title           string   `json:"title"`
	SVGCount        int      `json:"svgCount"`
	Bars            []struct {
		ID     string  `json:"id"`
		Status string  `json:"status"`
		Width  float64 `json:"width"`
		Height float64 `json:"height"`
	} `json:"bars"`
	Calls         int     `json:"calls"`
	SVGWidth      float64 `json:"svgWidth"`
	FitsLaptop    bool    `json:"fitsLaptop"`
	Scripts       int     `json:"scriptElements"`
	PrintSVGWidth float64 `json:"printSvgWidth"`
	Text          string  `json:"text"`
}

// The HTML report, opened in headless Chromium with JavaScript off and a
// fresh profile, shows its timeline (every bar drawn, with a size), fits a
// laptop screen, survives printing, and makes no network request at all:
// the document itself is the only thing loaded. The hostile report runs no
// script and opens no dialog. Screenshots and PDFs are saved as artefacts.
func TestHTMLReportInChromium(t *testing.T) {
	t.Parallel()
	node, dir := nodeTools(t, true)
	out := artefacts(t, dir)
	cases := []struct {
		name string
		r    *Report
	}{
		{"resumed", loadReport(t, "resumed", "")},
		{"failback-rebuild", loadReport(t, "failback-rebuild", "")},
		{"interrupted", loadReport(t, "interrupted", "interrupted")},
		{"hostile", hostileReport(t)},
	}
	// One Chromium opens every page: the machine has two cores.
	tmp := t.TempDir()
	args := []string{filepath.Join(dir, "open-report.mjs"), "--out-dir", out}
	for _, tc := range cases {
		page := filepath.Join(tmp, tc.name+".html")
		if err := os.WriteFile(page, []byte(render(t, tc.r, HTML)), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, page)
	}
	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	b, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("open-report.mjs: %v\n%s%s", err, b, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("open-report.mjs reported %d pages, want %d:\n%s", len(lines), len(cases), b)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var res pageResult
			if err := json.Unmarshal([]byte(lines[i]), &res); err != nil {
				t.Fatalf("open-report.mjs printed %q: %v", lines[i], err)
			}
			if len(res.Requests) != 1 || res.Requests[0] != res.URL || len(res.Failed) != 0 {
				t.Errorf("the page made requests besides itself: %q (failed %q)", res.Requests, res.Failed)
			}
			if len(res.Dialogs) != 0 || res.Scripts != 0 {
				t.Errorf("the page has %d scripts and opened dialogs %q", res.Scripts, res.Dialogs)
			}
			if res.SVGCount != 1 || res.SVGWidth < 800 || res.PrintSVGWidth < 500 {
				t.Errorf("%d timelines, %.0f wide on screen, %.0f in print", res.SVGCount, res.SVGWidth, res.PrintSVGWidth)
			}
			if !res.FitsLaptop {
				t.Errorf("the page scrolls sideways on a 1366-pixel screen")
			}
			want := 0
			for _, l := range tc.r.Layers {
				if !l.Started.IsZero() {
					want++
				}
				for _, r := range l.Resources {
					if !r.Started.IsZero() {
						want++
					}
					for _, s := range r.Steps {
						if !s.Started.IsZero() {
							want++
						}
					}
				}
			}
			if len(res.Bars) != want || want == 0 {
				t.Errorf("%d bars drawn, want %d", len(res.Bars), want)
			}
			for _, b := range res.Bars {
				if b.Width <= 0 || b.Height <= 0 {
					t.Errorf("bar %s (%s) is %.1f x %.1f", b.ID, b.Status, b.Width, b.Height)
				}
			}
			if tc.name == "hostile" && !strings.Contains(res.Text, `db\x1b[2J<script>alert(1)</script>]]>"quoted"`) {
				t.Errorf("the page does not show the hostile name as text:\n%.2000s", res.Text)
			}
			t.Logf("%s: %d bars, %d call markers; screenshot %s.png", tc.name, len(res.Bars), res.Calls, filepath.Join(out, tc.name))
		})
	}
}

// The JUnit reports of every recorded run, and the hostile one, are valid
// against testdata/junit.xsd (the Ant/Jenkins shape), checked by xmllint.
func TestJUnitAgainstXSD(t *testing.T) {
	t.Parallel()
	node, dir := nodeTools(t, false)
	tmp := t.TempDir()
	files := []string{}
	write := func(name string, r *Report) {
		p := filepath.Join(tmp, name+".xml")
		if err := os.WriteFile(p, []byte(render(t, r, JUnit)), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	for _, j := range journals {
		write(j.name, loadReport(t, j.name, j.status))
	}
	write("hostile", hostileReport(t))
	xsd, err := filepath.Abs(filepath.Join("testdata", "junit.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	check := func(files []string) (bool, []string) {
		t.Helper()
		cmd := exec.Command(node, append([]string{filepath.Join(dir, "validate-junit.mjs"), "--xsd", xsd}, files...)...)
		cmd.Dir = dir
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("validate-junit.mjs: %v\n%s", err, b)
		}
		var res struct {
			Valid  bool
			Errors []string
		}
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatalf("validate-junit.mjs printed %q: %v", b, err)
		}
		return res.Valid, res.Errors
	}
	if ok, errs := check(files); !ok {
		t.Errorf("JUnit reports are not valid against junit.xsd:\n%s", strings.Join(errs, "\n"))
	}
	// The check can fail: a case with two results is refused.
	bad := filepath.Join(tmp, "bad.xml")
	doc := `<?xml version="1.0"?><testsuites><testsuite name="x" tests="1" failures="1" errors="1"><testcase name="a" classname="x" time="1"><failure/><error/></testcase></testsuite></testsuites>`
	if err := os.WriteFile(bad, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if ok, _ := check([]string{bad}); ok {
		t.Error("junit.xsd accepts a test case with both a failure and an error")
	}
}
