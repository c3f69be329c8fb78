package engine

import (
	"time"
)

// backoff is a capped exponential schedule with jitter: short first, so that
// the end of a fast operation is seen quickly, then longer, so that a slow one
// costs few describe calls.
type backoff struct {
	first, max time.Duration
	factor     float64
	jitter     float64        // fraction, e.g. 0.2 = ±20%
	rand       func() float64 // [0,1)
	next       time.Duration
}

func newBackoff(s Settings, rnd func() float64) *backoff {
	b := &backoff{first: s.FirstPoll, max: s.MaxPoll, factor: s.PollFactor, jitter: s.Jitter, rand: rnd}
	b.reset()
	return b
}

// reset starts the schedule again (after a call is issued).
func (b *backoff) reset() { b.next = b.first }

// delay returns the next wait and advances the schedule.
func (b *backoff) delay() time.Duration {
	d := b.next
	b.next = time.Duration(float64(b.next) * b.factor)
	if b.next > b.max {
		b.next = b.max
	}
	if b.jitter > 0 && b.rand != nil {
		d = time.Duration(float64(d) * (1 - b.jitter + 2*b.jitter*b.rand()))
	}
	if d < time.Millisecond {
		d = time.Millisecond
	}
	return d
}
