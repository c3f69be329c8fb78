package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"drorch/engine"
	"drorch/journal"
	"drorch/runner"
)

// runs are the runs this server drives: started or resumed through the
// API, each in its own goroutine under the server's lifetime (never a
// request's), so that a client going away stops nothing.
type runs struct {
	s *Server

	mu       sync.Mutex
	active   map[string]*driven
	stopping bool
	wg       sync.WaitGroup
	base     context.Context
	stop     context.CancelCauseFunc
}

// driven is one run being driven here.
type driven struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
}

func newRuns(s *Server) *runs {
	base, stop := context.WithCancelCause(context.Background())
	return &runs{s: s, active: map[string]*driven{}, base: base, stop: stop}
}

// apiCommand is the RunSpec.Command of runs started through the API: a
// restarted server resumes those, never a CLI run someone interrupted on
// purpose.
const apiCommand = "serve"

// engine returns an engine over c for one run started or resumed by who.
func (rs *runs) engine(c runner.Cloud, who string, started chan<- error) *engine.Engine {
	proc := rs.s.cfg.Process
	proc.User = "api:" + who
	e := runner.Engine(c, rs.s.cfg.Store, rs.s.cfg.Clock, proc, rs.s.cfg.Engine)
	var once sync.Once
	e.Observer = func(ev journal.Event) {
		rs.s.observe(ev)
		if ev.Kind == journal.RunStarted || ev.Kind == journal.RunResumed {
			once.Do(func() {
				select {
				case started <- nil:
				default:
				}
			})
		}
	}
	return e
}

// drive runs do (e.Start or e.Resume) in the background and returns once
// the run is under way here (its run.started or run.resumed journaled), or
// with the error that kept it from starting (locks held, a live owner).
func (rs *runs) drive(id string, started chan error, do func(ctx context.Context) (*journal.RunState, error)) error {
	rs.mu.Lock()
	if rs.stopping {
		rs.mu.Unlock()
		return &httpError{status: 503, msg: "drorch serve is shutting down; start the run again once it is back"}
	}
	if _, busy := rs.active[id]; busy {
		rs.mu.Unlock()
		return fmt.Errorf("run %s: %w (this server drives it)", id, journal.ErrRunActive)
	}
	ctx, cancel := context.WithCancelCause(rs.base)
	d := &driven{cancel: cancel, done: make(chan struct{})}
	rs.active[id] = d
	rs.wg.Add(1)
	rs.mu.Unlock()

	go func() {
		defer rs.wg.Done()
		defer close(d.done)
		defer cancel(nil)
		st, err := do(ctx)
		rs.mu.Lock()
		delete(rs.active, id)
		rs.mu.Unlock()
		select {
		case started <- err: // it never started: the caller reports err
		default:
		}
		if err != nil && st != nil {
			rs.s.cfg.Log.Info("run ended", "run", id, "status", st.Status, "err", err)
		} else if err != nil {
			rs.s.cfg.Log.Warn("run did not start", "run", id, "err", err)
		}
	}()
	return <-started
}

// resumeInterrupted resumes every run the API started that is now
// interrupted (its process stopped: a restart of drorch serve).
func (rs *runs) resumeInterrupted(ctx context.Context) error {
	if !rs.s.cfg.Resume {
		return nil
	}
	recs, err := rs.s.cfg.Store.Runs(ctx)
	if err != nil {
		return fmt.Errorf("list runs to resume: %w", err)
	}
	now := rs.s.now()
	for _, rec := range recs {
		if rec.Status.Terminal() {
			continue
		}
		st, err := runner.Fold(ctx, rs.s.cfg.Store, rec.ID)
		if err != nil {
			rs.s.cfg.Log.Warn("cannot read a run to resume", "run", rec.ID, "err", err)
			continue
		}
		if st.Spec.Command != apiCommand || runner.Status(rec, st, now) != journal.StatusInterrupted {
			continue
		}
		if err := rs.resume(ctx, rec.ID, st, rs.s.cfg.Process.User+" (drorch serve restarted)"); err != nil {
			rs.s.cfg.Log.Warn("cannot resume a run", "run", rec.ID, "err", err)
			continue
		}
		rs.s.cfg.Log.Info("resumed a run interrupted by a restart", "run", rec.ID)
	}
	return nil
}

// resume binds st again and drives it from where its journal stands.
func (rs *runs) resume(ctx context.Context, id string, st *journal.RunState, who string) error {
	c, err := rs.s.cfg.Connect(ctx, st.Spec.Region)
	if err != nil {
		return err
	}
	p, err := runner.Rebind(ctx, c, rs.s.cfg.Registry, st.Spec)
	if err != nil {
		return err
	}
	started := make(chan error, 1)
	e := rs.engine(c, who, started)
	var opts []engine.RunOption
	if rs.s.cfg.SharedLock != nil {
		sl, err := rs.s.cfg.SharedLock(ctx, st.Spec.Region, e.Process.Owner)
		if err != nil {
			return err
		}
		opts = append(opts, engine.WithLocker(sl)) // taken again as the same run, once the run is claimed
	}
	return rs.drive(id, started, func(ctx context.Context) (*journal.RunState, error) { return e.Resume(ctx, id, p, opts...) })
}

// takeSharedLock takes the shared lock (Config.SharedLock) of region for
// run id on p's lock keys, before the run starts: the engine keeps it for
// the run (opts), and release gives it back if the run never starts. A
// refusal is a 409 naming the holder, p's secrets hidden.
func (rs *runs) takeSharedLock(ctx context.Context, region, owner, id string, p *engine.Plan) (opts []engine.RunOption, release func(), err error) {
	if rs.s.cfg.SharedLock == nil {
		return nil, func() {}, nil
	}
	sl, err := rs.s.cfg.SharedLock(ctx, region, owner)
	if err != nil {
		return nil, nil, err
	}
	held, err := sl.Take(ctx, id, p.Locks())
	if err != nil {
		return nil, nil, &httpError{status: http.StatusConflict,
			msg: fmt.Sprintf("take the shared lock in %s: %s; nothing was changed", region, engine.Redact(p.Secrets, err.Error()))}
	}
	return []engine.RunOption{engine.WithLocker(sl)}, func() { _ = held.Release(context.WithoutCancel(ctx)) }, nil
}

// freeSharedLock releases the shared lock a run left once it is cancelled
// while interrupted (nobody drives it): its lock keys are its resources',
// the journaled run bound again. A failure is logged: the lock lapses.
func (rs *runs) freeSharedLock(ctx context.Context, st *journal.RunState) {
	if rs.s.cfg.SharedLock == nil {
		return
	}
	var secrets []string
	err := func() error {
		c, err := rs.s.cfg.Connect(ctx, st.Spec.Region)
		if err != nil {
			return err
		}
		p, err := runner.Rebind(ctx, c, rs.s.cfg.Registry, st.Spec)
		if err != nil {
			return err
		}
		secrets = p.Secrets
		sl, err := rs.s.cfg.SharedLock(ctx, st.Spec.Region, rs.s.cfg.Process.Owner)
		if err != nil {
			return err
		}
		return sl.Free(ctx, st.ID, p.Locks())
	}()
	if err != nil {
		// The lock keys it may name hold the run's identifiers, which may
		// be secrets.
		rs.s.cfg.Log.Warn("the cancelled run's shared lock could not be released; it lapses", "run", st.ID, "err", engine.Redact(secrets, err.Error()))
	}
}

// interrupt stops every run driven here as an operator's Ctrl-C would:
// calls in flight return, each run is journaled interrupted and stays
// resumable. It waits for them, or ctx.
func (rs *runs) interrupt(ctx context.Context) error {
	rs.mu.Lock()
	rs.stopping = true
	rs.mu.Unlock()
	rs.stop(engine.ErrInterrupted)
	done := make(chan struct{})
	go func() { rs.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("interrupt runs: %w", context.Cause(ctx))
	}
}

// driving reports whether this server drives run id now.
func (rs *runs) driving(id string) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	_, ok := rs.active[id]
	return ok
}
