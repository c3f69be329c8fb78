package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"drorch/awsapi"
	"drorch/httpapi"
	"drorch/journal"
	"drorch/resource/all"
	"drorch/runner"
)

// serveFlags are drorch serve's own settings.
type serveFlags struct {
	listen    string
	tokenFile string
	publicURL string
	resume    bool
	run       runSettings
}

func newServeCmd(a *app) *cobra.Command {
	var sf serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP API and the web UI: start, watch, approve and read runs",
		Long: `serve runs drorch's HTTP API (JSON under /api/v1/, live progress as
server-sent events, Prometheus metrics at /metrics) and its web UI (/ui/: the
runs, each run's layers, resources, steps and timeline, live; the plan before
a run; approve and cancel buttons; the report) over the same engine and
journal as the CLI. Runs started here run in this process: stopping serve
(Ctrl-C, SIGTERM) interrupts them as it would drorch run, and serve resumes
them when it starts again (--resume).

Every route but /healthz needs the bearer token: from --token-file (lines of
NAME:TOKEN or TOKEN; the name is journaled as who approved or started), else
DRORCH_API_TOKEN, else one made now and printed once on stderr. It listens on
127.0.0.1 unless told otherwise; it speaks plain HTTP, so put TLS in front of
it before listening elsewhere.`,
		Example: `  drorch serve --region us-west-2
  drorch serve --region us-west-2 --listen 127.0.0.1:9090 --token-file ~/.config/drorch/tokens
  DRORCH_API_TOKEN=$(cat token) drorch serve --region us-west-2 --notify-webhook https://hooks.slack.com/services/...`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return serve(cmd.Context(), a, sf) },
	}
	f := cmd.Flags()
	f.StringVar(&sf.listen, "listen", "127.0.0.1:8080", "address to listen on (host:port)")
	f.StringVar(&sf.tokenFile, "token-file", "", "file of API tokens, one a line: NAME:TOKEN or TOKEN (default: DRORCH_API_TOKEN, else a new one printed once)")
	f.StringVar(&sf.publicURL, "public-url", "", "the UI's address as people reach it, for links in notifications (default: http://LISTEN)")
	f.BoolVar(&sf.resume, "resume", true, "resume the runs started here that a stop of drorch serve interrupted")
	f.Float64Var(&a.apiRate, "api-rate", 0, apiRateHelp+"; shared by the runs of one home region")
	sf.run.flags(cmd)
	return cmd
}

func serve(ctx context.Context, a *app, sf serveFlags) error {
	if err := a.checkAPIRate(); err != nil {
		return err
	}
	tokens, err := a.tokens(sf.tokenFile)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", sf.listen)
	if err != nil {
		return badInput(fmt.Errorf("--listen %s: %w", sf.listen, err))
	}
	defer ln.Close()
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		fmt.Fprintf(a.stderr, "drorch serve: warning: listening on %s, beyond this machine, in plain HTTP: put TLS in front of it\n", host)
	}
	store, err := a.createStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()

	base := strings.TrimRight(sf.publicURL, "/")
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	metrics := httpapi.NewMetrics(store)
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	nt, err := a.notifier(ctx, sf.run.notify, store, func(id string) string { return base + "/ui/runs/" + id })
	if err != nil {
		return err
	}
	cfg := httpapi.Config{
		Store: store, Registry: all.Registry(), Connect: a.clouds(metrics), Region: a.region, Clock: a.wall,
		Process: journal.NewProcess(processVersion()), Engine: sf.run.engine(), Tokens: tokens, Metrics: metrics,
		Resume: sf.resume, Version: processVersion(), Log: log,
	}
	if table := a.lockTable(sf.run.lockTable); table != "" {
		cfg.SharedLock = func(ctx context.Context, region, owner string) (*runner.SharedLock, error) {
			return a.sharedLock(ctx, table, region, store, owner)
		}
	}
	if nt != nil {
		cfg.Observers = append(cfg.Observers, nt.Observe)
	}
	srv, err := httpapi.New(cfg)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(a.stderr, "drorch serve: listening on http://%s (web UI %s/ui/), journal %s\n", ln.Addr(), base, store.Path())
	if err := srv.Start(ctx); err != nil {
		fmt.Fprintf(a.stderr, "drorch serve: %v\n", err)
	}

	select {
	case err = <-served:
	case <-ctx.Done():
	}
	fmt.Fprintln(a.stderr, "drorch serve: stopping: interrupting the runs it drives after their calls in flight return")
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	serr := srv.Shutdown(stopCtx)
	_ = hs.Shutdown(stopCtx)
	if nt != nil {
		nt.Close(stopCtx)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return serr
}

// tokens reads --token-file, else DRORCH_API_TOKEN, else makes a token and
// prints it once.
func (a *app) tokens(file string) (*httpapi.Tokens, error) {
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, badInput(fmt.Errorf("--token-file: %w", err))
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
			fmt.Fprintf(a.stderr, "drorch serve: warning: %s is readable by others (mode %s): chmod 600 it\n", file, fi.Mode().Perm())
		}
		t, err := httpapi.ParseTokens(f)
		if err != nil {
			return nil, badInput(fmt.Errorf("--token-file %s: %w", file, err))
		}
		return t, nil
	}
	t := &httpapi.Tokens{}
	if env := strings.TrimSpace(a.getenv("DRORCH_API_TOKEN")); env != "" {
		if err := t.Add("api", env); err != nil {
			return nil, badInput(fmt.Errorf("DRORCH_API_TOKEN: %w", err))
		}
		return t, nil
	}
	tok := httpapi.NewToken()
	if err := t.Add("api", tok); err != nil {
		return nil, err
	}
	fmt.Fprintf(a.stderr, "drorch serve: API token (shown once; pass --token-file or DRORCH_API_TOKEN to choose it): %s\n", tok)
	return t, nil
}

// clouds connects to AWS once per home region, every call counted.
func (a *app) clouds(m *httpapi.Metrics) func(ctx context.Context, region string) (runner.Cloud, error) {
	var (
		mu    sync.Mutex
		cache = map[string]runner.Cloud{}
	)
	return func(ctx context.Context, region string) (runner.Cloud, error) {
		mu.Lock()
		defer mu.Unlock()
		if c, ok := cache[region]; ok {
			return c, nil
		}
		conf := awsapi.Config{Region: region, Profile: a.profile, EndpointURL: a.endpointURL, Credentials: a.creds,
			ReadAttempts: a.readAttempts, MaxBackoff: a.maxBackoff, APIRate: a.apiRate, Clock: a.wall,
			OnCall: func(ci awsapi.CallInfo) { m.AWSCall(ci.Service, ci.Action, ci.Duration, ci.Err) }}
		c, err := awsapi.New(ctx, conf)
		if err != nil {
			return runner.Cloud{}, fmt.Errorf("set up AWS clients for %s: %w", region, err)
		}
		reads, refs := c.Reads(), c.Refs()
		cl := runner.Cloud{Region: c.Region(), Reader: reads, Batch: reads, Executor: c.Calls(), Identity: c.Identity(), Exports: refs, Params: refs}
		cache[region] = cl
		return cl, nil
	}
}
