// Package motoserver runs moto (an AWS emulator nobody at drorch wrote) for
// tests, so that drorch's AWS adapter is checked against someone else's idea
// of AWS as well as against drorch's own simulator.
package motoserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RequireEnv is the variable that turns a missing moto into a test failure
// (CI sets it to 1); otherwise tests that need moto are skipped.
const RequireEnv = "DRORCH_REQUIRE_PYTHON"

// startTimeout bounds how long moto may take to import and start answering.
const startTimeout = 60 * time.Second

// ErrMissing means no moto is installed on this machine.
var ErrMissing = errors.New("moto is not installed (moto_server not on PATH, python3 cannot import moto.server)")

// Start runs a fresh moto_server on a free loopback port and returns its
// endpoint (http://127.0.0.1:PORT). The server is killed when the test ends.
// Without moto the test fails if DRORCH_REQUIRE_PYTHON=1 and is skipped
// otherwise.
func Start(t testing.TB) string {
	t.Helper()
	argv, err := Command(exec.LookPath)
	if err != nil {
		missing(t, err)
		return ""
	}
	s, err := Run(context.Background(), argv)
	if err != nil {
		if errors.Is(err, ErrMissing) {
			missing(t, err)
			return ""
		}
		t.Fatalf("start moto: %v", err)
	}
	t.Cleanup(s.Stop)
	return s.Endpoint
}

func missing(t testing.TB, err error) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%v; %s=1 requires it (pip install 'moto[server]')", err, RequireEnv)
	}
	t.Skipf("%v; set %s=1 to make this a failure", err, RequireEnv)
}

// Command is the command line that starts moto, without host and port:
// moto_server when it is on PATH, else python3 -m moto.server.
func Command(lookPath func(string) (string, error)) ([]string, error) {
	if p, err := lookPath("moto_server"); err == nil {
		return []string{p}, nil
	}
	if p, err := lookPath("python3"); err == nil {
		return []string{p, "-m", "moto.server"}, nil
	}
	return nil, ErrMissing
}

// Server is a running moto.
type Server struct {
	// Endpoint is the URL clients use as their BaseEndpoint.
	Endpoint string

	cmd     *exec.Cmd
	once    sync.Once
	out     *tail
	done    chan struct{} // closed when the process has been reaped
	scanned chan struct{} // closed when its output has been read to the end
	waitErr error         // cmd.Wait's result, set before done is closed
}

// listening matches werkzeug's "Running on http://127.0.0.1:PORT" line.
var listening = regexp.MustCompile(`Running on (http://127\.0\.0\.1:\d+)`)

// Run starts argv with -H 127.0.0.1 -p 0 (moto picks a free port and says
// which, so there is no race for the port) and waits until it answers HTTP.
// A command that exits before listening yields an error wrapping
// ErrMissing when its output says moto cannot be found.
func Run(ctx context.Context, argv []string) (*Server, error) {
	cmd := exec.Command(argv[0], append(append([]string(nil), argv[1:]...), "-H", "127.0.0.1", "-p", "0")...)
	// Its own process group, so that Stop reaches the interpreter even when
	// argv is a wrapper script.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMissing, err)
	}
	s := &Server{cmd: cmd, out: &tail{}, done: make(chan struct{}), scanned: make(chan struct{})}
	urls := make(chan string, 1)
	go s.scan(pr, urls)
	go func() {
		s.waitErr = cmd.Wait()
		pw.Close()
		close(s.done)
	}()

	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case url := <-urls:
		s.Endpoint = url
	case <-s.done:
		<-s.scanned
		err := s.waitErr
		out := s.out.String()
		if strings.Contains(out, "No module named") || strings.Contains(out, "command not found") {
			return nil, fmt.Errorf("%w: %s", ErrMissing, out)
		}
		return nil, fmt.Errorf("moto exited before listening (%v): %s", err, out)
	case <-timer.C:
		s.Stop()
		return nil, fmt.Errorf("moto did not start within %s: %s", startTimeout, s.out.String())
	case <-ctx.Done():
		s.Stop()
		return nil, ctx.Err()
	}
	if err := s.waitReady(ctx, timer.C); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls the endpoint until moto answers any HTTP request.
func (s *Server) waitReady(ctx context.Context, deadline <-chan time.Time) error {
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/moto-api/data.json", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-tick.C:
		case <-deadline:
			return fmt.Errorf("moto at %s did not answer within %s: %s", s.Endpoint, startTimeout, s.out.String())
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// scan keeps the tail of moto's output (for error messages) and reports the
// listening URL once.
func (s *Server) scan(r io.Reader, urls chan<- string) {
	defer close(s.scanned)
	sc := bufio.NewScanner(r)
	found := false
	for sc.Scan() {
		line := sc.Text()
		s.out.add(line)
		if m := listening.FindStringSubmatch(line); m != nil && !found {
			found = true
			urls <- m[1]
		}
	}
	io.Copy(io.Discard, r) // never block moto on a full pipe
}

// Stop kills moto's process group and reaps it. It is safe to call twice.
func (s *Server) Stop() {
	s.once.Do(func() {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	})
}

// tail keeps the last lines of a process's output.
type tail struct {
	mu    sync.Mutex
	lines []string
}

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > 20 {
		t.lines = t.lines[len(t.lines)-20:]
	}
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}
