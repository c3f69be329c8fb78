package sim

import "fmt"

// apiError is an AWS error answer: the model's wire code, its HTTP status
// and whether the sender (400s) or the service (5xx) is at fault.
type apiError struct {
	Code    string
	Status  int
	Message string
	// Extra holds further members of a JSON error body (DynamoDB's Item,
	// CancellationReasons).
	Extra map[string]any
	// MessageKey names the JSON message member: "message" unless the
	// error's shape says "Message".
	MessageKey string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// sender reports the Query error <Type>: Sender for 4xx, Receiver for 5xx.
func (e *apiError) sender() bool { return e.Status < 500 }

func newErr(code string, status int, format string, args ...any) *apiError {
	return &apiError{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// Wire codes and statuses (aws-behaviour.md 2.6). Shapes whose code differs
// from the shape name (DBInstanceNotFound, ...) use the code.

func errGlobalClusterNotFound(id string) *apiError {
	return newErr("GlobalClusterNotFoundFault", 404, "Global cluster %s not found.", id)
}

func errClusterNotFound(id string) *apiError {
	return newErr("DBClusterNotFoundFault", 404, "DBCluster %s not found.", id)
}

func errInstanceNotFound(id string) *apiError {
	return newErr("DBInstanceNotFound", 404, "DBInstance %s not found.", id)
}

func errInvalidGlobalState(format string, args ...any) *apiError {
	return newErr("InvalidGlobalClusterStateFault", 400, format, args...)
}

func errInvalidClusterState(format string, args ...any) *apiError {
	return newErr("InvalidDBClusterStateFault", 400, format, args...)
}

func errInvalidInstanceState(format string, args ...any) *apiError {
	return newErr("InvalidDBInstanceState", 400, format, args...)
}

func errParamCombination(format string, args ...any) *apiError {
	return newErr("InvalidParameterCombination", 400, format, args...)
}

func errParamValue(format string, args ...any) *apiError {
	return newErr("InvalidParameterValue", 400, format, args...)
}

func errMissingParam(name string) *apiError {
	return newErr("MissingParameter", 400, "The request must contain the parameter %s.", name)
}

// errMalformedQuery is the common error MalformedQueryString, which AWS
// documents with HTTP 404 (Common Errors, e.g.
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html).
func errMalformedQuery(msg string) *apiError { return newErr("MalformedQueryString", 404, "%s", msg) }

func errThrottling() *apiError { return newErr("Throttling", 400, "Rate exceeded") }

func errGRGNotFound(id string) *apiError {
	return newErr("GlobalReplicationGroupNotFoundFault", 404, "GlobalReplicationGroup %s not found.", id)
}

func errRGNotFound(id string) *apiError {
	return newErr("ReplicationGroupNotFoundFault", 404, "ReplicationGroup %s not found.", id)
}
