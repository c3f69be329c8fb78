package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The bad-input corpus (testdata/badinput at the repository root; its
// README.md says the format) through the command line: every case must be
// refused with exit code 2, with every expected line on stderr, before any
// mutating AWS call, by validate, plan and run --yes alike, from a file
// and from stdin.

const corpusDir = "../../testdata/badinput"

// seedSecret is the seed scenario's SecureString value: no output may hold it.
const seedSecret = "s3cr3t-demo-password"

type badCase struct {
	name     string
	path     string // the payload file (generated ones live in t.TempDir())
	payload  []byte
	expected []string
	// lookups: the payload is well-formed and only its references are
	// wrong (needs-lookups.txt): validate, which makes no AWS call, must
	// accept it; plan and run refuse it once the references are resolved.
	lookups bool
}

func loadBadCases(t *testing.T) []badCase {
	t.Helper()
	exps, err := filepath.Glob(filepath.Join(corpusDir, "*", "expected.txt"))
	if err != nil || len(exps) == 0 {
		t.Fatalf("no corpus cases under %s (%v)", corpusDir, err)
	}
	var cases []badCase
	for _, exp := range exps {
		dir := filepath.Dir(exp)
		c := badCase{name: filepath.Base(dir), lookups: fileExists(filepath.Join(dir, "needs-lookups.txt"))}
		for _, l := range strings.Split(string(readFile(t, exp)), "\n") {
			if strings.TrimSpace(l) != "" {
				c.expected = append(c.expected, l)
			}
		}
		for _, name := range []string{"payload.json", "payload.yaml"} {
			if p := filepath.Join(dir, name); fileExists(p) {
				c.path, c.payload = p, readFile(t, p)
			}
		}
		if p := filepath.Join(dir, "size.txt"); fileExists(p) {
			c.path = generatePayload(t, p)
			c.payload = readFile(t, c.path)
		}
		if c.path == "" {
			t.Fatalf("%s: no payload.json, payload.yaml or size.txt", dir)
		}
		cases = append(cases, c)
	}
	return cases
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// generatePayload writes the README's first payload padded with blanks to
// the size in sizeFile, in a temporary directory (big files are not
// committed), and returns its path.
func generatePayload(t *testing.T, sizeFile string) string {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(string(readFile(t, sizeFile))))
	if err != nil {
		t.Fatalf("%s: %v", sizeFile, err)
	}
	seed := readFile(t, "../../manifest/testdata/readme/1-planned-failover-aurora.json")
	if n < len(seed) {
		t.Fatalf("%s: %d bytes is less than the payload it pads", sizeFile, n)
	}
	return writeFile(t, "payload.json", append(seed, bytes.Repeat([]byte(" "), n-len(seed))...))
}

func TestBadInputCorpusThroughCLI(t *testing.T) {
	t.Parallel()
	cases := loadBadCases(t)
	for _, c := range cases {
		if c.lookups && !bytes.Contains(c.payload, []byte("!Import")) && !bytes.Contains(c.payload, []byte("resolve:ssm:")) {
			t.Fatalf("%s needs lookups but holds no reference", c.name)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, endpoint := startTestSim(t)
			d := newCLI(t, endpoint, "us-west-2")

			// validate makes no AWS call at all, whatever the payload.
			for _, v := range []result{d.run("validate", c.path), d.runIn(bytes.NewReader(c.payload), "validate", "-")} {
				if c.lookups {
					if v.code != 0 || !strings.Contains(v.stdout, "valid:") || !strings.Contains(v.stdout, "resolved by `drorch plan`") {
						t.Errorf("validate of a payload whose only faults are its references: want exit 0 and a pointer to plan\n%s", v)
					}
				} else {
					wantRefused(t, v, c.expected)
				}
			}
			if n := s.CallCount("", "", ""); n != 0 {
				t.Errorf("validate made %d AWS calls, want none", n)
			}

			wantRefused(t, d.run("plan", c.path), c.expected)
			wantRefused(t, d.runIn(bytes.NewReader(c.payload), "plan", "-"), c.expected)
			wantRefused(t, d.run(append([]string{"run", "--yes"}, append(fastPoll, c.path)...)...), c.expected)
			wantRefused(t, d.runIn(bytes.NewReader(c.payload), "run", "--yes", "-"), c.expected)
			noMutations(t, s, "refusing "+c.name)
			if n := s.CallCount("", "", ""); !c.lookups && n != 0 {
				t.Errorf("a payload refused before its references are looked up still made %d AWS calls", n)
			}
			if r := d.run("runs"); !strings.Contains(r.stdout, "no runs yet") && !strings.Contains(r.stderr, "no journal at") {
				t.Errorf("a refused payload left a run in the journal:\n%s", r)
			}
		})
	}
}

// wantRefused checks one refusal: exit 2, every expected problem on
// stderr, and no secret anywhere.
func wantRefused(t *testing.T, r result, expected []string) {
	t.Helper()
	if r.code != exitBadInput {
		t.Errorf("exit %d, want 2\n%s", r.code, r)
	}
	for _, line := range expected {
		if !strings.Contains(r.stderr, line) {
			t.Errorf("stderr lacks the expected problem\n  %s\n%s", line, r)
		}
	}
	if !strings.Contains(r.stderr, "nothing was changed") {
		t.Errorf("stderr does not say that nothing was changed\n%s", r)
	}
	if strings.Contains(r.stdout+r.stderr, seedSecret) {
		t.Errorf("the SecureString value was printed\n%s", r)
	}
}
