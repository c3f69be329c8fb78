package engine

import (
	"context"
	"errors"
	"fmt"
)

// Locker takes the lock on a run's resources that is kept outside its
// journal: the lock that operators on other machines and Step Functions
// executions share (package lock, over DynamoDB). The journal's own lock
// keeps out only the runs of the same journal.
type Locker interface {
	// Take takes the lock on keys (the plan's lock keys) for runID, all
	// or nothing, without waiting. A run that takes it again with its own
	// id (a resume) gets it back. When another run holds a key, the error
	// names it.
	Take(ctx context.Context, runID string, keys []string) (Held, error)
}

// Held is a taken lock.
type Held interface {
	// Renew is called on every heartbeat of the run. An error means the
	// run may no longer act on its resources (the lease was lost, or could
	// not be renewed before it lapses): the engine interrupts the run.
	Renew(ctx context.Context) error
	// Release gives the lock back.
	Release(ctx context.Context) error
}

// RunOption shapes one Start or Resume.
type RunOption func(*runOptions)

type runOptions struct {
	locker Locker
	held   Held
}

// WithLocker has the run hold l's lock on its resources. Start takes it
// before the run is created, Resume once the run's journal lease is
// claimed: refused, they change nothing and return the error naming the
// holder. The engine renews it on every heartbeat, interrupts the run if it
// is lost, and releases it when the run ends (succeeded, failed or
// cancelled). An interrupted run keeps it: its operations may still be
// under way in AWS and its journal says it will be resumed, so no other
// machine may act on its resources until it is resumed (which takes the
// lock again as the same run), cancelled (which releases it), or nobody
// renews the lease and it lapses.
func WithLocker(l Locker) RunOption { return func(o *runOptions) { o.locker = l } }

func options(opts []RunOption) *runOptions {
	o := &runOptions{}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// LockLostError interrupts a run whose shared lock could not be kept. It
// wraps ErrInterrupted: the run is resumable, and a resume takes the lock
// again or is refused, naming who holds it now.
type LockLostError struct{ Err error }

func (e *LockLostError) Error() string {
	return fmt.Sprintf("interrupted: the run's shared lock was lost (%v); no further call was made", e.Err)
}

// Unwrap makes the error match ErrInterrupted and its cause.
func (e *LockLostError) Unwrap() []error { return []error{ErrInterrupted, e.Err} }

// take takes the lock for runID, if the run has a Locker and does not hold
// it yet.
func (o *runOptions) take(ctx context.Context, runID string, keys []string) error {
	if o.locker == nil || o.held != nil {
		return nil
	}
	h, err := o.locker.Take(ctx, runID, keys)
	if err != nil {
		return fmt.Errorf("take the shared lock of run %s: %w", runID, err)
	}
	o.held = h
	return nil
}

// release gives the lock back at the end of a run, unless it was
// interrupted.
func (o *runOptions) release(ctx context.Context, interrupted bool) error {
	if o.held == nil || interrupted {
		return nil
	}
	h := o.held
	o.held = nil
	if err := h.Release(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("release the shared lock: %w", err)
	}
	return nil
}

// renew renews the lock on a heartbeat, and interrupts the run when it is
// lost.
func (o *runOptions) renew(ctx context.Context, cancel context.CancelCauseFunc) {
	if o.held == nil {
		return
	}
	if err := o.held.Renew(ctx); err != nil && !errors.Is(err, context.Canceled) {
		cancel(&LockLostError{Err: err})
	}
}
