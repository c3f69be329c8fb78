package engine

import (
	"time"
)

// backoff is a capped exponential schedule with jitter: short first, so that
// the end of a fast operation is seen quickly, then longer, so that a slow one
// costs few describe calls.
type backoff struct {
	first, max time.Duration
	// slow is the cap for long waits: after waiting w, looks may be w/20
	// apart (up to slow), so that the end of an operation is seen within
	// about 5% of its duration and a 15-minute create costs a third of the
	// describe calls.
	slow   time.Duration
	factor float64
	jitter float64        // fraction, e.g. 0.2 = ±20%
	rand   func() float64 // [0,1)
	next   time.Duration
}

func newBackoff(s Settings, rnd func() float64) *backoff {
	b := &backoff{first: s.FirstPoll, max: s.MaxPoll, slow: s.SlowPoll, factor: s.PollFactor, jitter: s.Jitter, rand: rnd}
	b.reset()
	return b
}

// reset starts the schedule again (after a call is issued).
func (b *backoff) reset() { b.next = b.first }

// delay returns the next wait and advances the schedule; waited is how long
// the operation has been waited for so far.
func (b *backoff) delay(waited time.Duration) time.Duration {
	d := min(b.next, max(b.max, min(waited/20, b.slow)))
	b.next = time.Duration(float64(d) * b.factor)
	if b.jitter > 0 && b.rand != nil {
		d = time.Duration(float64(d) * (1 - b.jitter + 2*b.jitter*b.rand()))
	}
	if d < time.Millisecond {
		d = time.Millisecond
	}
	return d
}
