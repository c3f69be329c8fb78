package sim

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// CallKey identifies a kind of API call.
type CallKey struct {
	Region  string `json:"region"`
	Service string `json:"service"`
	Action  string `json:"action"`
}

// CallCount is how many times a kind of call reached the simulator
// (including calls answered by a fault).
type CallCount struct {
	CallKey
	Count int `json:"count"`
}

// MutatingCall is one entry of the ordered log of mutating calls (every
// action IsMutating says changes the world).
type MutatingCall struct {
	Seq     int       `json:"seq"`
	Time    time.Time `json:"time"` // virtual
	Region  string    `json:"region"`
	Service string    `json:"service"`
	Action  string    `json:"action"`
	Target  string    `json:"target,omitempty"` // main identifier
	// Status is the HTTP status answered, 0 when an outage dropped the call.
	Status int `json:"status"`
	// Code is the AWS error code ("" on success; RegionOutage:refuse|hang
	// for an outage).
	Code string `json:"code,omitempty"`
}

// CallLog is what GET /_sim/calls returns.
type CallLog struct {
	Counts   []CallCount    `json:"counts"`
	Mutating []MutatingCall `json:"mutating"`
}

// IsMutating reports whether an action changes the world (DynamoDB's
// Query, Scan and BatchGetItem read; IAM's SimulatePrincipalPolicy only
// evaluates policies).
func IsMutating(action string) bool {
	for _, p := range []string{"Describe", "List", "Get", "Query", "Scan", "BatchGet", "Simulate"} {
		if strings.HasPrefix(action, p) {
			return false
		}
	}
	return true
}

func (s *Sim) countCall(c *call) {
	s.calls[CallKey{c.region, c.svc.name, c.action}]++
	s.countSecond(c.region, c.svc.name, s.virtualNow().Unix())
}

// MaxCallSeconds is how many seconds of virtual time that had calls the
// per-second counts keep: the newest, a day's worth, so that a simulator
// serving for weeks does not keep every second it ever served.
const MaxCallSeconds = 24 * 60 * 60

// countSecond counts a call of service in region in the second sec (Unix
// seconds of virtual time), forgetting the oldest second counted beyond
// MaxCallSeconds.
func (s *Sim) countSecond(region, service string, sec int64) {
	if s.perSecond == nil {
		s.perSecond = map[int64]map[serviceRegion]int{}
	}
	m := s.perSecond[sec]
	if m == nil {
		m = map[serviceRegion]int{}
		s.perSecond[sec] = m
		s.seconds = append(s.seconds, sec)
		if len(s.seconds) > MaxCallSeconds {
			delete(s.perSecond, s.seconds[0])
			s.seconds = s.seconds[1:]
		}
	}
	m[serviceRegion{region, service}]++
}

// serviceRegion names the calls of one service in one region.
type serviceRegion struct{ region, service string }

// SecondCount is how many calls of a service in a region reached the
// simulator in one second of virtual time.
type SecondCount struct {
	Second time.Time `json:"second"`
	Count  int       `json:"count"`
}

// CallsPerSecond returns, in time order, how many calls of service in
// region reached the simulator in each second of virtual time that had
// any (of the last MaxCallSeconds): what a client-side request budget is
// checked against.
func (s *Sim) CallsPerSecond(region, service string) []SecondCount {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SecondCount
	for sec, m := range s.perSecond {
		if n := m[serviceRegion{region, service}]; n > 0 {
			out = append(out, SecondCount{time.Unix(sec, 0).UTC(), n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Second.Before(out[j].Second) })
	return out
}

func (s *Sim) logMutating(c *call, target string, t time.Time, status int, code string) {
	if !IsMutating(c.action) {
		return
	}
	s.mutatingSeq++
	e := MutatingCall{
		Seq: s.mutatingSeq, Time: t, Region: c.region, Service: c.svc.name, Action: c.action,
		Target: target, Status: status, Code: code,
	}
	if len(s.mutating) < MaxMutatingLog {
		s.mutating = append(s.mutating, e)
		return
	}
	// A ring: the oldest entry gives way.
	s.mutating[s.mutatingHead] = e
	s.mutatingHead = (s.mutatingHead + 1) % MaxMutatingLog
}

// Calls returns the call counts per region, service and action, sorted.
func (s *Sim) Calls() []CallCount {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CallCount, 0, len(s.calls))
	for k, n := range s.calls {
		out = append(out, CallCount{k, n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return a.Action < b.Action
	})
	return out
}

// CallCount sums the calls matching region, service and action; an empty
// argument matches everything.
func (s *Sim) CallCount(region, service, action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, c := range s.calls {
		if (region == "" || k.Region == region) && (service == "" || k.Service == service) && (action == "" || k.Action == action) {
			n += c
		}
	}
	return n
}

// MutatingCalls returns the ordered log of mutating calls.
func (s *Sim) MutatingCalls() []MutatingCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]MutatingCall, 0, len(s.mutating))
	out = append(out, s.mutating[s.mutatingHead:]...)
	return append(out, s.mutating[:s.mutatingHead]...)
}

// ResetCalls forgets the counts and the mutating-call log (a test can set
// a world up, reset, then assert on what the code under test did).
func (s *Sim) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[CallKey]int{}
	s.perSecond, s.seconds = nil, nil
	s.mutating, s.mutatingSeq, s.mutatingHead = nil, 0, 0
}

func (s *Sim) nextRequestID() string {
	n := s.reqSeq.Add(1)
	return stableUUID("request", strconv.FormatUint(s.seed, 10), strconv.FormatUint(n, 10))
}

// MaxMutatingLog is how many entries the mutating-call log keeps: the
// newest; Seq keeps counting, so a reader sees how many went before.
const MaxMutatingLog = 10000
