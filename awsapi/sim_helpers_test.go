package awsapi_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"drorch/awsapi"
	"drorch/internal/clock"
	"drorch/sim"
)

// t0 is the virtual time every simulated world starts at.
var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// simEnv is drorch's simulator served over loopback HTTP, driven by a fake
// clock, with an awsapi client set pointed at it.
type simEnv struct {
	sim *sim.Sim
	clk *clock.Fake
	url string
	c   api
}

// newSim starts the simulator on sc (nil: the seed scenario).
func newSim(t *testing.T, sc *sim.Scenario, tweak func(*awsapi.Config)) *simEnv {
	t.Helper()
	clk := clock.NewFake(t0)
	s, err := sim.New(sim.Config{Scenario: sc, Clock: clk, Seed: 1})
	if err != nil {
		t.Fatalf("new simulator: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close) // runs first: releases requests held by a hang outage
	return &simEnv{sim: s, clk: clk, url: srv.URL, c: newClients(t, srv.URL, tweak)}
}

// advance moves virtual time (the simulator runs at speed 1).
func (e *simEnv) advance(d time.Duration) { e.clk.Advance(d) }

// fault scripts a fault or fails the test.
func (e *simEnv) fault(t *testing.T, f sim.Fault) {
	t.Helper()
	if _, err := e.sim.SetFault(f); err != nil {
		t.Fatalf("set fault %+v: %v", f, err)
	}
}

// golden compares v, as indented JSON, with testdata/<name>.json;
// DRORCH_UPDATE_GOLDEN=1 rewrites the file instead.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name+".json")
	if os.Getenv("DRORCH_UPDATE_GOLDEN") == "1" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with DRORCH_UPDATE_GOLDEN=1 to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from %s:\n got: %s\nwant: %s", name, path, got, want)
	}
}
