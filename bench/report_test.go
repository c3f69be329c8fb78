package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// printReport writes the figures as Markdown tables, ready for a README.
func printReport(w io.Writer, rs []result) {
	if sp := rs[0].speed; sp > 0 {
		fmt.Fprintf(w, "\nFigures in simulated AWS time, the simulator at %gx real time: every real millisecond of CPU or I/O\nof this machine counts as %g ms. Default operation durations.\n\n", sp, sp)
	} else {
		fmt.Fprintf(w, "\nFigures in simulated AWS time on a stepped clock: time moves only when everything waits. Each AWS call\ntakes %s, each journal append %s; operations take the simulator's default durations.\n\n", callLatency, appendCost)
	}
	head := []string{"workload", "strategy", "runs", "resources", "ops", "detect p50", "p95", "max", "racy ops",
		"describes", "describes/res/min", "other reads", "overhead", "overhead %", "RTO", "ops' own time", "peak heap", "heap before", "max RSS", "real time"}
	var rows [][]string
	for _, r := range rs {
		m := r.total
		rows = append(rows, []string{r.workload, r.strategy, fmt.Sprint(m.Runs), fmt.Sprint(m.Resources), fmt.Sprint(m.Ops),
			sec1(percentile(m.Latencies, 50)), sec1(percentile(m.Latencies, 95)), sec1(percentile(m.Latencies, 100)), fmt.Sprint(m.Racy),
			fmt.Sprint(m.Describes), fmt.Sprintf("%.2f", m.DescribeRate()), fmt.Sprint(m.Reads - m.Describes), sec0(m.Overhead), fmt.Sprintf("%.1f %%", m.OverheadPct()),
			sec0(m.RTO), sec0(m.CriticalPath), mib(r.mem.PeakHeap), mib(r.mem.BaseHeap), mib(r.mem.MaxRSS), m.Wall.Round(time.Millisecond).String()})
	}
	table(w, head, rows)

	fmt.Fprintln(w, "\nPer run:")
	fmt.Fprintln(w)
	head = []string{"workload", "run", "strategy", "RTO", "ops' own time", "overhead", "detect max", "racy ops", "describes", "other reads", "writes"}
	rows = nil
	for _, r := range rs {
		for _, s := range r.runs {
			m := s.m
			rows = append(rows, []string{r.workload, s.step.label, r.strategy, sec0(m.RTO), sec0(m.CriticalPath), sec0(m.Overhead),
				sec1(percentile(m.Latencies, 100)), fmt.Sprint(m.Racy), fmt.Sprint(m.Describes), fmt.Sprint(m.Reads - m.Describes), fmt.Sprint(m.Writes)})
		}
	}
	table(w, head, rows)

	fmt.Fprintln(w, "\nCalls by action:")
	fmt.Fprintln(w)
	rows = nil
	for _, r := range rs {
		rows = append(rows, []string{r.workload, r.strategy, byAction(r.runs)})
	}
	table(w, []string{"workload", "strategy", "calls"}, rows)

	fmt.Fprintln(w)
	for _, r := range rs {
		if r.step.Fires > 0 {
			fmt.Fprintf(w, "Stepped clock, %s, %s: %d advances, %d goroutine dumps taking %s real.\n",
				r.workload, r.strategy, r.step.Fires, r.step.Dumps, r.step.DumpTime.Round(time.Millisecond))
		}
	}
	for _, r := range rs {
		if r.appends > 0 {
			fmt.Fprintf(w, "drorch's journal (%s), %s: %d appends, %s real in all, %.2f ms each on average.\n",
				r.dir, r.workload, r.appends, r.spent.Round(time.Millisecond), float64(r.spent)/float64(r.appends)/float64(time.Millisecond))
		}
	}
	fmt.Fprintln(w, `
detect: from the end of an operation (the simulator's log) to the moment the strategy moved on (a step finished, the next call, the resource done); operations waited for together count from the last one's end.
racy ops: operations still running when the strategy declared their resource finished (they have no detection latency).
describes/res/min: Describe* calls over the resource-minutes spent (each resource's start to end); other reads: List* (exports) and Get*.
overhead: RTO minus the operations' own time (per layer, the longest time one resource had an operation running).
peak heap: the heap in use, simulator included (heap before: the same just before the workload); max RSS: the process's peak so far.`)
}

// byAction sums the calls of runs by action, most made first.
func byAction(runs []stepResult) string {
	n := map[string]int{}
	for _, r := range runs {
		for _, c := range r.trace.Calls {
			n[c.Action] += c.Count
		}
	}
	actions := slices.Collect(maps.Keys(n))
	slices.SortFunc(actions, func(a, b string) int {
		if n[a] != n[b] {
			return n[b] - n[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(actions))
	for i, a := range actions {
		parts[i] = fmt.Sprintf("%s %d", a, n[a])
	}
	return strings.Join(parts, ", ")
}

func sec0(d time.Duration) string { return fmt.Sprintf("%.0f s", d.Seconds()) }
func sec1(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }
func mib(n uint64) string         { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

// table writes a Markdown table with aligned columns.
func table(w io.Writer, head []string, rows [][]string) {
	width := make([]int, len(head))
	for i, h := range head {
		width[i] = utf8.RuneCountInString(h)
	}
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) {
		var sb strings.Builder
		sb.WriteString("|")
		for i, c := range cells {
			sb.WriteString(" " + c + strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)) + " |")
		}
		fmt.Fprintln(w, sb.String())
	}
	line(head)
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
}
