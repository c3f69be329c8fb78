package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// drorchBin is the drorch binary TestMain builds, once, before any test runs;
// tests only read it.
var drorchBin string

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	flag.Parse()
	dir, err := os.MkdirTemp("", "drorch-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: make a directory for the drorch binary:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "drorch")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	// Built without -race, whatever the test process runs with: the binary
	// is the product as shipped, and it stays fast under a -race suite.
	started := time.Now()
	build := exec.Command(goTool(), "build", "-o", bin, "drorch/cmd/drorch")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build drorch: %v\n%s", err, out)
		return 1
	}
	if testing.Verbose() {
		fmt.Printf("e2e: built %s in %s\n", bin, time.Since(started).Round(10*time.Millisecond))
	}
	drorchBin = bin
	return m.Run()
}

// goTool is the go command that runs the tests: go test puts its
// GOROOT/bin first in PATH, and sets GOROOT for the tests it runs.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}
