package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"drorch/engine"
	"drorch/journal"
	"drorch/report"
	"drorch/resource"
	"drorch/runner"
)

// payloadRequest is a payload and how to plan it.
type payloadRequest struct {
	// Payload is the payload: a JSON object (the StatePayload document) or
	// a string holding its JSON or YAML text.
	Payload json.RawMessage `json:"payload"`
	// Name says where it came from (journaled as the payload file).
	Name          string `json:"name,omitempty"`
	Region        string `json:"region,omitempty"`
	AllowDataLoss bool   `json:"allowDataLoss,omitempty"`
}

// startRequest starts a run.
type startRequest struct {
	payloadRequest
	// RunID is the new run's id (default: random).
	RunID string `json:"runId,omitempty"`
}

// decisionRequest approves or rejects an approval.
type decisionRequest struct {
	// Resource names it: "" for the only one the run waits for, its
	// name, or LAYER.INDEX as the payload numbers them.
	Resource string `json:"resource,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// parse reads and validates the request's payload.
func (s *Server) parse(req payloadRequest) (*runner.Payload, error) {
	raw := bytes.TrimSpace(req.Payload)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, badRequest("the request has no payload: send {\"payload\": {\"StatePayload\": [...]}} or the payload's text as a string")
	}
	data := []byte(raw)
	if raw[0] == '"' {
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return nil, badRequest("payload: %v", err)
		}
		data = []byte(text)
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		name = "api"
	}
	if !utf8.ValidString(name) || len(name) > 200 {
		return nil, badRequest("name: at most 200 characters of UTF-8 text")
	}
	return runner.ParsePayload(name, data, s.cfg.Registry)
}

// prepare resolves and binds a payload in its region, and previews it.
func (s *Server) prepare(ctx context.Context, req payloadRequest, command string) (*runner.Payload, runner.Cloud, *engine.Plan, *engine.Preview, error) {
	pf, err := s.parse(req)
	if err != nil {
		return nil, runner.Cloud{}, nil, nil, err
	}
	region := strings.TrimSpace(req.Region)
	if region == "" {
		region = s.cfg.Region
	}
	if region == "" {
		return nil, runner.Cloud{}, nil, nil, badRequest("no region: give \"region\" (drorch serve was started without --region)")
	}
	c, err := s.cfg.Connect(ctx, region)
	if err != nil {
		return nil, runner.Cloud{}, nil, nil, err
	}
	p, err := runner.Prepare(ctx, c, s.cfg.Registry, pf, runner.Options{AllowDataLoss: req.AllowDataLoss, Command: command})
	if err != nil {
		return nil, runner.Cloud{}, nil, nil, err
	}
	pv, err := runner.Engine(c, s.cfg.Store, s.cfg.Clock, s.cfg.Process, s.cfg.Engine).Preview(ctx, p)
	if err != nil {
		return nil, runner.Cloud{}, nil, nil, fmt.Errorf("read current state: %w", err)
	}
	return pf, c, p, pv, nil
}

// planView is a plan as the API answers it and the UI's plan fragment shows it.
type planView struct {
	Payload string          `json:"payload"`
	SHA256  string          `json:"sha256"`
	Region  string          `json:"region"`
	Preview *engine.Preview `json:"plan"`
}

func (s *Server) info(w http.ResponseWriter, r *http.Request) {
	s.json(w, http.StatusOK, map[string]any{
		"version": s.cfg.Version, "region": s.cfg.Region, "caller": caller(r.Context()),
		"routes": []string{
			"GET /healthz", "GET /metrics", "GET /api/v1/info",
			"POST /api/v1/validate", "POST /api/v1/plan",
			"GET /api/v1/runs", "POST /api/v1/runs", "GET /api/v1/runs/{id}", "GET /api/v1/runs/{id}/events",
			"GET /api/v1/runs/{id}/stream", "POST /api/v1/runs/{id}/cancel", "POST /api/v1/runs/{id}/resume",
			"POST /api/v1/runs/{id}/approve", "POST /api/v1/runs/{id}/reject", "GET /api/v1/runs/{id}/report?format=json|md|html|junit",
		},
	})
}

// validate checks a payload without calling AWS, as drorch validate does.
func (s *Server) validate(w http.ResponseWriter, r *http.Request) {
	var req payloadRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	pf, err := s.parse(req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if problems := runner.ValidateLiterals(pf, s.cfg.Registry, resource.Context{HomeRegion: req.Region, AllowDataLoss: req.AllowDataLoss}); len(problems) > 0 {
		s.fail(w, r, &runner.ProblemsError{File: pf.Name, Problems: problems})
		return
	}
	n := 0
	for _, l := range pf.Payload.Layers {
		n += len(l.Resources)
	}
	s.json(w, http.StatusOK, map[string]any{"valid": true, "payload": pf.Name, "sha256": pf.SHA256, "layers": len(pf.Payload.Layers), "resources": n})
}

// plan answers what a run would do now, as drorch plan does: 200 when it
// could start, 409 when something blocks it.
func (s *Server) plan(w http.ResponseWriter, r *http.Request) {
	var req payloadRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	pf, c, _, pv, err := s.prepare(r.Context(), req, apiCommand)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if pv.Blocked {
		status = http.StatusConflict
	}
	s.json(w, status, planView{Payload: pf.Name, SHA256: pf.SHA256, Region: c.Region, Preview: pv})
}

// startRun plans the payload and, unless the plan is blocked, starts the
// run; it answers once the run is journaled and under way.
func (s *Server) startRun(w http.ResponseWriter, r *http.Request) {
	var req startRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	id := req.RunID
	if id == "" {
		id = newRunID()
	} else if err := journal.ValidRunID(id); err != nil {
		s.fail(w, r, badRequest("runId: %v", err))
		return
	}
	pf, c, p, pv, err := s.prepare(r.Context(), req.payloadRequest, apiCommand)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if pv.Blocked {
		s.json(w, http.StatusConflict, struct {
			apiError
			Plan planView `json:"plan"`
		}{apiError{Error: "the plan is blocked (see plan); nothing was changed", Status: http.StatusConflict},
			planView{Payload: pf.Name, SHA256: pf.SHA256, Region: c.Region, Preview: pv}})
		return
	}
	started := make(chan error, 1)
	e := s.runs.engine(c, caller(r.Context()), started)
	opts, release, err := s.runs.takeSharedLock(r.Context(), c.Region, e.Process.Owner, id, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.runs.drive(id, started, func(ctx context.Context) (*journal.RunState, error) { return e.Start(ctx, id, p, opts...) }); err != nil {
		release() // the run never started: nobody else frees it
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/runs/"+id)
	s.json(w, http.StatusAccepted, map[string]any{"id": id, "status": journal.StatusRunning, "links": links(id)})
}

func links(id string) map[string]string {
	return map[string]string{"self": "/api/v1/runs/" + id, "stream": "/api/v1/runs/" + id + "/stream",
		"report": "/api/v1/runs/" + id + "/report?format=html", "ui": "/ui/runs/" + id}
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10000 {
			s.fail(w, r, badRequest("limit %q: a whole number from 0 (all) to 10000", clip(v, 20)))
			return
		}
		limit = n
	}
	rows, err := s.summaries(r.Context(), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.json(w, http.StatusOK, map[string]any{"runs": rows})
}

func (s *Server) showRun(w http.ResponseWriter, r *http.Request) {
	v, err := s.view(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.URL.Query().Get("events") == "true" {
		if v.Events, err = s.cfg.Store.Events(r.Context(), v.ID, 0); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.json(w, http.StatusOK, v)
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	rec, err := s.cfg.Store.Run(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	after, err := lastEventID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	evs, err := s.cfg.Store.Events(r.Context(), rec.ID, after)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if evs == nil {
		evs = []journal.Event{}
	}
	s.json(w, http.StatusOK, map[string]any{"run": rec.ID, "events": evs})
}

// optional decodes a body that may be absent (or empty, however sent)
// into v; one that is there must be a valid JSON object.
func optional(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSmallBody))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return &httpError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("the request body is larger than %d bytes; nothing was changed", maxSmallBody)}
	case err != nil:
		return badRequest("read the request body: %v", err)
	case len(bytes.TrimSpace(b)) == 0:
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return decode(w, r, maxSmallBody, v)
}

// noBody checks that a request meant to carry nothing carries at most an
// empty JSON object.
func noBody(w http.ResponseWriter, r *http.Request) error {
	var v struct{}
	return optional(w, r, &v)
}

func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request) {
	if err := noBody(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	rec, st, err := runner.Load(ctx, s.cfg.Store, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if st.Status.Terminal() {
		s.fail(w, r, &httpError{status: http.StatusConflict, msg: fmt.Sprintf("run %s already %s", rec.ID, st.Status)})
		return
	}
	who := "api:" + caller(ctx)
	owner := fmt.Sprintf("cancel:%d:%s", os.Getpid(), newRunID()[:6])
	done, err := runner.Cancel(ctx, s.cfg.Store, s.now(), rec, st, who, owner)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !done.Requested {
		s.runs.freeSharedLock(ctx, st) // interrupted and now cancelled: nobody will release it
	}
	s.hub.publish(rec.ID)
	s.json(w, http.StatusAccepted, map[string]any{"id": rec.ID, "requested": done.Requested, "ongoing": orEmpty(done.Ongoing)})
}

func (s *Server) resumeRun(w http.ResponseWriter, r *http.Request) {
	if err := noBody(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	rec, st, err := runner.Load(ctx, s.cfg.Store, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch {
	case st.Status.Terminal():
		s.fail(w, r, &httpError{status: http.StatusConflict, msg: fmt.Sprintf("run %s already %s; nothing to resume", rec.ID, st.Status)})
		return
	case runner.Status(rec, st, s.now()) != journal.StatusInterrupted:
		s.fail(w, r, fmt.Errorf("resume %s: %w", rec.ID, journal.ErrRunActive))
		return
	}
	if err := s.runs.resume(ctx, rec.ID, st, caller(ctx)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.json(w, http.StatusAccepted, map[string]any{"id": rec.ID, "status": journal.StatusRunning, "links": links(rec.ID)})
}

// decide records an approval or a rejection by the token's name.
func (s *Server) decide(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req decisionRequest
		if err := optional(w, r, &req); err != nil {
			s.fail(w, r, err)
			return
		}
		ctx := r.Context()
		_, st, err := runner.Load(ctx, s.cfg.Store, r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		by := caller(ctx)
		wa, err := runner.Decide(ctx, s.cfg.Store, s.now(), st, runner.Decision{Target: req.Resource, Approve: approve, By: by, Comment: req.Comment})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.hub.publish(st.ID)
		decision := journal.Approved
		if !approve {
			decision = journal.Rejected
		}
		if s.cfg.Metrics != nil {
			s.cfg.Metrics.approvals.WithLabelValues(string(decision)).Inc()
		}
		s.json(w, http.StatusOK, map[string]any{"id": st.ID, "resource": wa, "decision": decision, "by": by})
	}
}

// buildReport makes the report of run id from its journal.
func (s *Server) buildReport(ctx context.Context, id string) (*report.Report, error) {
	rec, err := s.cfg.Store.Run(ctx, id)
	if err != nil {
		return nil, err
	}
	evs, err := s.cfg.Store.Events(ctx, rec.ID, 0)
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", rec.ID, err)
	}
	st, err := journal.Fold(evs)
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", rec.ID, err)
	}
	now := s.now()
	return report.FromEvents(evs, report.Options{Recovery: s.cfg.Registry.Recovery, Status: runner.Status(rec, st, now),
		Generated: now, GeneratedBy: "drorch " + s.cfg.Version, Approvals: runner.ApprovalEvents(st)})
}

var reportTypes = map[report.Format]string{
	report.JSON: "application/json; charset=utf-8", report.Markdown: "text/markdown; charset=utf-8",
	report.HTML: "text/html; charset=utf-8", report.JUnit: "application/xml; charset=utf-8",
}

func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	f := report.JSON
	if v := r.URL.Query().Get("format"); v != "" {
		var err error
		if f, err = report.ParseFormat(v); err != nil {
			s.fail(w, r, badRequest("%v", err))
			return
		}
	}
	rep, err := s.buildReport(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := report.Write(&b, rep, f); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", reportTypes[f])
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=\"drorch-run-%s%s\"", rep.Run.ID, f.Ext()))
	_, _ = w.Write(b.Bytes())
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Metrics == nil {
		s.error(w, r, http.StatusNotFound, "metrics are off")
		return
	}
	s.cfg.Metrics.handler.ServeHTTP(w, r)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
