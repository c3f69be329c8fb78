package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"drorch/cloud"
	"drorch/engine"
	"drorch/internal/clock"
	"drorch/journal"
	"drorch/manifest"
	"drorch/resource"
	"drorch/runner"
)

// Config is what a Server runs on. Store, Registry, Connect, Clock and
// Tokens are required.
type Config struct {
	Store    journal.Store
	Registry *resource.Registry
	// Connect returns the AWS adapters of a home region (runs act from
	// the region they name, or Region).
	Connect func(ctx context.Context, region string) (runner.Cloud, error)
	// Region is the home region of runs that name none ("" makes them
	// name one).
	Region string
	Clock  clock.Clock
	// Process is this server as the owner of the runs it drives.
	Process journal.Process
	Engine  engine.Settings
	Tokens  *Tokens
	// Observers see every event of the runs this server drives, after it
	// is journaled (notifications). They must not block.
	Observers []func(journal.Event)
	// Metrics, if set, are updated and served at /metrics.
	Metrics *Metrics
	// Resume makes New's Start resume the runs that the API started and
	// that were left interrupted (a restart of drorch serve).
	Resume bool
	// SharedLock, if set, is the lock shared with other operators and
	// drorch's Step Functions executions (a DynamoDB table) in a region,
	// taken by owner: a run takes it on its resources before it starts,
	// as drorch run does, and a start that finds them held is refused
	// (409), naming the holder. Nil: the journal's own lock only.
	SharedLock func(ctx context.Context, region, owner string) (*runner.SharedLock, error)
	// Version names drorch in reports and at /api/v1/info.
	Version string
	Log     *slog.Logger
}

// Limits of requests.
const (
	// MaxBody is the largest request body: a payload at its own limit,
	// written as a JSON string (every byte escaped at worst as \u00XX is
	// not accepted: payloads are text), plus the request's other fields.
	MaxBody = 2*manifest.MaxPayloadBytes + 64<<10
	// maxSmallBody bounds the bodies of requests that carry no payload.
	maxSmallBody = 16 << 10
)

// Server is drorch's HTTP API and web UI.
type Server struct {
	cfg  Config
	hub  *hub
	runs *runs
	ui   *ui
	mux  *http.ServeMux

	cache     summaryCache
	closing   chan struct{} // closed by Shutdown: streams end
	closeOnce sync.Once
}

// New returns the server; Start begins resuming what it should, and
// Shutdown interrupts the runs it drives.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Store == nil || cfg.Registry == nil || cfg.Connect == nil || cfg.Clock == nil || cfg.Tokens == nil:
		return nil, errors.New("httpapi: Store, Registry, Connect, Clock and Tokens are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, hub: newHub(), closing: make(chan struct{}), cache: summaryCache{rows: map[string]runSummary{}}}
	s.runs = newRuns(s)
	var err error
	if s.ui, err = newUI(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// Start resumes, in the background, the interrupted runs the API started
// (when Config.Resume is set).
func (s *Server) Start(ctx context.Context) error { return s.runs.resumeInterrupted(ctx) }

// Shutdown interrupts the runs this server drives (each stops after its
// calls in flight return and stays resumable) and waits for them, or ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.closing) })
	return s.runs.interrupt(ctx)
}

// ServeHTTP serves the API and the UI.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secure(w.Header(), s.ui.csp)
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	m := http.NewServeMux()
	auth := func(pattern string, h http.HandlerFunc) { m.Handle(pattern, s.authenticate(h)) }

	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		s.json(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	auth("GET /metrics", s.metrics)

	auth("GET /api/v1/info", s.info)
	auth("POST /api/v1/validate", s.validate)
	auth("POST /api/v1/plan", s.plan)
	auth("GET /api/v1/runs", s.listRuns)
	auth("POST /api/v1/runs", s.startRun)
	auth("GET /api/v1/runs/{id}", s.showRun)
	auth("GET /api/v1/runs/{id}/events", s.events)
	auth("GET /api/v1/runs/{id}/stream", s.stream)
	auth("POST /api/v1/runs/{id}/cancel", s.cancelRun)
	auth("POST /api/v1/runs/{id}/resume", s.resumeRun)
	auth("POST /api/v1/runs/{id}/approve", s.decide(true))
	auth("POST /api/v1/runs/{id}/reject", s.decide(false))
	auth("GET /api/v1/runs/{id}/report", s.report)
	m.Handle("/api/", s.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, http.StatusNotFound, fmt.Sprintf("no API route %s %s: see GET /api/v1/info", r.Method, r.URL.Path))
	})))

	// The UI's pages and files hold no data: a browser loads them before
	// it has the token; everything they show comes from the fragments
	// below, which need it.
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/", http.StatusFound) })
	m.HandleFunc("GET /ui/", s.ui.page)
	m.HandleFunc("GET /ui/static/{file}", s.ui.static)
	auth("GET /ui/f/runs", s.uiRuns)
	auth("GET /ui/f/runs/{id}", s.uiRun)
	auth("POST /ui/f/plan", s.uiPlan)
	s.mux = m
}

// secure sets the headers every answer carries.
func secure(h http.Header, csp string) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// apiError is the body of every error answer.
type apiError struct {
	// Error is the message the CLI prints after "drorch: ".
	Error string `json:"error"`
	// Problems are a refused payload's problems, one line each, as the
	// CLI prints them.
	Problems []string `json:"problems,omitempty"`
	Status   int      `json:"status"`
}

func (s *Server) error(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.json(w, status, apiError{Error: msg, Status: status})
}

// fail answers err with the status its kind calls for and the message
// the CLI would print.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var pe *runner.ProblemsError
	var be *journal.BusyError
	var he *httpError
	var ae *cloud.APIError
	switch {
	case errors.As(err, &he):
		s.error(w, r, he.status, he.msg)
	case errors.As(err, &pe):
		body := apiError{Error: pe.Error(), Status: http.StatusUnprocessableEntity}
		for _, p := range pe.Problems {
			body.Problems = append(body.Problems, p.Error())
		}
		s.json(w, body.Status, body)
	case errors.As(err, &be), errors.Is(err, journal.ErrRunActive), errors.Is(err, runner.ErrNotWaiting), errors.Is(err, engine.ErrRunFinished):
		s.error(w, r, http.StatusConflict, err.Error())
	case errors.Is(err, journal.ErrRunNotFound), errors.Is(err, runner.ErrNoSuchResource):
		s.error(w, r, http.StatusNotFound, err.Error())
	case errors.Is(err, journal.ErrRunAmbiguous), errors.Is(err, journal.ErrInvalidRunID), errors.Is(err, runner.ErrInvalid):
		s.error(w, r, http.StatusBadRequest, err.Error())
	case errors.As(err, &ae):
		// AWS refused or could not be reached (after retries): the
		// server is a gateway to it.
		s.error(w, r, http.StatusBadGateway, err.Error())
	default:
		s.cfg.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		s.error(w, r, http.StatusInternalServerError, err.Error())
	}
}

// httpError is an error with the status to answer it with.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func (s *Server) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away: nothing to tell it
}

// decode reads a JSON body of at most limit bytes into v: anything else
// than one JSON object of known fields is refused with a 4xx saying why.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return &httpError{status: http.StatusUnsupportedMediaType, msg: "send the request body as application/json"}
		}
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return &httpError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("the request body is larger than %d bytes; nothing was changed", limit)}
		case errors.Is(err, io.EOF):
			return badRequest("the request body is empty: send a JSON object")
		}
		return badRequest("the request body is not valid JSON for this route: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &httpError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("the request body is larger than %d bytes; nothing was changed", limit)}
		}
		return badRequest("the request body has more after its JSON object")
	}
	return nil
}

// now is the server's clock.
func (s *Server) now() time.Time { return s.cfg.Clock.Now() }
