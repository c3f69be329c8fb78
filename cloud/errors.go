package cloud

import (
	"errors"
	"strings"
)

// ErrNotFound is matched (errors.Is) by every "no such resource" answer.
var ErrNotFound = errors.New("not found")

// ErrorKind classifies an AWS error for retry decisions.
type ErrorKind int

// The error classes. Throttled, Transient and Unreachable are retryable.
const (
	KindOther         ErrorKind = iota
	KindThrottled               // Throttling, ThrottlingException, RequestLimitExceeded
	KindTransient               // HTTP 5xx
	KindUnreachable             // the region's endpoint refused or did not answer
	KindNotFound                // *NotFound* faults
	KindInvalidState            // Invalid*State* faults: the resource is not in a state that allows the call
	KindInvalidInput            // InvalidParameter*, validation errors
	KindAccessDenied            // AccessDenied, UnauthorizedOperation
	KindAlreadyExists           // *AlreadyExists* faults
)

func (k ErrorKind) String() string {
	switch k {
	case KindThrottled:
		return "throttled"
	case KindTransient:
		return "transient"
	case KindUnreachable:
		return "unreachable"
	case KindNotFound:
		return "not-found"
	case KindInvalidState:
		return "invalid-state"
	case KindInvalidInput:
		return "invalid-input"
	case KindAccessDenied:
		return "access-denied"
	case KindAlreadyExists:
		return "already-exists"
	default:
		return "error"
	}
}

// APIError is an AWS call that failed, classified.
type APIError struct {
	Service string // rds, elasticache, ...
	Action  string // SwitchoverGlobalCluster
	// Resource names what the call acted on or read ("" when unknown).
	Resource  string
	Region    string
	Kind      ErrorKind
	Code      string // the AWS error code, e.g. GlobalClusterNotFoundFault
	Message   string
	RequestID string
	Err       error // the underlying error, if any
}

// Error names the operation once, then AWS's code and message:
// "rds PromoteReadReplica rds-mysql-instance in us-west-2: InvalidDBInstanceState: ...".
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	op := strings.Join(nonEmpty(e.Service, e.Action, e.Resource), " ")
	if e.Region != "" {
		op += " in " + e.Region
	}
	if e.Code != "" {
		msg = e.Code + ": " + msg
	}
	if op == "" {
		return msg
	}
	return op + ": " + msg
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Unwrap exposes ErrNotFound for not-found errors and the cause otherwise.
func (e *APIError) Unwrap() []error {
	errs := []error{}
	if e.Kind == KindNotFound {
		errs = append(errs, ErrNotFound)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Retryable reports whether err is worth retrying as is: throttling,
// server errors and unreachable endpoints.
func Retryable(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Kind {
	case KindThrottled, KindTransient, KindUnreachable:
		return true
	}
	return false
}

// IsKind reports whether err is an *APIError of kind k.
func IsKind(err error, k ErrorKind) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Kind == k
}
