package report

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"
)

// TimelineOptions shape the timeline.
type TimelineOptions struct {
	// Width is the SVG's width in user units (it scales to its box); 0
	// means 960.
	Width int
	// StepRowsUpTo is the most resources for which every step gets a row
	// of its own; above it, steps are drawn as segments of their
	// resource's bar so that a run of hundreds of resources stays
	// readable. 0 means 40.
	StepRowsUpTo int
}

func (o TimelineOptions) withDefaults() TimelineOptions {
	if o.Width <= 0 {
		o.Width = 960
	}
	if o.StepRowsUpTo <= 0 {
		o.StepRowsUpTo = 40
	}
	return o
}

// Status colours: readable on screen and on paper, told apart by more than
// hue (running and unfinished bars are striped, pending ones outlined).
var statusFill = map[string]string{
	"succeeded":    "#2e7d32",
	"already-done": "#81c784",
	"failed":       "#c62828",
	"cancelled":    "#757575",
	"skipped":      "#bdbdbd",
	"running":      "#1565c0",
	"pending":      "#ffffff",
	"interrupted":  "#ef6c00",
}

func fill(status string) string {
	if c, ok := statusFill[status]; ok {
		return c
	}
	return "#9e9e9e"
}

// callFill colours a call marker: accepted, refused, or unknown.
func callFill(c Call) string {
	switch {
	case c.OutcomeUnknown:
		return "#ef6c00"
	case c.Status == "failed":
		return "#c62828"
	}
	return "#212121"
}

const (
	tlLabelW = 280
	tlAxisH  = 40
	tlPad    = 12
	tlLegend = 34
)

// Timeline draws the run as a Gantt chart in SVG: a row per layer, per
// resource and (up to opts.StepRowsUpTo resources) per step, on one time
// axis from the run's start, with a marker per mutating call, a line at
// the run's RTO and, for an unfinished run, a line at the moment the
// report knows of. It needs no script, font or file: the web UI shows the
// same drawing and draws it again as events come.
//
// Elements carry stable ids for a live view to find them: tl-l{L} for a
// layer bar, tl-r{L}-{R} for a resource bar, tl-s{L}-{R}-{S} for a step
// bar, tl-c{L}-{R}-{S}-{C} for a call marker (L, R, S, C: 0-based
// positions), and class "bar" on every bar, "call" on every marker.
// Every text from the journal is cleaned and escaped.
func Timeline(r *Report, opts TimelineOptions) template.HTML {
	o := opts.withDefaults()
	t := newTimeline(r, o)
	return template.HTML(t.draw()) // every text inside is escaped by esc
}

type timeline struct {
	r      *Report
	o      TimelineOptions
	t0, t1 time.Time
	steps  bool // a row per step
	b      strings.Builder
}

func newTimeline(r *Report, o TimelineOptions) *timeline {
	t := &timeline{r: r, o: o}
	t.t0 = r.Run.Started.Time
	if t.t0.IsZero() {
		t.t0 = r.Run.Created.Time
	}
	t.t1 = t.t0
	later := func(v Time) {
		if v.After(t.t1) {
			t.t1 = v.Time
		}
	}
	later(r.Run.Ended)
	if !r.Run.Finished {
		later(r.Run.AsOf) // what still runs is drawn up to now
	}
	n := 0
	for _, l := range r.Layers {
		later(l.Ended)
		n += len(l.Resources)
		for _, res := range l.Resources {
			later(res.Ended)
			for _, s := range res.Steps {
				later(s.Ended)
				for _, c := range s.Calls {
					later(c.At)
					later(c.DoneAt)
				}
			}
		}
	}
	if !t.t1.After(t.t0) {
		t.t1 = t.t0.Add(time.Second)
	}
	t.steps = n <= o.StepRowsUpTo
	return t
}

func (t *timeline) chartX0() float64 { return tlLabelW + tlPad }
func (t *timeline) chartW() float64  { return float64(t.o.Width) - t.chartX0() - 2*tlPad }

// x is the horizontal position of instant v.
func (t *timeline) x(v time.Time) float64 {
	if v.Before(t.t0) {
		v = t.t0
	}
	frac := float64(v.Sub(t.t0)) / float64(t.t1.Sub(t.t0))
	return t.chartX0() + frac*t.chartW()
}

func esc(s string) string { return html.EscapeString(Clean(s)) }

func (t *timeline) p(format string, args ...any) { fmt.Fprintf(&t.b, format, args...) }

func (t *timeline) draw() string {
	rowsH := 0
	for _, l := range t.r.Layers {
		rowsH += 26
		for _, res := range l.Resources {
			rowsH += 22
			if t.steps {
				rowsH += 16 * len(res.Steps)
			}
		}
	}
	height := tlAxisH + rowsH + tlLegend + tlPad
	w := t.o.Width
	t.p(`<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 %d %d" width="100%%" preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="tl-title" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="11">`, w, height)
	t.p(`<title id="tl-title">Timeline of run %s: %s</title>`, esc(t.r.Run.ID), esc(t.r.Run.Status))
	t.p(`<defs><pattern id="tl-stripes" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#ffffff" fill-opacity="0.45"/></pattern></defs>`)
	t.p(`<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`, w, height)
	t.axis(height - tlLegend - tlPad)
	y := tlAxisH
	for li, l := range t.r.Layers {
		y = t.layerRow(li, l, y)
	}
	t.marks(height - tlLegend - tlPad)
	t.legend(height - tlLegend + 4)
	t.p(`</svg>`)
	return t.b.String()
}

// axis draws the time axis: ticks at a round step, as offsets from the
// run's start, with the start itself in UTC.
func (t *timeline) axis(bottom int) {
	span := t.t1.Sub(t.t0)
	step := tickStep(span)
	t.p(`<g class="axis">`)
	t.p(`<text x="%d" y="14" font-weight="600">Start %s UTC</text>`, tlPad, esc(At(t.t0).UTC().Format("2006-01-02 15:04:05")))
	for d := time.Duration(0); d <= span; d += step {
		x := t.x(t.t0.Add(d))
		t.p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e0e0e0"/>`, x, tlAxisH-8, x, bottom)
		t.p(`<text x="%.1f" y="%d" text-anchor="middle" fill="#424242">%s</text>`, x, tlAxisH-12, tickLabel(d))
	}
	t.p(`</g>`)
}

// tickStep is the round step that puts at most about ten ticks on span.
func tickStep(span time.Duration) time.Duration {
	steps := []time.Duration{time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond,
		25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}
	for _, s := range steps {
		if span/s <= 10 {
			return s
		}
	}
	return span / 10
}

func tickLabel(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		if s := int(d.Seconds()) % 60; s != 0 {
			return fmt.Sprintf("%dm%02ds", int(d.Minutes()), s)
		}
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	if m := int(d.Minutes()) % 60; m != 0 {
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), m)
	}
	return fmt.Sprintf("%dh", int(d.Hours()))
}

func (t *timeline) label(y, h int, indent int, text, title string, bold bool, muted bool) {
	weight := ""
	if bold {
		weight = ` font-weight="600"`
	}
	color := "#212121"
	if muted {
		color = "#9e9e9e"
	}
	chars := (tlLabelW - indent) / 6
	t.p(`<text x="%d" y="%d"%s fill="%s"><title>%s</title>%s</text>`, tlPad+indent, y+h/2+4, weight, color, esc(title), esc(truncate(Clean(text), chars)))
}

// bar draws one bar from start to end (to the report's last known moment
// when it has not ended); it is at least 2 units wide, so that an instant
// step still shows.
func (t *timeline) bar(id, kind string, y, h int, status string, start, end Time, title string) {
	if start.IsZero() {
		return
	}
	open := end.IsZero()
	stop := end.Time
	if open {
		stop = t.t1
	}
	x0, x1 := t.x(start.Time), t.x(stop)
	width := max(x1-x0, 2)
	stroke := ""
	if status == "pending" {
		stroke = ` stroke="#616161"`
	}
	t.p(`<rect id="%s" class="bar %s" data-status="%s" x="%.1f" y="%d" width="%.1f" height="%d" rx="2" fill="%s"%s><title>%s</title></rect>`,
		id, kind, esc(status), x0, y, width, h, fill(status), stroke, esc(title))
	if open || status == "running" {
		t.p(`<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="url(#tl-stripes)" pointer-events="none"/>`, x0, y, width, h)
	}
}

func (t *timeline) layerRow(li int, l Layer, y int) int {
	h := 26
	t.p(`<g class="layer" id="tl-g%d">`, li)
	t.p(`<rect x="0" y="%d" width="%d" height="%d" fill="#f5f5f5"/>`, y, t.o.Width, h)
	title := fmt.Sprintf("Layer %d: %s, %s", l.Number, l.Status, durOr(l.Duration, "not ended"))
	t.label(y, h, 0, fmt.Sprintf("Layer %d", l.Number), title, true, false)
	t.bar(fmt.Sprintf("tl-l%d", li), "layer", y+5, h-10, l.Status, l.Started, l.Ended, title)
	y += h
	for ri, res := range l.Resources {
		y = t.resourceRow(li, ri, res, y)
	}
	t.p(`</g>`)
	return y
}

func (t *timeline) resourceRow(li, ri int, r Resource, y int) int {
	h := 22
	measure := durOr(r.Duration, "not ended")
	if r.RTO != nil {
		measure = "RTO " + r.RTO.Display
	}
	title := fmt.Sprintf("%s (%s, %s): %s, %s", r.Name, r.Type, r.Region, r.Status, measure)
	if r.Error != "" {
		title += ": " + r.Error
	}
	t.label(y, h, 10, r.Name, title, false, r.Started.IsZero())
	t.bar(fmt.Sprintf("tl-r%d-%d", li, ri), "resource", y+4, h-8, r.Status, r.Started, r.Ended, title)
	if !t.steps {
		// Steps as segments of the resource's bar, their calls on it.
		for si, s := range r.Steps {
			t.bar(fmt.Sprintf("tl-s%d-%d-%d", li, ri, si), "step", y+7, h-14, s.Status, s.Started, s.Ended, stepTitle(s))
			t.calls(li, ri, si, s, y+h/2)
		}
		return y + h
	}
	y += h
	for si, s := range r.Steps {
		sh := 16
		t.label(y, sh, 22, s.Name, stepTitle(s), false, s.Started.IsZero())
		t.bar(fmt.Sprintf("tl-s%d-%d-%d", li, ri, si), "step", y+4, sh-8, s.Status, s.Started, s.Ended, stepTitle(s))
		t.calls(li, ri, si, s, y+sh/2)
		y += sh
	}
	return y
}

func stepTitle(s Step) string {
	out := fmt.Sprintf("%s: %s, %s", s.Name, s.Status, durOr(s.Duration, "not ended"))
	if s.Reason != "" {
		out += ": skipped: " + s.Reason
	}
	if s.Error != "" {
		out += ": " + s.Error
	}
	return out
}

// calls draws a diamond per call at the moment its intent was journaled.
func (t *timeline) calls(li, ri, si int, s Step, cy int) {
	for ci, c := range s.Calls {
		x := t.x(c.At.Time)
		title := fmt.Sprintf("%s %s in %s at %s: %s", c.Service, c.Action, c.Region, c.At, callOutcome(c))
		if c.RequestID != "" {
			title += " (request " + c.RequestID + ")"
		}
		t.p(`<path id="tl-c%d-%d-%d-%d" class="call" data-status="%s" d="M%.1f %d l5 5 l-5 5 l-5 -5 z" fill="%s" stroke="#ffffff" stroke-width="1"><title>%s</title></path>`,
			li, ri, si, ci, esc(c.Status), x, cy-5, callFill(c), esc(title))
	}
}

// marks draws the RTO line, a line at each resume and at the cancel
// request, and, for an unfinished run, the "as of" line.
func (t *timeline) marks(bottom int) {
	for i, s := range t.r.Run.Sessions {
		if s.Action != "resumed" || s.At.IsZero() {
			continue
		}
		x := t.x(s.At.Time)
		title := fmt.Sprintf("resumed at %s by %s@%s (pid %d)", s.At, s.User, s.Host, s.PID)
		t.p(`<g class="resume" id="tl-resume%d"><title>%s</title><line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#1565c0" stroke-width="1" stroke-dasharray="2 2"/>`, i, esc(title), x, tlAxisH-6, x, bottom)
		t.p(`<text x="%.1f" y="%d" fill="#1565c0">resumed</text></g>`, x+3, bottom-3)
	}
	if c := t.r.Run.Cancel; c != nil && !c.At.IsZero() {
		x := t.x(c.At.Time)
		t.p(`<g class="cancel"><title>%s</title><line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#424242" stroke-width="1.5" stroke-dasharray="2 2"/>`, esc("cancel requested by "+c.RequestedBy+" at "+c.At.String()), x, tlAxisH-6, x, bottom)
		t.p(`<text x="%.1f" y="%d" fill="#424242">cancel requested</text></g>`, x+3, bottom-3)
	}
	if rto := t.r.Run.RTO; rto != nil {
		x := t.x(t.t0.Add(rto.D()))
		t.p(`<g class="rto"><line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#6a1b9a" stroke-width="1.5" stroke-dasharray="5 3"/>`, x, tlAxisH-6, x, bottom)
		t.p(`<text x="%.1f" y="%d" text-anchor="end" fill="#6a1b9a" font-weight="600">RTO %s</text></g>`, x-3, tlAxisH-26, esc(rto.Display))
	}
	if !t.r.Run.Finished {
		x := t.x(t.r.Run.AsOf.Time)
		t.p(`<g class="asof"><line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ef6c00" stroke-width="1.5"/>`, x, tlAxisH-6, x, bottom)
		t.p(`<text x="%.1f" y="%d" text-anchor="end" fill="#ef6c00" font-weight="600">as of %s (unfinished)</text></g>`, x-3, 14, esc(t.r.Run.AsOf.UTC().Format("15:04:05")))
	}
}

func (t *timeline) legend(y int) {
	t.p(`<g class="legend">`)
	x := tlPad
	for _, s := range []string{"succeeded", "already-done", "running", "failed", "cancelled", "skipped", "pending"} {
		stroke := ""
		if s == "pending" {
			stroke = ` stroke="#616161"`
		}
		t.p(`<rect x="%d" y="%d" width="12" height="10" fill="%s"%s/><text x="%d" y="%d">%s</text>`, x, y, fill(s), stroke, x+16, y+9, s)
		x += 22 + 6*len(s) + 10
	}
	for _, c := range []struct{ label, fill string }{{"call", "#212121"}, {"failed call", "#c62828"}, {"outcome unknown", "#ef6c00"}} {
		t.p(`<path d="M%d %d l5 5 l-5 5 l-5 -5 z" fill="%s"/><text x="%d" y="%d">%s</text>`, x+5, y, c.fill, x+14, y+9, c.label)
		x += 20 + 6*len(c.label) + 10
	}
	t.p(`</g>`)
}
