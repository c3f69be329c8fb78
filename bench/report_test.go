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
	head := []string{"workload", "strategy", "runs", "detect p50", "p95", "max", "max per rep", "racy ops", "overhead/layer", "before layer 1",
		"describes/res/min", "rounds", "keys/round", "describes/round GC/EC/inst", "peak req/s", "CPU", "max RSS", "real time"}
	var rows [][]string
	for _, r := range rs {
		m := r.total
		rows = append(rows, []string{r.workload, r.strategy, fmt.Sprint(m.Runs),
			sec1(percentile(m.Latencies, 50)), sec1(percentile(m.Latencies, 95)), sec1(percentile(m.Latencies, 100)), repSpread(r.perRep),
			fmt.Sprint(m.Racy), sec1(m.LayerOverhead()), sec1(m.Before / time.Duration(max(m.Runs, 1))),
			fmt.Sprintf("%.2f", m.DescribeRate()), rounds(m), servedPerRound(m), perRound(r), peakRates(r.runs),
			sec1(r.cpu), mib(r.mem.MaxRSS), m.Wall.Round(time.Millisecond).String()})
	}
	table(w, head, rows)
	if wins := originalWins(rs); len(wins) > 0 {
		fmt.Fprintln(w, "\nWhere the original's strategy does better:")
		fmt.Fprintln(w)
		for _, l := range wins {
			fmt.Fprintln(w, "- "+l)
		}
	}

	fmt.Fprintln(w, "\nTotals:")
	fmt.Fprintln(w)
	head = []string{"workload", "strategy", "runs", "resources", "ops", "describes", "other reads", "overhead", "overhead %", "RTO", "ops' own time", "peak heap", "heap before"}
	rows = nil
	for _, r := range rs {
		m := r.total
		rows = append(rows, []string{r.workload, r.strategy, fmt.Sprint(m.Runs), fmt.Sprint(m.Resources), fmt.Sprint(m.Ops),
			fmt.Sprint(m.Describes), fmt.Sprint(m.Reads - m.Describes), sec0(m.Overhead), fmt.Sprintf("%.1f %%", m.OverheadPct()),
			sec0(m.RTO), sec0(m.CriticalPath), mib(r.mem.PeakHeap), mib(r.mem.BaseHeap)})
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
runs: each workload runs several times, first with the simulator's default durations, then with each operation lengthened by a seeded random 0-15 s; max per rep: the lowest and highest of the runs' maxima.
overhead/layer: the overhead after the first mutating call, per layer; before layer 1: from the start of a run to its first mutating call (validation, references, the plan, the first reads), on average per run.
rounds, keys/round, describes/round: the moments drorch read state in batches (its polling rounds, the plan's and the layers' first reads), the resources each read on average, and the describe calls of global clusters, ElastiCache global datastores and instances per round.
peak req/s: the most requests the simulator counted in one second, per service and region, over the runs.
CPU: the process's CPU time, the simulator's included; max RSS: the process's peak resident set so far.
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

// repSpread is the lowest and highest of the repetitions' detection maxima.
func repSpread(reps []measures) string {
	if len(reps) == 0 {
		return "-"
	}
	lo, hi := time.Duration(-1), time.Duration(0)
	for _, m := range reps {
		x := percentile(m.Latencies, 100)
		if lo < 0 || x < lo {
			lo = x
		}
		hi = max(hi, x)
	}
	return sec1(lo) + "-" + sec1(hi)
}

func rounds(m measures) string {
	if m.Rounds == 0 {
		return "-"
	}
	return fmt.Sprint(m.Rounds)
}

func servedPerRound(m measures) string {
	if m.Rounds == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(m.Served)/float64(m.Rounds))
}

// perRound is the describe calls of each watched kind per polling round.
func perRound(r result) string {
	if r.total.Rounds == 0 {
		return "-"
	}
	n := map[string]int{}
	for _, s := range r.runs {
		for _, c := range s.trace.Calls {
			n[c.Action] += c.Count
		}
	}
	per := func(action string) string { return fmt.Sprintf("%.2f", float64(n[action])/float64(r.total.Rounds)) }
	return per("DescribeGlobalClusters") + " / " + per("DescribeGlobalReplicationGroups") + " / " + per("DescribeDBInstances")
}

// peakRates is the most requests per second of each service and region
// over runs, the busiest first.
func peakRates(runs []stepResult) string {
	peak := map[string]int{}
	for _, s := range runs {
		for k, n := range s.trace.Peaks {
			peak[k] = max(peak[k], n)
		}
	}
	keys := slices.Collect(maps.Keys(peak))
	slices.SortFunc(keys, func(a, b string) int {
		if peak[a] != peak[b] {
			return peak[b] - peak[a]
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, k := range keys[:min(len(keys), 3)] {
		parts = append(parts, fmt.Sprintf("%s %d", k, peak[k]))
	}
	return strings.Join(parts, ", ")
}

// originalWins lists the figures in which the original's strategy beats
// drorch on the same workload.
func originalWins(rs []result) []string {
	byKey := map[string]result{}
	for _, r := range rs {
		byKey[r.workload+"/"+r.strategy] = r
	}
	var out []string
	for _, d := range rs {
		if d.strategy != stratDrorch {
			continue
		}
		o, ok := byKey[d.workload+"/"+stratOriginal]
		if !ok {
			continue
		}
		dm, om := d.total, o.total
		cmp := func(what string, dv, ov time.Duration) {
			if ov < dv {
				out = append(out, fmt.Sprintf("%s: %s %s against drorch's %s", d.workload, what, sec1(ov), sec1(dv)))
			}
		}
		cmp("detection p50", percentile(dm.Latencies, 50), percentile(om.Latencies, 50))
		cmp("detection max", percentile(dm.Latencies, 100), percentile(om.Latencies, 100))
		cmp("overhead per layer", dm.LayerOverhead(), om.LayerOverhead())
		cmp("time before layer 1", dm.Before/time.Duration(max(dm.Runs, 1)), om.Before/time.Duration(max(om.Runs, 1)))
		cmp("CPU", d.cpu, o.cpu)
		if om.DescribeRate() < dm.DescribeRate() {
			out = append(out, fmt.Sprintf("%s: %.2f describe calls per resource and minute against drorch's %.2f (it looks every 15 s or more, and then only at resources it is not sleeping for)",
				d.workload, om.DescribeRate(), dm.DescribeRate()))
		}
	}
	return out
}
