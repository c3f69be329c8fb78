package awsapi

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// patient is the read retryer. A read that AWS answers with throttling or a
// server error is tried up to the wrapped retryer's MaxAttempts
// (Config.BusyReadAttempts); one that gets no answer (connection refused or
// reset, no response) is given up after attempts, as the SDK would, so that
// a region that is down is not waited for any longer.
type patient struct {
	aws.RetryerV2
	attempts int
}

// RetryDelay stops the retries of a read that failed attempts times without
// an answer from AWS, with the error the SDK gives when it runs out of
// attempts.
func (p patient) RetryDelay(attempt int, err error) (time.Duration, error) {
	if attempt >= p.attempts && httpStatus(err) == 0 {
		return 0, &retry.MaxAttemptsError{Attempt: attempt, Err: err}
	}
	return p.RetryerV2.RetryDelay(attempt, err)
}
