package sim

import (
	"hash/fnv"
	"math"
	"slices"
	"time"
)

// The replication-lag model behind the CloudWatch metrics (cloudwatch.go).
//
// A subject is one thing that replicates from another region: a secondary
// cluster of an Aurora global database, an RDS read replica, a secondary
// replication group of an ElastiCache global datastore. The world records,
// on the virtual clock, every change of a subject's replication mode:
//
//   - normal: a small lag, sub-second, drawn per subject, metric and minute
//     from a hash of the simulator's seed (so the same seed gives the same
//     series);
//   - stalled: the region of the primary is down (a region-wide outage), so
//     nothing arrives and the lag grows by one second per second from the
//     moment the region went down; it is normal again once the region is back
//     (catch-up is not modelled);
//   - inactive: an RDS replica whose replication is not running (its source
//     is gone or its region is down, or the replica is being promoted):
//     ReplicaLag is -1, as the RDS documentation says for "replication is
//     not active" (RDS UG, "Monitoring read replication");
//   - absent: not a replica (any more): the writer of a global database, a
//     detached cluster, a promoted instance, an old primary waiting in
//     pending-resync. CloudWatch then has no data points.
//
// A lag fault (FaultLag) on region R raises the lag of every subject living
// in R to about Fault.Seconds (±3%) while it is set; an absent subject stays
// absent and an inactive one stays -1.
//
// Data points exist once a minute, on the minute, up to virtual now and
// back 15 days (CloudWatch keeps 1-minute points for 15 days: CloudWatch
// UG, "Metrics retention"). Subjects present when the simulator starts
// have history from before the start.

// lagMode is a subject's replication mode.
type lagMode uint8

const (
	lagAbsent lagMode = iota
	lagNormal
	lagStalled
	lagInactive
)

// lagKind is the family of a subject.
type lagKind uint8

const (
	lagAurora lagKind = iota + 1
	lagRDS
	lagCache
)

// retention is how far back 1-minute data points are kept.
const retention = 15 * 24 * time.Hour

type lagKey struct {
	kind       lagKind
	region, id string
}

// lagState is one change of mode; at is zero for "since before the start".
type lagState struct {
	at     time.Time
	mode   lagMode
	source string // region of the primary or source
}

type lagSubject struct {
	lagKey
	noise uint64 // hash of seed and key
	log   []lagState
}

// lagFaultSpan is the life of one lag fault; to is zero while it is set.
type lagFaultSpan struct {
	id       string
	region   string
	seconds  float64
	from, to time.Time
}

type lagModel struct {
	seed     uint64
	subjects map[lagKey]*lagSubject
	spans    []lagFaultSpan
}

func newLagModel(seed uint64) *lagModel {
	return &lagModel{seed: seed, subjects: map[lagKey]*lagSubject{}}
}

// observeLag records the current mode of every subject, stamped with the
// world's now. The world calls it before and after every step of time, so
// that each change is stamped with the virtual time it happened at.
func (w *world) observeLag() { w.observeLagAt(w.now) }

// observeLagAt records the modes stamped with at (zero: the starting
// world, whose subjects have history from before the start).
func (w *world) observeLagAt(at time.Time) {
	m := w.lag
	if m == nil {
		return
	}
	seen := map[lagKey]bool{}
	set := func(k lagKey, mode lagMode, source string) {
		seen[k] = true
		m.record(k, at, mode, source)
	}
	for _, id := range w.gcOrder {
		g := w.gcs[id]
		writerRegion := ""
		for _, mem := range g.Members {
			if mem.IsWriter {
				if cl := w.clusterByARN("", mem.ClusterARN); cl != nil {
					writerRegion = cl.Region
				}
			}
		}
		for _, mem := range g.Members {
			cl := w.clusterByARN("", mem.ClusterARN)
			// A member being removed (RemoveFromGlobalCluster, still listed
			// until it leaves) is promoting: it replicates no more.
			if mem.IsWriter || mem.Leaving || cl == nil || mem.SyncStatus != "connected" || writerRegion == "" {
				continue
			}
			mode := lagNormal
			if w.down[writerRegion] {
				mode = lagStalled
			}
			set(lagKey{lagAurora, cl.Region, cl.ID}, mode, writerRegion)
		}
	}
	for _, in := range w.allInstances() {
		if in.ReplicaSource == "" {
			continue
		}
		src := w.replicaSource(in)
		mode, source := lagNormal, ""
		switch {
		case src == nil:
			mode = lagInactive
		case w.down[src.Region] || in.Status != "available":
			mode, source = lagInactive, src.Region
		default:
			source = src.Region
		}
		set(lagKey{lagRDS, in.Region, in.ID}, mode, source)
	}
	for _, id := range w.grgOrder {
		g := w.grgs[id]
		primary := ""
		for _, mem := range g.Members {
			if mem.Role == "PRIMARY" {
				primary = mem.Region
			}
		}
		for _, mem := range g.Members {
			if mem.Role != "SECONDARY" || primary == "" {
				continue
			}
			mode := lagNormal
			if w.down[primary] {
				mode = lagStalled
			}
			set(lagKey{lagCache, mem.Region, mem.ReplicationGroupID}, mode, primary)
		}
	}
	for k := range m.subjects {
		if !seen[k] {
			m.record(k, at, lagAbsent, "")
		}
	}
}

// record appends a change of mode (or of source region) to a subject.
func (m *lagModel) record(k lagKey, at time.Time, mode lagMode, source string) {
	sub := m.subjects[k]
	if sub == nil {
		if mode == lagAbsent {
			return
		}
		h := fnv.New64a()
		h.Write([]byte{byte(k.kind)})
		h.Write([]byte(k.region + "\x00" + k.id))
		sub = &lagSubject{lagKey: k, noise: h.Sum64() ^ m.seed*0x9e3779b97f4a7c15}
		m.subjects[k] = sub
	}
	if n := len(sub.log); n > 0 {
		last := sub.log[n-1]
		if last.mode == mode && last.source == source {
			return
		}
		if last.at.Equal(at) {
			sub.log[n-1] = lagState{at: at, mode: mode, source: source}
			return
		}
	}
	sub.log = append(sub.log, lagState{at: at, mode: mode, source: source})
}

// setLagFaults opens a span for each new lag fault and closes the span of
// each lag fault that is gone, at the world's now.
func (w *world) setLagFaults(faults []Fault) {
	m := w.lag
	if m == nil {
		return
	}
	active := map[string]bool{}
	for _, f := range faults {
		if f.Kind != FaultLag {
			continue
		}
		active[f.ID] = true
		if !slices.ContainsFunc(m.spans, func(s lagFaultSpan) bool { return s.id == f.ID && s.to.IsZero() }) {
			m.spans = append(m.spans, lagFaultSpan{id: f.ID, region: f.Region, seconds: f.Seconds, from: w.now})
		}
	}
	for i := range m.spans {
		if s := &m.spans[i]; s.to.IsZero() && !active[s.id] {
			s.to = w.now
		}
	}
}

// stateAt returns the subject's state at t (absent before its first one).
func (sub *lagSubject) stateAt(t time.Time) lagState {
	i, found := slices.BinarySearchFunc(sub.log, t, func(s lagState, t time.Time) int { return s.at.Compare(t) })
	if found {
		return sub.log[i]
	}
	if i == 0 {
		return lagState{}
	}
	return sub.log[i-1]
}

// lagSeconds is a subject's lag at t in seconds: ok is false when there is
// no data point, and the value is -1 while an RDS replica is inactive.
// metric varies the noise between the metrics of one subject.
func (m *lagModel) lagSeconds(sub *lagSubject, metric uint64, t time.Time) (v float64, ok bool) {
	st := sub.stateAt(t)
	switch st.mode {
	case lagAbsent:
		return 0, false
	case lagInactive:
		return -1, true
	case lagStalled:
		v = m.normalLag(sub, metric, st.at) + t.Sub(st.at).Seconds()
	default:
		v = m.normalLag(sub, metric, t)
	}
	for _, s := range m.spans {
		if s.region == sub.region && !t.Before(s.from) && (s.to.IsZero() || t.Before(s.to)) {
			u := unit(mix(sub.noise ^ metric ^ 0x5bd1e995 ^ uint64(t.Unix()/60)))
			v = math.Max(v, s.seconds*(0.97+0.06*u))
		}
	}
	return math.Round(v*1000) / 1000, true
}

// normalLag is the sub-second lag of a healthy subject in the minute of t:
// between 50 ms and 650 ms.
func (m *lagModel) normalLag(sub *lagSubject, metric uint64, t time.Time) float64 {
	return 0.05 + 0.6*unit(mix(sub.noise^metric^uint64(t.Unix()/60)))
}

// mix is splitmix64's finalizer: a cheap, well-spread hash of x.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unit maps a hash to [0, 1).
func unit(x uint64) float64 { return float64(x>>11) / (1 << 53) }
