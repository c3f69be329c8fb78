// Package httpapi is drorch serve: an HTTP API and a web UI over the same
// engine and journal as the CLI (package runner), so that several people
// can start, watch, approve and read one failover from one place.
//
// # Routes
//
//	GET  /healthz                          no token: {"status":"ok"}
//	GET  /metrics                          Prometheus metrics (Metrics)
//	GET  /api/v1/info                      version, home region, the caller's name, the routes
//	POST /api/v1/validate                  {payload, name?, region?, allowDataLoss?}: checked without AWS
//	POST /api/v1/plan                      the same: the plan (drorch plan), 409 when blocked
//	GET  /api/v1/runs?limit=N              runs, newest first (default 100)
//	POST /api/v1/runs                      {payload, name?, region?, allowDataLoss?, runId?}: plan and start; 202
//	GET  /api/v1/runs/{id}?events=true     the run: status as shown, approvals waited for, resume action, state
//	GET  /api/v1/runs/{id}/events?after=N  its journal events
//	GET  /api/v1/runs/{id}/stream          its journal as server-sent events (Last-Event-ID or ?after=N)
//	POST /api/v1/runs/{id}/cancel          ends it for good (drorch cancel)
//	POST /api/v1/runs/{id}/resume          resumes an interrupted run (drorch resume)
//	POST /api/v1/runs/{id}/approve         {resource?, comment?}: approves what it waits for
//	POST /api/v1/runs/{id}/reject          {resource?, comment?}: rejects it
//	GET  /api/v1/runs/{id}/report?format=  json (default), md, html or junit (drorch report)
//	GET  /ui/...                           the web UI (pages and static files hold no data)
//	GET  /ui/f/...  POST /ui/f/plan        the UI's fragments: server-rendered HTML
//
// A payload is a JSON object (the StatePayload document) or a string
// holding its JSON or YAML text. {id} may be a unique prefix of at least 4
// characters.
//
// # Auth
//
// Every route but /healthz and the UI's data-free pages and files needs
// Authorization: Bearer TOKEN. Tokens are compared in constant time (their
// SHA-256, against every token); a request with a token-like parameter in
// its query string is refused (401 and 400 answers are JSON). Who a token
// belongs to (its name) is journaled as the approver of an approval, the
// user of a run started (api:NAME) and who asked a cancel. The UI keeps
// the token in the tab's sessionStorage and sends it as that header: no
// cookie, so a page of another site cannot act with it (no CSRF), and a
// Content-Security-Policy allows only this server's own script and style.
//
// # Errors and limits
//
// Errors are JSON {"error", "problems"?, "status"} with the CLI's messages:
// 400 malformed, 401 no or a bad token, 404 no such run or resource, 409 a
// blocked plan, a lock held, a run already finished or not waiting, 413 a
// body over MaxBody, 415 not application/json, 422 a payload's problems
// (one line each, as drorch validate prints them), 502 AWS refused a read
// or could not be reached, 503 the server is stopping.
//
// # Runs
//
// Runs are driven in the server's process, each under the server's life
// (never a request's). Shutdown interrupts them as Ctrl-C interrupts drorch
// run: calls in flight return, each run is journaled interrupted and stays
// resumable. A new server resumes the interrupted runs the API started
// (Config.Resume); others are shown interrupted with their resume action.
package httpapi
