package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// WriteMarkdown writes r as Markdown that reads well both raw, in a
// terminal, and rendered, in a ticket: the run, a summary, then a table
// per layer and the details of each resource. Every text from a payload or
// from AWS is cleaned (Clean) and escaped.
func WriteMarkdown(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	m := &mdWriter{w: bw, day: r.Run.Created}
	m.report(r.cleaned())
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write markdown report: %w", err)
	}
	return nil
}

type mdWriter struct {
	w   *bufio.Writer
	day Time // the run's first day: times on it are shown as a time of day
}

func (m *mdWriter) p(format string, args ...any) { fmt.Fprintf(m.w, format, args...) }

func (m *mdWriter) report(r *Report) {
	run := r.Run
	m.p("# drorch run report: %s\n\n", md(run.ID))
	if !run.Finished {
		m.p("> **Unfinished run** (%s): this report shows what the journal recorded until %s.\n\n", md(run.Status), run.AsOf)
	}
	rto := "none"
	if run.RTO != nil {
		rto = "**" + run.RTO.Display + "**"
	}
	m.p("- **Status:** %s\n", md(run.Status))
	m.p("- **RTO:** %s (%s)\n", rto, md(run.RTONote))
	m.p("- **Region:** %s\n", md(run.Region))
	m.p("- **Payload:** %s (sha256 %s)\n", orDash(md(run.Payload.File)), mdCode(run.Payload.SHA256))
	if run.AllowDataLoss {
		m.p("- **Data loss allowed:** yes (--allow-data-loss)\n")
	}
	m.p("- **Created:** %s\n", run.Created)
	m.p("- **Started:** %s\n", orDash(run.Started.String()))
	m.p("- **Ended:** %s\n", orDash(run.Ended.String()))
	m.p("- **Duration:** %s\n", durOr(run.Duration, "not finished"))
	for _, s := range run.Sessions {
		m.p("- **%s by:** %s\n", capitalize(s.Action), sessionText(s))
	}
	if run.Resumes > 0 {
		m.p("- **Resumes:** %d\n", run.Resumes)
	}
	if c := run.Cancel; c != nil {
		m.p("- **Cancelled by:** %s", orDash(md(c.RequestedBy)))
		if !c.At.IsZero() {
			m.p(" at %s", c.At)
		}
		m.p("\n")
	}
	if run.Error != "" {
		m.p("- **Error:** %s\n", md(run.Error))
	}
	if r.Generated.IsZero() {
		m.p("- **Report as of:** %s\n", run.AsOf)
	} else {
		m.p("- **Report made:** %s by %s\n", r.Generated, orDash(md(r.GeneratedBy)))
	}

	s := r.Summary
	m.p("\n## Summary\n\n")
	m.p("- **Resources:** %d (%s)\n", s.Resources, statusCounts(s.Statuses))
	m.p("- **Mutating AWS calls:** %d, %d failed, %d with an unknown outcome\n", s.Calls, s.FailedCalls, s.UnknownCalls)
	m.p("- **Approvals:** %d\n", s.Approvals)

	if len(r.Approvals) > 0 {
		m.p("\n## Approvals\n\n")
		rows := [][]string{}
		for _, a := range r.Approvals {
			rows = append(rows, []string{fmt.Sprint(a.Layer), md(a.Resource), md(a.Decision), md(a.By), a.At.String(), md(a.Comment)})
		}
		m.table([]string{"Layer", "Resource", "Decision", "By", "At", "Comment"}, rows)
	}
	if len(r.UnknownCalls) > 0 {
		m.p("\n## Calls with an unknown outcome\n\n")
		m.p("These calls may or may not have taken effect in AWS; look at the resources before acting again.\n\n")
		rows := [][]string{}
		for _, c := range r.UnknownCalls {
			rows = append(rows, []string{fmt.Sprint(c.Layer), md(c.Resource), md(c.Step), md(c.Call.Service + " " + c.Call.Action),
				md(c.Call.Region), m.clock(c.Call.At), md(c.Call.Error)})
		}
		m.table([]string{"Layer", "Resource", "Step", "Call", "Region", "At", "Error"}, rows)
	}
	for _, l := range r.Layers {
		m.layer(l)
	}
}

func (m *mdWriter) layer(l Layer) {
	m.p("\n## Layer %d: %s, %s\n\n", l.Number, md(l.ShownStatus()), durOr(l.Duration, "-"))
	rows := [][]string{}
	for _, r := range l.Resources {
		rows = append(rows, []string{fmt.Sprint(r.Index), md(r.Name), md(r.Type), md(r.Region), md(r.ShownStatus()),
			m.clock(r.Started), m.clock(r.Ended), durOr(r.Duration, "-"), durOr(r.RTO, "-")})
	}
	m.table([]string{"#", "Resource", "Type", "Region", "Status", "Started", "Ended", "Duration", "RTO"}, rows)
	for _, r := range l.Resources {
		m.resource(l, r)
	}
}

func (m *mdWriter) resource(l Layer, r Resource) {
	m.p("\n### Layer %d, resource %d: %s\n\n", l.Number, r.Index, md(r.Name))
	m.p("- **Type:** %s in %s", md(r.Type), md(r.Region))
	if r.ContinueOnError {
		m.p(", continueOnError")
	}
	if r.Timeout != nil {
		m.p(", timeout %s", r.Timeout.Display)
	}
	m.p("\n- **Status:** %s", md(r.ShownStatus()))
	switch {
	case r.RTO != nil:
		m.p(", RTO %s", r.RTO.Display)
	case r.Duration != nil:
		m.p(", duration %s", r.Duration.Display)
	}
	m.p("\n")
	if r.RPO != nil {
		m.p("- **Writes at risk (RPO):** %s\n", md(r.RPO.Display))
	}
	if r.AlreadyDone {
		m.p("- **Already done:** %s\n", orDash(md(r.Reason)))
	}
	if r.Error != "" {
		m.p("- **Error:** %s\n", md(r.Error))
	}
	if r.LastObserved != "" && !done(r.Status) {
		m.p("- **Last observed:** %s\n", md(r.LastObserved))
	}
	for _, a := range r.Approvals {
		m.p("- **%s by:** %s at %s", capitalize(md(a.Decision)), md(a.By), a.At)
		if a.Comment != "" {
			m.p(": %s", md(a.Comment))
		}
		m.p("\n")
	}
	if len(r.Parameters) > 0 {
		m.p("\n")
		rows := [][]string{}
		for _, p := range r.Parameters {
			v := mdCode(p.Value)
			if p.Secret {
				v = "(secret)"
			}
			rows = append(rows, []string{md(p.Name), v, mdCode(p.Ref)})
		}
		m.table([]string{"Parameter", "Value", "From"}, rows)
	}
	if len(r.Steps) > 0 {
		m.p("\n")
		rows := [][]string{}
		var notes []string
		for i, s := range r.Steps {
			rows = append(rows, []string{fmt.Sprint(i + 1), md(s.Name), md(s.ShownStatus()), m.clock(s.Started), durOr(s.Duration, "-")})
			if n := stepNote(s); n != "" {
				notes = append(notes, fmt.Sprintf("- step %d, %s: %s\n", i+1, md(s.Name), md(n)))
			}
		}
		m.table([]string{"#", "Step", "Status", "Started", "Duration"}, rows)
		if len(notes) > 0 {
			m.p("\n%s", strings.Join(notes, ""))
		}
	}
	var calls [][]string
	for _, s := range r.Steps {
		for _, c := range s.Calls {
			calls = append(calls, []string{md(s.Name), md(c.Service + " " + c.Action), md(c.Region), argsCode(c.Args),
				md(callOutcome(c)), mdCode(c.RequestID), m.clock(c.At)})
		}
	}
	if len(calls) > 0 {
		m.p("\n")
		m.table([]string{"Step", "Call", "Region", "Arguments", "Outcome", "Request id", "At"}, calls)
	}
}

// stepNote is what a step's row says besides its status.
func stepNote(s Step) string {
	var parts []string
	if s.Reason != "" {
		parts = append(parts, "skipped: "+s.Reason)
	}
	if s.Error != "" {
		parts = append(parts, "error: "+s.Error)
	}
	if s.LastObserved != "" && !done(s.Status) {
		parts = append(parts, "last observed: "+s.LastObserved)
	}
	return strings.Join(parts, "; ")
}

// callOutcome says how a call ended, for people.
func callOutcome(c Call) string {
	out := c.Status
	if c.OutcomeUnknown {
		out += ", outcome unknown"
	}
	if c.Error != "" {
		out += ": " + c.Error
	}
	return out
}

func argsCode(args map[string]string) string {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = mdCode(k + "=" + args[k])
	}
	return strings.Join(parts, " ")
}

// table writes a Markdown table whose columns line up in a terminal.
func (m *mdWriter) table(head []string, rows [][]string) {
	width := make([]int, len(head))
	for i, h := range head {
		width[i] = max(3, utf8.RuneCountInString(h))
	}
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) {
		for i, c := range cells {
			m.p("| %s%s ", c, strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
		}
		m.p("|\n")
	}
	line(head)
	sep := make([]string, len(head))
	for i := range head {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, row := range rows {
		line(row)
	}
}

// clock shows a time of the run's first day as 12:00:01.250 and any other
// as 2026-03-02 00:00:01.250 (all UTC).
func (m *mdWriter) clock(t Time) string {
	if t.IsZero() {
		return "-"
	}
	u := t.UTC()
	if y, mo, d := u.Date(); m.day.IsZero() || !slices.Equal([]int{y, int(mo), d}, dateOf(m.day)) {
		return u.Format("2006-01-02 15:04:05.000")
	}
	return u.Format("15:04:05.000")
}

func dateOf(t Time) []int {
	y, m, d := t.UTC().Date()
	return []int{y, int(m), d}
}

func statusCounts(c map[string]int) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", c[k], md(k))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func sessionText(s Session) string {
	who := md(s.Host)
	if s.User != "" {
		who = md(s.User) + "@" + who
	}
	out := fmt.Sprintf("%s (pid %d", orDash(who), s.PID)
	if s.Version != "" {
		out += ", drorch " + md(s.Version)
	}
	out += ")"
	if !s.At.IsZero() {
		out += " at " + s.At.String()
	}
	return out
}

// done reports whether a status is a success, after which the last
// observation (made while waiting) would only mislead.
func done(status string) bool { return status == "succeeded" || status == "already-done" }

func durOr(d *Duration, none string) string {
	if d == nil {
		return none
	}
	return d.Display
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
