package clock

import (
	"context"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

func fired(ch <-chan time.Time) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestFakeFiresTimersWhenTimeReachesThem(t *testing.T) {
	t.Parallel()
	f := NewFake(t0)
	a, b := f.After(10*time.Second), f.After(time.Minute)
	if f.Waiters() != 2 {
		t.Fatalf("%d waiters, want 2", f.Waiters())
	}
	f.Advance(9 * time.Second)
	if fired(a) || fired(b) {
		t.Fatal("fired early")
	}
	f.Advance(time.Second)
	if !fired(a) || fired(b) {
		t.Fatal("want only the 10 s timer")
	}
	f.Advance(time.Hour)
	if !fired(b) || f.Waiters() != 0 {
		t.Fatal("the minute timer should have fired")
	}
	if !f.Now().Equal(t0.Add(time.Hour + 10*time.Second)) {
		t.Errorf("now = %v", f.Now())
	}
	if !fired(f.After(0)) {
		t.Error("a zero wait fires at once")
	}
}

func TestAutoAdvancesOnEveryWait(t *testing.T) {
	t.Parallel()
	f := NewAuto(t0)
	if err := Sleep(context.Background(), f, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := f.Now().Sub(t0); got != 90*time.Second {
		t.Errorf("slept %v of virtual time, want 90s", got)
	}
}

func TestSleepStopsWithItsContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, NewFake(t0), time.Hour); err != context.Canceled {
		t.Errorf("Sleep = %v, want context.Canceled", err)
	}
}
