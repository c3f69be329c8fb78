package manifest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"drorch/manifest"
)

// The bad-input corpus lives at the repository root, shared with the CLI's
// tests: testdata/badinput/<case>/ holds payload.json or payload.yaml (or
// size.txt: a payload generated to that many bytes) and expected.txt, the
// problem lines drorch must print. Cases whose payload decodes and validates
// are reference cases: ref's corpus test resolves them.
const corpusDir = "../testdata/badinput"

type corpusCase struct {
	name     string
	dir      string
	payload  []byte
	expected []string
	blind    string // why the JSON Schema cannot see this fault ("" if it can)
	ext      string // json or yaml
}

func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(corpusDir, "*", "expected.txt"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no corpus cases under %s (%v)", corpusDir, err)
	}
	var cases []corpusCase
	for _, exp := range dirs {
		dir := filepath.Dir(exp)
		c := corpusCase{name: filepath.Base(dir), dir: dir, expected: readLines(t, exp)}
		if b, err := os.ReadFile(filepath.Join(dir, "schema-blind.txt")); err == nil {
			c.blind = strings.TrimSpace(string(b))
		}
		for _, ext := range []string{"json", "yaml"} {
			if b, err := os.ReadFile(filepath.Join(dir, "payload."+ext)); err == nil {
				c.payload, c.ext = b, ext
			}
		}
		if b, err := os.ReadFile(filepath.Join(dir, "size.txt")); err == nil {
			n, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatalf("%s: size.txt: %v", dir, err)
			}
			c.payload, c.ext = generated(t, n), "json"
		}
		if c.payload == nil {
			t.Fatalf("%s: no payload.json, payload.yaml or size.txt", dir)
		}
		cases = append(cases, c)
	}
	return cases
}

// generated is the README's first payload padded with blanks to size bytes:
// valid JSON, too big to be read.
func generated(t *testing.T, size int) []byte {
	t.Helper()
	seed, err := os.ReadFile("testdata/readme/1-planned-failover-aurora.json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "payload.json")
	if err := os.WriteFile(path, append(seed, bytes.Repeat([]byte(" "), size-len(seed))...), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

func problemLines(ps manifest.Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Error()
	}
	return out
}

// TestBadInputCorpus runs every corpus case through Decode and Validate:
// the problems must be exactly the expected lines, in order.
func TestBadInputCorpus(t *testing.T) {
	t.Parallel()
	for _, c := range loadCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, ps := manifest.Load(c.payload, testCatalog())
			if len(ps) == 0 {
				// Only a reference can hide a fault from validation.
				if !bytes.Contains(c.payload, []byte("!Import")) && !bytes.Contains(c.payload, []byte("resolve:ssm:")) {
					t.Fatalf("payload validates and holds no reference: not bad input")
				}
				return
			}
			got := problemLines(ps)
			if strings.Join(got, "\n") != strings.Join(c.expected, "\n") {
				t.Errorf("problems:\n%s\n\nwant (%s/expected.txt):\n%s", strings.Join(got, "\n"), c.dir, strings.Join(c.expected, "\n"))
			}
		})
	}
}
