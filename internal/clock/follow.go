package clock

import (
	"sync"
	"time"
)

// Follower is a clock that follows another one it hears of now and then:
// an endpoint that says its time (and how fast it runs) in its answers,
// such as drorch's simulator. Between two sightings it runs on from the
// last one at the endpoint's rate, on base; before the first it is base
// itself. Timers wait the endpoint's durations: After(60s) on an endpoint
// running at 60x fires after one second of base time.
//
// A run timed on it measures the endpoint's time: a switchover the
// simulator takes 60 virtual seconds over reads 60s at any --speed.
type Follower struct {
	base Clock

	mu   sync.Mutex
	seen bool
	at   time.Time // base time of the last sighting
	them time.Time // the endpoint's time then
	rate float64   // endpoint seconds per base second
}

// Follow returns a Follower on base that follows nothing yet.
func Follow(base Clock) *Follower { return &Follower{base: base, rate: 1} }

// Observe records that the endpoint's time is t and that it runs rate
// times as fast as base (rate <= 0 keeps the last rate). The clock never
// goes back: a sighting older than what it already shows (answers arrive
// out of order) moves the rate only.
func (f *Follower) Observe(t time.Time, rate float64) {
	now := f.base.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if rate > 0 {
		if f.seen {
			// Re-anchor first so that a new rate applies from now on.
			f.them, f.at = f.nowLocked(now), now
		}
		f.rate = rate
	}
	if !f.seen || t.After(f.nowLocked(now)) {
		f.them, f.at = t, now
	}
	f.seen = true
}

// Following reports whether the clock has seen the endpoint's time.
func (f *Follower) Following() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen
}

// Rate is the endpoint's seconds per base second (1 until told).
func (f *Follower) Rate() float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rate
}

// Now is the endpoint's time as last seen, run on at its rate.
func (f *Follower) Now() time.Time {
	now := f.base.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nowLocked(now)
}

func (f *Follower) nowLocked(now time.Time) time.Time {
	if !f.seen {
		return now
	}
	return f.them.Add(time.Duration(float64(now.Sub(f.at)) * f.rate))
}

// After fires once d of the endpoint's time has passed.
func (f *Follower) After(d time.Duration) <-chan time.Time {
	rate := f.Rate()
	ch := make(chan time.Time, 1)
	base := f.base.After(time.Duration(float64(d) / rate))
	go func() {
		<-base
		ch <- f.Now()
	}()
	return ch
}
