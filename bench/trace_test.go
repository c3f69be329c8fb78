package bench

import (
	"slices"
	"strings"
	"time"

	"drorch/sim"
)

// A runTrace is what one strategy did in one run, on the simulator's
// virtual clock, plus what the simulator saw meanwhile. Both runners (drorch
// through its journal, the original framework's strategy directly) fill
// one, and measure turns it into the figures, so that both are measured by
// the same code.
type runTrace struct {
	Label      string
	Start, End time.Time
	Resources  []resTrace
	// Ops are the operations started during the run, with their ends
	// (the run's world is settled before they are read).
	Ops []sim.Op
	// Calls are the calls the simulator counted during the run.
	Calls []sim.CallCount
	// Peaks are, per "service region", the most calls the simulator
	// counted in one second of the run.
	Peaks map[string]int
	// Rounds are the moments drorch read state in batches (its polling
	// rounds, the plan's and each layer's first reads), Served the keys
	// they read in all (0 for the original's strategy).
	Rounds, Served int
	// Wall is the real time the run took.
	Wall time.Duration
}

// resTrace is what a strategy did for one resource.
type resTrace struct {
	Layer      int // position in run order
	Name       string
	Start, End time.Time
	Calls      []callRec
	// Marks are the moments the strategy moved on: a step's wait ended, a
	// call was about to be made, the resource was finished. The first mark
	// at or after an operation's end is when the strategy noticed it.
	Marks []time.Time
}

// callRec is one mutating call a strategy made for a resource.
type callRec struct {
	Action, Region string
	// IDs are the identifiers (ids or ARNs) among the call's arguments; an
	// operation is the call's when its target is one of them.
	IDs []string
	At  time.Time // when the call was about to be made
}

// measures are the figures of one run, or of several added together.
type measures struct {
	Runs, Resources, Ops int
	// Latencies are the detection latencies of the operations that ended
	// before their resource was declared finished.
	Latencies []time.Duration
	// Racy counts operations still running when their resource was
	// declared finished: the strategy moved on before the database did.
	Racy int
	// Unmatched counts operations no call of the run explains (a bug in
	// the matching, shown so that it cannot hide).
	Unmatched int
	// Reads are the non-mutating calls (Describe*, List*, Get*), Describes
	// those of them that read resource state (Describe*), Writes the
	// mutating calls, as counted by the simulator.
	Reads, Describes, Writes int
	// WaitMinutes is the sum over resources of the minutes from their
	// start to their end: the resource-minutes spent waiting.
	WaitMinutes float64
	// RTO is the run's duration; CriticalPath the operations' own share of
	// it (per layer, the longest time any one resource had an operation
	// running); Overhead the rest. Before is the part of the overhead
	// before the first mutating call (validation, references, the plan,
	// the first reads); Layers counts the run's layers.
	RTO, CriticalPath, Overhead, Before time.Duration
	Layers                              int
	// Rounds and Served: see runTrace.
	Rounds, Served int
	Wall           time.Duration
}

// LayerOverhead is the overhead after the first call, per layer.
func (m measures) LayerOverhead() time.Duration {
	if m.Layers == 0 {
		return 0
	}
	return (m.Overhead - m.Before) / time.Duration(m.Layers)
}

// DescribeRate is describe calls per resource per minute of waiting.
func (m measures) DescribeRate() float64 {
	if m.WaitMinutes <= 0 {
		return 0
	}
	return float64(m.Describes) / m.WaitMinutes
}

// OverheadPct is the overhead as a share of the operations' own durations.
func (m measures) OverheadPct() float64 {
	if m.CriticalPath <= 0 {
		return 0
	}
	return 100 * float64(m.Overhead) / float64(m.CriticalPath)
}

// measure computes the figures of one run.
func measure(t runTrace) measures {
	m := measures{Runs: 1, Resources: len(t.Resources), Ops: len(t.Ops), RTO: t.End.Sub(t.Start), Wall: t.Wall,
		Rounds: t.Rounds, Served: t.Served}
	var first time.Time
	layers := map[int]bool{}
	for _, r := range t.Resources {
		layers[r.Layer] = true
		for _, c := range r.Calls {
			if first.IsZero() || c.At.Before(first) {
				first = c.At
			}
		}
	}
	m.Layers = len(layers)
	if !first.IsZero() {
		m.Before = first.Sub(t.Start)
	}
	for _, c := range t.Calls {
		switch {
		case sim.IsMutating(c.Action):
			m.Writes += c.Count
		case strings.HasPrefix(c.Action, "Describe"):
			m.Describes += c.Count
			m.Reads += c.Count
		default:
			m.Reads += c.Count
		}
	}
	owned := make([][]sim.Op, len(t.Resources))
	for _, op := range t.Ops {
		ri := owner(t.Resources, op)
		if ri < 0 {
			m.Unmatched++
			continue
		}
		owned[ri] = append(owned[ri], op)
	}
	layerPath := map[int]time.Duration{}
	for ri, r := range t.Resources {
		m.WaitMinutes += r.End.Sub(r.Start).Minutes()
		lat, racy := detections(r, owned[ri])
		m.Latencies = append(m.Latencies, lat...)
		m.Racy += racy
		if busy := busyTime(owned[ri]); busy > layerPath[r.Layer] {
			layerPath[r.Layer] = busy
		}
	}
	for _, d := range layerPath {
		m.CriticalPath += d
	}
	m.Overhead = m.RTO - m.CriticalPath
	return m
}

// owner returns the index of the resource whose call started op: same
// action and region, target among the call's identifiers, and the latest
// such call made at or before the operation started. -1 when none.
func owner(rs []resTrace, op sim.Op) int {
	best, bestAt := -1, time.Time{}
	for ri, r := range rs {
		for _, c := range r.Calls {
			if c.Action != op.Action || c.Region != op.Region || c.At.After(op.Start) || !names(c.IDs, op.Target) {
				continue
			}
			if best < 0 || c.At.After(bestAt) {
				best, bestAt = ri, c.At
			}
		}
	}
	return best
}

// names reports whether target is one of ids, comparing ARNs by the
// identifier they end with (a call may name a cluster by ARN and the
// simulator record it by id, or the other way round).
func names(ids []string, target string) bool {
	for _, id := range ids {
		if id == target || lastPart(id) == lastPart(target) {
			return true
		}
	}
	return false
}

func lastPart(s string) string {
	if strings.HasPrefix(s, "arn:") {
		return s[strings.LastIndexByte(s, ':')+1:]
	}
	return s
}

// detections returns the detection latencies of a resource's operations and
// how many were still running when it was declared finished. The operations
// noticed at the same mark are one wait: each one's latency runs from the
// end of the last of them, since the strategy could not move on before it.
func detections(r resTrace, ops []sim.Op) ([]time.Duration, int) {
	marks := slices.Clone(r.Marks)
	slices.SortFunc(marks, func(a, b time.Time) int { return a.Compare(b) })
	lastEnd := map[int]time.Time{} // mark index -> latest end noticed there
	var noticed []int              // mark index of each operation noticed
	racy := 0
	for _, op := range ops {
		if op.End.IsZero() || op.End.After(r.End) {
			racy++
			continue
		}
		i, _ := slices.BinarySearchFunc(marks, op.End, func(m, t time.Time) int { return m.Compare(t) })
		if i == len(marks) { // only a trace without its end mark gets here
			racy++
			continue
		}
		if op.End.After(lastEnd[i]) {
			lastEnd[i] = op.End
		}
		noticed = append(noticed, i)
	}
	out := make([]time.Duration, 0, len(noticed))
	for _, i := range noticed {
		out = append(out, marks[i].Sub(lastEnd[i]))
	}
	return out, racy
}

// busyTime is how long at least one of ops was running (the union of their
// intervals): the time the resource's own operations took.
func busyTime(ops []sim.Op) time.Duration {
	type span struct{ from, to time.Time }
	var spans []span
	for _, op := range ops {
		if !op.End.IsZero() {
			spans = append(spans, span{op.Start, op.End})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
	var total time.Duration
	var cur span
	for i, s := range spans {
		switch {
		case i == 0:
			cur = s
		case !s.from.After(cur.to):
			if s.to.After(cur.to) {
				cur.to = s.to
			}
		default:
			total += cur.to.Sub(cur.from)
			cur = s
		}
	}
	if len(spans) > 0 {
		total += cur.to.Sub(cur.from)
	}
	return total
}

// add sums the figures of several runs (a workload of several payloads).
func (m measures) add(o measures) measures {
	m.Runs += o.Runs
	m.Resources += o.Resources
	m.Ops += o.Ops
	m.Latencies = append(slices.Clone(m.Latencies), o.Latencies...)
	m.Racy += o.Racy
	m.Unmatched += o.Unmatched
	m.Reads += o.Reads
	m.Describes += o.Describes
	m.Writes += o.Writes
	m.WaitMinutes += o.WaitMinutes
	m.RTO += o.RTO
	m.CriticalPath += o.CriticalPath
	m.Overhead += o.Overhead
	m.Before += o.Before
	m.Layers += o.Layers
	m.Rounds += o.Rounds
	m.Served += o.Served
	m.Wall += o.Wall
	return m
}

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) of ds,
// 0 for none.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(float64(len(s))*p/100 + 0.999999)
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}
