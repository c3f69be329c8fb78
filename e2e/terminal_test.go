package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"drorch/journal"
	"drorch/report"
	"drorch/sim"
)

// onTerminal is a drorch process whose stdin and stderr (and stdout unless
// redirected) are a pseudo-terminal, as in an operator's shell.
type onTerminal struct {
	t    *testing.T
	ptmx *os.File
	scr  *screen
	cmd  *exec.Cmd
	done chan struct{}
	code int
	// drained is closed once everything the process wrote to the
	// terminal has been read.
	drained chan struct{}
}

// startOnTerminal starts drorch on a cols-wide terminal with the world's
// endpoint and journal; stdout, if not nil, receives standard output
// instead of the terminal (drorch run ... > file).
func (w *world) startOnTerminal(cols int, stdout io.Writer, args ...string) *onTerminal {
	w.t.Helper()
	full := append(append([]string{}, args...), "--endpoint-url", w.url, "--state", w.state)
	cmd := exec.Command(drorchBin, full...)
	cmd.Env = []string{
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true", "HOME=" + w.dir, "TMPDIR=" + os.TempDir(), "TERM=xterm-256color",
	}
	if stdout != nil {
		cmd.Stdout = stdout
	}
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 60, Cols: uint16(cols)})
	if err != nil {
		w.t.Fatalf("start drorch on a terminal: %v", err)
	}
	p := &onTerminal{t: w.t, ptmx: ptmx, scr: newScreen(cols), cmd: cmd, done: make(chan struct{}), drained: make(chan struct{})}
	go func() {
		defer close(p.drained)
		_, _ = io.Copy(p.scr, ptmx) // ends with EIO once the process and its terminal are gone
	}()
	go func() {
		defer close(p.done)
		_ = cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
	}()
	w.t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
		ptmx.Close()
	})
	return p
}

// flat is the screen with its lines joined: a long line the terminal
// wrapped reads whole.
func (p *onTerminal) flat() string { return strings.ReplaceAll(p.scr.text(), "\n", "") }

// issued counts the mutating calls the simulator answered with success.
func issued(w *world) int {
	n := 0
	for _, c := range w.sim.MutatingCalls() {
		if c.Status == 200 {
			n++
		}
	}
	return n
}

// wait returns the exit code once the process ended and its output was
// read.
func (p *onTerminal) wait() int {
	p.t.Helper()
	<-p.done
	select {
	case <-p.drained:
	case <-time.After(5 * time.Second):
	}
	return p.code
}

// until waits for cond on the screen; it fails the test if drorch ends
// first.
func (p *onTerminal) until(what string, cond func(screen string) bool) {
	p.t.Helper()
	for !cond(p.scr.text()) {
		select {
		case <-p.done:
			time.Sleep(50 * time.Millisecond) // the last output
			if cond(p.scr.text()) {
				return
			}
			p.t.Fatalf("drorch ended (exit %d) before %s; the screen:\n%s", p.code, what, p.scr.text())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// typeKeys types on the terminal: "\x03" is Ctrl-C.
func (p *onTerminal) typeKeys(s string) {
	p.t.Helper()
	if _, err := p.ptmx.Write([]byte(s)); err != nil {
		p.t.Fatalf("type %q: %v", s, err)
	}
}

// marks are what may start a resource's line on the live display.
var barLine = regexp.MustCompile(`^(\S) L\d+ `)

// barLines are the screen's live resource lines.
func barLines(scr string) []string {
	var out []string
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, " L1 ") {
			out = append(out, l)
		}
	}
	return out
}

const spinnerFrames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

// The prompt and the live display are on the terminal, stdout (redirected
// to a file) gets the result alone, and the bars show a spinner that
// never vanishes and a ✓ only for success, in lines that never wrap, at
// 80 and at 180 columns.
func TestTerminalPromptBarsAndCleanStdout(t *testing.T) {
	t.Parallel()
	for _, cols := range []int{80, 180} {
		t.Run(fmt.Sprint(cols), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldConfig{speed: 20})
			out, err := os.Create(filepath.Join(w.dir, "run.log"))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			p := w.startOnTerminal(cols, out, append([]string{"run", "--region", uswest}, append(pollFlags, seedPayload("1-planned-switchover.json"))...)...)
			p.until("the prompt", func(s string) bool { return strings.Contains(s, "Run this plan? Type yes to go on:") })
			if scr := p.scr.text(); !strings.Contains(scr, "Plan for ") || !strings.Contains(scr, "mutating calls: 1 in us-east-1") {
				t.Errorf("the plan is not on the terminal above the prompt:\n%s", scr)
			}
			if b, _ := os.ReadFile(out.Name()); len(b) != 0 {
				t.Errorf("stdout got %q before the run", b)
			}
			p.typeKeys("yes\r")
			p.until("the live display", func(s string) bool { return len(barLines(s)) > 0 })
			wrapsBefore := p.scr.wraps()
			// While the switchover runs, its line starts with a spinner
			// frame however long its status, and says the step and what
			// AWS says; once done, with ✓.
			spinning := 0
			p.until("the switchover done", func(s string) bool {
				for _, l := range barLines(s) {
					m := barLine.FindStringSubmatch(l)
					switch {
					case m != nil && strings.Contains(spinnerFrames, m[1]):
						if strings.Contains(l, "step 1/1 switchover: ") {
							spinning++
						}
					case m != nil && m[1] == "·":
						// pending: the layer started, the resource not yet
					case m != nil && m[1] == "✓":
						return true
					default:
						t.Fatalf("a running resource's line does not start with the spinner: %q\n%s", l, s)
					}
					if strings.Contains(l, "switchover: -") {
						t.Errorf("status without news: %q", l)
					}
				}
				return false
			})
			if spinning == 0 {
				t.Errorf("no screen showed the spinner beside the switchover's status")
			}
			if code := p.wait(); code != 0 {
				t.Fatalf("exit %d; the screen:\n%s", code, p.scr.text())
			}
			scr := p.scr.text()
			done := barLines(scr)
			if len(done) != 1 || !strings.HasPrefix(done[0], "✓ L1 Switchover") {
				t.Errorf("the finished bar is not one ✓ line: %q\n%s", done, scr)
			}
			if n := p.scr.wraps() - wrapsBefore; n != 0 {
				t.Errorf("the live display wrapped %d lines at %d columns:\n%s", n, cols, scr)
			}
			b, _ := os.ReadFile(out.Name())
			if !regexp.MustCompile(`(?m)^Run \S+ succeeded: RTO 1m\d\d\S* \(simulated AWS time, 20x\)`).Match(b) ||
				strings.Contains(string(b), "Plan for") || strings.ContainsRune(string(b), 0x1b) {
				t.Errorf("stdout is not the result alone:\n%s", b)
			}
			for _, l := range strings.Split(string(b), "\n") {
				if len([]rune(l)) >= 80 {
					t.Errorf("result line of %d columns: %q", len([]rune(l)), l)
				}
			}
		})
	}
}

// -o json > file on a terminal: the prompt on the terminal, the file one
// JSON document.
func TestTerminalJSONToAFile(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldConfig{speed: 200})
	out, err := os.Create(filepath.Join(w.dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	p := w.startOnTerminal(80, out, append([]string{"run", "--region", uswest, "-o", "json"}, append(pollFlags, seedPayload("1-planned-switchover.json"))...)...)
	p.until("the prompt", func(s string) bool { return strings.Contains(s, "Type yes to go on:") })
	p.typeKeys("yes\r")
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.scr.text())
	}
	b, _ := os.ReadFile(out.Name())
	var rep report.Report
	if err := json.Unmarshal(b, &rep); err != nil || rep.Run.Status != "succeeded" || !strings.HasPrefix(string(b), "{") {
		t.Errorf("run.json is not the run report (%v):\n%s", err, b)
	}
}

// A failed resource and a cancelled one get their own marks, never ✓.
func TestTerminalMarksFailedAndCancelled(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldConfig{speed: 20})
	short := strings.Replace(string(readSeed(t, "1-planned-switchover.json")), `"resourceType"`, `"timeout": "5s", "resourceType"`, 1)
	p := w.startOnTerminal(100, io.Discard, append([]string{"run", "--region", uswest, "--yes"}, append(pollFlags, w.payload("short.json", short))...)...)
	if code := p.wait(); code != 1 {
		t.Fatalf("exit %d, want 1 (the resource's deadline passed):\n%s", code, p.scr.text())
	}
	if bars := barLines(p.scr.text()); len(bars) != 1 || !strings.HasPrefix(bars[0], "✗ L1 ") {
		t.Errorf("a failed resource is not marked ✗: %q\n%s", bars, p.scr.text())
	}

	w2 := newWorld(t, worldConfig{speed: 5})
	p = w2.startOnTerminal(100, io.Discard, append([]string{"run", "--region", uswest, "--yes", "--run-id", "tocancel"}, append(pollFlags, seedPayload("1-planned-switchover.json"))...)...)
	p.until("the switchover accepted", func(s string) bool { return len(w2.sim.MutatingCalls()) == 1 && strings.Contains(s, "switchover") })
	w2.mustRun(0, "cancel", "tocancel")
	if code := p.wait(); code != 1 {
		t.Fatalf("exit %d, want 1 (cancelled):\n%s", code, p.scr.text())
	}
	if bars := barLines(p.scr.text()); len(bars) != 1 || !strings.HasPrefix(bars[0], "⊘ L1 ") {
		t.Errorf("a cancelled resource is not marked ⊘: %q\n%s", bars, p.scr.text())
	}
}

func readSeed(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(seedPayload(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The first Ctrl-C interrupts: no new call, the call in flight returns,
// the run is journaled interrupted and drorch says which AWS operation
// goes on and the exact command that continues it, on a screen the bars
// have not garbled; that command continues it; only drorch cancel cancels.
func TestTerminalCtrlCInterruptsAndResumeContinues(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldConfig{speed: 20})
	// The switchover call (sent to the writer's region, us-east-1) is held unanswered: it is in flight when the
	// operator presses Ctrl-C.
	hang, err := w.sim.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: useast, Service: "rds", Action: "SwitchoverGlobalCluster", Mode: sim.ModeHang})
	if err != nil {
		t.Fatal(err)
	}
	p := w.startOnTerminal(120, nil, append([]string{"run", "--region", uswest, "--yes", "--run-id", "drill"}, append(pollFlags, seedPayload("1-planned-switchover.json"))...)...)
	p.until("the switchover call in flight", func(s string) bool {
		return w.sim.Held() == 1 && strings.Contains(s, "calling SwitchoverGlobalCluster")
	})
	p.typeKeys("\x03")
	p.until("the notice", func(s string) bool { return strings.Contains(s, "waiting for the calls in flight.") })
	select {
	case <-p.done:
		t.Fatalf("drorch exited with a call in flight:\n%s", p.scr.text())
	case <-time.After(200 * time.Millisecond):
	}
	// AWS answers the call in flight: drorch journals it, then stops.
	if err := w.sim.ClearFault(hang.ID); err != nil {
		t.Fatal(err)
	}
	code := p.wait()
	scr := p.scr.text()
	flat := p.flat()
	if code != 1 {
		t.Fatalf("exit %d after one Ctrl-C, want 1:\n%s", code, scr)
	}
	resume := "drorch resume drill --state " + w.state + " --endpoint-url " + w.url
	for _, want := range []string{
		"drorch: interrupting: no new call will be made",
		"Press Ctrl-C again to exit at once (the run stays resumable).",
		"run drill interrupted: no further call was made",
		"These AWS operations go on without drorch:",
		"SwitchoverGlobalCluster",
		"Continue it with: " + resume,
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the screen lacks %q:\n%s", want, scr)
		}
	}
	// Every line of the screen is whole: the notice is not written into a
	// bar (the "L1L1 ..." of a garbled redraw), and the bar ends ‖.
	for _, l := range strings.Split(scr, "\n") {
		if strings.Count(l, " L1 ") > 1 || strings.Contains(l, "L1L1") || strings.Contains(l, "drorch: ") && !strings.HasPrefix(l, "drorch: ") ||
			strings.TrimLeft(l, spinnerFrames) == "" && l != "" {
			t.Errorf("garbled line %q:\n%s", l, scr)
		}
	}
	if bars := barLines(scr); len(bars) != 1 || !strings.HasPrefix(bars[0], "‖ L1 ") {
		t.Errorf("the interrupted resource is not marked ‖: %q\n%s", bars, scr)
	}
	if st, _ := w.show("drill"); st.Status != journal.StatusRunning || st.Shown != journal.StatusInterrupted {
		t.Errorf("after Ctrl-C the journal has %s (shown %s), want running, shown interrupted", st.Status, st.Shown)
	}
	if n := issued(w); n != 1 {
		t.Errorf("%d mutating calls answered after the interruption, want the one in flight", n)
	}
	if show := w.mustRun(0, "show", "drill").stdout; !regexp.MustCompile(`rds SwitchoverGlobalCluster in us-east-1: issued at \S+, request id \S+`).MatchString(show) {
		t.Errorf("the call in flight is not journaled as answered:\n%s", show)
	}

	// The printed command continues it, on a terminal too: it says where
	// it picks up and shows the same progress.
	args := strings.Fields(strings.TrimPrefix(resume, "drorch "))
	r := w.startOnTerminal(120, nil, append(args[:2], pollFlags...)...)
	r.until("the resume point", func(s string) bool {
		return strings.Contains(s, "resuming run drill: 0 of 1 resources done; picks up at layer 1")
	})
	if code := r.wait(); code != 0 {
		t.Fatalf("resume: exit %d:\n%s", code, r.scr.text())
	}
	if bars := barLines(r.scr.text()); len(bars) != 1 || !strings.HasPrefix(bars[0], "✓ L1 ") {
		t.Errorf("resume shows no ✓ bar: %q\n%s", bars, r.scr.text())
	}
	if n := issued(w); n != 1 {
		t.Errorf("the resume made %d more mutating calls, want none (the switchover was under way)", n-1)
	}
	if st, _ := w.show("drill"); st.Status != journal.StatusSucceeded {
		t.Errorf("after the resume the run is %s, want succeeded", st.Status)
	}
}

// A second Ctrl-C exits at once and still leaves a resumable run; only
// drorch cancel cancels it.
func TestTerminalSecondCtrlCExitsAndOnlyCancelCancels(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldConfig{speed: 20})
	// The call hangs: the first Ctrl-C waits for it, the second does not.
	if _, err := w.sim.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: useast, Service: "rds", Action: "SwitchoverGlobalCluster", Mode: sim.ModeHang}); err != nil {
		t.Fatal(err)
	}
	p := w.startOnTerminal(120, nil, append([]string{"run", "--region", uswest, "--yes", "--run-id", "twice"}, append(pollFlags, seedPayload("1-planned-switchover.json"))...)...)
	p.until("the switchover call in flight", func(s string) bool { return w.sim.Held() == 1 })
	p.typeKeys("\x03")
	p.until("the first notice", func(s string) bool { return strings.Contains(s, "Press Ctrl-C again to exit at once") })
	p.typeKeys("\x03")
	started := time.Now()
	if code := p.wait(); code != 130 {
		t.Fatalf("exit %d after two Ctrl-C, want 130:\n%s", code, p.scr.text())
	}
	if took := time.Since(started); took > 5*time.Second {
		t.Errorf("the second Ctrl-C took %s to exit", took)
	}
	if !strings.Contains(p.flat(), "run twice is journaled and can be continued with: drorch resume twice") {
		t.Errorf("the exit does not say how to continue:\n%s", p.scr.text())
	}
	w.sim.ClearFaults()
	if st := w.runs()["twice"]; st != journal.StatusInterrupted {
		t.Fatalf("after two Ctrl-C the run is %s, want interrupted", st)
	}
	w.mustRun(0, "cancel", "twice")
	if st, _ := w.show("twice"); st.Status != journal.StatusCancelled {
		t.Errorf("after drorch cancel the run is %s, want cancelled", st.Status)
	}
}

// Escape sequences in a payload's names are shown, never obeyed: the plan
// above the prompt stays on the screen and no fake line appears.
func TestTerminalEscapesInNamesAreShownNotObeyed(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldConfig{speed: 200})
	evil := strings.Replace(string(readSeed(t, "1-planned-switchover.json")),
		`"resourceName": "`, `"resourceName": "\u001b[2J\u001b[H\rNothing to do.\u001b[8m`, 1)
	p := w.startOnTerminal(120, io.Discard, "run", "--region", uswest, w.payload("evil.json", evil))
	p.until("the prompt", func(s string) bool { return strings.Contains(s, "Type yes to go on:") })
	scr := p.scr.text()
	if !strings.Contains(scr, `\x1b[2J\x1b[H\rNothing to do.\x1b[8m`) || !strings.Contains(scr, "Plan for ") ||
		!strings.Contains(scr, "mutating calls: 1 in us-east-1") {
		t.Errorf("the name's escapes were obeyed, or the plan is gone:\n%s", scr)
	}
	p.typeKeys("no\r")
	if code := p.wait(); code != 2 {
		t.Errorf("not confirmed: exit %d, want 2", code)
	}
	if n := len(w.sim.MutatingCalls()); n != 0 {
		t.Errorf("%d mutating calls without confirmation", n)
	}
}

// A FIFO that nobody writes to: the first Ctrl-C ends the wait.
func TestCtrlCEndsTheWaitForAFIFO(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldConfig{speed: 200})
	fifo := filepath.Join(w.dir, "payload.fifo")
	if err := mkfifo(fifo); err != nil {
		t.Fatalf("make a FIFO: %v", err)
	}
	p := w.start("plan", "--region", uswest, fifo)
	waitBlockedOnFIFO(t, p)
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("one Ctrl-C did not end the wait for %s", fifo)
	}
	r := p.wait()
	if r.code != 130 || !strings.Contains(r.stderr, "read payload "+fifo+": interrupted before it was read; nothing was changed") {
		t.Errorf("want exit 130 and the interruption named:\n%s", r)
	}
}

// waitBlockedOnFIFO waits until one of p's threads sleeps opening a FIFO.
func waitBlockedOnFIFO(t *testing.T, p *proc) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", p.cmd.Process.Pid))
		for _, f := range tasks {
			if b, err := os.ReadFile(f); err == nil && (strings.Contains(string(b), "fifo") || strings.Contains(string(b), "wait_for_partner")) {
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("drorch ended before it waited for the FIFO:\n%s", p.wait())
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatal(errors.New("drorch never waited on the FIFO"))
}
