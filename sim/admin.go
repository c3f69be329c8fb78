package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"
)

// The admin API, JSON over HTTP under /_sim/, outside SigV4 and untouched
// by faults:
//
//	GET    /_sim/health                   {"status":"ok","now":...}
//	GET    /_sim/state                    State
//	GET    /_sim/faults                   []Fault
//	POST   /_sim/faults                   Fault -> Fault (with id)
//	DELETE /_sim/faults                   clear every fault
//	DELETE /_sim/faults/{id}              clear one fault
//	POST   /_sim/regions/{region}/outage  ?mode=refuse|hang: a region outage
//	DELETE /_sim/regions/{region}/outage  end that region's outages
//	GET    /_sim/calls                    CallLog
//	DELETE /_sim/calls                    reset the counts and the log
//	GET    /_sim/ops                      []Op
//	GET    /_sim/sns                      []Message
//	POST   /_sim/advance                  {"seconds":N}: skip virtual time (0 < N <= 30 days)
//	GET    /_sim/caller                   {"arn":...,"principals":[...]}
//	PUT    /_sim/caller                   {"arn":...}: answer STS as that principal
//	PUT    /_sim/principals               ScenarioPrincipal: add or replace one
//
// Writes (POST, PUT, DELETE) need Content-Type: application/json and no
// Origin header or the simulator's own (see guardWrites).
func (s *Sim) adminMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_sim/health", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusOK, map[string]any{"status": "ok", "now": s.Now()})
	})
	mux.HandleFunc("GET /_sim/state", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusOK, s.State())
	})
	mux.HandleFunc("GET /_sim/faults", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusOK, nonNil(s.Faults()))
	})
	mux.HandleFunc("POST /_sim/faults", func(rw http.ResponseWriter, r *http.Request) {
		var f Fault
		if err := readJSON(r, &f); err != nil {
			writeJSONError(rw, http.StatusBadRequest, err)
			return
		}
		f, err := s.SetFault(f)
		if err != nil {
			writeJSONError(rw, http.StatusBadRequest, err)
			return
		}
		writeJSON(rw, http.StatusCreated, f)
	})
	mux.HandleFunc("DELETE /_sim/faults", func(rw http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		rw.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /_sim/faults/{id}", func(rw http.ResponseWriter, r *http.Request) {
		if err := s.ClearFault(r.PathValue("id")); err != nil {
			writeJSONError(rw, http.StatusNotFound, err)
			return
		}
		rw.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_sim/regions/{region}/outage", func(rw http.ResponseWriter, r *http.Request) {
		f, err := s.SetFault(Fault{Kind: FaultOutage, Region: r.PathValue("region"), Mode: r.URL.Query().Get("mode")})
		if err != nil {
			writeJSONError(rw, http.StatusBadRequest, err)
			return
		}
		writeJSON(rw, http.StatusCreated, f)
	})
	mux.HandleFunc("DELETE /_sim/regions/{region}/outage", func(rw http.ResponseWriter, r *http.Request) {
		s.clearOutages(r.PathValue("region"))
		rw.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_sim/calls", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusOK, CallLog{Counts: nonNil(s.Calls()), Mutating: nonNil(s.MutatingCalls())})
	})
	mux.HandleFunc("DELETE /_sim/calls", func(rw http.ResponseWriter, r *http.Request) {
		s.ResetCalls()
		rw.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_sim/ops", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusOK, nonNil(s.Ops()))
	})
	mux.HandleFunc("GET /_sim/sns", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusOK, nonNil(s.Messages()))
	})
	mux.HandleFunc("POST /_sim/advance", func(rw http.ResponseWriter, r *http.Request) {
		var in struct {
			Seconds *float64 `json:"seconds"`
		}
		if err := readJSON(r, &in); err != nil || in.Seconds == nil || !(*in.Seconds > 0) || *in.Seconds > MaxAdvance.Seconds() {
			writeJSONError(rw, http.StatusBadRequest, fmt.Errorf(`advance: body must be {"seconds": N} with 0 < N <= %.0f (%v)`,
				MaxAdvance.Seconds(), MaxAdvance))
			return
		}
		s.Advance(seconds(*in.Seconds))
		writeJSON(rw, http.StatusOK, map[string]any{"now": s.Now()})
	})
	mux.HandleFunc("GET /_sim/caller", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusOK, CallerInfo{ARN: s.Caller(), Principals: s.Principals()})
	})
	mux.HandleFunc("PUT /_sim/caller", func(rw http.ResponseWriter, r *http.Request) {
		var in struct {
			ARN string `json:"arn"`
		}
		if err := readJSON(r, &in); err != nil {
			writeJSONError(rw, http.StatusBadRequest, err)
			return
		}
		if err := s.SetCaller(in.ARN); err != nil {
			writeJSONError(rw, http.StatusNotFound, err)
			return
		}
		writeJSON(rw, http.StatusOK, CallerInfo{ARN: s.Caller(), Principals: s.Principals()})
	})
	mux.HandleFunc("PUT /_sim/principals", func(rw http.ResponseWriter, r *http.Request) {
		var in ScenarioPrincipal
		if err := readJSON(r, &in); err != nil {
			writeJSONError(rw, http.StatusBadRequest, err)
			return
		}
		if err := s.PutPrincipal(in); err != nil {
			writeJSONError(rw, http.StatusBadRequest, err)
			return
		}
		rw.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/_sim/", func(rw http.ResponseWriter, r *http.Request) {
		writeJSONError(rw, http.StatusNotFound, fmt.Errorf("no admin endpoint %s %s", r.Method, truncate(r.URL.Path, 200)))
	})
	return guardWrites(mux)
}

// literalHost reports whether a Host header names an IP address or
// localhost: a page served from a name that an attacker's DNS points at
// 127.0.0.1 (DNS rebinding) would otherwise be "same origin".
func literalHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	return host == "localhost" || net.ParseIP(strings.Trim(host, "[]")) != nil
}

// guardWrites lets admin writes through only when a web page cannot have
// sent them: a browser sends a cross-origin POST without asking first only
// when its body is form or text/plain, and always names the page's Origin.
// So a write must say application/json and carry no Origin, or the
// simulator's own. Reads (GET, HEAD) stay open.
func guardWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(rw, r)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && (origin != "http://"+r.Host || !literalHost(r.Host)) {
			writeJSONError(rw, http.StatusForbidden, fmt.Errorf("admin %s %s: cross-origin writes are refused (Origin %q is not http://%s)",
				r.Method, r.URL.Path, truncate(origin, 100), truncate(r.Host, 100)))
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeJSONError(rw, http.StatusUnsupportedMediaType, fmt.Errorf("admin %s %s: send Content-Type: application/json (got %q)",
				r.Method, r.URL.Path, truncate(r.Header.Get("Content-Type"), 100)))
			return
		}
		next.ServeHTTP(rw, r)
	})
}

// clearOutages ends every outage fault of a region.
func (s *Sim) clearOutages(region string) {
	for _, f := range s.Faults() {
		if f.Kind == FaultOutage && f.Region == region {
			_ = s.ClearFault(f.ID) // gone already is fine
		}
	}
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode request body: %w", err)
	}
	return nil
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	enc := json.NewEncoder(rw)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away: nothing to do
}

func writeJSONError(rw http.ResponseWriter, status int, err error) {
	writeJSON(rw, status, map[string]string{"error": err.Error()})
}

// MaxAdvance is the longest skip of virtual time /_sim/advance accepts.
const MaxAdvance = 30 * 24 * time.Hour
