package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"drorch/journal"
	"drorch/output"
	"drorch/report"
)

// progress shows a run as it happens, from its journal events.
type progress interface {
	event(ev journal.Event)
	// notice prints a line for the operator without garbling the live
	// display (above the bars on a terminal).
	notice(line string)
	close()
}

// newProgress returns live bars on a terminal of width columns (one line
// per resource: mark, name, elapsed time, step and status) and
// timestamped lines otherwise. prior is the journal of a run being
// resumed (nil for a new run): the display starts from it.
func newProgress(w io.Writer, terminal bool, width int, now func() time.Time, prior *journal.RunState) progress {
	if terminal {
		// mpb redraws in place only on the terminal's file itself; what
		// else is said meanwhile goes above the bars (notice).
		if f, ok := fileOf(w); ok {
			w = f
		}
		b := &barProgress{w: w, width: width, now: now, bars: map[[2]int]*mpb.Bar{}}
		if prior != nil {
			b.state = cloneState(prior)
		}
		return b
	}
	l := &lineProgress{w: w}
	if prior != nil {
		l.state = cloneState(prior)
	}
	return l
}

// cloneState copies a folded run through its JSON, so that the display's
// fold never touches the caller's.
func cloneState(st *journal.RunState) *journal.RunState {
	b, err := json.Marshal(st)
	if err != nil {
		return nil
	}
	var out journal.RunState
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return &out
}

// lineProgress writes one timestamped line per meaningful event.
type lineProgress struct {
	w     io.Writer
	mu    sync.Mutex
	state *journal.RunState
}

func (p *lineProgress) close() {}

func (p *lineProgress) notice(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, line)
}

func (p *lineProgress) event(ev journal.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !applyEvent(&p.state, ev) {
		return
	}
	if line := describeEvent(p.state, ev); line != "" {
		fmt.Fprintf(p.w, "%s  %s\n", ev.Time.UTC().Format("15:04:05.000"), line)
	}
}

// applyEvent folds ev into *st, starting it at run.created. It reports
// whether the event could be placed.
func applyEvent(st **journal.RunState, ev journal.Event) bool {
	if *st == nil {
		if ev.Kind != journal.RunCreated {
			return false
		}
		s, err := journal.NewRunState(ev)
		if err != nil {
			return false
		}
		*st = s
		return true
	}
	return (*st).Apply(ev) == nil
}

// resourceName is "layer N / name" (or "layer N"), cleaned for a terminal.
func resourceName(st *journal.RunState, ev journal.Event) string {
	if ev.Layer < 0 || ev.Layer >= len(st.Layers) {
		return ""
	}
	l := st.Layers[ev.Layer]
	if ev.Resource < 0 || ev.Resource >= len(l.Resources) {
		return fmt.Sprintf("layer %d", l.Number)
	}
	return fmt.Sprintf("layer %d / %s", l.Number, report.Clean(l.Resources[ev.Resource].Name))
}

// stepLabel is "step 2/3 name: " for a resource's step ("" when unknown).
func stepLabel(st *journal.RunState, ev journal.Event) string {
	if ev.Step == "" {
		return ""
	}
	r, ok := st.Resource(ev.Layer, ev.Resource)
	if !ok {
		return report.Clean(ev.Step) + ": "
	}
	for i, s := range r.Steps {
		if s.Name == ev.Step {
			return fmt.Sprintf("step %d/%d %s: ", i+1, len(r.Steps), report.Clean(ev.Step))
		}
	}
	return report.Clean(ev.Step) + ": "
}

// describeEvent is the one-line story of an event ("" to say nothing),
// every text from the payload or AWS cleaned of control characters.
func describeEvent(st *journal.RunState, ev journal.Event) string {
	who := resourceName(st, ev)
	step := stepLabel(st, ev)
	outcome := func() string {
		var o journal.Outcome
		if err := json.Unmarshal(ev.Data, &o); err != nil {
			return "?"
		}
		return string(o.Status)
	}
	id := report.Clean(ev.RunID)
	switch ev.Kind {
	case journal.RunCreated:
		return fmt.Sprintf("run %s created (%s, region %s)", id, output.Plural(len(st.Layers), "layer"), report.Clean(st.Spec.Region))
	case journal.RunStarted:
		return fmt.Sprintf("run %s started", id)
	case journal.RunResumed:
		return fmt.Sprintf("run %s resumed", id)
	case journal.RunInterrupted:
		return fmt.Sprintf("run %s interrupted", id)
	case journal.RunCancelRequested:
		return fmt.Sprintf("cancel requested by %s; stopping after the calls in flight", report.Clean(orDash(ev.Message)))
	case journal.RunFinished:
		return withError(fmt.Sprintf("run %s %s", id, outcome()), ev.Error)
	case journal.LayerStarted:
		return fmt.Sprintf("%s: started (%s)", who, output.Plural(len(st.Layers[ev.Layer].Resources), "resource"))
	case journal.LayerFinished:
		return fmt.Sprintf("%s: %s", who, outcome())
	case journal.ResourceStarted:
		return who + ": started"
	case journal.ResourceAlreadyDone:
		return fmt.Sprintf("%s: already done (%s)", who, report.Clean(ev.Message))
	case journal.ResourceFinished:
		r := st.Layers[ev.Layer].Resources[ev.Resource]
		if r.Status == journal.StatusAlreadyDone {
			return who + ": nothing to do"
		}
		return withError(fmt.Sprintf("%s: %s after %s", who, outcome(), fmtDuration(r.Elapsed())), ev.Error)
	case journal.StepSkipped:
		return fmt.Sprintf("%s: %sskipped, %s", who, step, report.Clean(ev.Message))
	case journal.StepObserved:
		return fmt.Sprintf("%s: %s%s", who, step, report.Clean(ev.Message))
	case journal.StepFinished:
		return withError(fmt.Sprintf("%s: %s%s", who, step, outcome()), ev.Error)
	case journal.CallIntent:
		return fmt.Sprintf("%s: %scalling %s", who, step, report.Clean(ev.Message))
	case journal.CallIssued:
		line := fmt.Sprintf("%s: %saccepted by AWS", who, step)
		var c journal.Call
		if json.Unmarshal(ev.Data, &c) == nil && c.RequestID != "" {
			line += " (request " + report.Clean(c.RequestID) + ")"
		}
		return line
	case journal.CallFailed:
		return fmt.Sprintf("%s: %scall failed: %s", who, step, report.Clean(ev.Error))
	}
	return ""
}

func withError(s, err string) string {
	if err == "" {
		return s
	}
	return s + ": " + report.Clean(err)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Marks of a resource on the live display and in the tables: ✓ only for
// success, and one distinct mark for every other end.
const (
	markSucceeded   = "✓"
	markFailed      = "✗"
	markCancelled   = "⊘"
	markInterrupted = "‖"
	markAlreadyDone = "="
	markPending     = "·"
)

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// mark is the resource's mark: a spinner frame while it runs in a run
// that goes on.
func mark(r journal.ResourceState, interrupted bool, frame int) string {
	switch r.Status {
	case journal.StatusSucceeded:
		return markSucceeded
	case journal.StatusFailed:
		return markFailed
	case journal.StatusCancelled:
		return markCancelled
	case journal.StatusAlreadyDone:
		return markAlreadyDone
	case journal.StatusInterrupted:
		return markInterrupted
	case journal.StatusPending, journal.StatusSkipped:
		return markPending
	}
	if interrupted {
		return markInterrupted
	}
	return spinner[frame%len(spinner)]
}

// barProgress draws one live line per resource of the running layers. mu
// guards the folded state, which the bars' decorators read while mpb
// renders; opMu serialises calls into mpb, never made while holding mu.
type barProgress struct {
	w     io.Writer
	width int
	now   func() time.Time

	mu    sync.Mutex
	state *journal.RunState

	opMu sync.Mutex
	p    *mpb.Progress
	bars map[[2]int]*mpb.Bar
}

func (b *barProgress) start() {
	if b.p == nil {
		// Bars are only chosen for a terminal; auto refresh keeps mpb
		// drawing when that terminal is wrapped in another writer.
		b.p = mpb.New(mpb.WithOutput(b.w), mpb.WithRefreshRate(120*time.Millisecond), mpb.WithAutoRefresh())
	}
}

func (b *barProgress) notice(line string) {
	b.opMu.Lock()
	defer b.opMu.Unlock()
	if b.p == nil {
		fmt.Fprintln(b.w, line)
		return
	}
	// From column 0 on a cleared line: the terminal's echo of ^C may
	// have moved the cursor, and mpb's redraw erases from the cursor on.
	if _, err := b.p.Write([]byte("\r\x1b[K" + line + "\n")); err != nil {
		fmt.Fprintln(b.w, line) // the bars are done drawing
	}
}

func (b *barProgress) event(ev journal.Event) {
	b.mu.Lock()
	ok := applyEvent(&b.state, ev)
	var add [][2]int
	if ok {
		// Bars for the layers that are under way: the one that starts,
		// and on resume the ones the run had started before.
		for li, l := range b.state.Layers {
			if (ev.Kind == journal.LayerStarted && li == ev.Layer) || (l.Status == journal.StatusRunning) {
				for ri := range l.Resources {
					add = append(add, [2]int{li, ri})
				}
			}
		}
	}
	b.mu.Unlock()
	if !ok {
		return
	}
	b.opMu.Lock()
	defer b.opMu.Unlock()
	b.start()
	for _, k := range add {
		b.addBar(k[0], k[1])
	}
	switch ev.Kind {
	case journal.ResourceFinished:
		if bar := b.bars[[2]int{ev.Layer, ev.Resource}]; bar != nil {
			bar.SetTotal(1, true)
		}
	case journal.RunFinished, journal.RunInterrupted:
		b.endBars()
	}
}

func (b *barProgress) endBars() {
	for _, bar := range b.bars {
		if !bar.Completed() && !bar.Aborted() {
			bar.Abort(false)
		}
	}
}

func (b *barProgress) addBar(li, ri int) {
	key := [2]int{li, ri}
	if b.bars[key] != nil {
		return
	}
	frame := 0
	line := func(decor.Statistics) string {
		b.mu.Lock()
		defer b.mu.Unlock()
		frame++
		l := b.state.Layers[li]
		r := l.Resources[ri]
		elapsed := ""
		switch {
		case r.Started.IsZero():
		case r.Ended.IsZero() && !b.state.Interrupted:
			elapsed = fmtDuration(b.now().Sub(r.Started))
		case !r.Ended.IsZero():
			elapsed = fmtDuration(r.Elapsed())
		}
		label := fmt.Sprintf("L%d %s", l.Number, report.Clean(r.Name))
		return fitLine(mark(r, b.state.Interrupted, frame/2), truncate(label, 40), elapsed,
			resourceStatusLine(r, b.state.Interrupted), b.width)
	}
	b.bars[key] = b.p.New(0, mpb.NopStyle(), mpb.PrependDecorators(decor.Any(line)))
}

// fitLine lays out a bar's line in fewer than width columns, so that the
// terminal never wraps it (a wrapped line garbles every redraw): the
// status is cut first, then the label.
func fitLine(mark, label, elapsed, status string, width int) string {
	if width <= 0 {
		width = 80
	}
	head := fmt.Sprintf("%s %-40s %7s  ", mark, label, elapsed)
	room := width - 1 - utf8.RuneCountInString(head)
	if room < 10 {
		head = fmt.Sprintf("%s %s %s  ", mark, truncate(label, max(8, width/3)), elapsed)
		room = width - 1 - utf8.RuneCountInString(head)
	}
	return truncate(head+truncate(status, max(room, 1)), width-1)
}

// resourceStatusLine is the live status of a resource: its state, the
// step it is on (step 2/3) and what was last seen or done.
func resourceStatusLine(r journal.ResourceState, interrupted bool) string {
	switch r.Status {
	case journal.StatusPending:
		if interrupted {
			return "not started"
		}
		return "waiting"
	case journal.StatusRunning:
		prefix := ""
		if interrupted {
			prefix = "interrupted at "
		}
		for i, st := range r.Steps {
			if st.Status == journal.StatusRunning {
				return fmt.Sprintf("%sstep %d/%d %s: %s", prefix, i+1, len(r.Steps), report.Clean(st.Name), stepActivity(st))
			}
		}
		done := 0
		for _, st := range r.Steps {
			if st.Status.Terminal() {
				done++
			}
		}
		if done == 0 {
			return prefix + "checking the current state"
		}
		return fmt.Sprintf("%s%d/%d steps done", prefix, done, len(r.Steps))
	case journal.StatusAlreadyDone:
		return "already done"
	case journal.StatusFailed:
		return "failed: " + report.Clean(r.Error)
	case journal.StatusCancelled:
		return "cancelled"
	}
	return string(r.Status)
}

// stepActivity is what a running step is doing: what was last seen, else
// the call it made or is making, else that it is looking.
func stepActivity(st journal.StepState) string {
	if st.LastObserved != "" {
		return report.Clean(st.LastObserved)
	}
	if n := len(st.Calls); n > 0 {
		c := st.Calls[n-1]
		switch c.Status {
		case journal.CallStatusIntent:
			return "calling " + report.Clean(c.Call.Action)
		case journal.CallStatusIssued:
			return report.Clean(c.Call.Action) + " accepted; waiting for AWS"
		case journal.CallStatusFailed:
			return report.Clean(c.Call.Action) + " failed"
		}
	}
	return "checking"
}

func (b *barProgress) close() {
	b.opMu.Lock()
	defer b.opMu.Unlock()
	b.endBars()
	if b.p != nil {
		b.p.Wait()
	}
}

// truncate shortens s to n runes, ending with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// padRight pads s with spaces to n runes.
func padRight(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}
