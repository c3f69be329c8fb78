// Package engine runs a run: layers strictly in order, the resources of a
// layer concurrently, each resource's steps in order with batched polling,
// deadlines, cancellation and a journal entry around every mutating call, so
// that a crashed or interrupted run can be resumed without repeating a
// finished step.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"drorch/cloud"
	"drorch/engine/machine"
	"drorch/internal/clock"
	"drorch/journal"
	"drorch/resource"
)

// Settings tune the engine. The zero value of a field means its default.
type Settings struct {
	// FirstPoll is the wait between two looks at an operation for its
	// first 15 minutes (default 1s), MaxPoll the wait after that (default
	// 2s): the end of an operation is seen within MaxPoll of AWS showing
	// it. FirstPoll is also the tick of the polling rounds: every look
	// happens on a multiple of it. See youngFor for the choice.
	FirstPoll time.Duration
	MaxPoll   time.Duration
	// Concurrency caps the resources of a layer running at once (0 = all).
	Concurrency int
	// RunTimeout bounds the whole run (0 = none).
	RunTimeout time.Duration
	// StartGrace is how long a step may still look untouched after its call
	// returned success before drorch says the operation never started
	// (default 2m).
	StartGrace time.Duration
	// WriteAttempts bounds how often a call refused by throttling or a
	// server error is re-made after state shows it did not happen (default 8).
	WriteAttempts int
	// Heartbeat is how often the run's lease is renewed and cancel requests
	// are looked for (default 2s); a lease older than Stale (default 15s)
	// marks the run as interrupted.
	Heartbeat time.Duration
	Stale     time.Duration
}

// youngFor is how long an operation is looked at every FirstPoll
// (machine.YoungFor says why 15 minutes and what it costs).
const youngFor = machine.YoungFor

// WithDefaults returns s with every unset field at its default.
func (s Settings) WithDefaults() Settings {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&s.FirstPoll, time.Second)
	def(&s.MaxPoll, 2*time.Second)
	def(&s.StartGrace, 2*time.Minute)
	def(&s.Heartbeat, 2*time.Second)
	def(&s.Stale, 15*time.Second)
	if s.MaxPoll < s.FirstPoll {
		s.MaxPoll = s.FirstPoll
	}
	if s.WriteAttempts <= 0 {
		s.WriteAttempts = 8
	}
	return s
}

// machine is the step machine's settings for s.
func (s Settings) machine() machine.Settings {
	return machine.Settings{
		StartGrace:    s.StartGrace,
		WriteAttempts: s.WriteAttempts,
		RetryRead:     s.FirstPoll,
		Cadence: func(age time.Duration) time.Duration {
			if age < youngFor {
				return s.FirstPoll
			}
			return s.MaxPoll
		},
	}
}

// Plan is a validated, resolved and bound payload, ready to run: the RunSpec
// the journal records and the bound resources, in run order.
type Plan struct {
	Spec   journal.RunSpec
	Layers []PlanLayer
	// RunID is the id the run of this plan will have, when it is chosen
	// before the plan is shown (drorch run): the preview then names what
	// the run creates (final snapshots) as the run will, and checks those
	// names are free. "" in a plan no run follows.
	RunID string
	// Secrets are the values of the payload's secret parameters. They are
	// never journaled: the engine replaces them wherever they would appear
	// in an event, a progress line or a preview.
	Secrets []string
}

// PlanLayer is one layer of a Plan.
type PlanLayer struct {
	Number    int
	Resources []PlanResource
}

// PlanResource is one bound resource with its journaled description.
type PlanResource struct {
	Spec     journal.ResourceSpec
	Resource resource.Resource
	// secrets are the values of its secret parameters, by name: never
	// journaled, only fingerprinted.
	secrets map[string]string
}

// SharedWith names, for the resource at position ri of layer li, the
// resources of earlier layers that act on one of the same databases: they
// run before it, in order.
func (p *Plan) SharedWith(li, ri int) []string { return p.Shared()[li][ri] }

// Shared is SharedWith of every resource, by layer and position, found in
// one pass over the plan's locks (a thousand resources asked one by one
// made half a million Locks calls).
func (p *Plan) Shared() [][][]string {
	type earlier struct {
		seq  int // position in the plan
		name string
	}
	holders := map[string][]earlier{} // lock -> resources of earlier layers
	out := make([][][]string, len(p.Layers))
	seq := 0
	for li, l := range p.Layers {
		out[li] = make([][]string, len(l.Resources))
		locks := make([][]string, len(l.Resources))
		for ri, r := range l.Resources {
			locks[ri] = r.Resource.Locks()
			var found []earlier
			seen := map[int]bool{}
			for _, k := range locks[ri] {
				for _, h := range holders[k] {
					if !seen[h.seq] {
						seen[h.seq] = true
						found = append(found, h)
					}
				}
			}
			sort.Slice(found, func(i, j int) bool { return found[i].seq < found[j].seq })
			for _, h := range found {
				out[li][ri] = append(out[li][ri], h.name)
			}
		}
		for ri, r := range l.Resources {
			h := earlier{seq: seq, name: fmt.Sprintf("%s (layer %d)", r.Spec.Name, l.Number)}
			seq++
			for _, k := range locks[ri] {
				holders[k] = append(holders[k], h)
			}
		}
	}
	return out
}

// Locks returns every lock the plan's resources need, sorted, once each.
func (p *Plan) Locks() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range p.Layers {
		for _, r := range l.Resources {
			for _, k := range r.Resource.Locks() {
				if !seen[k] {
					seen[k] = true
					out = append(out, k)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// Engine runs plans. All fields but Observer and OwnerGone are required.
type Engine struct {
	Store journal.Store
	// Clock times the run: every event, deadline and poll. It may be the
	// endpoint's clock (the simulator's virtual time).
	Clock clock.Clock
	// LeaseClock, if set, stamps the run's lease (creation, claims,
	// heartbeats) instead of Clock: leases are judged by other processes
	// on their wall clocks, whatever clock the run is timed on.
	LeaseClock clock.Clock
	// Reader and Batch read AWS: Batch serves each polling round with the
	// fewest describe calls, Reader what a step reads that nobody watched.
	Reader cloud.Reader
	Batch  cloud.BatchReader
	// Executor makes the mutating calls; the engine journals each one
	// around it, and nothing else in drorch makes one.
	Executor cloud.Executor
	Identity cloud.Identity
	// Process identifies this process as the owner of the runs it runs.
	Process  journal.Process
	Settings Settings
	// Observer, if set, sees every event after it is journaled (live progress).
	Observer func(journal.Event)
	// RoundObserver, if set, is told of every polling round once it has
	// read AWS.
	RoundObserver func(Round)
	// OwnerGone, if set, reports whether the process named by a lease
	// owner has stopped for sure (a killed process of this host), so that
	// a resume takes its run over at once instead of once its lease is
	// Settings.Stale old.
	OwnerGone func(owner string) bool

	// appendMu orders appends so that event times never go backwards; it
	// also guards secrets, the redactor of each run being executed.
	appendMu sync.Mutex
	secrets  map[string]redactor
	// groupMu guards the appends queued for the next group commit, and
	// whether one is being written.
	groupMu    sync.Mutex
	queue      []*pending
	committing bool
}

// ErrInterrupted is the cause to cancel a run's context with to interrupt
// it (the operator's first Ctrl-C, SIGTERM): the engine stops making calls,
// lets the calls in flight return, journals the run as interrupted and
// returns; "drorch resume" continues it. Any other cause cancels the run
// for good.
var ErrInterrupted = errors.New("interrupted")

// ErrRunFinished is returned by Resume for a run that already ended.
var ErrRunFinished = errors.New("run already finished")

// Start creates a new run for p and runs it to the end. The run id is
// returned even when the run fails; err is nil only if every resource
// succeeded (or failed with continueOnError).
func (e *Engine) Start(ctx context.Context, runID string, p *Plan, opts ...RunOption) (*journal.RunState, error) {
	defer e.withSecrets(runID, p)()
	st, err := e.start(ctx, runID, p, options(opts))
	return st, newRedactor(p.Secrets).err(err)
}

func (e *Engine) start(ctx context.Context, runID string, p *Plan, o *runOptions) (*journal.RunState, error) {
	if p.RunID != "" && p.RunID != runID {
		return nil, fmt.Errorf("start run %s: the plan was previewed for run %s", runID, p.RunID)
	}
	if err := o.take(ctx, runID, p.Locks()); err != nil {
		return nil, err
	}
	e.fingerprint(p)
	created := journal.Event{Kind: journal.RunCreated, Layer: -1, Resource: -1, Data: mustJSON(p.Spec)}
	if err := e.create(ctx, runID, p.Locks(), created); err != nil {
		return nil, errors.Join(err, o.release(ctx, false))
	}
	return e.execute(ctx, runID, p, journal.RunStarted, o)
}

// create registers the run with its locks and journals run.created: in one
// step when the store can, since a crash in between would leave a run that
// holds its resources with nothing to show, resume or cancel.
func (e *Engine) create(ctx context.Context, runID string, locks []string, created journal.Event) error {
	c, ok := e.Store.(journal.EventCreator)
	if !ok {
		if err := e.Store.Create(ctx, runID, e.leaseNow(), locks); err != nil {
			return fmt.Errorf("create run %s: %w", runID, err)
		}
		if err := e.append(ctx, runID, created); err != nil {
			return fmt.Errorf("record run %s: %w", runID, err)
		}
		return nil
	}
	e.appendMu.Lock()
	created.RunID, created.Time = runID, e.Clock.Now()
	created = e.secrets[runID].event(created)
	out, err := c.CreateWithEvents(ctx, runID, e.leaseNow(), locks, created)
	e.appendMu.Unlock()
	if err != nil {
		return fmt.Errorf("create run %s: %w", runID, err)
	}
	if e.Observer != nil {
		for _, ev := range out {
			e.Observer(ev)
		}
	}
	return nil
}

// Resume continues an unfinished run: finished steps are not repeated; a step
// whose call's outcome is unknown is decided by reading state.
func (e *Engine) Resume(ctx context.Context, runID string, p *Plan, opts ...RunOption) (*journal.RunState, error) {
	defer e.withSecrets(runID, p)()
	st, err := e.resume(ctx, runID, p, options(opts))
	return st, newRedactor(p.Secrets).err(err)
}

func (e *Engine) resume(ctx context.Context, runID string, p *Plan, o *runOptions) (*journal.RunState, error) {
	st, err := e.state(ctx, runID)
	if err != nil {
		return nil, err
	}
	if st.Status.Terminal() {
		return st, fmt.Errorf("resume %s: %w (%s)", runID, ErrRunFinished, st.Status)
	}
	if err := e.sameSecrets(st.Spec, p); err != nil {
		return st, fmt.Errorf("resume %s: %w", runID, err)
	}
	return e.execute(ctx, runID, p, journal.RunResumed, o)
}

// state folds the run's journal.
func (e *Engine) state(ctx context.Context, runID string) (*journal.RunState, error) {
	evs, err := e.Store.Events(ctx, runID, 0)
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", runID, err)
	}
	st, err := journal.Fold(evs)
	if err != nil {
		return nil, fmt.Errorf("fold run %s: %w", runID, err)
	}
	return st, nil
}

func (e *Engine) execute(ctx context.Context, runID string, p *Plan, kind journal.Kind, o *runOptions) (*journal.RunState, error) {
	s := e.Settings.WithDefaults()
	if err := e.claim(ctx, runID, s); err != nil {
		return nil, errors.Join(err, o.release(ctx, false))
	}
	// A resume takes the shared lock once it owns the run: taken before,
	// it would take it from the live process the claim refuses.
	if err := o.take(ctx, runID, p.Locks()); err != nil {
		return nil, errors.Join(err, e.Store.Release(context.WithoutCancel(ctx), runID))
	}
	prior, err := e.state(ctx, runID)
	if err != nil {
		return nil, errors.Join(err, o.release(ctx, false))
	}
	if err := e.append(ctx, runID, journal.Event{Kind: kind, Layer: -1, Resource: -1, Data: mustJSON(e.Process)}); err != nil {
		return nil, errors.Join(err, o.release(ctx, false))
	}

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if s.RunTimeout > 0 {
		var stop context.CancelFunc
		runCtx, stop = context.WithTimeoutCause(runCtx, s.RunTimeout, fmt.Errorf("the run's deadline of %s passed", s.RunTimeout))
		defer stop()
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); e.heartbeat(bg, runID, s, cancel, o) }()
	rr := newRounds(e.Clock, e.Batch, e.Reader, s.FirstPoll)
	rr.observe = e.RoundObserver
	go func() { defer wg.Done(); rr.run(bg) }()

	status, runErr := e.layers(runCtx, runID, p, prior, rr, s)

	stopBG()
	wg.Wait()
	// What happened is read back whatever ended ctx (an interruption is
	// ctx's cancellation): the caller reports the run from it.
	ctx = context.WithoutCancel(ctx)
	fin := journal.Event{Kind: journal.RunFinished, Layer: -1, Resource: -1, Data: mustJSON(journal.Outcome{Status: status})}
	if status == journal.StatusInterrupted {
		fin = journal.Event{Kind: journal.RunInterrupted, Layer: -1, Resource: -1, Message: errString(runErr)}
		if st, err := e.state(ctx, runID); err == nil {
			fin.Data = mustJSON(journal.Interruption{Ongoing: Ongoing(st)})
		}
	} else if runErr != nil {
		fin.Error = runErr.Error()
	}
	if err := e.append(ctx, runID, fin); err != nil {
		return nil, errors.Join(runErr, err)
	}
	if err := e.Store.Release(context.WithoutCancel(ctx), runID); err != nil {
		return nil, errors.Join(runErr, fmt.Errorf("release run %s: %w", runID, err))
	}
	if err := o.release(ctx, status == journal.StatusInterrupted); err != nil {
		runErr = errors.Join(runErr, err)
	}
	st, err := e.state(ctx, runID)
	if err != nil {
		return nil, errors.Join(runErr, err)
	}
	return st, runErr
}

// leaseNow is the time leases are stamped with.
func (e *Engine) leaseNow() time.Time {
	if e.LeaseClock != nil {
		return e.LeaseClock.Now()
	}
	return e.Clock.Now()
}

// claim takes the run's lease: from nobody, from an owner whose lease is
// stale, or at once from an owner known to be gone.
func (e *Engine) claim(ctx context.Context, runID string, s Settings) error {
	now, stale := e.leaseNow(), s.Stale
	if e.OwnerGone != nil {
		if rec, err := e.Store.Run(ctx, runID); err == nil && rec.Owner != "" && rec.Owner != e.Process.Owner {
			stale = rec.ClaimStale(now, stale, e.OwnerGone(rec.Owner))
		}
	}
	// The store's error names the run and the operation already.
	return e.Store.Claim(ctx, runID, e.Process.Owner, now, stale)
}

// heartbeat renews the lease, and the shared lock if the run holds one,
// and turns a journaled cancel request (from `drorch cancel` in another
// process) into cancellation of the run. It ticks on wall time: leases are
// judged by other processes.
func (e *Engine) heartbeat(ctx context.Context, runID string, s Settings, cancel context.CancelCauseFunc, o *runOptions) {
	var seen int64
	tick := time.NewTicker(s.Heartbeat)
	defer tick.Stop()
	for {
		if evs, err := e.Store.Events(ctx, runID, seen); err == nil {
			for _, ev := range evs {
				seen = ev.Seq
				if ev.Kind == journal.RunCancelRequested {
					cancel(fmt.Errorf("cancelled by %s", orDefault(ev.Message, "request")))
				}
			}
		}
		if err := e.Store.Heartbeat(ctx, runID, e.Process.Owner, e.leaseNow()); errors.Is(err, journal.ErrNotOwner) {
			cancel(fmt.Errorf("another process took over run %s", runID))
		}
		o.renew(ctx, cancel)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// layers runs the layers in order and returns the run's final status.
func (e *Engine) layers(ctx context.Context, runID string, p *Plan, prior *journal.RunState, rr *rounds, s Settings) (journal.Status, error) {
	for li, layer := range p.Layers {
		var pl *journal.LayerState
		if li < len(prior.Layers) {
			pl = &prior.Layers[li]
		}
		if pl != nil && pl.Status.Terminal() {
			if pl.Status != journal.StatusSucceeded {
				return pl.Status, fmt.Errorf("layer %d %s", layer.Number, pl.Status)
			}
			continue
		}
		if ctx.Err() != nil {
			if cause := context.Cause(ctx); errors.Is(cause, ErrInterrupted) {
				return journal.StatusInterrupted, cause
			}
			return journal.StatusCancelled, context.Cause(ctx)
		}
		if pl == nil || pl.Status == journal.StatusPending {
			if err := e.append(ctx, runID, journal.Event{Kind: journal.LayerStarted, Layer: li, Resource: -1}); err != nil {
				return journal.StatusFailed, err
			}
		}
		var next *PlanLayer
		if li+1 < len(p.Layers) {
			next = &p.Layers[li+1]
		}
		status, err := e.layer(ctx, runID, li, layer, pl, rr, s, next)
		if status == journal.StatusInterrupted {
			return status, err
		}
		if aerr := e.append(ctx, runID, journal.Event{Kind: journal.LayerFinished, Layer: li, Resource: -1,
			Data: mustJSON(journal.Outcome{Status: status}), Error: errString(err)}); aerr != nil {
			return journal.StatusFailed, errors.Join(err, aerr)
		}
		if status != journal.StatusSucceeded {
			return status, fmt.Errorf("layer %d: %w", layer.Number, err)
		}
	}
	return journal.StatusSucceeded, nil
}

// append journals events and shows them to the observer, and returns
// once they are durable. It runs on a context the operator's cancellation
// cannot cut short, so that what happened is always written.
//
// Appends are group-committed: while one batch is being written, the
// events appended meanwhile (the other resources of a layer starting, a
// round's observations) queue up, and the next batch writes them all in
// one transaction, one fsync. Each caller still returns only once its own
// events are durable, so an intent still precedes its call.
func (e *Engine) append(ctx context.Context, runID string, evs ...journal.Event) error {
	p := &pending{runID: runID, evs: evs, done: make(chan error, 1)}
	e.groupMu.Lock()
	e.queue = append(e.queue, p)
	if e.committing {
		e.groupMu.Unlock()
		return <-p.done
	}
	e.committing = true
	for len(e.queue) > 0 {
		batch := e.queue
		e.queue = nil
		e.groupMu.Unlock()
		e.commit(ctx, batch)
		e.groupMu.Lock()
	}
	e.committing = false
	e.groupMu.Unlock()
	return <-p.done
}

// pending is one caller's events waiting for the next group commit.
type pending struct {
	runID string
	evs   []journal.Event
	done  chan error
}

// commit writes a batch of pending appends, one Store.Append per run, in
// the order they were queued, and tells each caller its outcome.
func (e *Engine) commit(ctx context.Context, batch []*pending) {
	e.appendMu.Lock()
	defer e.appendMu.Unlock()
	now := e.Clock.Now()
	var runs []string
	byRun := map[string][]*pending{}
	for _, p := range batch {
		if _, ok := byRun[p.runID]; !ok {
			runs = append(runs, p.runID)
		}
		byRun[p.runID] = append(byRun[p.runID], p)
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for _, runID := range runs {
		red := e.secrets[runID]
		var evs []journal.Event
		for _, p := range byRun[runID] {
			for _, ev := range p.evs {
				ev = red.event(ev)
				ev.RunID = runID
				if ev.Time.IsZero() {
					ev.Time = now
				}
				evs = append(evs, ev)
			}
		}
		out, err := e.Store.Append(wctx, runID, evs...)
		if err != nil {
			err = fmt.Errorf("journal run %s: %w", runID, err)
		} else if e.Observer != nil {
			for _, ev := range out {
				e.Observer(ev)
			}
		}
		for _, p := range byRun[runID] {
			p.done <- err
		}
	}
}

// withSecrets registers the redactor of a run for as long as it is executed
// by this engine; the returned func forgets it.
func (e *Engine) withSecrets(runID string, p *Plan) func() {
	e.appendMu.Lock()
	defer e.appendMu.Unlock()
	if e.secrets == nil {
		e.secrets = map[string]redactor{}
	}
	e.secrets[runID] = newRedactor(p.Secrets)
	return func() {
		e.appendMu.Lock()
		delete(e.secrets, runID)
		e.appendMu.Unlock()
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("engine: marshal %T: %v", v, err)) // only plain structs are marshalled
	}
	return b
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Ongoing names the AWS operations a run had started and not seen finish:
// the calls of its unfinished steps that AWS accepted or may have. They go
// on without drorch when the run is interrupted.
func Ongoing(st *journal.RunState) []string {
	var out []string
	for _, l := range st.Layers {
		for _, r := range l.Resources {
			for _, step := range r.Steps {
				if step.Status.Terminal() {
					continue
				}
				for _, c := range step.Calls {
					if c.Status == journal.CallStatusIssued || c.OutcomeUnknown() {
						out = append(out, fmt.Sprintf("%s: %s %s in %s", r.Name, c.Call.Service, c.Call.Action, c.Call.Region))
					}
				}
			}
		}
	}
	return out
}
