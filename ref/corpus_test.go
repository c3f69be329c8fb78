package ref

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"drorch/manifest"
)

// The bad-input corpus (testdata/badinput at the repository root; format in
// its README.md) through the whole pipeline: Load, then, when the payload is
// valid, Resolve against the seed scenario's us-west-2 exports and SSM
// parameters. Set DRORCH_UPDATE_GOLDEN=1 to rewrite expected.txt files
// from the current output (then review the diff).
const corpusDir = "../testdata/badinput"

// corpusRegion is the --region every corpus case assumes.
const corpusRegion = "us-west-2"

// seedSecret is the value of the seed scenario's SecureString parameter.
const seedSecret = "s3cr3t-demo-password"

func corpusFakes(t *testing.T) (*fakeExports, *fakeParameters) {
	t.Helper()
	var exports []Export
	readJSON(t, filepath.Join(corpusDir, "exports-"+corpusRegion+".json"), &exports)
	var params []Parameter
	readJSON(t, filepath.Join(corpusDir, "ssm-"+corpusRegion+".json"), &params)
	return newFakeExports(corpusRegion, exports, 10), newFakeParameters(corpusRegion, params...)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func corpusPayload(t *testing.T, dir string) []byte {
	t.Helper()
	for _, name := range []string{"payload.json", "payload.yaml"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			return b
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "size.txt"))
	if err != nil {
		t.Fatalf("%s: no payload.json, payload.yaml or size.txt", dir)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s/size.txt: %v", dir, err)
	}
	seed, err := os.ReadFile("../manifest/testdata/readme/1-planned-failover-aurora.json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "payload.json")
	if err := os.WriteFile(path, append(seed, bytes.Repeat([]byte(" "), n-len(seed))...), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBadInputCorpus(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join(corpusDir, "*", "expected.txt"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no corpus cases under %s (%v)", corpusDir, err)
	}
	cat := testCatalog()
	for _, exp := range dirs {
		dir := filepath.Dir(exp)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			p, ps := manifest.Load(corpusPayload(t, dir), cat)
			resolved := false
			_, err := os.Stat(filepath.Join(dir, "needs-lookups.txt"))
			if marked := err == nil; marked != (len(ps) == 0) {
				t.Errorf("needs-lookups.txt present=%v, but Load found %d problems", marked, len(ps))
			}
			if len(ps) == 0 {
				exports, params := corpusFakes(t)
				r := &Resolver{Exports: exports, Parameters: params, Region: corpusRegion}
				var err error
				_, ps, err = r.Resolve(context.Background(), p, cat)
				if err != nil {
					t.Fatalf("Resolve: %v", err)
				}
				resolved = true
			}
			if len(ps) == 0 {
				t.Fatalf("no problem found: the case is not bad input")
			}
			var lines []string
			for _, p := range ps {
				lines = append(lines, p.Error())
			}
			got := strings.Join(lines, "\n")
			if strings.Contains(got, seedSecret) {
				t.Errorf("the secret value leaked into the problems:\n%s", got)
			}
			if os.Getenv("DRORCH_UPDATE_GOLDEN") == "1" {
				if err := os.WriteFile(exp, []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(exp)
			if err != nil {
				t.Fatal(err)
			}
			if got != strings.TrimRight(string(want), "\n") {
				t.Errorf("problems (resolved=%v):\n%s\n\nwant (%s):\n%s", resolved, got, exp, want)
			}
		})
	}
}
