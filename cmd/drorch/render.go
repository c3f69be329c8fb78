package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"drorch/engine"
	"drorch/journal"
	"drorch/output"
	"drorch/report"
	"drorch/resource/all"
)

// fmtDuration prints durations the way an operator reads them: 850ms, 42s,
// 1m02s, 2h05m; "-" for none.
func fmtDuration(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return report.FormatDuration(d)
}

// safe is report.Clean: every text from a payload or from AWS goes through it
// before it reaches a terminal.
func safe(s string) string { return report.Clean(s) }

// renderPreview prints a plan for an operator: per resource its resolved
// parameters, the state read now, the calls a run would make and where,
// blockers and warnings, then a summary.
func renderPreview(w io.Writer, title string, pv *engine.Preview) {
	fmt.Fprintf(w, "%s\n", title)
	for _, l := range pv.Layers {
		fmt.Fprintf(w, "\nLayer %d\n", l.Number)
		for i, r := range l.Resources {
			fmt.Fprintf(w, "  [%d] %s\n", i, safe(r.Name))
			tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
			extra := ""
			if r.ContinueOnError {
				extra = "\tcontinueOnError"
			}
			fmt.Fprintf(tw, "      type\t%s\tregion %s\ttimeout %s%s\n", safe(r.Type), safe(r.Region), safe(r.Timeout), extra)
			tw.Flush()
			renderParams(w, r)
			for i, s := range r.State {
				label := "       "
				if i == 0 {
					label = "state  "
				}
				fmt.Fprintf(w, "      %s %s\n", label, safe(s))
			}
			blocked := len(r.Blockers) > 0
			for i, st := range r.Steps {
				label := "       "
				if i == 0 {
					label = "steps  "
				}
				fmt.Fprintf(w, "      %s %s\n", label, stepLine(i, st, blocked))
			}
			renderRPO(w, r)
			for _, wng := range r.Warnings {
				fmt.Fprintf(w, "      warning %s\n", safe(wng))
			}
			for _, b := range r.Blockers {
				fmt.Fprintf(w, "      BLOCKED %s\n", safe(b))
			}
			if !blocked && r.AlreadyDone {
				fmt.Fprintf(w, "      nothing to do: already in its desired state\n")
			}
		}
	}
	s := output.Summarize(pv)
	fmt.Fprintf(w, "\nSummary: %d to change, %d already done, %d blocked", s.ToChange, s.AlreadyDone, s.Blocked)
	switch {
	case pv.Blocked:
		fmt.Fprint(w, "; the plan is blocked: no mutating call will be made")
	case s.MutatingCalls == 0 && s.UnderWay > 0:
		fmt.Fprintf(w, "; no mutating call: %s already under way in AWS", output.Plural(s.UnderWay, "operation"))
	case s.MutatingCalls == 0:
		fmt.Fprint(w, "; no mutating call")
	default:
		regions := make([]string, 0, len(s.CallsByRegion))
		for r, n := range s.CallsByRegion {
			regions = append(regions, fmt.Sprintf("%d in %s", n, safe(r)))
		}
		sort.Strings(regions)
		fmt.Fprintf(w, "; mutating calls: %s", strings.Join(regions, ", "))
		if s.UnderWay > 0 {
			fmt.Fprintf(w, " (and %s already under way)", output.Plural(s.UnderWay, "operation"))
		}
	}
	fmt.Fprintln(w, ".")
}

// stepLine is one step of a plan: its number, name and status, then the
// calls it makes in full (never cut: an operator confirms what is shown),
// or why it makes none.
func stepLine(i int, st engine.StepPreview, blocked bool) string {
	calls := make([]string, 0, len(st.Calls))
	for _, call := range st.Calls {
		calls = append(calls, safe(call.String()))
	}
	what := strings.Join(calls, "; ")
	switch {
	case st.Status == engine.StepUnderWay:
		what = "no call: the operation is already under way in AWS; the run waits for it"
		if st.Reason != "" {
			what += " (" + safe(st.Reason) + ")"
		}
	case st.Status == engine.StepDone && st.Reason != "":
		what = "no call: " + safe(st.Reason)
	case st.Status == engine.StepDone:
		what = "no call: done"
	case blocked && what != "":
		what = "would call " + what + " (not made: the plan is blocked)"
	}
	line := fmt.Sprintf("%d. %-26s %-9s %s", i+1, safe(st.Name), st.Status, what)
	if st.Status == engine.StepBlocked && st.Reason != "" {
		line += " — " + safe(st.Reason)
	}
	return strings.TrimRight(line, " ")
}

func renderParams(w io.Writer, r engine.ResourcePreview) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for i, p := range output.Parameters(r) {
		label := ""
		if i == 0 {
			label = "params"
		}
		from := ""
		if p.Ref != "" {
			from = "<- " + safe(p.Ref)
		}
		// Every line has the same cells, so that the references line up.
		fmt.Fprintf(tw, "      %s\t%s\t= %s\t%s\n", label, safe(p.Name), safe(p.Display()), from)
	}
	tw.Flush()
}

// runReport builds the report of a folded run: which resources are
// recoveries (RTO) and which rebuilds (duration) is the registry's word.
func runReport(st *journal.RunState, status journal.Status) *report.Report {
	return report.FromState(st, report.Options{Recovery: all.Registry().Recovery, Status: status})
}

// timeOf is what a resource's time means: "RTO 1m02s" for a recovery that
// succeeded, "duration 12m" for anything else that ran, "" when nothing
// happened (already done, not reached).
func timeOf(r report.Resource) string {
	switch {
	case r.AlreadyDone || r.NotReached:
		return ""
	case r.RTO != nil:
		return "RTO " + r.RTO.Display
	case r.Duration != nil:
		return "duration " + r.Duration.Display
	}
	return ""
}

// renderResult prints how a run ended, in at most width columns: one row
// per resource with its mark, status and time (RTO for a recovery that
// succeeded, duration otherwise, nothing where nothing happened), then
// the run's, and every error. clock says whose time it is ("" for the
// wall clock).
func renderResult(w io.Writer, st *journal.RunState, width int, clock string) {
	rep := runReport(st, "")
	if allAlreadyDone(st) {
		fmt.Fprintf(w, "\nRun %s: nothing to do: every resource was already in its desired state; no change was made.\n", safe(st.ID))
		return
	}
	rows := [][]string{{"", "layer", "resource", "region", "status", "time"}}
	for _, l := range rep.Layers {
		for _, r := range l.Resources {
			rows = append(rows, []string{markOf(r), fmt.Sprint(l.Number), safe(r.Name), safe(r.Region), r.ShownStatus(), orDash(timeOf(r))})
		}
	}
	fmt.Fprintf(w, "\nRun %s %s%s\n", safe(st.ID), runTime(rep), clockNote(clock))
	writeTable(w, "  ", rows, 2, width)
	for _, l := range st.Layers {
		for _, r := range l.Resources {
			if r.Error != "" {
				fmt.Fprintf(w, "  layer %d, %s: %s\n", l.Number, safe(r.Name), safe(r.Error))
			}
		}
	}
}

func clockNote(clock string) string {
	if clock == "" {
		return ""
	}
	return " (" + clock + ")"
}

// runTime is how the run ended and, when it means something, its time:
// "succeeded: RTO 1m02s", "failed after 12.0s (duration)".
func runTime(rep *report.Report) string {
	switch {
	case rep.Run.RTO != nil:
		return rep.Run.Status + ": RTO " + rep.Run.RTO.Display
	case rep.Run.Duration != nil:
		return rep.Run.Status + ": duration " + rep.Run.Duration.Display
	}
	return rep.Run.Status
}

// markOf is a report resource's mark (see mark).
func markOf(r report.Resource) string {
	if r.NotReached {
		return markPending
	}
	return mark(journal.ResourceState{Status: journal.Status(r.Status)}, r.Status == string(journal.StatusInterrupted), 0)
}

// writeTable writes rows (the first is the header) as aligned columns,
// each line starting with indent, in fewer than width columns (0: no
// limit): column flex is cut to fit.
func writeTable(w io.Writer, indent string, rows [][]string, flex, width int) {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	total := len(indent)
	for _, n := range widths {
		total += n + 2
	}
	if over := total - (width - 1); width > 0 && over > 0 {
		widths[flex] = max(12, widths[flex]-over)
	}
	for _, row := range rows {
		var b strings.Builder
		b.WriteString(indent)
		for i, cell := range row {
			cell = truncate(cell, widths[i])
			if i == len(row)-1 {
				b.WriteString(cell)
				break
			}
			b.WriteString(padRight(cell, widths[i]+2))
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

func allAlreadyDone(st *journal.RunState) bool {
	n := 0
	for _, l := range st.Layers {
		for _, r := range l.Resources {
			if r.Status != journal.StatusAlreadyDone {
				return false
			}
			n++
		}
	}
	return n > 0
}

// renderRun prints a run from its journal: resources, steps, calls with
// their AWS request ids, errors, and each resource's time (RTO or
// duration, as renderResult).
func renderRun(w io.Writer, st *journal.RunState, status journal.Status) {
	rep := runReport(st, status)
	short := st.Spec.PayloadSHA256
	if len(short) > 12 {
		short = short[:12]
	}
	fmt.Fprintf(w, "Run %s  %s\n", safe(st.ID), strings.ToUpper(rep.Run.Status))
	fmt.Fprintf(w, "  region %s, payload %s (sha256 %s)", safe(st.Spec.Region), safe(orDash(st.Spec.PayloadFile)), safe(short))
	if st.Spec.AllowDataLoss {
		fmt.Fprint(w, ", data loss allowed")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  created %s", st.Created.UTC().Format(time.RFC3339))
	if !st.Ended.IsZero() {
		fmt.Fprintf(w, ", ended %s, %s", st.Ended.UTC().Format(time.RFC3339), runTime(rep))
	}
	if st.Resumes > 0 {
		fmt.Fprintf(w, ", resumed %s", output.Times(st.Resumes))
	}
	if st.CancelRequested {
		fmt.Fprintf(w, ", cancel requested by %s", safe(orDash(st.CancelledBy)))
	}
	fmt.Fprintln(w)
	if st.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", safe(st.Error))
	}
	for li, l := range st.Layers {
		fmt.Fprintf(w, "\nLayer %d  %s  %s\n", l.Number, rep.Layers[li].ShownStatus(), fmtDuration(l.Elapsed()))
		for ri, r := range l.Resources {
			rr := rep.Layers[li].Resources[ri]
			line := fmt.Sprintf("      %s %s in %s: %s", markOf(rr), safe(r.Type), safe(r.Region), rr.ShownStatus())
			if t := timeOf(rr); t != "" {
				line += ", " + t
			}
			fmt.Fprintf(w, "  [%d] %s\n%s\n", r.Index, safe(r.Name), line)
			if r.AlreadyDone {
				fmt.Fprintf(w, "      already done: %s\n", safe(r.Reason))
			}
			for _, s := range r.Steps {
				fmt.Fprintf(w, "      - %-26s %-10s %s\n", safe(s.Name), s.Status, fmtDuration(s.Elapsed()))
				if s.Reason != "" {
					fmt.Fprintf(w, "          %s\n", safe(s.Reason))
				}
				for _, call := range s.Calls {
					fmt.Fprintf(w, "          %s\n", callLine(call))
				}
				if s.LastObserved != "" && s.Status == journal.StatusRunning {
					fmt.Fprintf(w, "          last seen: %s\n", safe(s.LastObserved))
				}
				if s.Error != "" {
					fmt.Fprintf(w, "          error: %s\n", safe(s.Error))
				}
			}
			if r.Error != "" {
				fmt.Fprintf(w, "      error: %s\n", safe(r.Error))
			}
		}
	}
}

// callLine is one journaled call: what, where, its outcome and the AWS
// request id of its answer.
func callLine(cs journal.CallState) string {
	line := fmt.Sprintf("%s %s in %s: %s at %s", safe(cs.Call.Service), safe(cs.Call.Action), safe(cs.Call.Region), cs.Status,
		cs.IntentAt.UTC().Format("15:04:05.000"))
	if cs.Call.RequestID != "" {
		line += ", request id " + safe(cs.Call.RequestID)
	}
	if cs.OutcomeUnknown() {
		line += ", outcome unknown"
	}
	if cs.Error != "" {
		line += ": " + safe(cs.Error)
	}
	return line
}
