package sim_test

import (
	"net/http"
	"testing"
	"time"

	"drorch/internal/clock"
	"drorch/sim"
)

// Every answer (success, AWS error, admin) carries the simulator's virtual
// time and speed, so that a client can time what it does on the simulated
// clock rather than on the compressed wall clock.
func TestEveryResponseCarriesVirtualTime(t *testing.T) {
	t.Parallel()
	fake := clock.NewFake(t0)
	s, err := sim.New(sim.Config{Clock: fake, Seed: 7, Speed: 60})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	fake.Advance(2 * time.Second) // 120 virtual seconds
	s.Advance(time.Minute)
	want := t0.Add(3 * time.Minute)
	for name, do := range map[string]func() *http.Response{
		"query success": func() *http.Response {
			return serve(s, http.MethodPost, "/", auth(east, "rds"), nil, "Action=DescribeDBClusters&Version=2014-10-31").Result()
		},
		"aws error": func() *http.Response {
			return serve(s, http.MethodPost, "/", auth(east, "rds"), nil, "Action=NoSuchAction&Version=2014-10-31").Result()
		},
		"unsigned": func() *http.Response { return serve(s, http.MethodPost, "/", "", nil, "").Result() },
		"admin":    func() *http.Response { return serve(s, http.MethodGet, "/_sim/state", "", nil, "").Result() },
	} {
		resp := do()
		got, err := time.Parse(time.RFC3339Nano, resp.Header.Get(sim.TimeHeader))
		if err != nil {
			t.Errorf("%s: %s header %q: %v", name, sim.TimeHeader, resp.Header.Get(sim.TimeHeader), err)
			continue
		}
		if !got.Equal(want) {
			t.Errorf("%s: virtual time %s, want %s", name, got, want)
		}
		if sp := resp.Header.Get(sim.SpeedHeader); sp != "60" {
			t.Errorf("%s: %s = %q, want 60", name, sim.SpeedHeader, sp)
		}
	}
}
