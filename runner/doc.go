// Package runner holds what the CLI and the HTTP API do alike with payloads
// and runs: read and validate a payload, resolve and bind it into a plan,
// bind a journaled run again for a resume, compute the IAM policy a plan
// needs, show a run's status and cancel it. It wires no adapter itself: its
// callers give it the cloud (package awsapi's adapters, or fakes) and the
// journal.
package runner
