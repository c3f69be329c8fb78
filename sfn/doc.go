// Package sfn is drorch's Step Functions engine: it generates the Amazon
// States Language definitions of the two workflows (Generate; `drorch sfn
// asl` prints them, deploy/template.yaml embeds them) and defines the
// contract between those state machines and the one Lambda function they
// invoke (cmd/drorch-lambda, whose operations are package sfn/ops). The
// contract's Go types are in contract.go; this comment is its reference.
//
// # Workflows
//
// failover runs PlannedFailoverAurora, UnPlannedFailoverAurora,
// PromoteRDSReadReplica and FailoverElastiCacheCluster; failback runs
// CreateAuroraSecondaryDBCluster and CreateRDSReadReplica: the original
// framework's dr-orchestrator-stepfunction-FAILOVER and -FAILBACK. A
// payload with any other type is refused by the first state.
//
// # Shape of an execution
//
//	Prepare (Task) --error--> PrepareFailed (Pass) ----------------------+
//	   |                                                                 |
//	   v                                                                 v
//	Layer (distributed Map, one child execution per resource) --error--> LayerFailed (Pass) --> Finish
//	   |                                                                 ^
//	   v                                                                 |
//	AfterLayer (Task) --error--------------------------------------------+
//	   |
//	   v
//	MoreLayers (Choice): status "running" -> Layer; else -> Finish (Task) -> Outcome (Choice)
//	                                                                          -> Succeeded | Failed
//	Finish --error (after Retry)--> ReleaseLock (Task) --> FinishFailed (Fail)
//
// Each child execution (the Map's ItemProcessor, a Standard execution):
//
//	Step (Task) -> Decide (Choice): "waiting" -> WaitForAWS (Wait, SecondsPath $.decision.wait) -> Step
//	                                "done"    -> ResourceDone (Pass, End)
//	                                otherwise -> ResourceFailed (Pass, End)
//	Step --any error (after Retry)--> ResourceFailed
//
// Layers run one at a time, in ascending layer number; the resources of a
// layer all at once. A child never fails: its Catch turns an error into a
// failed Result, so that the rest of its layer finishes; then AfterLayer
// stops the run unless every failed resource had "continueOnError": true
// (the run then succeeds, as `drorch run` does, counting them). Finish runs
// after success and after any failure, Prepare's included; when Finish
// itself fails, ReleaseLock at least gives the run's databases back before
// the execution fails. Every Task retries Lambda's own transient errors
// (Lambda.ServiceException, Lambda.AWSLambdaException,
// Lambda.SdkClientException, Lambda.ClientExecutionTimeoutException: 4
// attempts), its throttling (Lambda.TooManyRequestsException: 8 attempts)
// and the function dying without an answer (Lambda.Unknown: a timeout, out
// of memory, a crash: 3 attempts), with jittered exponential backoff;
// ReleaseLock retries any error 6 more times. Anything else is the
// function's answer. Every operation is safe to invoke again with the same
// input (the step op's journal, below, says why for step).
//
// # The function's operations
//
// The function takes one JSON object, Request, whose "op" selects the
// operation; it answers JSON, or fails with an error whose type is one of
// the Err* names (drorch.BadInput, drorch.Locked, ...), which is what a
// state's Error shows and what Retry and Catch match.
//
//   - prepare: {"op":"prepare","workflow":W,"execution":{id,name,startTime}
//     from $$.Execution,"input": the execution input unchanged}. The input is
//     the original {"StatePayload": [...]}, so the README payloads start
//     executions as they did. prepare validates it (drorch.BadInput, every
//     problem one a line, as `drorch validate` words them; a type the
//     workflow does not run is named with the state machine that runs it),
//     checks MaxLayers and MaxLayerResources, resolves every !Import and
//     resolve:ssm: reference once in the function's region, binds every
//     resource to its handler, takes the shared lock (package lock, over
//     the DynamoDB lock table that `drorch run --lock-table` uses too) on
//     the payload's lock keys for the execution, all or nothing
//     (drorch.Locked, naming the holder, if another run, CLI or Step
//     Functions, holds one), and writes each layer's Items (a JSON array)
//     and a RunRecord to the run bucket. It answers Progress: the Run, the
//     first LayerRef, status "running". The lease lasts as long as the run
//     can (the sum of its layers' longest deadlines, plus an hour): no step
//     renews it, and a step makes no call within five minutes of its end
//     (Item.LockUntil). The RunRecord keeps the lease written down
//     (lock.Ticket: record ids and token, never the keys), out of the
//     history. A SecureString value never leaves the function: its Item
//     carries the reference and a keyed fingerprint (a KMS HMAC key), and
//     each step reads the value again and refuses a changed one.
//   - step: {"op":"step","item": Item,"memory": the previous Decision's
//     memory (null at first),"retries": $$.State.RetryCount}. It answers a
//     Decision {"status":"waiting"|"done"|"failed","wait":seconds,
//     "memory":{...},"message":"..."}: one decision of the step machine
//     (engine/machine, as `drorch run` drives it) for one resource, on a
//     fresh read of the resource's Watch keys (one batched describe per
//     kind and region: an invocation serves one resource, so nothing is
//     batched across resources as `drorch run` does; the pacing below bounds
//     how often). It follows the decisions that need no wait (a step
//     skipped or done) in the same invocation. The wait is at least
//     WaitFloor of the time the resource has run and the Item's MinWait,
//     and Budget, kept in the memory, ends the resource before its child's
//     history could overflow. A resource ends failed, its message saying
//     why, when its handler says so, its deadline passes, a secret changed
//     (the message starts with drorch.SecretChanged), or the budget is
//     spent. On done and failed it logs the resource's RTO line
//     (ops.LogResourceEnd). Function errors are only for malformed
//     requests (drorch.Internal).
//   - layer: {"op":"layer","progress": Progress with the Map's "results",
//     one Result {index,status,continueOnError} per resource}. It answers
//     the next Progress: the next layer and "running"; or "succeeded" after
//     the last; or "failed" with error drorch.ResourceFailed naming the
//     resources that stopped the run.
//   - finish: {"op":"finish","progress": Progress, with "error" when a
//     Catch led there}. It releases the lease the RunRecord holds,
//     publishes the run's end to the SNS topic as JSON with a "text" field,
//     logs it, and answers Outcome {status, summary, error, notified};
//     Failed then fails the execution with that error.
//   - release: {"op":"release","execution":{id,name}}. It releases the
//     lease of the execution's RunRecord, found from its ARN alone, and
//     answers Released {records}: 0 when prepare never took a lock or it
//     was released already. ReleaseLock invokes it after a failed Finish,
//     and deploy/template.yaml's EventBridge rule when an execution ends
//     without its Finish (stopped by hand, timed out).
//   - check: {"op":"check","payloadKey": an object of the run bucket, or
//     "payload": {"StatePayload": [...]},"workflow": W (optional),"maxLag":
//     "1s" (optional)}. It is no state of the workflows: deploy/template.yaml's
//     EventBridge Scheduler schedule invokes it. It evaluates the payload's
//     readiness read-only, exactly as `drorch check --region R` does
//     (package readiness, on the function's own role and region), logs one
//     line per evaluation, and publishes to the SNS topic only when
//     readiness changed since the topic was last told, which it keeps in
//     the run bucket (checks/state/). It answers Checked. A payload it cannot
//     evaluate is drorch.BadInput; a message the topic refused fails the
//     invocation (drorch.AWSError) and is sent again at the next check.
//
// Every operation is idempotent for a Retry: prepare takes a lock it
// already holds again (the same execution), finish and release release only
// what the execution holds and find nothing the second time.
//
// # The step op's journal
//
// The execution history is this engine's journal, as the SQLite journal is
// `drorch run`'s: no mutating call is made that the history did not record
// first. A Call decision of the step machine is returned as an intent (the
// memory names the calls, secrets hidden, with a keyed MAC of them exactly
// as they will be made) with a wait of 0; the next invocation reads AWS
// again and, if the step machine decides the same calls, makes them and
// returns their outcome and AWS's request ids in the memory. If AWS state
// changed meanwhile, the new decision is followed and the intended calls
// are never made. An invocation retried with the intent pending
// ($$.State.RetryCount above 0: the earlier attempt was throttled, timed
// out or crashed, perhaps after making the calls) takes their outcome as
// unknown, and the step machine's Unknown path decides from AWS state: the
// operation shows, it is waited for; it left no trace, the intended calls
// are made. sfn/ops's step.go has the details.
//
// # History arithmetic
//
// A Standard execution's history holds at most 25,000 events
// (HistoryQuota). Per visit a Task writes 5 events (+3 for each retried
// attempt), a Choice, Wait, Pass or Succeed 2, a Fail 1, a distributed Map
// 6 in its parent (its iterations are child executions with histories of
// their own), and an execution 2 more. budget_test.go computes the figures
// below from the generated definitions, following their transitions.
//
// The parent writes a fixed 6 + 5 + 2 = 13 events per layer (Layer,
// AfterLayer, MoreLayers) without retries, 58 with every retry of
// AfterLayer taken (15 retried attempts, 3 events each), whatever the
// number of resources in the layer; its start and end cost 172 with every
// retry taken (a failed Finish through ReleaseLock included). With
// MaxLayers = 400 layers its worst history is 23,372 events (5,219 without
// retries), under 25,000; prepare refuses more layers. At worst, 1,000
// resources cost the parent 230 events in one layer, 752 in ten, 5,972 in
// a hundred.
//
// A resource's child writes 9 events per poll (Step 5, Decide 2, Wait 2)
// and about 12 at its ends, and one more turn (a wait of 0) for each step
// whose calls are made: the intent's. The step machine asks for a wait
// after each look; the Step Functions path lengthens it to at least:
//
//   - WaitFloor: 1/60 of the time the resource has run, between 1 s and
//     60 s. Without it a 24-hour deadline polled every second would need
//     86,400 polls; with it a child makes at most MaxPolls(24h) = 1,664
//     polls (14,978 events), which leaves room for 3,340 retried invocations
//     (more than one per poll). A 20-minute failback asking for 1 s waits
//     for its first 3 minutes and 5 s after makes 216 polls (1,946 events).
//   - MinWait: the layer's share of the account's describe calls. Each
//     invocation makes its own describe calls (a Lambda cannot batch them
//     across resources as the local engine does), and the RDS API allows
//     an account 12 requests a second per region; a layer's resources
//     together poll at most PollsPerSecond (default 5) times a second, so
//     a layer of 1,000 resources polls each every 200 s (7 polls in 20
//     minutes). This is the Step Functions path's price for large layers:
//     `drorch run` batches describe calls and sees the end sooner.
//
// Retries are not bounded by the definition alone: every failed attempt
// (throttling) adds 3 events. Budget, kept in the step's memory and charged
// with $$.State.RetryCount, ends the resource ("failed", the operation's
// state left as it is, a re-run continuing it) before one more turn could
// push the child past 25,000, whatever the retries.
//
// Payload size: every state's input and output is at most 256 KiB
// (PayloadQuota). The resolved parameters therefore never travel in the
// parent's state: prepare writes them to S3 and the Map reads them with its
// ItemReader; the parent carries a Run (a few bytes per layer) and the
// Map's Results (about 50 bytes per resource): at MaxLayers layers and
// MaxLayerResources results, 135 KB.
//
// # Running it locally
//
// sfntest runs the definitions with aws-local-stepfunctions, which has no
// distributed mode, ItemReader or $$.State.RetryCount: its harness
// (harness/harness.mjs) reads the Map's items through the test's endpoint
// before the Map, runs the iterations inline, and counts a Task's failed
// attempts with the same input as its RetryCount; the history arithmetic
// above is computed from the definitions instead. The e2e tests run the
// definitions with every Task handled by the real function (sfn/function)
// through aws-lambda-go, against drorch's simulator.
package sfn
