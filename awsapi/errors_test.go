package awsapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"drorch/cloud"
)

// answered wraps a service error the way the SDK does: operation error
// around an HTTP response error carrying the status and request id.
func answered(status int, err error) error {
	return &smithy.OperationError{ServiceID: "RDS", OperationName: "Op", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      err,
		},
		RequestID: "req-1",
	}}
}

// exhausted wraps err as the retryer does after the last read attempt.
func exhausted(err error) error {
	return &smithy.OperationError{ServiceID: "RDS", OperationName: "Op", Err: &retry.MaxAttemptsError{Attempt: 5, Err: err}}
}

func generic(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: code + " message"}
}

// sendFailed wraps a network error the way the SDK's HTTP handler does.
func sendFailed(err error) error {
	return &smithy.OperationError{ServiceID: "RDS", OperationName: "Op", Err: &smithyhttp.RequestSendError{
		Err: &url.Error{Op: "Post", URL: "https://rds.us-east-1.amazonaws.com/", Err: err},
	}}
}

func TestClassifyAPIErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		kind     cloud.ErrorKind
		code     string
		notFound bool
	}{
		{"typed global cluster not found", answered(404, &rdstypes.GlobalClusterNotFoundFault{Message: aws.String("gone")}), cloud.KindNotFound, "GlobalClusterNotFoundFault", true},
		{"typed cluster not found", answered(404, &rdstypes.DBClusterNotFoundFault{}), cloud.KindNotFound, "DBClusterNotFoundFault", true},
		{"typed instance not found (wire code)", answered(404, &rdstypes.DBInstanceNotFoundFault{}), cloud.KindNotFound, "DBInstanceNotFound", true},
		{"typed grg not found", answered(404, &ectypes.GlobalReplicationGroupNotFoundFault{}), cloud.KindNotFound, "GlobalReplicationGroupNotFoundFault", true},
		{"typed rg not found", answered(404, &ectypes.ReplicationGroupNotFoundFault{}), cloud.KindNotFound, "ReplicationGroupNotFoundFault", true},
		{"ssm parameter not found", answered(400, &ssmtypes.ParameterNotFound{}), cloud.KindNotFound, "ParameterNotFound", true},
		{"ssm version not found", answered(400, &ssmtypes.ParameterVersionNotFound{}), cloud.KindNotFound, "ParameterVersionNotFound", true},
		{"sns topic not found", answered(404, generic("NotFound")), cloud.KindNotFound, "NotFound", true},
		{"other not found fault", answered(404, generic("DBSubnetGroupNotFoundFault")), cloud.KindNotFound, "DBSubnetGroupNotFoundFault", true},
		{"invalid cluster state", answered(400, &rdstypes.InvalidDBClusterStateFault{}), cloud.KindInvalidState, "InvalidDBClusterStateFault", false},
		{"invalid instance state (wire code)", answered(400, &rdstypes.InvalidDBInstanceStateFault{}), cloud.KindInvalidState, "InvalidDBInstanceState", false},
		{"invalid global cluster state", answered(400, &rdstypes.InvalidGlobalClusterStateFault{}), cloud.KindInvalidState, "InvalidGlobalClusterStateFault", false},
		{"invalid grg state", answered(400, &ectypes.InvalidGlobalReplicationGroupStateFault{}), cloud.KindInvalidState, "InvalidGlobalReplicationGroupState", false},
		{"throttling", answered(400, generic("Throttling")), cloud.KindThrottled, "Throttling", false},
		{"throttling after the last attempt", exhausted(answered(400, generic("Throttling"))), cloud.KindThrottled, "Throttling", false},
		{"ssm throttling", answered(400, generic("ThrottlingException")), cloud.KindThrottled, "ThrottlingException", false},
		{"request limit", answered(503, generic("RequestLimitExceeded")), cloud.KindThrottled, "RequestLimitExceeded", false},
		{"too many requests", answered(429, generic("TooManyRequestsException")), cloud.KindThrottled, "TooManyRequestsException", false},
		{"unknown code with 429", answered(429, generic("Whatever")), cloud.KindThrottled, "Whatever", false},
		{"invalid parameter value", answered(400, &ectypes.InvalidParameterValueException{}), cloud.KindInvalidInput, "InvalidParameterValue", false},
		{"invalid parameter combination", answered(400, generic("InvalidParameterCombination")), cloud.KindInvalidInput, "InvalidParameterCombination", false},
		{"validation error", answered(400, generic("ValidationError")), cloud.KindInvalidInput, "ValidationError", false},
		{"missing parameter", answered(400, generic("MissingParameter")), cloud.KindInvalidInput, "MissingParameter", false},
		{"access denied", answered(403, generic("AccessDenied")), cloud.KindAccessDenied, "AccessDenied", false},
		{"access denied exception", answered(400, generic("AccessDeniedException")), cloud.KindAccessDenied, "AccessDeniedException", false},
		{"unauthorized", answered(403, generic("UnauthorizedOperation")), cloud.KindAccessDenied, "UnauthorizedOperation", false},
		{"expired token", answered(403, generic("ExpiredToken")), cloud.KindAccessDenied, "ExpiredToken", false},
		{"sns authorization", answered(403, generic("AuthorizationError")), cloud.KindAccessDenied, "AuthorizationError", false},
		{"cluster exists", answered(400, &rdstypes.DBClusterAlreadyExistsFault{}), cloud.KindAlreadyExists, "DBClusterAlreadyExistsFault", false},
		{"instance exists (wire code)", answered(400, &rdstypes.DBInstanceAlreadyExistsFault{}), cloud.KindAlreadyExists, "DBInstanceAlreadyExists", false},
		{"global cluster exists", answered(400, &rdstypes.GlobalClusterAlreadyExistsFault{}), cloud.KindAlreadyExists, "GlobalClusterAlreadyExistsFault", false},
		{"internal failure", answered(500, generic("InternalFailure")), cloud.KindTransient, "InternalFailure", false},
		{"service unavailable", answered(503, generic("ServiceUnavailable")), cloud.KindTransient, "ServiceUnavailable", false},
		{"unknown code with 502", answered(502, generic("Mystery")), cloud.KindTransient, "Mystery", false},
		{"5xx after the last attempt", exhausted(answered(500, generic("InternalFailure"))), cloud.KindTransient, "InternalFailure", false},
		{"quota error joined to the cause", exhausted(errors.Join(answered(400, generic("Throttling")), errors.New("retry quota exceeded"))), cloud.KindThrottled, "Throttling", false},
		{"quota exceeded is not throttling", answered(403, &rdstypes.DBClusterQuotaExceededFault{}), cloud.KindOther, "DBClusterQuotaExceededFault", false},
		{"unknown 400", answered(400, generic("SomethingElse")), cloud.KindOther, "SomethingElse", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := classify(context.Background(), time.Second, op{"rds", "DescribeThings", "", "us-west-2"}, tc.err)
			var ae *cloud.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("classify = %T %v, want *cloud.APIError", err, err)
			}
			if ae.Kind != tc.kind || ae.Code != tc.code {
				t.Errorf("kind, code = %v, %q; want %v, %q", ae.Kind, ae.Code, tc.kind, tc.code)
			}
			if ae.Service != "rds" || ae.Action != "DescribeThings" || ae.Region != "us-west-2" {
				t.Errorf("service/action/region = %s/%s/%s", ae.Service, ae.Action, ae.Region)
			}
			if ae.RequestID != "req-1" {
				t.Errorf("request id = %q, want req-1", ae.RequestID)
			}
			if got := errors.Is(err, cloud.ErrNotFound); got != tc.notFound {
				t.Errorf("errors.Is(ErrNotFound) = %v, want %v", got, tc.notFound)
			}
			// The cause is the service's error, not the SDK's wrappers.
			var apiErr smithy.APIError
			if !errors.As(ae.Err, &apiErr) || ae.Err != apiErr {
				t.Errorf("Err = %T, want the smithy.APIError itself", ae.Err)
			}
			if strings.Contains(err.Error(), "exceeded maximum number of attempts") || strings.Contains(err.Error(), "quota") {
				t.Errorf("message keeps retry noise: %v", err)
			}
			if !strings.Contains(err.Error(), tc.code) {
				t.Errorf("message %q does not name the code", err)
			}
		})
	}
}

func TestClassifyTransportErrors(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	dns := &net.DNSError{Err: "no such host", Name: "rds.mars-1.amazonaws.com", IsNotFound: true}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	live := context.Background()

	tests := []struct {
		name    string
		ctx     context.Context // the caller's context
		err     error
		kind    cloud.ErrorKind // when an *APIError is expected
		ctxErr  error           // when the caller's own context error is expected
		message string
	}{
		{name: "connection refused", ctx: live, err: sendFailed(refused), kind: cloud.KindUnreachable, message: "endpoint https://rds.us-east-1.amazonaws.com unreachable: connection refused"},
		{name: "refused after the last attempt", ctx: live, err: exhausted(&smithyhttp.RequestSendError{Err: refused}), kind: cloud.KindUnreachable},
		{name: "connection reset", ctx: live, err: sendFailed(reset), kind: cloud.KindUnreachable, message: "endpoint https://rds.us-east-1.amazonaws.com unreachable: connection reset by peer"},
		{name: "EOF", ctx: live, err: sendFailed(io.EOF), kind: cloud.KindUnreachable},
		{name: "unexpected EOF", ctx: live, err: sendFailed(io.ErrUnexpectedEOF), kind: cloud.KindUnreachable},
		{name: "DNS failure", ctx: live, err: sendFailed(dns), kind: cloud.KindUnreachable},
		{name: "per-call timeout", ctx: live, err: &smithy.OperationError{Err: &smithy.CanceledError{Err: &url.Error{Op: "Post", Err: context.DeadlineExceeded}}}, kind: cloud.KindUnreachable, message: "no answer within 1s"},
		{name: "per-call timeout during backoff", ctx: live, err: &smithy.OperationError{Err: &aws.RequestCanceledError{Err: context.DeadlineExceeded}}, kind: cloud.KindUnreachable, message: "no answer within 1s"},
		{name: "caller cancelled", ctx: cancelled, err: &smithy.OperationError{Err: &smithy.CanceledError{Err: context.Canceled}}, ctxErr: context.Canceled},
		{name: "caller deadline", ctx: expired, err: &smithy.OperationError{Err: &smithy.CanceledError{Err: context.DeadlineExceeded}}, ctxErr: context.DeadlineExceeded},
		{name: "caller cancelled while refused", ctx: cancelled, err: sendFailed(refused), ctxErr: context.Canceled},
		{name: "answer wins over a late cancel", ctx: cancelled, err: answered(404, &rdstypes.DBClusterNotFoundFault{}), kind: cloud.KindNotFound},
		{name: "5xx without a parsable body", ctx: live, err: &smithy.OperationError{Err: &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 502}}, Err: errors.New("bad gateway")}}}, kind: cloud.KindTransient},
		{name: "malformed answer", ctx: live, err: &smithy.OperationError{Err: &smithy.DeserializationError{Err: errors.New("unexpected EOF in XML")}}, kind: cloud.KindOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := classify(tc.ctx, time.Second, op{"rds", "DescribeDBClusters", "", "us-east-1"}, tc.err)
			if tc.ctxErr != nil {
				var ae *cloud.APIError
				if errors.As(err, &ae) || !errors.Is(err, tc.ctxErr) {
					t.Fatalf("classify = %T %v, want the caller's %v", err, err, tc.ctxErr)
				}
				if cloud.Retryable(err) {
					t.Errorf("a cancelled caller must not look retryable")
				}
				return
			}
			var ae *cloud.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("classify = %T %v, want *cloud.APIError", err, err)
			}
			if ae.Kind != tc.kind {
				t.Errorf("kind = %v, want %v (%v)", ae.Kind, tc.kind, err)
			}
			if tc.message != "" && ae.Message != tc.message {
				t.Errorf("message = %q, want %q", ae.Message, tc.message)
			}
			switch ae.Err.(type) {
			case *smithy.OperationError, *retry.MaxAttemptsError, *smithyhttp.RequestSendError, *smithy.CanceledError, *aws.RequestCanceledError:
				t.Errorf("Err is still an SDK wrapper %T", ae.Err)
			}
		})
	}
}

func TestClassifyKeepsCauseChain(t *testing.T) {
	t.Parallel()
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	err := classify(context.Background(), time.Second, op{"rds", "PromoteReadReplica", "", "us-west-2"}, exhausted(&smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", Err: reset}}))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the network cause is lost: %v", err)
	}
	if !cloud.Retryable(err) || !cloud.IsKind(err, cloud.KindUnreachable) {
		t.Errorf("want a retryable unreachable error, got %v", err)
	}
	wrapped := fmt.Errorf("promote read replica x in us-west-2: %w", err)
	if !cloud.IsKind(wrapped, cloud.KindUnreachable) {
		t.Errorf("kind lost through wrapping")
	}
}
