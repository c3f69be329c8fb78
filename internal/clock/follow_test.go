package clock

import (
	"testing"
	"time"
)

func TestFollowerFollowsTheEndpoint(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	base := NewFake(start)
	f := Follow(base)
	if !f.Now().Equal(start) || f.Following() {
		t.Fatalf("before any sighting: %s (following %v), want the base clock's %s", f.Now(), f.Following(), start)
	}
	remote := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Observe(remote, 60)
	base.Advance(time.Second)
	if got, want := f.Now(), remote.Add(time.Minute); !got.Equal(want) {
		t.Errorf("one base second at 60x: %s, want %s", got, want)
	}
	// An older sighting (answers out of order) never moves the clock back.
	f.Observe(remote, 0)
	if got, want := f.Now(), remote.Add(time.Minute); !got.Equal(want) {
		t.Errorf("after an older sighting: %s, want %s", got, want)
	}
	// A newer one (the endpoint jumped ahead) is taken.
	jump := remote.Add(time.Hour)
	f.Observe(jump, 0)
	if !f.Now().Equal(jump) {
		t.Errorf("after a jump: %s, want %s", f.Now(), jump)
	}
	// A new rate applies from now on.
	f.Observe(jump, 2)
	base.Advance(time.Second)
	if got, want := f.Now(), jump.Add(2*time.Second); !got.Equal(want) {
		t.Errorf("one base second at 2x: %s, want %s", got, want)
	}
}

func TestFollowerTimersWaitEndpointTime(t *testing.T) {
	t.Parallel()
	base := NewFake(time.Unix(0, 0))
	f := Follow(base)
	f.Observe(time.Unix(1000, 0), 60)
	ch := f.After(time.Minute)
	if base.Waiters() != 1 {
		t.Fatalf("After set %d base timers, want 1", base.Waiters())
	}
	base.Advance(999 * time.Millisecond)
	select {
	case <-ch:
		t.Fatal("fired before one base second (60 endpoint seconds)")
	case <-time.After(20 * time.Millisecond):
	}
	base.Advance(time.Millisecond)
	select {
	case got := <-ch:
		if want := time.Unix(1060, 0); !got.Equal(want) {
			t.Errorf("fired at %s, want %s", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not fire after one base second")
	}
}
