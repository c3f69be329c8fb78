// Package awsapi is drorch's AWS adapter: aws-sdk-go-v2 clients per region
// behind the narrow interfaces of package cloud (and the lookups of package
// ref), with every AWS failure classified as a *cloud.APIError.
//
// Reads are retried inside the SDK (throttling, 5xx, dropped connections);
// mutating calls are made exactly once, because a write whose outcome is
// unknown must be judged by re-reading state, never repeated blindly. Every
// call runs under its own timeout.
package awsapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"

	"drorch/cloud"
	"drorch/internal/clock"
)

// Defaults for the zero values of Config.
const (
	DefaultCallTimeout  = 30 * time.Second
	DefaultReadAttempts = 5
	DefaultMaxBackoff   = 20 * time.Second
	// DefaultBusyReadAttempts is high because a plan gives up on a read that
	// fails every attempt: with 30% of calls throttled and 5% answered with
	// a 5xx, five attempts lose about one read in 240 (a plan of a dozen
	// reads blocked, wrongly, one time in twenty), ten about one in 55,000.
	DefaultBusyReadAttempts = 10
)

// ErrNoRegion is returned by New when neither Config.Region nor the standard
// chain (AWS_REGION, AWS_DEFAULT_REGION, the profile) names a region.
var ErrNoRegion = errors.New("no region: pass --region or set AWS_REGION")

// Config says how to reach AWS. Zero values take the documented defaults.
type Config struct {
	// Region is the home region (default: the standard chain). Every call
	// still names its own region; this one is where drorch runs.
	Region string
	// Profile is the shared-config profile (default: AWS_PROFILE or "default").
	Profile string
	// EndpointURL sends every call of every service and region to one
	// endpoint (e.g. drorch sim). Empty: the SDK's own AWS_ENDPOINT_URL and
	// AWS_ENDPOINT_URL_<SERVICE> handling applies.
	EndpointURL string
	// CallTimeout bounds each API call, retries included (default 30s).
	CallTimeout time.Duration
	// ReadAttempts is how many times a read is tried before its error is
	// returned (default 5). Mutating calls are always tried once.
	ReadAttempts int
	// BusyReadAttempts is how many times a read is tried while AWS answers
	// it with throttling or a server error (default 10, never fewer than
	// ReadAttempts): AWS asks clients to back off, not to give up, and a
	// busy API must not look unreachable. A read that gets no answer at all
	// is given up after ReadAttempts; CallTimeout bounds each read.
	BusyReadAttempts int
	// MaxBackoff caps the SDK's delay between read attempts (default 20s).
	MaxBackoff time.Duration
	// MaxResponseBytes bounds the body read of one answer (default
	// MaxResponseBytes, 32 MiB).
	MaxResponseBytes int64
	// HTTPClient replaces the SDK's HTTP client (optional). It is used as
	// given: AWS_CA_BUNDLE applies only to the SDK's own client.
	HTTPClient *http.Client
	// Credentials replaces the standard credential chain (optional; the
	// simulator and tests pass static dummy credentials).
	Credentials aws.CredentialsProvider
	// Log receives the SDK's own log (observe.go): nil discards it, so that
	// no SDK warning reaches an operator's terminal or a script's stderr
	// unasked. LogMode says what the SDK logs there (drorch --debug).
	Log     logging.Logger
	LogMode aws.ClientLogMode
	// ObserveHeaders, when set, is given the headers of every HTTP answer
	// (drorch reads the simulator's virtual time from them).
	ObserveHeaders func(http.Header)
	// OnCall, if set, is told of every API call once it returned (after
	// the SDK's retries): metrics count AWS calls with it. It must not
	// block.
	OnCall func(CallInfo)
	// APIRate is the request budget: the requests per second drorch sends
	// to each service in each region, reads and writes, retries included
	// (default DefaultAPIRate; negative: no budget). Requests beyond it
	// wait; the wait does not count against CallTimeout.
	APIRate float64
	// Clock times the budget's waits (default: the wall clock). A client
	// of an endpoint that keeps its own time passes that time (drorch
	// passes the simulator's), so that the budget holds per second of it.
	Clock clock.Clock
}

// CallInfo is one API call as Config.OnCall sees it.
type CallInfo struct {
	Service, Action, Region string
	Duration                time.Duration
	// Err is nil, or the call's error, a *cloud.APIError (cloud.KindOf).
	Err error
}

func (c Config) withDefaults() Config {
	if c.CallTimeout <= 0 {
		c.CallTimeout = DefaultCallTimeout
	}
	if c.ReadAttempts <= 0 {
		c.ReadAttempts = DefaultReadAttempts
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = MaxResponseBytes
	}
	if c.BusyReadAttempts <= 0 {
		c.BusyReadAttempts = DefaultBusyReadAttempts
	}
	c.BusyReadAttempts = max(c.BusyReadAttempts, c.ReadAttempts)
	if c.APIRate == 0 {
		c.APIRate = DefaultAPIRate
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	return c
}

// Clients hands out one SDK client per (service, region), created on first
// use and cached; it is safe for concurrent use. The adapters drorch's core
// uses are views of it, one per interface: Reads (cloud.Reader and
// cloud.BatchReader), Calls (cloud.Executor), Identity (cloud.Identity),
// Refs (ref's lookups) and Notifier (SNS).
type Clients struct {
	conf Config
	base aws.Config

	mu      sync.Mutex
	clients map[clientKey]any

	// acctLock (capacity 1) is held while the caller is looked up, so
	// that concurrent callers make one STS call yet can still give up.
	acctLock chan struct{}
	caller   cloud.Caller // the caller, once known; under acctLock

	lists  listing
	budget *budget
}

type clientKey struct{ service, region string }

// New loads the AWS configuration (profile, region, credentials, endpoint)
// and returns the client set. It makes no network call.
func New(ctx context.Context, conf Config) (*Clients, error) {
	conf = conf.withDefaults()
	opts := []func(*config.LoadOptions) error{
		config.WithAPIOptions([]func(*middleware.Stack) error{limitBody(conf.MaxResponseBytes), plainRequestBody}),
		config.WithRetryer(func() aws.Retryer {
			std := retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = conf.BusyReadAttempts
				o.MaxBackoff = conf.MaxBackoff
				// drorch's engine does its own capped backoff; a client-side
				// retry quota would only turn a throttling burst into
				// immediate failures of unrelated reads.
				o.RateLimiter = ratelimit.None
			})
			return patient{RetryerV2: std, attempts: conf.ReadAttempts}
		}),
	}
	if conf.Region != "" {
		opts = append(opts, config.WithRegion(conf.Region))
	}
	if conf.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(conf.Profile))
	}
	if conf.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(conf.Credentials))
	}
	opts = append(opts, sdkLog(conf)...)
	base, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load aws config: %w", err)
	}
	if base.Region == "" {
		return nil, ErrNoRegion
	}
	if conf.HTTPClient != nil {
		// Set after loading: the loader would try to add AWS_CA_BUNDLE to a
		// client it cannot change and fail. The caller owns this client's TLS.
		base.HTTPClient = conf.HTTPClient
	}
	// Config.ReadAttempts decides how often reads are tried; left set,
	// AWS_MAX_ATTEMPTS or AWS_RETRY_MODE would quietly override it.
	base.RetryMaxAttempts = 0
	base.RetryMode = ""
	if conf.ObserveHeaders != nil {
		base.APIOptions = append(base.APIOptions, observeHeaders(conf.ObserveHeaders))
	}
	return &Clients{conf: conf, base: base, clients: map[clientKey]any{}, acctLock: make(chan struct{}, 1),
		budget: newBudget(conf.Clock, conf.APIRate)}, nil
}

// Region is the home region: Config.Region or the chain's default.
func (c *Clients) Region() string { return c.base.Region }

// clientFor returns the cached client of service in region, creating it with
// mk on first use. mk gets a copy of the base config signing for region.
func clientFor[T any](c *Clients, service, region string, mk func(aws.Config) T) T {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := clientKey{service, region}
	if v, ok := c.clients[k]; ok {
		return v.(T)
	}
	cfg := c.base.Copy()
	cfg.Region = region
	if c.budget.rate > 0 {
		cfg.APIOptions = append(cfg.APIOptions, c.budget.middleware(service, region))
	}
	v := mk(cfg)
	c.clients[k] = v
	return v
}

// endpoint overrides a client's BaseEndpoint when Config.EndpointURL is set.
// It runs after the SDK resolved AWS_ENDPOINT_URL[_<SERVICE>], so an
// explicit --endpoint-url wins over the environment.
func (c *Clients) endpoint(base **string) {
	if c.conf.EndpointURL != "" {
		*base = aws.String(c.conf.EndpointURL)
	}
}

// once makes a retryer that tries a call exactly once: the per-operation
// option for every mutating call.
func once(r aws.Retryer) aws.Retryer { return retry.AddWithMaxAttempts(r, 1) }

// op names an API call for its error: the service, the action, the
// resource it acts on or reads ("" when none) and the region.
type op struct{ service, action, resource, region string }

func (o op) String() string {
	s := o.service + " " + o.action
	if o.resource != "" {
		s += " " + o.resource
	}
	return s + " in " + o.region
}

// call takes the call's first token of the request budget, then runs fn
// under the per-call timeout and classifies its error.
func (c *Clients) call(ctx context.Context, o op, fn func(ctx context.Context) error) error {
	if err := c.budget.take(ctx, o.service, o.region, isWrite(o.action)); err != nil {
		return fmt.Errorf("%s: wait for the request budget: %w", o, err)
	}
	cctx, cancel := context.WithTimeout(withPaid(ctx), c.conf.CallTimeout)
	defer cancel()
	start := time.Now()
	err := fn(cctx)
	if err != nil {
		err = classify(ctx, c.conf.CallTimeout, o, err)
	}
	if c.conf.OnCall != nil {
		c.conf.OnCall(CallInfo{Service: o.service, Action: o.action, Region: o.region, Duration: time.Since(start), Err: err})
	}
	return err
}
