package sim

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// FaultKind names a kind of fault.
type FaultKind string

// The fault kinds.
const (
	// FaultOutage makes requests fail at the connection: refused (reset
	// without an answer) or hung until the client gives up. A region-wide
	// outage (no Service or Action) also makes the region's resources
	// unavailable and freezes the operations that need them.
	FaultOutage FaultKind = "outage"
	// FaultThrottle answers a share (Rate) of matching calls with the
	// service's throttling error (Throttling; ThrottlingException for SSM
	// and DynamoDB's table actions; ProvisionedThroughputExceededException
	// for DynamoDB's item actions).
	FaultThrottle FaultKind = "throttle"
	// FaultError answers a share (Rate) of matching calls with a 5xx
	// (Status 500 InternalFailure or 503 ServiceUnavailable).
	FaultError FaultKind = "error"
	// FaultHalfway lets the next matching mutating call (Action required)
	// be accepted, then rolls its operation back half-way. It is used once.
	FaultHalfway FaultKind = "halfway"
	// FaultLag raises the replication lag that CloudWatch reports for every
	// replica and secondary living in Region to about Seconds, until the
	// fault is cleared (lag.go). It fails no call.
	FaultLag FaultKind = "lag"
)

// maxLagSeconds bounds a lag fault: 14 days, within CloudWatch's 15-day
// retention of 1-minute data points.
const maxLagSeconds = 14 * 24 * 3600

// MaxFaults is how many faults may be active at once.
const MaxFaults = 1000

// Outage modes.
const (
	ModeRefuse = "refuse"
	ModeHang   = "hang"
)

// Fault is one scripted failure, scoped by region and optionally by service
// (its SigV4 signing name, one of the service table's) and
// action. Empty scope fields match everything. Faults never touch /_sim/.
type Fault struct {
	ID      string    `json:"id,omitempty"` // assigned by SetFault
	Kind    FaultKind `json:"kind"`
	Region  string    `json:"region,omitempty"`
	Service string    `json:"service,omitempty"`
	Action  string    `json:"action,omitempty"`
	// Mode is refuse (default) or hang, for outages.
	Mode string `json:"mode,omitempty"`
	// Rate is the share of matching calls hit, in (0, 1]; 0 means 1.
	Rate float64 `json:"rate,omitempty"`
	// Status is 500 (default) or 503, for error faults.
	Status int `json:"status,omitempty"`
	// Seconds is the replication lag a lag fault sets, in (0, 1209600].
	Seconds float64 `json:"seconds,omitempty"`
}

// regionWide reports whether f takes a whole region down.
func (f Fault) regionWide() bool {
	return f.Kind == FaultOutage && f.Region != "" && f.Service == "" && f.Action == ""
}

func (f Fault) matches(region, service, action string) bool {
	return (f.Region == "" || f.Region == region) && (f.Service == "" || f.Service == service) &&
		(f.Action == "" || f.Action == action)
}

// Validate reports what is wrong with a fault, as SetFault would.
func (f Fault) Validate() error {
	if _, err := f.normalize(); err != nil {
		return fmt.Errorf("%s fault: %w", f.Kind, err)
	}
	return nil
}

// normalize checks a fault and fills its defaults.
func (f Fault) normalize() (Fault, error) {
	if f.Rate == 0 {
		f.Rate = 1
	}
	if f.Rate < 0 || f.Rate > 1 {
		return f, fmt.Errorf("rate %v must be between 0 and 1", f.Rate)
	}
	if f.Service != "" && !knownService(f.Service) {
		return f, fmt.Errorf("service %q is not simulated (%s)", f.Service, serviceNames())
	}
	switch f.Kind {
	case FaultOutage:
		if f.Region == "" {
			return f, errors.New("an outage needs a region")
		}
		switch f.Mode {
		case "":
			f.Mode = ModeRefuse
		case ModeRefuse, ModeHang:
		default:
			return f, fmt.Errorf("outage mode %q must be refuse or hang", f.Mode)
		}
	case FaultThrottle:
	case FaultError:
		switch f.Status {
		case 0:
			f.Status = 500
		case 500, 503:
		default:
			return f, fmt.Errorf("error status %d must be 500 or 503", f.Status)
		}
	case FaultHalfway:
		if f.Action == "" {
			return f, errors.New("a halfway fault needs an action (e.g. SwitchoverGlobalCluster)")
		}
	case FaultLag:
		switch {
		case f.Region == "":
			return f, errors.New("a lag fault needs the region whose replicas lag")
		case f.Service != "" || f.Action != "":
			return f, errors.New("a lag fault is scoped by region only (it changes metrics, not calls): drop service and action")
		case !(f.Seconds > 0 && f.Seconds <= maxLagSeconds):
			return f, fmt.Errorf("lag seconds %v must be more than 0 and at most %d (14 days)", f.Seconds, maxLagSeconds)
		}
	default:
		return f, fmt.Errorf("fault kind %q must be outage, throttle, error, halfway or lag", f.Kind)
	}
	return f, nil
}

// SetFault adds a fault and returns it with its id. A region-wide outage
// takes effect at the current virtual time.
func (s *Sim) SetFault(f Fault) (Fault, error) {
	f, err := f.normalize()
	if err != nil {
		return Fault{}, fmt.Errorf("set %s fault: %w", f.Kind, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Region != "" && !s.w.validRegion(f.Region) {
		return Fault{}, fmt.Errorf("set %s fault: region %q is not an AWS region nor one of the scenario's", f.Kind, truncate(f.Region, 64))
	}
	if len(s.faults) >= MaxFaults {
		return Fault{}, fmt.Errorf("set %s fault: %d faults are active already; clear some first", f.Kind, MaxFaults)
	}
	s.faultSeq++
	f.ID = "f-" + strconv.Itoa(s.faultSeq)
	s.faults = append(s.faults, f)
	s.faultsUpdated()
	return f, nil
}

// Faults returns the active faults.
func (s *Sim) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.faults)
}

// ClearFaults removes every fault; regions that were down come back.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	s.faultsUpdated()
}

// ClearFault removes one fault by id.
func (s *Sim) ClearFault(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.faults)
	s.faults = slices.DeleteFunc(s.faults, func(f Fault) bool { return f.ID == id })
	if len(s.faults) == n {
		return fmt.Errorf("clear fault %s: no such fault", id)
	}
	s.faultsUpdated()
	return nil
}

// faultsUpdated brings the world to now, applies region-wide outages
// (down/up transitions) and wakes held requests. Callers hold s.mu.
func (s *Sim) faultsUpdated() {
	s.sync()
	down := map[string]bool{}
	for _, f := range s.faults {
		if f.regionWide() {
			down[f.Region] = true
		}
	}
	for r := range s.w.down {
		if !down[r] {
			s.w.setDown(r, false)
		}
	}
	for r := range down {
		s.w.setDown(r, true)
	}
	s.w.setLagFaults(s.faults)
	close(s.faultsChanged)
	s.faultsChanged = make(chan struct{})
}

// outage returns the first outage fault matching a call.
func (s *Sim) outage(region, service, action string) (Fault, bool) {
	for _, f := range s.faults {
		if f.Kind == FaultOutage && f.matches(region, service, action) {
			return f, true
		}
	}
	return Fault{}, false
}

// injected returns the throttling or 5xx answer a call gets from the
// faults, if any (decided before the operation is applied).
func (s *Sim) injected(region string, svc *service, action string) *apiError {
	for _, f := range s.faults {
		if !f.matches(region, svc.name, action) {
			continue
		}
		switch f.Kind {
		case FaultThrottle:
			if s.rng.Float64() < f.Rate {
				return throttlingError(svc, action)
			}
		case FaultError:
			if s.rng.Float64() < f.Rate {
				if f.Status == 503 {
					return newErr("ServiceUnavailable", 503, "Service is unavailable. Please try again later.")
				}
				if svc.name == "dynamodb" {
					return newErr("InternalServerError", 500, "Internal server error")
				}
				return newErr("InternalFailure", 500, "The request processing has failed because of an unknown error, exception or failure.")
			}
		}
	}
	return nil
}

// throttlingError is the service's answer to a throttled call: Throttling
// (Query services), ThrottlingException (JSON ones and DynamoDB's table
// actions), ProvisionedThroughputExceededException (DynamoDB's item
// actions; "Error handling with DynamoDB", DynamoDB Developer Guide).
func throttlingError(svc *service, action string) *apiError {
	switch {
	case svc.name == "dynamodb" && !ddbControlPlane[action]:
		return newErr("ProvisionedThroughputExceededException", 400,
			"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.")
	case svc.name == "dynamodb":
		return newErr("ThrottlingException", 400, "Rate of requests exceeds the allowed throughput.")
	case svc.json:
		return newErr("ThrottlingException", 400, "Rate exceeded")
	}
	return errThrottling()
}

// takeHalfway consumes a halfway fault matching the call, if any. Handlers
// call it when their operation starts, so a call rejected by validation
// does not use the fault up.
func (c *call) takeHalfway() bool {
	s := c.sim
	for i, f := range s.faults {
		if f.Kind == FaultHalfway && f.matches(c.region, c.svc.name, c.action) {
			s.faults = slices.Delete(s.faults, i, i+1)
			close(s.faultsChanged)
			s.faultsChanged = make(chan struct{})
			return true
		}
	}
	return false
}
