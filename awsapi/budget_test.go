package awsapi

import (
	"context"
	"testing"
	"time"

	"drorch/internal/clock"
)

// The budget is a token bucket per service and region: whatever the
// callers do, no window of w seconds holds more than burst + rate*w
// requests, reads leave the writes' reserve in the bucket, and each
// (service, region) has its own bucket.
func TestBudgetNeverExceedsItsTokenBucket(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := clock.NewAuto(start) // each wait moves time on by its length
	const rate = 4.0
	b := newBudget(c, rate)
	ctx := context.Background()
	var sent []time.Time
	// 600 requests back to back, reads and writes mixed, plus 50 to
	// another region that must not draw on us-west-2's bucket.
	for i := range 600 {
		if err := b.take(ctx, "rds", "us-west-2", i%5 == 0); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, c.Now())
		if i < 50 {
			if err := b.take(ctx, "rds", "us-east-1", false); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, w := range []time.Duration{time.Second, 10 * time.Second, time.Minute} {
		most := 0
		for i := range sent {
			n := 0
			for j := i; j < len(sent) && sent[j].Sub(sent[i]) < w; j++ {
				n++
			}
			most = max(most, n)
		}
		if limit := int(b.burst + rate*w.Seconds()); most > limit {
			t.Errorf("%d requests within %s, more than the bucket allows (%d)", most, w, limit)
		}
	}
	// 600 requests, four in five reads, which may use a quarter of the
	// burst of 100: the rest at 4 per second, about 144 s; and not much
	// more than that either.
	if took := sent[len(sent)-1].Sub(start); took < 138*time.Second || took > 148*time.Second {
		t.Errorf("600 requests took %s, want about 144 s at 4 req/s after the burst", took)
	}
}

func TestBudgetKeepsAReserveForWrites(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := clock.NewAuto(start)
	b := newBudget(c, 4)
	ctx := context.Background()
	// Reads drain the bucket down to the reserve (75 of 100) at once.
	for range 25 {
		if err := b.take(ctx, "rds", "us-west-2", false); err != nil {
			t.Fatal(err)
		}
	}
	if !c.Now().Equal(start) {
		t.Fatalf("the first 25 reads waited %s, want none", c.Now().Sub(start))
	}
	if err := b.take(ctx, "rds", "us-west-2", false); err != nil {
		t.Fatal(err)
	}
	if waited := c.Now().Sub(start); waited != 250*time.Millisecond {
		t.Errorf("the 26th read waited %s, want 250 ms (one token at 4 per second)", waited)
	}
	// Writes still find the reserve: 74 of them go at once.
	now := c.Now()
	for range 74 {
		if err := b.take(ctx, "rds", "us-west-2", true); err != nil {
			t.Fatal(err)
		}
	}
	if !c.Now().Equal(now) {
		t.Errorf("writes waited %s with the reserve in the bucket", c.Now().Sub(now))
	}
	// A layer's writes overdraw the bucket by 20 tokens (each waits its
	// turn); the next read waits for its token, and gives way to the
	// reserve's refill for one second more, not the 19 s it takes.
	b = newBudget(clock.NewFake(start), 4)
	bk := &bucket{tokens: -20, last: start}
	if w := bk.reserve(start, 4, b.burst, b.floor(false)); w != 6250*time.Millisecond {
		t.Errorf("a read after an overdraft of 20 waits %s, want 6.25 s (21 tokens at 4/s, plus 1 s for the reserve)", w)
	}
}

func TestBudgetOffOrCancelled(t *testing.T) {
	t.Parallel()
	c := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	off := newBudget(c, -1)
	for range 1000 {
		if err := off.take(context.Background(), "rds", "us-west-2", false); err != nil {
			t.Fatal(err)
		}
	}
	b := newBudget(c, 1)
	for range 13 { // the first read waits past the reserve
		_ = b.take(context.Background(), "rds", "us-west-2", true)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.take(ctx, "rds", "us-west-2", false); err == nil {
		t.Error("a cancelled wait for the budget returned no error")
	}
}
