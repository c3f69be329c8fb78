package engine

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"drorch/journal"
)

// fakeLocker is a shared lock that records what the engine asks of it.
type fakeLocker struct {
	mu       sync.Mutex
	holder   string // run holding the lock, "" for nobody
	takes    []string
	keys     []string
	renews   int
	released int
	// renewErr fails every Renew after the first n.
	renewErr   error
	renewAfter int
}

var errHeld = errors.New("held by run other (cli, host:9)")

func (l *fakeLocker) Take(_ context.Context, runID string, keys []string) (Held, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.takes = append(l.takes, runID)
	if l.holder != "" && l.holder != runID {
		return nil, errHeld
	}
	l.holder, l.keys = runID, keys
	return l, nil
}

func (l *fakeLocker) Renew(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.renews++
	if l.renewErr != nil && l.renews > l.renewAfter {
		return l.renewErr
	}
	return nil
}

func (l *fakeLocker) Release(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.released++
	l.holder = ""
	return nil
}

func (l *fakeLocker) state() (holder string, takes []string, renews, released int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holder, slices.Clone(l.takes), l.renews, l.released
}

// A run holds the shared lock from before it is created to its end: taken
// with the plan's lock keys, renewed on the heartbeat (the first beat is at
// the start), released at the end.
func TestSharedLockHeldForTheRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	l := &fakeLocker{}
	e := h.engine()
	p := plan([]promoteRes{{region: "us-west-2", id: "a"}})
	st, err := e.Start(context.Background(), "run-1", p, WithLocker(l))
	if err != nil || st.Status != journal.StatusSucceeded {
		t.Fatalf("run: %v %v", st, err)
	}
	holder, takes, renews, released := l.state()
	if holder != "" || !slices.Equal(takes, []string{"run-1"}) || !slices.Equal(l.keys, p.Locks()) || renews == 0 || released != 1 {
		t.Errorf("holder %q, takes %v (keys %v), %d renewals, %d releases", holder, takes, l.keys, renews, released)
	}
}

// A run whose shared lock is held by another run is refused before it is
// created: nothing journaled, no call made, the holder named.
func TestSharedLockRefusesBeforeAnything(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	l := &fakeLocker{holder: "other"}
	_, err := h.engine().Start(context.Background(), "run-1", plan([]promoteRes{{region: "us-west-2", id: "a"}}), WithLocker(l))
	if !errors.Is(err, errHeld) {
		t.Fatalf("err = %v", err)
	}
	if _, rerr := h.store.Run(context.Background(), "run-1"); !errors.Is(rerr, journal.ErrRunNotFound) {
		t.Errorf("the refused run was journaled: %v", rerr)
	}
	if a, _, _, _ := h.world.stats(); a != 0 {
		t.Errorf("%d calls made", a)
	}
}

// A lost lock interrupts the run (resumable, the lock kept for it); a
// resume takes it again as the same run, once it owns the run, and a
// finished run releases it.
func TestSharedLockLostInterruptsAndResumeTakesItBack(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	h.world.set("us-west-2", "a", func(i *inst) { i.stuck = true })
	l := &fakeLocker{renewErr: errors.New("lock: the lease no longer holds 1 of its keys"), renewAfter: 2}
	e := h.engine()
	p := plan([]promoteRes{{region: "us-west-2", id: "a", timeout: 100000 * time.Hour}})
	st, err := e.Start(context.Background(), "run-1", p, WithLocker(l))
	var lost *LockLostError
	if !errors.Is(err, ErrInterrupted) || !errors.As(err, &lost) || st.Status == journal.StatusSucceeded || !st.Interrupted {
		t.Fatalf("run %+v: %v", st, err)
	}
	if holder, _, _, released := l.state(); released != 0 || holder != "run-1" {
		t.Errorf("an interrupted run released its lock (holder %q, %d releases)", holder, released)
	}
	// Another run cannot take it meanwhile.
	if _, err := h.engine().Start(context.Background(), "run-2", plan([]promoteRes{{region: "us-west-2", id: "b"}}), WithLocker(l)); !errors.Is(err, errHeld) {
		t.Errorf("a second run while run-1 is interrupted: %v", err)
	}
	h.world.set("us-west-2", "a", func(i *inst) { i.stuck = false })
	l.mu.Lock()
	l.renewErr = nil
	l.mu.Unlock()
	st, err = h.engine().Resume(context.Background(), "run-1", p, WithLocker(l))
	if err != nil || st.Status != journal.StatusSucceeded {
		t.Fatalf("resume: %v %v", st.Status, err)
	}
	if holder, takes, _, released := l.state(); holder != "" || released != 1 || !slices.Equal(takes, []string{"run-1", "run-2", "run-1"}) {
		t.Errorf("holder %q, takes %v, %d releases", holder, takes, released)
	}
}

// A resume refused by the shared lock changes nothing and leaves the run
// to be resumed later; a resume of a run another process runs never takes
// the lock from it.
func TestSharedLockResumeRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.world.addReplica("us-west-2", "a")
	p := plan([]promoteRes{{region: "us-west-2", id: "a"}})
	crash(t, h, p, false)
	l := &fakeLocker{holder: "other"}
	if _, err := h.engine().Resume(context.Background(), "run-1", p, WithLocker(l)); !errors.Is(err, errHeld) {
		t.Fatalf("resume: %v", err)
	}
	if a, _, _, _ := h.world.stats(); a != 0 {
		t.Errorf("%d calls made", a)
	}
	rec, err := h.store.Run(context.Background(), "run-1")
	if err != nil || rec.Owner != "" {
		t.Errorf("the refused resume kept the run's lease: %+v %v", rec, err)
	}

	ctx := context.Background()
	if err := h.store.Claim(ctx, "run-1", "other-process", h.clock.Now(), time.Hour); err != nil {
		t.Fatal(err)
	}
	_ = h.store.Heartbeat(ctx, "run-1", "other-process", h.clock.Now())
	free := &fakeLocker{}
	if _, err := h.engine().Resume(ctx, "run-1", p, WithLocker(free)); !errors.Is(err, journal.ErrRunActive) {
		t.Fatalf("resume of a live run: %v", err)
	}
	if _, takes, _, _ := free.state(); len(takes) != 0 {
		t.Errorf("a resume of a live run took its lock: %v", takes)
	}
}
