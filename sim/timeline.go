package sim

import (
	"fmt"
	"slices"
	"time"
)

// Op is one entry of the operation log: a mutating call that takes virtual
// time. End is zero while it runs. drorch's benchmarks compare End with the
// moment drorch noticed the operation had finished.
type Op struct {
	ID     string    `json:"id"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Region string    `json:"region"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end,omitzero"`
	// Outcome is running, succeeded, rolled-back (a halfway fault) or failed.
	Outcome string `json:"outcome"`
	// Frozen is true while a region the operation needs is down.
	Frozen bool `json:"frozen,omitempty"`
}

// Outcomes of an operation.
const (
	outcomeRunning    = "running"
	outcomeSucceeded  = "succeeded"
	outcomeRolledBack = "rolled-back"
	outcomeFailed     = "failed"
)

// operation is an Op with its timeline: steps at offsets from Start,
// applied lazily when virtual time passes them. While a region in regions
// is down the operation is frozen; the time spent frozen shifts every
// remaining step.
type operation struct {
	Op
	regions     []string
	steps       []step
	next        int
	frozenSince time.Time
	shift       time.Duration
	// internal operations (resync, a source forgetting a replica) are the
	// world's own follow-ups and stay out of the operation log.
	internal bool
}

type step struct {
	at time.Duration
	fn func()
}

// due is the virtual time of the operation's next step.
func (o *operation) due() time.Time { return o.Start.Add(o.shift + o.steps[o.next].at) }

// then adds a step at offset at, after any step already due at or before it.
func (o *operation) then(at time.Duration, fn func()) *operation {
	i := len(o.steps)
	for i > o.next && o.steps[i-1].at > at {
		i--
	}
	o.steps = slices.Insert(o.steps, i, step{at: at, fn: fn})
	return o
}

// startOp begins an operation at the world's current virtual time. Its steps
// are added by the caller; the last one should call finish.
func (w *world) startOp(action, target, region string, regions ...string) *operation {
	o := &operation{
		Op:      Op{ID: fmt.Sprintf("op-%04d", w.opSeq+1), Action: action, Target: target, Region: region, Start: w.now, Outcome: outcomeRunning},
		regions: regions,
	}
	if w.anyDown(regions) {
		o.Frozen, o.frozenSince = true, w.now
	}
	w.opSeq++
	w.trimOps()
	w.ops = append(w.ops, o)
	w.active = append(w.active, o)
	return o
}

// operate starts the call's operation on target, needing regions: done
// lands at the end (after d). When a halfway fault takes the call, rollback
// lands half-way instead and the operation ends as rollbackOutcome. The
// caller adds intermediate steps to the returned operation; halfway tells
// which way it will end.
func (c *call) operate(target string, d time.Duration, regions []string, done, rollback func(), rollbackOutcome string) (op *operation, halfway bool) {
	w := c.w
	op = w.startOp(c.action, target, c.region, regions...)
	if c.takeHalfway() {
		op.then(d/2, func() { rollback(); w.finish(op, rollbackOutcome) })
		return op, true
	}
	op.then(d, func() { done(); w.finish(op, outcomeSucceeded) })
	return op, false
}

// followUp schedules an internal step after d of unfrozen time in region.
func (w *world) followUp(action, target, region string, d time.Duration, fn func()) {
	o := w.startOp(action, target, region, region)
	o.internal = true
	o.then(d, func() { fn(); w.finish(o, outcomeSucceeded) })
}

func (w *world) finish(o *operation, outcome string) {
	o.End = w.now
	o.Outcome = outcome
}

func (w *world) anyDown(regions []string) bool {
	for _, r := range regions {
		if w.down[r] {
			return true
		}
	}
	return false
}

// advance applies, in time order, every step due at or before now. Each
// step runs with the world's clock set to its own due time, so that what it
// records (ends, timestamps) is exact however late the world is advanced.
func (w *world) advance(now time.Time) {
	w.observeLag() // changes made by calls since the last advance
	for {
		var best *operation
		var bestAt time.Time
		for _, o := range w.active {
			if o.Frozen || o.next >= len(o.steps) {
				continue
			}
			if at := o.due(); !at.After(now) && (best == nil || at.Before(bestAt)) {
				best, bestAt = o, at
			}
		}
		if best == nil {
			break
		}
		if bestAt.After(w.now) {
			w.now = bestAt
		}
		s := best.steps[best.next]
		best.next++
		s.fn()
		w.observeLag()
		if best.next >= len(best.steps) {
			w.active = slices.DeleteFunc(w.active, func(o *operation) bool { return o == best })
		}
	}
	if now.After(w.now) {
		w.now = now
	}
}

// setDown marks region down or back up. Operations that need a down region
// freeze; when every region they need is back they resume, shifted by the
// time they spent frozen.
func (w *world) setDown(region string, down bool) {
	if w.down[region] == down {
		return
	}
	if down {
		w.down[region] = true
	} else {
		delete(w.down, region)
	}
	for _, o := range w.active {
		switch {
		case !o.Frozen && w.anyDown(o.regions):
			o.Frozen, o.frozenSince = true, w.now
		case o.Frozen && !w.anyDown(o.regions):
			o.Frozen = false
			o.shift += w.now.Sub(o.frozenSince)
		}
	}
}

// opLog returns copies of the non-internal operations.
func (w *world) opLog() []Op {
	out := make([]Op, 0, len(w.ops))
	for _, o := range w.ops {
		if !o.internal {
			out = append(out, o.Op)
		}
	}
	return out
}
