package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"drorch/journal"
)

// progress shows a run as it happens, from its journal events.
type progress interface {
	event(ev journal.Event)
	close()
}

// newProgress returns live bars on a terminal (one line per resource:
// status and elapsed time) and timestamped lines otherwise.
func newProgress(w io.Writer, terminal bool, now func() time.Time) progress {
	if terminal {
		return &barProgress{w: w, now: now, bars: map[[2]int]*mpb.Bar{}}
	}
	return &lineProgress{w: w}
}

// lineProgress writes one timestamped line per meaningful event.
type lineProgress struct {
	w     io.Writer
	mu    sync.Mutex
	state *journal.RunState
}

func (p *lineProgress) close() {}

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

func resourceName(st *journal.RunState, ev journal.Event) string {
	if ev.Layer < 0 || ev.Layer >= len(st.Layers) {
		return ""
	}
	l := st.Layers[ev.Layer]
	if ev.Resource < 0 || ev.Resource >= len(l.Resources) {
		return fmt.Sprintf("layer %d", l.Number)
	}
	return fmt.Sprintf("layer %d / %s", l.Number, l.Resources[ev.Resource].Name)
}

// describeEvent is the one-line story of an event ("" to say nothing).
func describeEvent(st *journal.RunState, ev journal.Event) string {
	who := resourceName(st, ev)
	step := ""
	if ev.Step != "" {
		step = ev.Step + ": "
	}
	outcome := func() string {
		var o journal.Outcome
		if err := json.Unmarshal(ev.Data, &o); err != nil {
			return "?"
		}
		return string(o.Status)
	}
	switch ev.Kind {
	case journal.RunCreated:
		return fmt.Sprintf("run %s created (%d layers, region %s)", ev.RunID, len(st.Layers), st.Spec.Region)
	case journal.RunStarted:
		return fmt.Sprintf("run %s started", ev.RunID)
	case journal.RunResumed:
		return fmt.Sprintf("run %s resumed", ev.RunID)
	case journal.RunCancelRequested:
		return fmt.Sprintf("cancel requested by %s; stopping after the calls in flight", orDash(ev.Message))
	case journal.RunFinished:
		return withError(fmt.Sprintf("run %s %s", ev.RunID, outcome()), ev.Error)
	case journal.LayerStarted:
		return fmt.Sprintf("%s: started (%d resources)", who, len(st.Layers[ev.Layer].Resources))
	case journal.LayerFinished:
		return fmt.Sprintf("%s: %s", who, outcome())
	case journal.ResourceStarted:
		return who + ": started"
	case journal.ResourceAlreadyDone:
		return fmt.Sprintf("%s: already done (%s)", who, ev.Message)
	case journal.ResourceFinished:
		r := st.Layers[ev.Layer].Resources[ev.Resource]
		if r.Status == journal.StatusAlreadyDone {
			return who + ": nothing to do"
		}
		return withError(fmt.Sprintf("%s: %s after %s", who, outcome(), fmtDuration(r.Elapsed())), ev.Error)
	case journal.StepSkipped:
		return fmt.Sprintf("%s: %sskipped, %s", who, step, ev.Message)
	case journal.StepObserved:
		return fmt.Sprintf("%s: %s%s", who, step, ev.Message)
	case journal.StepFinished:
		return withError(fmt.Sprintf("%s: %s%s", who, step, outcome()), ev.Error)
	case journal.CallIntent:
		return fmt.Sprintf("%s: %scalling %s", who, step, ev.Message)
	case journal.CallIssued:
		return fmt.Sprintf("%s: %saccepted by AWS", who, step)
	case journal.CallFailed:
		return fmt.Sprintf("%s: %scall failed: %s", who, step, ev.Error)
	}
	return ""
}

func withError(s, err string) string {
	if err == "" {
		return s
	}
	return s + ": " + err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// barProgress draws one live line per resource of the running layers. mu
// guards the folded state, which the bars' decorators read while mpb
// renders; opMu serialises calls into mpb, never made while holding mu.
type barProgress struct {
	w   io.Writer
	now func() time.Time

	mu    sync.Mutex
	state *journal.RunState

	opMu sync.Mutex
	p    *mpb.Progress
	bars map[[2]int]*mpb.Bar
}

func (b *barProgress) event(ev journal.Event) {
	b.mu.Lock()
	ok := applyEvent(&b.state, ev)
	var add []string
	if ok && ev.Kind == journal.LayerStarted {
		for _, r := range b.state.Layers[ev.Layer].Resources {
			add = append(add, fmt.Sprintf("L%d %s", b.state.Layers[ev.Layer].Number, truncate(r.Name, 48)))
		}
	}
	b.mu.Unlock()
	if !ok {
		return
	}
	b.opMu.Lock()
	defer b.opMu.Unlock()
	if b.p == nil {
		// Bars are only chosen for a terminal; auto refresh keeps mpb
		// drawing when that terminal is wrapped in another writer.
		b.p = mpb.New(mpb.WithOutput(b.w), mpb.WithRefreshRate(120*time.Millisecond), mpb.WithAutoRefresh())
	}
	switch ev.Kind {
	case journal.LayerStarted:
		for ri, label := range add {
			b.addBar(ev.Layer, ri, label)
		}
	case journal.ResourceFinished:
		if bar := b.bars[[2]int{ev.Layer, ev.Resource}]; bar != nil {
			bar.SetTotal(1, true)
		}
	case journal.RunFinished:
		for _, bar := range b.bars {
			if !bar.Completed() {
				bar.Abort(false)
			}
		}
	}
}

func (b *barProgress) addBar(li, ri int, label string) {
	key := [2]int{li, ri}
	if b.bars[key] != nil {
		return
	}
	status := func(decor.Statistics) string {
		b.mu.Lock()
		defer b.mu.Unlock()
		return "  " + resourceStatusLine(b.state.Layers[li].Resources[ri])
	}
	elapsed := func(decor.Statistics) string {
		b.mu.Lock()
		defer b.mu.Unlock()
		r := b.state.Layers[li].Resources[ri]
		switch {
		case r.Started.IsZero():
			return ""
		case r.Ended.IsZero():
			return fmtDuration(b.now().Sub(r.Started))
		default:
			return fmtDuration(r.Elapsed())
		}
	}
	b.bars[key] = b.p.New(0, mpb.SpinnerStyle("⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏").PositionLeft(),
		mpb.BarWidth(2), mpb.BarFillerOnComplete("✓"), mpb.BarFillerOnAbort("✗"),
		mpb.PrependDecorators(decor.Name(label, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.Any(elapsed, decor.WC{W: 8}), decor.Any(status)))
}

// resourceStatusLine is the live status of a resource: its state, the step
// it is on and what was last seen.
func resourceStatusLine(r journal.ResourceState) string {
	switch r.Status {
	case journal.StatusPending:
		return "waiting"
	case journal.StatusRunning:
		for _, st := range r.Steps {
			if st.Status == journal.StatusRunning {
				return strings.TrimSpace(st.Name + ": " + orDash(st.LastObserved))
			}
		}
		return "running"
	case journal.StatusAlreadyDone:
		return "already done"
	case journal.StatusFailed:
		return "failed: " + truncate(r.Error, 100)
	}
	return string(r.Status)
}

func (b *barProgress) close() {
	b.opMu.Lock()
	defer b.opMu.Unlock()
	for _, bar := range b.bars {
		if !bar.Completed() && !bar.Aborted() {
			bar.Abort(false)
		}
	}
	if b.p != nil {
		b.p.Wait()
	}
}
