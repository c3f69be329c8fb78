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
)

// fmtDuration prints durations the way an operator reads them: 850ms, 42s,
// 1m02s, 2h05m.
func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// renderPreview prints a plan for an operator: per resource its resolved
// parameters, the state read now, the calls a run would make and where,
// blockers and warnings, then a summary.
func renderPreview(w io.Writer, title string, pv *engine.Preview) {
	fmt.Fprintf(w, "%s\n", title)
	changes, done, blocked := 0, 0, 0
	callsByRegion := map[string]int{}
	for _, l := range pv.Layers {
		fmt.Fprintf(w, "\nLayer %d\n", l.Number)
		for i, r := range l.Resources {
			fmt.Fprintf(w, "  [%d] %s\n", i, r.Name)
			tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
			extra := ""
			if r.ContinueOnError {
				extra = "\tcontinueOnError"
			}
			fmt.Fprintf(tw, "      type\t%s\tregion %s\ttimeout %s%s\n", r.Type, r.Region, r.Timeout, extra)
			tw.Flush()
			renderParams(w, r)
			for i, s := range r.State {
				label := "       "
				if i == 0 {
					label = "state  "
				}
				fmt.Fprintf(w, "      %s %s\n", label, s)
			}
			for i, st := range r.Steps {
				label := "       "
				if i == 0 {
					label = "steps  "
				}
				calls := make([]string, 0, len(st.Calls))
				for _, c := range st.Calls {
					calls = append(calls, c.String())
					if st.Status != "done" {
						callsByRegion[c.Region]++
					}
				}
				line := fmt.Sprintf("%d. %-26s %-5s %s", i+1, st.Name, st.Status, strings.Join(calls, "; "))
				if st.Status == "done" && st.Reason != "" {
					line += " — " + st.Reason
				}
				fmt.Fprintf(w, "      %s %s\n", label, line)
			}
			renderRPO(w, r)
			for _, wng := range r.Warnings {
				fmt.Fprintf(w, "      warning %s\n", wng)
			}
			for _, b := range r.Blockers {
				fmt.Fprintf(w, "      BLOCKED %s\n", b)
			}
			switch {
			case len(r.Blockers) > 0:
				blocked++
			case r.AlreadyDone:
				done++
				fmt.Fprintf(w, "      nothing to do: already in its desired state\n")
			default:
				changes++
			}
		}
	}
	regions := make([]string, 0, len(callsByRegion))
	for r, n := range callsByRegion {
		regions = append(regions, fmt.Sprintf("%d in %s", n, r))
	}
	sort.Strings(regions)
	fmt.Fprintf(w, "\nSummary: %d to change, %d already done, %d blocked", changes, done, blocked)
	if len(regions) > 0 {
		fmt.Fprintf(w, "; mutating calls: %s", strings.Join(regions, ", "))
	}
	fmt.Fprintln(w, ".")
}

func renderParams(w io.Writer, r engine.ResourcePreview) {
	names := make([]string, 0, len(r.Params))
	for k := range r.Params {
		names = append(names, k)
	}
	sort.Strings(names)
	secret := map[string]bool{}
	for _, s := range r.Secret {
		secret[s] = true
	}
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for i, k := range names {
		label := ""
		if i == 0 {
			label = "params"
		}
		v := r.Params[k]
		if secret[k] {
			v = "(secret)"
		}
		from := ""
		if ref, ok := r.Refs[k]; ok {
			from = "<- " + ref
		}
		// Every line has the same cells, so that the references line up.
		fmt.Fprintf(tw, "      %s\t%s\t= %s\t%s\n", label, k, v, from)
	}
	tw.Flush()
}

// renderRTO prints the recovery time of every resource and of the run.
func renderRTO(w io.Writer, st *journal.RunState) {
	fmt.Fprintf(w, "\nRecovery time (RTO) of run %s\n", st.ID)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  layer\tresource\ttype\tregion\tstatus\tRTO")
	for _, l := range st.Layers {
		for _, r := range l.Resources {
			rto := fmtDuration(r.Elapsed())
			if r.Status == journal.StatusAlreadyDone {
				rto = "-"
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\n", l.Number, truncate(r.Name, 60), r.Type, r.Region, r.Status, rto)
		}
	}
	fmt.Fprintf(tw, "  total\t\t\t\t%s\t%s\n", st.Status, fmtDuration(st.Elapsed()))
	tw.Flush()
	for _, l := range st.Layers {
		for _, r := range l.Resources {
			if r.Error != "" {
				fmt.Fprintf(w, "  layer %d, %s: %s\n", l.Number, r.Name, r.Error)
			}
		}
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// renderRun prints a run from its journal: resources, steps, calls, errors.
func renderRun(w io.Writer, st *journal.RunState, status journal.Status) {
	short := st.Spec.PayloadSHA256
	if len(short) > 12 {
		short = short[:12]
	}
	fmt.Fprintf(w, "Run %s  %s\n", st.ID, strings.ToUpper(string(status)))
	fmt.Fprintf(w, "  region %s, payload %s (sha256 %s)", st.Spec.Region, orDash(st.Spec.PayloadFile), short)
	if st.Spec.AllowDataLoss {
		fmt.Fprint(w, ", data loss allowed")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  created %s", st.Created.UTC().Format(time.RFC3339))
	if !st.Ended.IsZero() {
		fmt.Fprintf(w, ", ended %s, took %s", st.Ended.UTC().Format(time.RFC3339), fmtDuration(st.Elapsed()))
	}
	if st.Resumes > 0 {
		fmt.Fprintf(w, ", resumed %d times", st.Resumes)
	}
	if st.CancelRequested {
		fmt.Fprintf(w, ", cancel requested by %s", orDash(st.CancelledBy))
	}
	fmt.Fprintln(w)
	if st.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", st.Error)
	}
	for _, l := range st.Layers {
		fmt.Fprintf(w, "\nLayer %d  %s  %s\n", l.Number, l.Status, fmtDuration(l.Elapsed()))
		for _, r := range l.Resources {
			fmt.Fprintf(w, "  [%d] %s\n      %s in %s: %s, RTO %s\n", r.Index, r.Name, r.Type, r.Region, r.Status, fmtDuration(r.Elapsed()))
			if r.AlreadyDone {
				fmt.Fprintf(w, "      already done: %s\n", r.Reason)
			}
			for _, s := range r.Steps {
				fmt.Fprintf(w, "      - %-26s %-10s %s\n", s.Name, s.Status, fmtDuration(s.Elapsed()))
				if s.Reason != "" {
					fmt.Fprintf(w, "          %s\n", s.Reason)
				}
				for _, c := range s.Calls {
					line := fmt.Sprintf("%s %s in %s: %s at %s", c.Call.Service, c.Call.Action, c.Call.Region, c.Status,
						c.IntentAt.UTC().Format("15:04:05.000"))
					if c.Call.RequestID != "" {
						line += ", request " + c.Call.RequestID
					}
					if c.OutcomeUnknown() {
						line += ", outcome unknown"
					}
					if c.Error != "" {
						line += ": " + c.Error
					}
					fmt.Fprintf(w, "          %s\n", line)
				}
				if s.LastObserved != "" && s.Status == journal.StatusRunning {
					fmt.Fprintf(w, "          last seen: %s\n", s.LastObserved)
				}
				if s.Error != "" {
					fmt.Fprintf(w, "          error: %s\n", s.Error)
				}
			}
			if r.Error != "" {
				fmt.Fprintf(w, "      error: %s\n", r.Error)
			}
		}
	}
}
