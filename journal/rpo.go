package journal

import "time"

// RPO is the recovery point of an operation that may lose the writes not yet
// replicated (an unplanned failover): the replication lag of the replica it
// makes writable, as last measured before the run, in the replica's region.
// The plan shows it as "writes at risk", the run journals it in its
// ResourceSpec, and reports show it.
type RPO struct {
	// Replica is the identifier of the replica, Region its region, Metric
	// the CloudWatch metric the figure came from.
	Replica string `json:"replica"`
	Region  string `json:"region"`
	Metric  string `json:"metric,omitempty"`
	// Known is true when a lag was measured: Seconds is it, At the time of
	// the data point. Without a figure, Note says why.
	Known   bool      `json:"known"`
	Seconds float64   `json:"seconds"`
	At      time.Time `json:"at,omitzero"`
	Note    string    `json:"note,omitempty"`
	// OverLimit is set when the figure is above the run's MaxRPO (or
	// unknown under one), which the operator overrode to run anyway.
	OverLimit bool `json:"overLimit,omitempty"`
}

// Lag returns the measured lag (0 when not Known).
func (r RPO) Lag() time.Duration {
	if !r.Known {
		return 0
	}
	return time.Duration(r.Seconds * float64(time.Second))
}
