// Package report turns a run's journal into the reports that prove what
// happened during a failover: JSON (a documented, stable schema), Markdown
// (for a terminal and a ticket), one self-contained HTML page with a
// timeline, and JUnit XML (so that drills run in CI show up as test
// results). Reports are built from the journal only (journal.Fold); they
// make no AWS call.
//
// # Building
//
// FromEvents folds a run's events and builds its Report; FromState builds
// one from an already folded journal.RunState (a live view applies events
// as they come and builds again). Options give what the journal does not
// know: which resource types are recoveries (from the resource type
// registry), the status to show for an interrupted run, when the report is
// made, and the run's approvals. Write renders a Report in a Format;
// Timeline draws its Gantt chart as SVG, for the HTML report and the web
// UI.
//
// # Recovery time (RTO)
//
// RTO is a recovery time and is given only for a recovery: a resource
// whose type Options.Recovery says is a failover, and that succeeded. Its
// RTO is its duration, from its first start to its end, including any time
// the run spent interrupted before a resume. A rebuild (failback types,
// such as CreateAuroraSecondaryDBCluster or CreateRDSReadReplica) gets a
// duration, never an RTO; a failed, cancelled, already-done or unreached
// resource gets none.
//
// The run's RTO is the time from the run's first start (its first
// run.started event) to the end of the last of its recovery resources to
// finish: the moment the last database the run fails over took writes in
// its new region. Later rebuilds do not count. The run has an RTO only
// when every recovery resource succeeded or was already done and at least
// one succeeded; otherwise Run.RTONote says why there is none (a recovery
// failed, was cancelled, was not reached or is still running; or there was
// nothing to recover).
//
// # JSON schema
//
// schema.json (JSON Schema 2020-12, exported as Schema) describes the JSON
// report; the golden files are checked against it. Names are camelCase;
// times are RFC 3339 in UTC with milliseconds ("2026-03-01T12:00:01.250Z")
// and left out when unknown; every duration is an object
// {"seconds": 62.5, "display": "1m02s"}, seconds being a number (to the
// millisecond) and display what people read. schemaVersion is 1; it changes
// only when a field is removed or changes meaning. The top level:
//
//	schemaVersion  1
//	generatedAt    when the report was made (optional), generatedBy: by which drorch
//	run            id, command, status (as shown: succeeded, failed,
//	               cancelled, running, interrupted), finished, region,
//	               payload {file, sha256}, allowDataLoss, created, started,
//	               ended, asOf (the latest moment the report knows of),
//	               duration, rto, rtoNote, error, sessions (each process
//	               that started or resumed it: action, at, host, pid, user,
//	               version), resumes, cancel {requestedBy, at}
//	summary        resources, statuses {status: count}, calls, failedCalls,
//	               unknownCalls, approvals
//	approvals      [{layer, resourceIndex, resource, step, decision, by, at, comment}]
//	unknownCalls   [{layer, resourceIndex, resource, step, call}]
//	layers         [{number, position, status, notReached, started, ended,
//	               duration, resources}]
//
// A resource: index, name, type, region, status, continueOnError,
// timeout, started, ended, duration, recovery, rto, notReached,
// alreadyDone, reason, lastObserved, error, parameters [{name, value,
// secret, ref}], approvals, steps [{name, status, notReached, started,
// ended, duration, reason, lastObserved, error, calls}]. A call: id,
// service, action, region, args {name: value}, status (intent, issued or
// failed), outcomeUnknown, requestId, error, at, doneAt, duration. A
// secret parameter has an empty value, secret true and
// the reference it is read from: no format ever shows a secret's value.
//
// # JUnit
//
// One testsuite per layer (name and classname "layer N"), one testcase
// per resource (name "resource name (Type)", time its duration in
// seconds). succeeded passes; already-done passes, with the reason in
// system-out; failed is a failure carrying the resource's error;
// cancelled is an error (type "cancelled"), so that a drill cancelled
// half-way never shows green, while not counting as a failed failover; a
// resource still running in an unfinished run is an error (type
// "unfinished"); a resource never reached is skipped, saying why. Each
// suite's properties name the run, its payload and its RTO.
//
// # Escaping
//
// Names, reasons, observations and errors come from payloads and from AWS.
// JSON keeps them as they are (JSON escapes control characters, and <, >
// and & too). Every other format first makes control, bidirectional and
// line-separator characters visible (Clean: ESC becomes \x1b), then
// escapes for its own syntax: Markdown punctuation, HTML (html/template,
// under a Content-Security-Policy that forbids scripts and any fetch), XML.
package report
