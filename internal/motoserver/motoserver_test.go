package motoserver

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

func TestStartAnswersAndIsolates(t *testing.T) {
	t.Parallel()
	a := Start(t)
	b := Start(t)
	if a == b {
		t.Fatalf("two servers share endpoint %s", a)
	}
	for _, ep := range []string{a, b} {
		if !strings.HasPrefix(ep, "http://127.0.0.1:") {
			t.Errorf("endpoint %q is not loopback", ep)
		}
		resp, err := http.Get(ep + "/moto-api/data.json")
		if err != nil {
			t.Fatalf("moto at %s does not answer: %v", ep, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "{") {
			t.Errorf("GET %s/moto-api/data.json = %d %q", ep, resp.StatusCode, body)
		}
	}
}

func TestStopKillsServer(t *testing.T) {
	t.Parallel()
	argv, err := Command(exec.LookPath)
	if err != nil {
		missing(t, err)
	}
	s, err := Run(context.Background(), argv)
	if errors.Is(err, ErrMissing) {
		missing(t, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.Stop()
	s.Stop() // twice is fine
	if _, err := http.Get(s.Endpoint + "/moto-api/data.json"); err == nil {
		t.Fatalf("moto at %s still answers after Stop", s.Endpoint)
	}
}

func TestCommand(t *testing.T) {
	t.Parallel()
	path := func(found ...string) func(string) (string, error) {
		return func(name string) (string, error) {
			for _, f := range found {
				if f == name {
					return "/bin/" + name, nil
				}
			}
			return "", exec.ErrNotFound
		}
	}
	tests := []struct {
		name  string
		found []string
		want  string
		err   error
	}{
		{"moto_server preferred", []string{"moto_server", "python3"}, "/bin/moto_server", nil},
		{"python module fallback", []string{"python3"}, "/bin/python3 -m moto.server", nil},
		{"nothing", nil, "", ErrMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			argv, err := Command(path(tc.found...))
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if got := strings.Join(argv, " "); got != tc.want {
				t.Errorf("argv = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRunReportsMissingModule(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 to run a missing module with")
	}
	_, err = Run(context.Background(), []string{py, "-m", "drorch_no_such_module"})
	if !errors.Is(err, ErrMissing) {
		t.Fatalf("err = %v, want ErrMissing", err)
	}
}

func TestRunReportsEarlyExit(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	_, err = Run(context.Background(), []string{sh, "-c", "echo broken; exit 3", "--"})
	if err == nil || errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("err = %v, want an early-exit error quoting the output", err)
	}
}
