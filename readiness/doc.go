// Package readiness evaluates, read-only, whether a payload's failover would
// work now, the way AWS ARC Region switch evaluates its plans: every
// reference resolves in the run's region and agrees with the other regions'
// exports, every resource exists, the target side is healthy and in sync,
// its replication lag is within a threshold, the two sides have the same
// capacity, the caller holds every IAM permission the payload needs, and the
// plan would not be blocked. Each finding says pass, warning or failure and
// names the fix; a result with no failure is ready.
//
// Evaluate makes one evaluation. Once evaluates and tells subscribers
// (Notifier: SNS or a webhook) only when readiness changed since what they
// were last told (State, which the caller keeps: in memory for `drorch check
// --every`, in a store for a scheduled Lambda); Schedule runs Once on a
// clock.
package readiness
