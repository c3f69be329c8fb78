// Package sim is drorch's simulated AWS: one HTTP endpoint that speaks the
// Query and JSON protocols of RDS (and DocumentDB), ElastiCache,
// CloudFormation, SNS, STS, SSM and DynamoDB, CloudWatch's RPC v2 CBOR and
// JSON 1.0 (replication-lag metrics, lag.go) and IAM's
// SimulatePrincipalPolicy (iam.go) well enough for unmodified clients
// (aws-sdk-go-v2, the AWS CLI, boto3) to fail databases over on it, to check
// beforehand whether they could, and to hold drorch's shared lock.
//
// Region and service come from each request's SigV4 credential scope
// (signatures are not checked). Operations take time on a virtual clock and
// pass through the statuses AWS shows; faults (region outage, throttling,
// 5xx, an operation that fails half-way, replication lag) are scripted per region and
// service; scenarios (YAML or JSON, or built in Go) give the starting world.
//
// Use it in-process:
//
//	s, err := sim.New(sim.Config{Clock: clock.NewFake(t0)}) // seed scenario
//	srv := httptest.NewServer(s)
//	t.Cleanup(srv.Close)
//	t.Cleanup(s.Close) // runs first: releases requests held by a hang outage
//	// point aws-sdk-go-v2 clients at srv.URL (BaseEndpoint), one per region
//	s.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: "us-east-1"})
//	fake.Advance(time.Minute) // virtual time moves with the injected clock
//
// or over the network with Serve / ListenAndServe and the admin API under
// /_sim/ (see Client).
//
// Where AWS behaves otherwise than a naive simulator would, the simulator
// follows the AWS documentation, cited at each place in the code:
// RemoveFromGlobalCluster is asynchronous (Durations.DetachDelay); an
// ElastiCache promotion is allowed while the datastore is modifying;
// encryption, KMS key, backup and one-member-per-Region preconditions are
// enforced with AWS's codes; a cluster deleted with a final snapshot stays
// available while it is taken; global operations are accepted only in the
// Region AWS documents (docs/aws-global-operations.md). Every answer,
// success or error, is checked against botocore's service models by
// TestAnswersMatchTheModels.
//
// A note for aws-sdk-go-v2 clients of a loopback simulator: smithy-go closes
// the request body it gave net/http as soon as the answer's headers arrive,
// while the transport may still be reading that body to check for bytes
// beyond Content-Length; when it loses that race it closes the connection in
// the middle of a large answer ("deserialization failed ... use of closed
// network connection"). Real AWS is too far away for the race to show. A
// RoundTripper that hands the transport a buffered copy of the body avoids
// it (see bufferedBodies in this package's tests).
package sim

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"drorch/internal/clock"
)

// Config sets up a simulator. The zero value is usable: the seed scenario,
// real time, speed 1, seed 1, no logging.
type Config struct {
	// Scenario is the starting world (nil: the built-in seed scenario).
	Scenario *Scenario
	// Speed scales virtual time: at 60, a 60 s switchover takes one real
	// second (default 1).
	Speed float64
	// Clock drives virtual time (default the wall clock). Tests inject
	// clock.NewFake and Advance it: no real sleeping.
	Clock clock.Clock
	// Seed makes fault rates and generated ids repeatable (default 1).
	Seed uint64
	// Logger receives one debug line per API call (default: discard). It
	// never sees parameter values.
	Logger *slog.Logger
	// Server bounds the HTTP server of Serve and ListenAndServe (timeouts,
	// concurrent connections); zero fields take DefaultServerSettings.
	Server ServerSettings
}

// Sim is a running simulated AWS. It is an http.Handler: mount it on any
// server, or use Serve / ListenAndServe. All methods are safe for
// concurrent use.
type Sim struct {
	clock     clock.Clock
	speed     float64
	seed      uint64
	realStart time.Time
	start     time.Time
	log       *slog.Logger
	admin     http.Handler
	services  map[string]*service // by SigV4 signing name; read-only
	server    ServerSettings
	reqSeq    atomic.Uint64

	mu       sync.Mutex
	w        *world
	offset   time.Duration // added by Advance
	faults   []Fault
	faultSeq int
	// faultsChanged is closed and replaced whenever faults change, waking
	// requests held by a hang outage.
	faultsChanged chan struct{}
	rng           *rand.Rand
	held          int // requests held by a hang outage
	calls         map[CallKey]int
	perSecond     map[int64]map[serviceRegion]int // calls per second of virtual time
	seconds       []int64                         // perSecond's keys, oldest first
	mutating      []MutatingCall                  // the newest MaxMutatingLog, a ring from mutatingHead
	mutatingHead  int
	mutatingSeq   int

	closeOnce sync.Once
	closed    chan struct{}
}

// New builds a simulator from cfg.
func New(cfg Config) (*Sim, error) {
	if cfg.Scenario == nil {
		cfg.Scenario = SeedScenario()
	}
	if cfg.Speed == 0 {
		cfg.Speed = 1
	}
	if cfg.Speed < 0 {
		return nil, fmt.Errorf("new simulator: speed %v must be positive", cfg.Speed)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	realStart := cfg.Clock.Now()
	start := cfg.Scenario.Start
	if start.IsZero() {
		start = realStart
	}
	start = start.UTC().Truncate(time.Millisecond)
	w, err := newWorld(cfg.Scenario, start)
	if err != nil {
		return nil, fmt.Errorf("new simulator: %w", err)
	}
	w.lag = newLagModel(cfg.Seed)
	w.observeLagAt(time.Time{})
	if w.iam, err = newIAMState(cfg.Scenario, w.account); err != nil {
		return nil, fmt.Errorf("new simulator: %w", err)
	}
	s := &Sim{
		clock: cfg.Clock, speed: cfg.Speed, seed: cfg.Seed, realStart: realStart, start: start, log: cfg.Logger,
		w: w, faultsChanged: make(chan struct{}), rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		calls: map[CallKey]int{}, closed: make(chan struct{}),
	}
	s.server = cfg.Server.WithDefaults()
	s.admin = s.adminMux()
	s.services = simulated
	return s, nil
}

// Now returns the simulator's virtual time:
// start + (clock now - real start) * speed + whatever Advance added.
func (s *Sim) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.virtualNow()
}

func (s *Sim) virtualNow() time.Time {
	elapsed := s.clock.Now().Sub(s.realStart)
	return s.start.Add(s.offset + time.Duration(float64(elapsed)*s.speed))
}

// sync advances the world to virtual now; callers hold s.mu.
func (s *Sim) sync() time.Time {
	now := s.virtualNow()
	s.w.advance(now)
	return now
}

// Advance moves virtual time forward by d on top of the clock (a drill can
// skip the wait for a long operation). Tests with a fake clock should
// advance the clock instead.
func (s *Sim) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
	s.sync()
}

// Ops returns the operation log at virtual now.
func (s *Sim) Ops() []Op {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	return s.w.opLog()
}

// Messages returns the SNS messages published so far.
func (s *Sim) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.w.keptMessages()))
	copy(out, s.w.keptMessages())
	return out
}

// Held reports how many requests a hang outage is holding right now (a
// test can wait for its client's call to be held before acting).
func (s *Sim) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// DefaultRegion is the region the scenario suggests clients use.
func (s *Sim) DefaultRegion() string { return s.w.defaultRegion }

// Close releases every request held by a hang outage; later requests that
// would hang are dropped at once. Close does not stop a listener (Serve's
// context does).
func (s *Sim) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
}
