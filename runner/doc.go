// Package runner holds what the CLI and the HTTP API do alike with payloads
// and runs: read and validate a payload, resolve and bind it into a plan,
// bind a journaled run again for a resume, compute the IAM policy a plan
// needs, show a run's status and cancel it, record a person's decision on
// a ManualApproval (Decide, WaitingApprovals), and follow a run's events as
// they are journaled (Follower). It wires no adapter itself: its callers
// give it the cloud (package awsapi's adapters, or fakes) and the journal.
//
// Engine reads approvals from the journal and everything else from AWS
// (WithJournal: Reads routes by kind), so that the engine drives an
// approval's step like any other and knows nothing of approvals.
package runner
