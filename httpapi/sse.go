package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"drorch/journal"
)

// hub wakes the streams of a run when this process journals an event of
// it. Streams read the events themselves from the journal, by Seq, so a
// wake-up lost or doubled changes nothing but latency; they also look
// every pollEvery for events other processes journaled (a `drorch
// approve`, a CLI run).
type hub struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]bool
}

func newHub() *hub { return &hub{subs: map[string]map[chan struct{}]bool{}} }

func (h *hub) subscribe(run string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[run] == nil {
		h.subs[run] = map[chan struct{}]bool{}
	}
	h.subs[run][ch] = true
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[run], ch)
		if len(h.subs[run]) == 0 {
			delete(h.subs, run)
		}
		h.mu.Unlock()
	}
}

// publish wakes run's streams; it never blocks.
func (h *hub) publish(run string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[run] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// observe hands an event journaled by this server to the streams, the
// metrics and the observers.
func (s *Server) observe(ev journal.Event) {
	s.hub.publish(ev.RunID)
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.observe(ev)
	}
	for _, o := range s.cfg.Observers {
		o(ev)
	}
}

// Stream timing.
const (
	pollEvery = time.Second
	keepAlive = 15 * time.Second
)

// stream serves a run's journal as server-sent events: one "journal" event
// per journal event, its id the event's Seq, in order; a client that
// reconnects with Last-Event-ID (or ?after=SEQ) gets what follows it. When
// the run has ended and every event was sent, an "end" event carries its
// status and the stream closes.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rec, err := s.cfg.Store.Run(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	after, err := lastEventID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		s.error(w, r, http.StatusInternalServerError, "streaming is not supported by this connection")
		return
	}
	wake, unsubscribe := s.hub.subscribe(rec.ID)
	defer unsubscribe()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	fl.Flush()

	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	idle := time.NewTimer(keepAlive)
	defer idle.Stop()
	for {
		evs, err := s.cfg.Store.Events(ctx, rec.ID, after)
		if err != nil {
			if ctx.Err() == nil {
				writeSSE(w, "error", 0, apiError{Error: err.Error(), Status: http.StatusInternalServerError})
				fl.Flush()
			}
			return
		}
		ended := false
		for _, ev := range evs {
			if writeSSE(w, "journal", ev.Seq, ev) != nil {
				return
			}
			after = ev.Seq
			ended = ended || ev.Kind == journal.RunFinished
		}
		if len(evs) > 0 {
			fl.Flush()
			idle.Reset(keepAlive)
		}
		if !ended && len(evs) == 0 {
			if cur, err := s.cfg.Store.Run(ctx, rec.ID); err == nil && cur.Status.Terminal() {
				ended = true
			}
		}
		if ended {
			st, _ := s.cfg.Store.Run(ctx, rec.ID)
			writeSSE(w, "end", 0, map[string]any{"run": rec.ID, "status": st.Status, "lastSeq": after})
			fl.Flush()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.closing:
			return // the client reconnects with Last-Event-ID
		case <-wake:
		case <-poll.C:
		case <-idle.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			fl.Flush()
			idle.Reset(keepAlive)
		}
	}
}

// writeSSE writes one event; id 0 writes none (the client keeps its last).
func writeSSE(w http.ResponseWriter, event string, id int64, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var sb strings.Builder
	if id > 0 {
		fmt.Fprintf(&sb, "id: %d\n", id)
	}
	fmt.Fprintf(&sb, "event: %s\ndata: %s\n\n", event, b) // JSON has no raw newline
	_, err = w.Write([]byte(sb.String()))
	return err
}

// lastEventID is where a stream resumes: the Last-Event-ID header, else
// ?after=, else the start.
func lastEventID(r *http.Request) (int64, error) {
	v := r.Header.Get("Last-Event-ID")
	what := "Last-Event-ID"
	if v == "" {
		v, what = r.URL.Query().Get("after"), "after"
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest("%s %q: give the seq of the last event received (a whole number, 0 for all)", what, clip(v, 40))
	}
	return n, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
