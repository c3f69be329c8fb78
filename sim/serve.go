package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// ServerSettings bound the HTTP server that Serve runs, so that a simulator
// on a shared host cannot be held by slow or idle clients. A zero field
// takes its value from DefaultServerSettings.
type ServerSettings struct {
	// ReadHeaderTimeout is how long a client may take to send its request
	// headers (default 10 s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout is how long a client may take to send a whole request,
	// body included (default 30 s; bodies are at most 1 MiB).
	ReadTimeout time.Duration
	// WriteTimeout is how long an answer may take, from the end of the
	// request headers (default 10 min: a call held by a hang outage waits
	// for the client to give up, and AWS clients give up within minutes).
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no request for that
	// long (default 2 min).
	IdleTimeout time.Duration
	// MaxConns is how many connections are served at once (default 256);
	// more wait in the listen backlog until one closes.
	MaxConns int
}

// DefaultServerSettings are the documented defaults of ServerSettings.
var DefaultServerSettings = ServerSettings{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      10 * time.Minute,
	IdleTimeout:       2 * time.Minute,
	MaxConns:          256,
}

// WithDefaults returns s with every zero field set from
// DefaultServerSettings.
func (s ServerSettings) WithDefaults() ServerSettings {
	d := DefaultServerSettings
	if s.ReadHeaderTimeout > 0 {
		d.ReadHeaderTimeout = s.ReadHeaderTimeout
	}
	if s.ReadTimeout > 0 {
		d.ReadTimeout = s.ReadTimeout
	}
	if s.WriteTimeout > 0 {
		d.WriteTimeout = s.WriteTimeout
	}
	if s.IdleTimeout > 0 {
		d.IdleTimeout = s.IdleTimeout
	}
	if s.MaxConns > 0 {
		d.MaxConns = s.MaxConns
	}
	return d
}

// Serve answers on ln until ctx is done, then shuts down (closing held
// connections) and returns nil. The server is bounded by Config.Server.
func (s *Sim) Serve(ctx context.Context, ln net.Listener) error {
	set := s.server
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: set.ReadHeaderTimeout,
		ReadTimeout:       set.ReadTimeout,
		WriteTimeout:      set.WriteTimeout,
		IdleTimeout:       set.IdleTimeout,
		MaxHeaderBytes:    64 << 10, // SigV4 headers are a few KB
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	limited := netutil.LimitListener(ln, set.MaxConns)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(limited) }()
	select {
	case err := <-errc:
		s.Close()
		return fmt.Errorf("serve simulator on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.Close()
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve simulator on %s: %w", ln.Addr(), err)
	}
	return nil
}

// ListenAndServe listens on addr (e.g. 127.0.0.1:4566) and serves until ctx
// is done.
func (s *Sim) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen for simulator on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}
