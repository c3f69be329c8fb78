package sfn

import (
	"time"
)

// Step Functions quotas the definitions are designed around
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
const (
	// HistoryQuota is the most events one Standard execution's history
	// holds; an execution that would write more fails.
	HistoryQuota = 25000
	// PayloadQuota is the largest input or output of a state, in bytes.
	PayloadQuota = 256 * 1024
)

// Limits of the Step Functions engine, enforced by prepare so that a
// payload it accepts can never run into the quotas above (the package doc
// and budget_test.go show the arithmetic).
const (
	// MaxLayers is the most layers one execution runs: each layer writes a
	// fixed number of events to the parent's history.
	MaxLayers = 400
	// MaxLayerResources is the most resources of one layer: the layer's
	// Map state returns one Result per resource in one state output.
	MaxLayerResources = 2000
)

// History events written per visit of each state, by state type. A Task
// writes TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded (or
// TaskFailed) and TaskStateExited; every retried attempt adds
// TaskScheduled, TaskStarted and TaskFailed. A Distributed Map writes
// MapStateEntered, MapStateStarted, MapRunStarted, MapRunSucceeded,
// MapStateSucceeded and MapStateExited in its parent (its iterations are
// child executions with their own histories; counting the two MapState
// events that AWS does not document for distributed mode keeps the count an
// upper bound). Choice, Wait, Pass and Succeed write Entered and Exited; a
// Fail state writes FailStateEntered. Event types:
// https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
const (
	EventsTask        = 5
	EventsRetry       = 3
	EventsChoice      = 2
	EventsWait        = 2
	EventsPass        = 2
	EventsSucceed     = 2
	EventsFail        = 1
	EventsMap         = 6
	EventsExecution   = 2 // ExecutionStarted and ExecutionSucceeded (or Failed)
	eventsPerLoopTurn = EventsTask + EventsChoice + EventsWait
)

// retryPolicy is the Retry of every Task that invokes the function.
// Lambda's own transient failures and its throttling
// (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html)
// are retried with capped, jittered exponential backoff; anything else is
// the function's answer and goes to the Catch.
var retryPolicy = []Retrier{
	{
		ErrorEquals: []string{"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
			"Lambda.ClientExecutionTimeoutException"},
		IntervalSeconds: 1, MaxAttempts: 4, BackoffRate: 2, MaxDelaySeconds: 20, JitterStrategy: "FULL",
	},
	{
		// Throttling lasts as long as the function's reserved concurrency
		// is taken: retried longer, up to about 2.5 minutes.
		ErrorEquals:     []string{"Lambda.TooManyRequestsException"},
		IntervalSeconds: 1, MaxAttempts: 8, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: "FULL",
	},
	{
		// The function died without answering: a timeout, running out of
		// memory, its runtime crashing
		// (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
		// Every operation may be invoked again with the same input: the
		// step op then treats the calls it had decided as made or not,
		// as AWS state shows (the package doc, "The step op's journal").
		ErrorEquals:     []string{"Lambda.Unknown"},
		IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 20, JitterStrategy: "FULL",
	},
}

// releaseRetry is the Retry of the state that releases the lock after a
// failed finish: every error, for longer, since a lock left behind keeps
// the run's databases from every other run until its lease lapses.
var releaseRetry = append(append([]Retrier(nil), retryPolicy...), Retrier{
	ErrorEquals:     []string{"States.ALL"},
	IntervalSeconds: 5, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 120, JitterStrategy: "FULL",
})

// maxRetries is how many attempts one Task visit may retry, every retrier
// of retryPolicy exhausted.
func maxRetries() int {
	n := 0
	for _, r := range retryPolicy {
		n += r.MaxAttempts
	}
	return n
}

// taskWorst is the events of one Task visit with every retry taken.
func taskWorst() int { return EventsTask + EventsRetry*maxRetries() }

// Pace: the shortest wait between two steps of one resource, whatever the
// step machine asks for. Polls grow sparser as an operation goes on, as in
// the local engine, so that the end of an operation is seen within about
// 1/60 of its duration, and a resource's child execution makes a bounded
// number of polls however long its deadline: MaxPolls(24h) is about 1,700.
const (
	paceMin     = time.Second
	paceMax     = time.Minute
	paceDivisor = 60
)

// WaitFloor is the shortest wait allowed after a resource has run for
// elapsed: elapsed/60, between 1 s and 60 s.
func WaitFloor(elapsed time.Duration) time.Duration {
	return min(max(elapsed/paceDivisor, paceMin), paceMax)
}

// WaitSeconds is the wait, in whole seconds, that the step op returns when
// the step machine asks for requested after elapsed: at least WaitFloor and
// the resource's MinWait, rounded up.
func WaitSeconds(requested, elapsed time.Duration, minWait int) int {
	d := max(requested, WaitFloor(elapsed), time.Duration(minWait)*time.Second)
	return int((d + time.Second - 1) / time.Second)
}

// MaxPolls is the most steps one resource can make within deadline, when
// every wait is exactly the floor and a step takes no time: the worst case
// of its child execution's history.
func MaxPolls(deadline time.Duration) int {
	n := 0
	for t := time.Duration(0); t < deadline; n++ {
		t += time.Duration(WaitSeconds(0, t, 0)) * time.Second
	}
	return n + 1 // the last step, which ends the loop
}

// MinWaitFor is a resource's MinWait in a layer of n resources, when the
// resources of a layer together may poll at most pollsPerSecond times a
// second. Each step of each resource makes its own describe calls (a
// Lambda invocation cannot batch them across resources as the local engine
// does), and the RDS API allows an account 12 requests a second sustained
// in each region (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html
// and the RDS User Guide's "Request throttling"): a thousand resources
// polling every second would throttle the failover's own calls.
func MinWaitFor(n int, pollsPerSecond float64) int {
	if pollsPerSecond <= 0 {
		pollsPerSecond = DefaultPollsPerSecond
	}
	w := int(float64(n)/pollsPerSecond + 0.999999)
	return max(w, 1)
}

// DefaultPollsPerSecond is the layer's poll rate when none is configured:
// under half of RDS's sustained 12 requests a second, leaving the rest to
// the mutating calls and to everyone else in the account.
const DefaultPollsPerSecond = 5.0

// Budget counts the events of one resource's child execution, so that the
// step op can keep it under HistoryQuota whatever the retries cost: it
// charges every step with its retries ($$.State.RetryCount) and refuses
// another wait when the events left would not cover one more turn and the
// loop's end with every retry taken.
type Budget struct {
	// Spent is the events written so far, the step being decided included.
	Spent int `json:"spent"`
}

// NewBudget is the budget of a child execution that has just started.
func NewBudget() Budget { return Budget{Spent: 1} } // ExecutionStarted

// Charge adds the loop turn being decided: its Task visit, which retried
// retries times, and the Choice and Wait that follow when it waits.
func (b *Budget) Charge(retries int) { b.Spent += eventsPerLoopTurn + EventsRetry*max(retries, 0) }

// CanWait reports whether the turn just charged may wait: whether the
// history still has room, after it, for the loop's worst end (a Task visit
// with every retry taken, the Choice, the Pass that returns the Result and
// ExecutionSucceeded). When it may not, the step op ends the resource
// instead of waiting again.
func (b Budget) CanWait() bool {
	return b.Spent+taskWorst()+EventsChoice+EventsPass+1 <= HistoryQuota
}
