package cloud

import (
	"strings"
	"time"
)

// LagFamily is the kind of replica whose replication lag is read: each
// family has its own CloudWatch metrics.
type LagFamily string

// The replica families drorch reads lag for.
const (
	// LagAurora is a secondary cluster of an Aurora global database.
	LagAurora LagFamily = "aurora"
	// LagRDS is an RDS read replica.
	LagRDS LagFamily = "rds"
	// LagElastiCache is a secondary replication group of a global datastore.
	LagElastiCache LagFamily = "elasticache"
)

// ReplicationLag is the newest replication lag CloudWatch holds for one
// replica, read in the replica's own region: how far behind its primary it
// was, so about how many seconds of writes a failover to it would lose.
type ReplicationLag struct {
	Family  LagFamily
	Replica string // the replica's identifier
	Region  string // the replica's region, where the metric lives
	// HasData is false when CloudWatch had no data point recently: the
	// replica does not replicate (promoted, detached), does not exist, or
	// its metrics stopped. It is not a lag of zero.
	HasData bool
	// Active is false when the metric says replication is not running
	// (RDS ReplicaLag -1); Seconds is then meaningless.
	Active bool
	// Seconds is the lag; At is the time of the data point; Metric names
	// the CloudWatch metric it came from.
	Seconds float64
	At      time.Time
	Metric  string
}

// Duration returns the lag as a duration (0 without data or while
// replication is not active: check Known first).
func (l *ReplicationLag) Duration() time.Duration {
	if !l.Known() {
		return 0
	}
	return time.Duration(l.Seconds * float64(time.Second))
}

// Known reports whether the lag is a measured figure: there was a data point
// and replication was active.
func (l *ReplicationLag) Known() bool { return l.HasData && l.Active }

// ReplicationLags is the replication lag of replicas. A read always finds a
// state (HasData says whether CloudWatch had a figure); its id is LagID's.
var ReplicationLags = KindOf[ReplicationLag]{Name: "monitoring:replication-lag", Noun: "replication lag"}

// LagKey names the replication lag of replica (an identifier, not an ARN)
// of family, read in region, the replica's region.
func LagKey(region string, family LagFamily, replica string) Key {
	return ReplicationLags.Key(region, string(family)+"/"+replica)
}

// ParseLagID splits the id of a ReplicationLags key into its family and the
// replica's identifier; ok is false for an id LagKey did not make.
func ParseLagID(id string) (family LagFamily, replica string, ok bool) {
	f, r, ok := strings.Cut(id, "/")
	switch LagFamily(f) {
	case LagAurora, LagRDS, LagElastiCache:
	default:
		return "", "", false
	}
	return LagFamily(f), r, ok && r != ""
}
