package bench

import (
	"context"
	"sync"
)

// The deployed original's concurrency. Its CloudFormation template gives
// every Lambda `ReservedConcurrentExecutions: 5`, and each layer's
// resources run in an inline Map state, which runs at most 40 iterations
// at once (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-asl-use-map-state-inline.html).
// A Lambda that sleeps 60 s after its call holds one of its 5 slots for
// that minute. An invocation beyond the 5 is modelled as waiting for a free
// slot in turn, which flatters the original: Lambda refuses it
// (TooManyRequestsException) and only a Retry in the state machine would
// try again later.
const (
	origLambdaConcurrency = 5
	origMapConcurrency    = 40
)

// lambdas are the original's Lambda functions, by name, each with its
// reserved concurrency.
type lambdas struct {
	mu    sync.Mutex
	slots map[string]chan struct{}
}

func newLambdas() *lambdas { return &lambdas{slots: map[string]chan struct{}{}} }

// run runs f as one invocation of the Lambda name, once one of its slots
// is free.
func (l *lambdas) run(ctx context.Context, name string, f func() error) error {
	l.mu.Lock()
	ch, ok := l.slots[name]
	if !ok {
		ch = make(chan struct{}, origLambdaConcurrency)
		l.slots[name] = ch
	}
	l.mu.Unlock()
	select {
	case ch <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-ch }()
	return f()
}
