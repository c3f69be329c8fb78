package e2e

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"drorch/sim"
)

// gate sits in front of the simulator and passes every request through,
// except that, when a trap is armed, it kills the drorch process at the k-th
// mutating call: before the simulator sees it (the intent is journaled and
// the call never reached AWS) or after the simulator applied it (AWS acted,
// drorch never heard the answer). These are the two moments a crash can
// leave a call's outcome unknown.
type gate struct {
	next http.Handler

	mu   sync.Mutex
	trap *trap
}

// trap is one armed kill.
type trap struct {
	k     int  // kill at the k-th mutating call after arming (from 1)
	after bool // let the simulator apply the call first
	kill  func()
	seen  int
	fired string // the action it fired on ("" until it fires)
}

// arm sets a trap; the returned function disarms it and says which call it
// fired on ("" if it did not).
func (g *gate) arm(k int, after bool, kill func()) (disarm func() string) {
	t := &trap{k: k, after: after, kill: kill}
	g.mu.Lock()
	g.trap = t
	g.mu.Unlock()
	return func() string {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.trap == t {
			g.trap = nil
		}
		return t.fired
	}
}

// spring counts a mutating call and returns the trap if this call fires it.
func (g *gate) spring(action string) *trap {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.trap
	if t == nil {
		return nil
	}
	t.seen++
	if t.seen != t.k {
		return nil
	}
	t.fired = action
	g.trap = nil
	return t
}

func (g *gate) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim") {
		g.next.ServeHTTP(rw, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	action := actionOf(r, body)
	var t *trap
	if action != "" && sim.IsMutating(action) {
		t = g.spring(action)
	}
	if t == nil {
		g.next.ServeHTTP(rw, r)
		return
	}
	if t.after {
		g.next.ServeHTTP(httptest.NewRecorder(), r)
	}
	t.kill()
	// drorch is dead: nobody reads an answer.
	panic(http.ErrAbortHandler)
}

// actionOf is the API action of a request: the Query protocol's Action, or
// the JSON protocol's X-Amz-Target operation.
func actionOf(r *http.Request, body []byte) string {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		_, op, _ := strings.Cut(target, ".")
		return op
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return ""
	}
	return vals.Get("Action")
}
