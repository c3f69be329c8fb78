package engine

import (
	"testing"
	"time"
)

func TestBackoffSchedule(t *testing.T) {
	t.Parallel()
	s := Settings{FirstPoll: time.Second, MaxPoll: 5 * time.Second, SlowPoll: 30 * time.Second, PollFactor: 2, Jitter: -1}.WithDefaults()
	cases := []struct {
		name   string
		waited []time.Duration // before each delay
		want   []time.Duration
	}{
		{"short operation: doubling, capped at MaxPoll",
			[]time.Duration{0, 1, 3, 7, 12, 17}, []time.Duration{1, 2, 4, 5, 5, 5}},
		{"long operation: a twentieth of the wait, capped at SlowPoll",
			[]time.Duration{0, 1, 3, 7, 200, 400, 1000}, []time.Duration{1, 2, 4, 5, 10, 20, 30}},
	}
	for _, tc := range cases {
		b := newBackoff(s, nil)
		for i, w := range tc.waited {
			// A step's wait only moves as far as the next delay lets it,
			// so feed the limit the same way: from the previous call.
			if got := b.delay(w * time.Second); got != tc.want[i]*time.Second {
				t.Errorf("%s: delay %d after %ds = %v, want %v", tc.name, i, w, got, tc.want[i]*time.Second)
			}
		}
	}
	b := newBackoff(s, nil)
	b.delay(0)
	b.delay(0)
	b.reset()
	if got := b.delay(0); got != time.Second {
		t.Errorf("after reset the first wait is %v, want 1s", got)
	}
}

func TestBackoffJitterStaysInItsBand(t *testing.T) {
	t.Parallel()
	s := Settings{FirstPoll: 10 * time.Second, Jitter: 0.2}.WithDefaults()
	for _, r := range []float64{0, 0.5, 0.999} {
		b := newBackoff(s, func() float64 { return r })
		if got := b.delay(0); got < 8*time.Second || got > 12*time.Second {
			t.Errorf("rand %v: %v outside 10s ±20%%", r, got)
		}
	}
}
