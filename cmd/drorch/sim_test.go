package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/sim"
)

// syncBuffer is a bytes.Buffer safe to read while drorch sim writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runDrorch runs drorch with args and returns exit code, stdout, stderr.
func runDrorch(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

// startSim runs `drorch sim` on a free loopback port until the test ends and
// returns its URL, read from the export lines it prints.
func startSim(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"sim", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), &out, &errb, func(string) string { return "" })
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("drorch sim exited %d: %s", code, errb.String())
		}
		if !strings.Contains(out.String(), "drorch sim: stopped") {
			t.Errorf("drorch sim did not say it stopped: %s", out.String())
		}
	})
	re := regexp.MustCompile(`(?m)^export AWS_ENDPOINT_URL=(\S+)$`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("drorch sim exited %d: %s %s", code, out.String(), errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("drorch sim printed no endpoint: %s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSimCommandPrintsEnvironment(t *testing.T) {
	t.Parallel()
	url := startSim(t, "--speed", "60")
	st, err := sim.NewClient(url).State(context.Background())
	if err != nil {
		t.Fatalf("state: %v", err)
	}
	if len(st.GlobalClusters) != 1 || st.GlobalClusters[0].ID != "dr-globaldb-cluster-mysql" {
		t.Errorf("seed world not served: %+v", st.GlobalClusters)
	}
}

func TestSimFaultCommands(t *testing.T) {
	t.Parallel()
	url := startSim(t)
	steps := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"sim", "fault", "outage", "--region", "us-east-1", "--sim", url}, 0, "fault f-1 set: outage (refuse) of region us-east-1"},
		{[]string{"sim", "fault", "throttle", "--region", "us-west-2", "--service", "rds", "--rate", "0.5", "--sim", url}, 0, "throttle 50% of region us-west-2, service rds"},
		{[]string{"sim", "fault", "error", "--status", "503", "--sim", url}, 0, "HTTP 503 on 100% of every call"},
		{[]string{"sim", "fault", "halfway", "--action", "SwitchoverGlobalCluster", "--sim", url}, 0, "roll back half-way the next action SwitchoverGlobalCluster"},
		{[]string{"sim", "fault", "list", "--sim", url}, 0, "f-4"},
		{[]string{"sim", "fault", "clear", "f-2", "--sim", url}, 0, "fault f-2 cleared"},
		{[]string{"sim", "fault", "clear", "f-2", "--sim", url}, 1, ""},
		{[]string{"sim", "fault", "error", "--status", "404", "--sim", url}, 2, ""},
		{[]string{"sim", "fault", "outage", "--sim", url}, 2, ""},
		{[]string{"sim", "fault", "halfway", "--sim", url}, 2, ""},
	}
	for _, s := range steps {
		code, out, errOut := runDrorch(t, s.args...)
		if code != s.code || !strings.Contains(out, s.want) {
			t.Errorf("%v: exit %d, out %q, err %q; want exit %d and %q", s.args, code, out, errOut, s.code, s.want)
		}
	}
	code, out, _ := runDrorch(t, "sim", "fault", "list", "-o", "json", "--sim", url)
	var faults []sim.Fault
	if code != 0 || json.Unmarshal([]byte(out), &faults) != nil || len(faults) != 3 {
		t.Errorf("list json: %d %s", code, out)
	}
	code, out, _ = runDrorch(t, "sim", "state", "--sim", url)
	var st sim.State
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || !st.Regions[0].Down {
		t.Errorf("state: %d %s", code, out)
	}
	if strings.Contains(out, "s3cr3t-demo-password") {
		t.Errorf("state shows a SecureString value")
	}
	if code, out, _ := runDrorch(t, "sim", "fault", "clear", "--sim", url); code != 0 || !strings.Contains(out, "every fault cleared") {
		t.Errorf("clear all: %d %s", code, out)
	}
}

func TestSimCommandBadInput(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\nregions: [us-east-1]\nclusterz: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"sim", "--scenario", "no-such-scenario.yaml", "--addr", "127.0.0.1:0"},
		{"sim", "--scenario", bad, "--addr", "127.0.0.1:0"},
		{"sim", "--speed", "0", "--addr", "127.0.0.1:0"},
		{"sim", "--max-conns", "0", "--addr", "127.0.0.1:0"},
		{"sim", "--read-header-timeout", "-1s", "--addr", "127.0.0.1:0"},
	} {
		if code, _, errOut := runDrorch(t, args...); code != 2 || !strings.Contains(errOut, "sim") {
			t.Errorf("%v: exit %d %s", args, code, errOut)
		}
	}
	if code, _, errOut := runDrorch(t, "sim", "state", "--sim", "http://127.0.0.1:1"); code != 1 {
		t.Errorf("state of nothing: exit %d %s", code, errOut)
	}
}
