package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeCommands returns the lines of README.md's sh code blocks.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("the repository has no README.md: %v", err)
	}
	var lines []string
	in := false
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(l, "```sh"):
			in = true
		case strings.HasPrefix(l, "```"):
			in = false
		case in && strings.TrimSpace(l) != "":
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	return lines
}

// A new user's first two commands, from the README's start: the demo and
// the whole test suite. Both must exist as the README writes them.
func TestREADMEStartCommands(t *testing.T) {
	t.Parallel()
	lines := readmeCommands(t)
	if len(lines) < 2 || lines[0] != "go run ./cmd/drorch demo" || lines[1] != "make test" {
		t.Fatalf("README's first commands are %q, want go run ./cmd/drorch demo, then make test", lines[:min(2, len(lines))])
	}
	// The demo: this package is ./cmd/drorch and has the command (TestDemo
	// runs it).
	if r := newCLI(t, "", "").run("demo", "--help"); r.code != 0 {
		t.Errorf("drorch demo --help\n%s", r)
	}
	// make test: the Makefile's test target runs the test script, which
	// runs every package with the race detector and makes the python
	// tests (moto, boto3, the AWS CLI) fail rather than skip.
	mk := string(readFile(t, "../../Makefile"))
	if !regexp.MustCompile(`(?m)^test:.*\n\t\./scripts/test\.sh\s*$`).MatchString(mk) {
		t.Errorf("the Makefile has no test target running ./scripts/test.sh:\n%s", mk)
	}
	fi, err := os.Stat("../../scripts/test.sh")
	if err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("scripts/test.sh is missing or not executable: %v", err)
	}
	script := string(readFile(t, "../../scripts/test.sh"))
	for _, want := range []string{"DRORCH_REQUIRE_PYTHON=1", "go vet ./...", "gofmt", "go test -race", "./..."} {
		if !strings.Contains(script, want) {
			t.Errorf("scripts/test.sh lacks %q", want)
		}
	}
}

// Every drorch command line the README shows names commands and flags
// that exist, and the repository files it names.
func TestREADMECommandLinesExist(t *testing.T) {
	t.Parallel()
	n := 0
	for _, line := range readmeCommands(t) {
		line, _, _ = strings.Cut(line, "#")
		fields := strings.Fields(line)
		switch {
		case len(fields) > 1 && fields[0] == "bin/drorch":
			fields = fields[1:]
		case len(fields) > 3 && strings.Join(fields[:3], " ") == "go run ./cmd/drorch":
			fields = fields[3:]
		default:
			continue
		}
		n++
		var sub, flags []string
		for _, f := range fields {
			switch {
			case strings.HasPrefix(f, "--"):
				name, _, _ := strings.Cut(f, "=")
				flags = append(flags, name)
			case strings.Contains(f, "/") || strings.Contains(f, "."):
				if strings.HasPrefix(f, "examples/") {
					if _, err := os.Stat(filepath.Join("../..", f)); err != nil {
						t.Errorf("README: %s names %s, which is not in the repository", line, f)
					}
				}
			case regexp.MustCompile(`^[a-z][a-z-]*$`).MatchString(f) && len(flags) == 0:
				sub = append(sub, f)
			}
		}
		r := newCLI(t, "", "").run(append(sub, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "drorch "+strings.Join(sub, " ")) {
			t.Errorf("README: %s: drorch %s is not a command\n%s", line, strings.Join(sub, " "), r)
			continue
		}
		for _, f := range flags {
			if !strings.Contains(r.stdout, f+" ") {
				t.Errorf("README: %s: drorch %s has no flag %s", line, strings.Join(sub, " "), f)
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d drorch command lines found in README.md", n)
	}
}
