package engine

import (
	"context"
	"testing"
	"time"

	"drorch/cloud"
	"drorch/internal/clock"
)

// TestRoundsShareOneRead: polls that fall due within each other's slack are
// served by one round, with one batched call per kind and region.
func TestRoundsShareOneRead(t *testing.T) {
	t.Parallel()
	c := clock.NewFake(t0)
	w := newWorld(c)
	for _, id := range []string{"a", "b", "c", "d"} {
		w.addReplica("us-west-2", id)
	}
	w.addReplica("eu-west-1", "e")
	rr := newRounds(c, w, w)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	type got struct {
		id   string
		snap *snapshot
	}
	out := make(chan got, 5)
	waitFor := func(id, region string, due time.Duration, slack time.Duration) {
		go func() {
			s, err := rr.wait(ctx, t0.Add(due), slack, []cloud.Key{cloud.DBInstances.Key(region, id)})
			if err != nil {
				t.Error(err)
			}
			out <- got{id, s}
		}()
	}
	waitFor("a", "us-west-2", 10*time.Second, 2*time.Second)
	waitFor("b", "us-west-2", 11*time.Second, 2*time.Second)
	waitFor("c", "us-west-2", 12*time.Second, 3*time.Second) // earliest 9s: joins the 10s round
	waitFor("e", "eu-west-1", 10*time.Second, 0)
	waitFor("d", "us-west-2", 20*time.Second, 2*time.Second) // too late for the first round
	for {
		rr.mu.Lock()
		n := len(rr.waiters)
		rr.mu.Unlock()
		if n == 5 {
			break
		}
		time.Sleep(time.Millisecond) // goroutines registering; no clock involved
	}
	go rr.run(ctx)
	for c.Waiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	c.Advance(10 * time.Second)
	first := map[string]*snapshot{}
	for range 4 {
		g := <-out
		first[g.id] = g.snap
	}
	if first["a"] != first["b"] || first["a"] != first["c"] || first["a"] != first["e"] {
		t.Fatal("a, b, c and e should share one round")
	}
	if _, batch, _, _ := w.stats(); batch != 2 {
		t.Errorf("%d batch calls for one round over two regions, want 2", batch)
	}
	for c.Waiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	c.Advance(10 * time.Second)
	if g := <-out; g.id != "d" || g.snap == first["a"] {
		t.Errorf("d should get a round of its own, got %s", g.id)
	}
	// A read inside the round of a key nobody watched falls through once.
	r := reader{first["a"]}
	for range 3 {
		if _, err := cloud.DBInstances.Get(ctx, r, "us-west-2", "d"); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, direct, _ := w.stats(); direct != 1 {
		t.Errorf("%d direct reads of an unwatched key in one round, want 1", direct)
	}
}
