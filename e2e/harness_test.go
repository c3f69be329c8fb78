package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"drorch/journal"
	"drorch/output"
	"drorch/report"
	"drorch/sim"
)

// pollFlags make drorch look at operations often enough for a compressed
// simulator (its own default waits a second first).
var pollFlags = []string{"--poll-interval", "100ms", "--poll-max", "1s"}

// world is one simulated AWS on a real listener, with a journal of its own,
// that drorch subprocesses are pointed at.
type world struct {
	t     *testing.T
	sim   *sim.Sim
	gate  *gate
	url   string
	dir   string
	state string // the journal (--state)
}

// worldConfig says how to start a world's simulator.
type worldConfig struct {
	scenario *sim.Scenario // nil: the seed scenario
	speed    float64
	seed     uint64 // fault rates and generated ids (default 1)
}

func newWorld(t *testing.T, cfg worldConfig) *world {
	t.Helper()
	s, err := sim.New(sim.Config{Scenario: cfg.scenario, Speed: cfg.speed, Seed: cfg.seed})
	if err != nil {
		t.Fatalf("start the simulator: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen for the simulator: %v", err)
	}
	g := &gate{next: s}
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		s.Close() // first: releases requests held by a hang outage
		_ = srv.Close()
		<-served
	})
	dir := t.TempDir()
	return &world{t: t, sim: s, gate: g, url: "http://" + ln.Addr().String(), dir: dir, state: filepath.Join(dir, "journal.db")}
}

// payload writes a payload file into the world's directory.
func (w *world) payload(name, body string) string {
	w.t.Helper()
	p := filepath.Join(w.dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return p
}

// seedPayload is the path of one of the README's payloads, as shipped.
func seedPayload(name string) string { return filepath.Join("..", "examples", "seed", name) }

// result is how a drorch process ended.
type result struct {
	args           []string
	code           int  // exit code; -1 when killed by a signal
	killed         bool // ended by a signal (our SIGKILL)
	stdout, stderr string
	took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("drorch %s: exit %d after %s\n--- stdout\n%s--- stderr\n%s", strings.Join(r.args, " "), r.code,
		r.took.Round(time.Millisecond), r.stdout, r.stderr)
}

// proc is a drorch process started in the background.
type proc struct {
	args    []string
	cmd     *exec.Cmd
	stdout  bytes.Buffer
	stderr  *watchBuffer
	started time.Time
	done    chan struct{}
	res     result
}

// start runs drorch in the background with the world's endpoint and
// journal. The process is killed when the test ends, if it still runs.
func (w *world) start(args ...string) *proc {
	w.t.Helper()
	return w.startWatching("", args...)
}

// startWatching is start, with the stderr line to wait for with p.seen.
func (w *world) startWatching(want string, args ...string) *proc {
	w.t.Helper()
	full := append(append([]string{}, args...), "--endpoint-url", w.url, "--state", w.state)
	cmd := exec.Command(drorchBin, full...)
	// Only what drorch needs: dummy credentials for the simulator, and
	// nothing of the machine's own AWS configuration.
	cmd.Env = []string{
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true", "HOME=" + w.dir, "TMPDIR=" + os.TempDir(),
	}
	p := &proc{args: args, cmd: cmd, stderr: newWatchBuffer(want), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.stdout, p.stderr
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		w.t.Fatalf("start drorch %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		defer close(p.done)
		err := cmd.Wait()
		p.res = result{args: args, stdout: p.stdout.String(), stderr: p.stderr.String(), took: time.Since(p.started), code: cmd.ProcessState.ExitCode()}
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			p.res.stderr += fmt.Sprintf("\n(wait: %v)", err)
		}
		p.res.killed = p.res.code == -1
	}()
	w.t.Cleanup(p.kill)
	return p
}

// kill SIGKILLs the process, if it still runs, and returns once it exited.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// wait returns how the process ended.
func (p *proc) wait() result {
	<-p.done
	return p.res
}

// drorch runs drorch to completion.
func (w *world) drorch(args ...string) result {
	w.t.Helper()
	r := w.start(args...).wait()
	w.t.Logf("drorch %s: exit %d (%s)", strings.Join(args, " "), r.code, r.took.Round(time.Millisecond))
	return r
}

// mustRun runs drorch and fails the test unless it exits with want.
func (w *world) mustRun(want int, args ...string) result {
	w.t.Helper()
	r := w.drorch(args...)
	if r.code != want {
		w.t.Fatalf("want exit %d, got:\n%s", want, r)
	}
	return r
}

// shown is what these tests read of `drorch show RUN -o json` (the run
// report): the journal's status, the status an operator is shown
// (interrupted for a run whose process stopped), and each resource's.
type shown struct {
	Status          journal.Status
	Shown           journal.Status
	CancelRequested bool
	Error           string
	Layers          []shownLayer
}

type shownLayer struct{ Resources []shownResource }

type shownResource struct {
	Name   string
	Status journal.Status
	Reason string
}

// show reads a run through `drorch show -o json`; ok is false when the
// journal does not have it.
func (w *world) show(id string) (st shown, ok bool) {
	w.t.Helper()
	r := w.drorch("show", id, "-o", "json")
	if r.code == 2 && strings.Contains(r.stderr, "not found") {
		return shown{}, false
	}
	if r.code != 0 {
		w.t.Fatalf("show %s:\n%s", id, r)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		w.t.Fatalf("show %s -o json: %v\n%s", id, err, r)
	}
	st = shown{Status: journal.StatusRunning, Shown: journal.Status(rep.Run.Status), CancelRequested: rep.Run.Cancel != nil, Error: rep.Run.Error}
	if rep.Run.Finished {
		st.Status = st.Shown
	}
	for _, l := range rep.Layers {
		var sl shownLayer
		for _, res := range l.Resources {
			sl.Resources = append(sl.Resources, shownResource{Name: res.Name, Status: journal.Status(res.Status), Reason: res.Reason})
		}
		st.Layers = append(st.Layers, sl)
	}
	return st, true
}

// events reads a run's journal through `drorch show RUN --events -o json`.
func (w *world) events(id string) []journal.Event {
	w.t.Helper()
	r := w.mustRun(0, "show", id, "--events", "-o", "json")
	var doc output.Events
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		w.t.Fatalf("show %s --events -o json: %v\n%s", id, err, r)
	}
	evs := make([]journal.Event, 0, len(doc.Events))
	for _, ev := range doc.Events {
		evs = append(evs, journal.Event{RunID: ev.Run, Seq: ev.Seq, Time: ev.Time.Time, Kind: journal.Kind(ev.Event), Layer: ev.Layer,
			Resource: ev.Resource, Step: ev.Step, Message: ev.Message, Error: ev.Error, Data: ev.Data})
	}
	return evs
}

// runRow is one row of `drorch runs -o json`.
type runRow struct {
	ID     string         `json:"id"`
	Status journal.Status `json:"status"`
	Region string         `json:"region"`
}

func (w *world) runs() map[string]journal.Status {
	w.t.Helper()
	r := w.mustRun(0, "runs", "-o", "json")
	var doc struct {
		Runs []runRow `json:"runs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		w.t.Fatalf("runs -o json: %v\n%s", err, r)
	}
	out := map[string]journal.Status{}
	for _, row := range doc.Runs {
		out[row.ID] = row.Status
	}
	return out
}

// until waits, without a deadline of its own (the test's -timeout is the
// bound), for cond to hold, looking every few milliseconds; it fails the
// test if p ends first.
func (w *world) until(p *proc, what string, cond func() bool) {
	w.t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-p.done:
			if cond() {
				return
			}
			w.t.Fatalf("drorch ended before %s:\n%s", what, p.res)
		case <-tick.C:
		}
	}
}

// watchBuffer is a process's stderr: kept whole, and watched for one line.
type watchBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{} // closed once want has been written
}

func newWatchBuffer(want string) *watchBuffer {
	return &watchBuffer{want: want, seen: make(chan struct{})}
}

func (b *watchBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if b.want != "" && strings.Contains(b.buf.String(), b.want) {
		select {
		case <-b.seen:
		default:
			close(b.seen)
		}
	}
	return n, err
}

func (b *watchBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
