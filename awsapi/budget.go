package awsapi

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/smithy-go/middleware"

	"drorch/internal/clock"
)

// DefaultAPIRate is the requests per second drorch allows itself per
// service and region when Config.APIRate is zero. Every request counts:
// reads and writes, planning and running, and each retry of a read.
//
// AWS throttles each account per region, whoever calls:
//   - RDS (and Aurora, the same API): a token bucket of 300 requests of
//     burst refilled at 12 requests per second, shared by every caller of
//     the account in the region
//     (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-api-throttling.html).
//     4 req/s leaves two thirds of it to the account's other callers
//     (consoles, monitoring, the applications' own automation) during an
//     outage, when they need it most.
//   - ElastiCache, CloudFormation (ListExports), SSM (GetParameter), STS,
//     SNS, CloudWatch (GetMetricData) and IAM (SimulatePrincipalPolicy):
//     AWS documents no lower rate than RDS's for the calls drorch makes
//     (SSM's GetParameter allows 40 per second, CloudWatch's GetMetricData
//     50), and drorch makes few of them outside ElastiCache's polling; the
//     same 4 req/s applies.
const DefaultAPIRate = 4.0

// BurstSeconds is the budget's burst, in seconds of its rate: at 4 req/s a
// bucket of 100 requests, a third of RDS's 300 as the rate is a third of
// its 12. A layer's calls (one per resource) start at once from it.
const BurstSeconds = 25

// budget is the client-side request budget: one token bucket per service
// and region, shared by every view of a Clients. Each request takes a token
// before it is sent; when the bucket is empty the request waits (on the
// budget's clock) for the refill. Reads leave three quarters of the bucket
// to writes (waiting up to maxDefer for it), so that polling does not delay
// the calls that start the next operations: a layer of 75 resources starts
// at once at the default rate, however busy the polling of the last one.
type budget struct {
	clock   clock.Clock
	rate    float64 // tokens per second; <= 0: no budget
	burst   float64
	reserve float64 // tokens reads leave in the bucket for writes

	mu      sync.Mutex
	buckets map[clientKey]*bucket
}

func newBudget(c clock.Clock, rate float64) *budget {
	return &budget{clock: c, rate: rate, burst: rate * BurstSeconds, reserve: rate * BurstSeconds * 3 / 4, buckets: map[clientKey]*bucket{}}
}

// bucket is one (service, region)'s token bucket. tokens may go below zero:
// a request that reserved a token it must wait for owes it.
type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// take waits until a request of service in region may be sent.
func (b *budget) take(ctx context.Context, service, region string, write bool) error {
	if b == nil || b.rate <= 0 {
		return nil
	}
	b.mu.Lock()
	bk, ok := b.buckets[clientKey{service, region}]
	if !ok {
		bk = &bucket{tokens: b.burst, last: b.clock.Now()}
		b.buckets[clientKey{service, region}] = bk
	}
	b.mu.Unlock()
	return clock.Sleep(ctx, b.clock, bk.reserve(b.clock.Now(), b.rate, b.burst, b.floor(write)))
}

// floor is how many tokens must be in the bucket for a request to go at
// once: one, plus the writes' reserve for a read.
func (b *budget) floor(write bool) float64 {
	if write {
		return 1
	}
	return 1 + b.reserve
}

// maxDefer is the longest a read gives way to the writes' reserve: after
// a layer's writes have emptied the bucket, polling resumes as soon as
// there is a token and at most this much later, not once the reserve has
// filled again.
const maxDefer = time.Second

// reserve takes a token at now and returns how long the request must wait
// for it: until the bucket, refilled at rate up to burst and net of the
// tokens reserved before, holds a token, or floor if that comes at most
// maxDefer later.
func (bk *bucket) reserve(now time.Time, rate, burst, floor float64) time.Duration {
	bk.mu.Lock()
	defer bk.mu.Unlock()
	if now.After(bk.last) {
		bk.tokens = min(burst, bk.tokens+rate*now.Sub(bk.last).Seconds())
		bk.last = now
	}
	until := func(level float64) time.Duration {
		if bk.tokens >= level {
			return 0
		}
		return time.Duration((level - bk.tokens) / rate * float64(time.Second))
	}
	wait := until(1)
	if f := until(floor); f > wait {
		wait = min(f, wait+maxDefer)
	}
	bk.tokens--
	return wait
}

// isWrite reports whether an action changes AWS (anything but Describe*,
// List* and Get*).
func isWrite(action string) bool {
	for _, p := range []string{"Describe", "List", "Get"} {
		if strings.HasPrefix(action, p) {
			return false
		}
	}
	return true
}

// paid marks a call whose first request already took its token (in
// Clients.call, before the call's timeout starts, so that waiting for the
// budget never counts against it); the SDK's retries take their own.
type paid struct{ used atomic.Bool }

type paidKey struct{}

func withPaid(ctx context.Context) context.Context {
	return context.WithValue(ctx, paidKey{}, &paid{})
}

// middleware takes a token for every request the SDK sends for service in
// region, retries included, after the retry loop and before signing.
func (b *budget) middleware(service, region string) func(*middleware.Stack) error {
	mw := middleware.FinalizeMiddlewareFunc("drorchBudget",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if p, ok := ctx.Value(paidKey{}).(*paid); ok && p.used.CompareAndSwap(false, true) {
				return next.HandleFinalize(ctx, in)
			}
			if err := b.take(ctx, service, region, isWrite(middleware.GetOperationName(ctx))); err != nil {
				return middleware.FinalizeOutput{}, middleware.Metadata{}, err
			}
			return next.HandleFinalize(ctx, in)
		})
	return func(s *middleware.Stack) error {
		// Right after the retry loop, so before the request is signed:
		// a request that waited is signed when it leaves.
		if err := s.Finalize.Insert(mw, "Retry", middleware.After); err == nil {
			return nil
		}
		return s.Finalize.Add(mw, middleware.After)
	}
}
