package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"drorch/sim"
)

// runDrorchEnv runs drorch with args and the given environment.
func runDrorchEnv(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

// TestSimCommandsFindTheSimulatorLikeAWSCalls: `drorch sim fault` and
// `drorch sim state` talk to --endpoint-url, else AWS_ENDPOINT_URL, never
// to a default simulator that may be someone else's (--sim still wins).
func TestSimCommandsFindTheSimulatorLikeAWSCalls(t *testing.T) {
	t.Parallel()
	mine, other := startSim(t), startSim(t)
	const dead = "http://127.0.0.1:1"
	steps := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": mine},
			[]string{"sim", "fault", "lag", "--region", "us-west-2", "--seconds", "90"},
			"fault f-1 set: replication lag of about 90s for the replicas in region us-west-2"},
		{"--endpoint-url over AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": dead},
			[]string{"--endpoint-url", mine, "sim", "fault", "outage", "--region", "us-east-1"}, "fault f-2 set"},
		{"--sim over both", map[string]string{"AWS_ENDPOINT_URL": dead},
			[]string{"--endpoint-url", dead, "sim", "fault", "throttle", "--sim", other}, "fault f-1 set"},
		{"state from AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": mine}, []string{"sim", "state"}, `"seconds": 90`},
		{"list from --endpoint-url", nil, []string{"--endpoint-url", mine, "sim", "fault", "list"}, "f-2"},
	}
	for _, s := range steps {
		code, out, errOut := runDrorchEnv(t, s.env, s.args...)
		if code != 0 || !strings.Contains(out, s.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %q", s.name, code, out, errOut, s.want)
		}
	}
	if faults, err := sim.NewClient(other).Faults(context.Background()); err != nil || len(faults) != 1 || faults[0].Kind != sim.FaultThrottle {
		t.Errorf("the other simulator's faults: %+v, %v", faults, err)
	}
	code, _, errOut := runDrorchEnv(t, map[string]string{"AWS_ENDPOINT_URL": dead}, "sim", "fault", "clear")
	if code != 1 || !strings.Contains(errOut, "127.0.0.1:1") {
		t.Errorf("a dead AWS_ENDPOINT_URL: exit %d, %q", code, errOut)
	}
	for _, bad := range [][]string{
		{"sim", "fault", "lag", "--region", "us-west-2"},
		{"sim", "fault", "lag", "--seconds", "5"},
		{"sim", "fault", "lag", "--region", "us-west-2", "--seconds", "-3"},
	} {
		if code, _, errOut := runDrorchEnv(t, map[string]string{"AWS_ENDPOINT_URL": mine}, bad...); code != 2 || !strings.Contains(errOut, "lag") {
			t.Errorf("%v: exit %d, %q", bad, code, errOut)
		}
	}
}
