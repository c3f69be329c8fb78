package sim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"drorch/sim"
)

func TestAdminAPI(t *testing.T) {
	t.Parallel()
	h := seedHarness(t)
	ctx := context.Background()
	c := sim.NewClient(h.url + "/")
	now, err := c.Health(ctx)
	if err != nil || !now.Equal(t0) {
		t.Fatalf("health: %v %v", now, err)
	}

	f, err := c.SetFault(ctx, sim.Fault{Kind: sim.FaultThrottle, Region: west, Rate: 0.25})
	if err != nil || f.ID != "f-1" || f.Rate != 0.25 {
		t.Fatalf("set fault: %+v %v", f, err)
	}
	if _, err := c.SetFault(ctx, sim.Fault{Kind: "flood"}); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("bad fault: %v", err)
	}
	if err := c.ClearFault(ctx, "f-9"); err == nil || !strings.Contains(err.Error(), "no such fault") {
		t.Errorf("unknown fault: %v", err)
	}
	// Region outage sugar.
	req, _ := http.NewRequest(http.MethodPost, h.url+"/_sim/regions/us-east-1/outage?mode=hang", nil)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("outage sugar: %v %v", resp, err)
	}
	resp.Body.Close()
	faults, err := c.Faults(ctx)
	if err != nil || len(faults) != 2 || faults[1].Mode != sim.ModeHang || faults[1].Region != east {
		t.Errorf("faults = %+v %v", faults, err)
	}
	st, err := c.State(ctx)
	if err != nil || !st.Regions[0].Down || len(st.Faults) != 2 {
		t.Errorf("state: %+v %v", st.Regions, err)
	}
	req, _ = http.NewRequest(http.MethodDelete, h.url+"/_sim/regions/us-east-1/outage", nil)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("end outage: %v %v", resp, err)
	}
	if err := c.ClearFault(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if faults, _ := c.Faults(ctx); len(faults) != 0 {
		t.Errorf("faults left: %+v", faults)
	}

	// Calls and the operation log.
	if _, err := h.rds(west).PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String("rds-mysql-instance")}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.rds(west).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{}); err != nil {
		t.Fatal(err)
	}
	calls, err := c.Calls(ctx)
	if err != nil || len(calls.Counts) != 2 || len(calls.Mutating) != 1 {
		t.Fatalf("calls = %+v %v", calls, err)
	}
	m := calls.Mutating[0]
	if m.Action != "PromoteReadReplica" || m.Region != west || m.Service != "rds" || m.Status != 200 || m.Target != "rds-mysql-instance" || !m.Time.Equal(t0) {
		t.Errorf("mutating call = %+v", m)
	}
	if err := c.Advance(ctx, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	ops, err := c.Ops(ctx)
	if err != nil || len(ops) != 1 || ops[0].Outcome != "succeeded" || !ops[0].End.Equal(t0.Add(90*time.Second)) || ops[0].Action != "PromoteReadReplica" {
		t.Errorf("ops = %+v %v", ops, err)
	}
	if err := c.ResetCalls(ctx); err != nil {
		t.Fatal(err)
	}
	if calls, _ := c.Calls(ctx); len(calls.Counts) != 0 || len(calls.Mutating) != 0 {
		t.Errorf("calls after reset = %+v", calls)
	}
	if msgs, err := c.Messages(ctx); err != nil || len(msgs) != 0 {
		t.Errorf("messages = %v %v", msgs, err)
	}
	if err := c.ClearFaults(ctx); err != nil {
		t.Error(err)
	}
	resp, err = http.Get(h.url + "/_sim/nothing")
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown admin path: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, err := sim.NewClient("http://127.0.0.1:1").Health(ctx); err == nil {
		t.Errorf("health of nothing succeeded")
	}
}

// Virtual time runs at --speed times the clock.
func TestSpeed(t *testing.T) {
	t.Parallel()
	fake := newFake()
	s, err := sim.New(sim.Config{Clock: fake, Speed: 60})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := s.Now()
	fake.Advance(time.Second)
	if got := s.Now().Sub(start); got != time.Minute {
		t.Errorf("one real second at speed 60 = %v of virtual time", got)
	}
	s.Advance(time.Hour)
	if got := s.Now().Sub(start); got != time.Hour+time.Minute {
		t.Errorf("after Advance: %v", got)
	}
	if _, err := sim.New(sim.Config{Speed: -1}); err == nil {
		t.Errorf("negative speed accepted")
	}
}
