package awsapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"drorch/cloud"
)

// classify turns an SDK error into a *cloud.APIError, or, when the
// caller's own context ended, into that context's error: a cancelled run is
// not an AWS fault. callTimeout is the per-call limit, named in the message
// when it expired.
func classify(ctx context.Context, callTimeout time.Duration, o op, err error) error {
	ae := &cloud.APIError{Service: o.service, Action: o.action, Resource: o.resource, Region: o.region}
	cause := lastCause(err)
	ae.Err = cause

	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		// The service answered: its code decides, whatever happened to ctx.
		ae.Code = apiErr.ErrorCode()
		ae.Message = apiErr.ErrorMessage()
		ae.RequestID = requestID(err)
		ae.Kind = kindOf(ae.Code, httpStatus(err))
		return ae
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", o, ctx.Err())
	}
	ae.RequestID = requestID(err)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		ae.Kind = cloud.KindUnreachable
		ae.Message = fmt.Sprintf("no answer within %s", callTimeout)
	case unreachable(err):
		ae.Kind = cloud.KindUnreachable
		ae.Message = "endpoint " + endpointOf(err) + "unreachable: " + innermost(cause).Error()
	case httpStatus(err) >= 500:
		ae.Kind = cloud.KindTransient
	default:
		ae.Kind = cloud.KindOther
	}
	return ae
}

// lastCause peels the SDK's wrappers (operation, retry exhaustion, retry
// quota, cancellation, send failure) off err, down to what actually went
// wrong: the service's error or the network's.
func lastCause(err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	for {
		var next error
		switch e := err.(type) {
		case *smithy.OperationError:
			next = e.Err
		case *retry.MaxAttemptsError:
			next = e.Err
		case *aws.RequestCanceledError:
			next = e.Err
		case *smithy.CanceledError:
			next = e.Err
		case *smithyhttp.RequestSendError:
			next = e.Err
		case interface{ Unwrap() []error }:
			// errors.Join(lastErr, quotaErr) from the retryer: the first is the cause.
			if errs := e.Unwrap(); len(errs) > 0 {
				next = errs[0]
			}
		}
		if next == nil {
			return err
		}
		err = next
	}
}

// endpointOf names the endpoint a failed request was sent to
// ("http://127.0.0.1:4566 "), or "" when the error does not say.
func endpointOf(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return ""
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host + " "
}

// innermost is the deepest error of a chain ("connection reset by peer"),
// what an operator needs to read instead of the SDK's layers around it.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// unreachable reports whether err means the endpoint could not be reached
// or dropped the connection without an answer.
func unreachable(err error) bool {
	var (
		dns  *net.DNSError
		op   *net.OpError
		send *smithyhttp.RequestSendError
		cert *tls.CertificateVerificationError
	)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.ETIMEDOUT),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &dns), errors.As(err, &op), errors.As(err, &cert):
		return true
	case errors.As(err, &send):
		// The SDK wraps every failure to send or to read an answer in it.
		return true
	}
	var timeout interface{ Timeout() bool }
	return errors.As(err, &timeout) && timeout.Timeout()
}

// kindOf maps an AWS error code (and the HTTP status) to drorch's classes.
func kindOf(code string, status int) cloud.ErrorKind {
	switch code {
	case "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
		"TooManyRequestsException", "RequestThrottled", "RequestThrottledException",
		"SlowDown", "PriorRequestNotComplete", "BandwidthLimitExceeded":
		return cloud.KindThrottled
	case "DBClusterNotFoundFault", "DBInstanceNotFound", "DBInstanceNotFoundFault",
		"GlobalClusterNotFoundFault", "GlobalReplicationGroupNotFoundFault",
		"ReplicationGroupNotFoundFault", "ParameterNotFound", "ParameterVersionNotFound", "NotFound":
		return cloud.KindNotFound
	case "InvalidParameterValue", "InvalidParameterCombination", "InvalidParameter",
		"InvalidParameterException", "ValidationError", "ValidationException",
		"MissingParameter", "MalformedQueryString", "InvalidQueryParameter", "InvalidAction":
		return cloud.KindInvalidInput
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
		"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
		"SignatureDoesNotMatch", "InvalidSignatureException", "IncompleteSignature",
		"MissingAuthenticationToken", "AuthFailure", "OptInRequired", "NotAuthorized":
		return cloud.KindAccessDenied
	case "InternalFailure", "InternalError", "InternalServerError", "ServiceUnavailable",
		"ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException":
		return cloud.KindTransient
	}
	switch {
	case strings.Contains(code, "NotFound"):
		return cloud.KindNotFound
	case strings.HasPrefix(code, "Invalid") && strings.Contains(code, "State"):
		return cloud.KindInvalidState
	case strings.Contains(code, "AlreadyExists"):
		return cloud.KindAlreadyExists
	case status == 429:
		return cloud.KindThrottled
	case status >= 500:
		return cloud.KindTransient
	}
	return cloud.KindOther
}

func httpStatus(err error) int {
	var r interface{ HTTPStatusCode() int }
	if errors.As(err, &r) {
		return r.HTTPStatusCode()
	}
	return 0
}

func requestID(err error) string {
	var r interface{ ServiceRequestID() string }
	if errors.As(err, &r) {
		return r.ServiceRequestID()
	}
	return ""
}
