package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"drorch/sim"
)

// TestMain gives the whole test binary one AWS environment: the SDK's
// credential chain reads the process environment, not run's getenv, so the
// machine's own AWS settings (profile, endpoint, region, credentials) are
// removed once here, before any test runs, instead of by each parallel test.
func TestMain(m *testing.M) {
	flag.Parse()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			os.Unsetenv(k)
		}
	}
	for k, v := range testEnv {
		os.Setenv(k, v)
	}
	os.Exit(m.Run())
}

// testEnv is the AWS environment drorch sees in these tests: dummy
// credentials, no shared config, no instance metadata.
var testEnv = map[string]string{
	"AWS_ACCESS_KEY_ID":           "test",
	"AWS_SECRET_ACCESS_KEY":       "test",
	"AWS_CONFIG_FILE":             os.DevNull,
	"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	"AWS_EC2_METADATA_DISABLED":   "true",
}

// updateGolden rewrites golden files from the current output (review the
// diff afterwards): DRORCH_UPDATE_GOLDEN=1 go test ./cmd/drorch.
var updateGolden = os.Getenv("DRORCH_UPDATE_GOLDEN") == "1"

// result is one drorch invocation.
type result struct {
	args           []string
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("drorch %s\nexit %d\n--- stdout:\n%s\n--- stderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// cli runs drorch in-process against one endpoint (a simulator or moto)
// with its own journal.
type cli struct {
	t        *testing.T
	endpoint string
	region   string
	state    string
	// env is run's getenv: only what a test puts there (HOME and the XDG
	// variables stay unset, so no default journal path can be used by
	// mistake).
	env map[string]string
}

func newCLI(t *testing.T, endpoint, region string) *cli {
	t.Helper()
	return &cli{t: t, endpoint: endpoint, region: region, state: filepath.Join(t.TempDir(), "journal.db"), env: map[string]string{}}
}

// global are the flags every command gets.
func (c *cli) global() []string {
	var g []string
	if c.endpoint != "" {
		g = append(g, "--endpoint-url", c.endpoint)
	}
	if c.region != "" {
		g = append(g, "--region", c.region)
	}
	if c.state != "" {
		g = append(g, "--state", c.state)
	}
	return g
}

// fastPoll makes run and resume look at operations often, so that a run on
// a fast simulator ends soon after its operations do.
var fastPoll = []string{"--poll-interval", "100ms", "--poll-max", "1s"}

// run runs drorch with args after the global flags, stdin empty.
func (c *cli) run(args ...string) result {
	c.t.Helper()
	return c.runIn(strings.NewReader(""), args...)
}

// runIn runs drorch with stdin.
func (c *cli) runIn(stdin io.Reader, args ...string) result {
	c.t.Helper()
	full := append(c.global(), args...)
	var out, errb bytes.Buffer
	code := run(context.Background(), full, stdin, &out, &errb, func(k string) string { return c.env[k] })
	return result{args: full, code: code, stdout: out.String(), stderr: errb.String()}
}

// startTestSim serves a fresh seed-scenario simulator on a loopback port for
// the test and returns it with its endpoint. Speed 200: a 60 s switchover
// takes 0.3 s.
func startTestSim(t *testing.T) (*sim.Sim, string) {
	t.Helper()
	s, err := sim.New(sim.Config{Speed: 200})
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		s.Close()
		cancel()
		<-served
	})
	return s, "http://" + ln.Addr().String()
}

// noMutations fails the test when the simulator saw any mutating call.
func noMutations(t *testing.T, s *sim.Sim, what string) {
	t.Helper()
	if calls := s.MutatingCalls(); len(calls) > 0 {
		t.Errorf("%s made %d mutating calls, want none: %+v", what, len(calls), calls)
	}
}

// runIDLine is how run and resume name the run they start, on stderr.
var runIDLine = regexp.MustCompile(`(?m)^run (\S+): journal `)

// runID returns the id of the run r started.
func runID(t *testing.T, r result) string {
	t.Helper()
	m := runIDLine.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no run id on stderr:\n%s", r)
	}
	return m[1]
}

// golden compares got with testdata/golden/<name>, or rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (DRORCH_UPDATE_GOLDEN=1 writes it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (DRORCH_UPDATE_GOLDEN=1 rewrites it; review the diff):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, wl, gl)
			shown++
		}
	}
	return b.String()
}

// writeFile writes data to name in a fresh temporary directory.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// seedPayload is the path of one of the README's payloads.
func seedPayload(name string) string { return filepath.Join("..", "..", "examples", "seed", name) }

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
