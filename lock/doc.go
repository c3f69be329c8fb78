// Package lock is who may act on a database now, across machines and Step
// Functions executions: a lease on a set of lock keys, kept in a DynamoDB
// table that every operator's drorch and the Step Functions Lambda share.
//
// # Using it
//
//	tbl := dynamolock.New(dynamodb.NewFromConfig(cfg), "drorch-locks")
//	l := lock.New(tbl, lock.Settings{Clock: clk})
//	lease, err := l.Acquire(ctx, lock.Request{
//		Keys:   keys, // e.g. "aurora:global:mydb", "rds:us-east-1:db-1", as bound
//		Holder: lock.Holder{RunID: runID, Owner: "host:4242", Kind: lock.KindCLI},
//		TTL:    2 * time.Minute,
//	})
//	var held *lock.HeldError
//	if errors.As(err, &held) { // another run holds some keys: say who, stop
//	}
//	// every TTL/3: lease.Renew(ctx); a *lock.LostError means stop acting
//	defer lease.Release(ctx) // runs even after ctx is cancelled
//
// Acquire is all or nothing and never waits: it takes the keys in batches
// of at most 100 (TransactWriteItems), in the order of their record ids,
// and on the first key held by another run releases what it took and
// returns a *HeldError naming, in the caller's own key strings, who holds
// which key (run id, owner, kind) and until when. Two runs asking for
// overlapping keys can never both succeed (every write is conditional) and
// cannot deadlock (nobody waits for anyone). A run that asks again with the
// same run id (a resume, on this machine or another) takes its keys back
// even before its old lease lapses.
//
// # What is stored
//
// One item per key, whose partition key is "lock#" and the key's
// HMAC-SHA256 under a random 32-byte secret kept in the table (item
// SecretID, created once with a conditional put by whichever machine uses
// the table first): keys may hold identifiers read from SSM SecureString
// parameters, and are never stored in clear. An item holds the holder's run
// id, owner (host:pid or execution ARN), kind (cli or sfn), a random token
// per Acquire (only that lease renews or releases it) and the lease's end.
// See dynamolock for the table's key schema, attributes and TTL.
//
// # Time
//
// The lease's end is written with the holder's clock (Settings.Clock), and
// another machine treats a lease as lapsed only when its own clock is
// Settings.SkewMargin (default 30 s) past that end. So the lock assumes
// the clocks of the machines sharing a table differ by less than the
// margin (NTP keeps them within milliseconds; AWS Lambda's too): a holder
// renewing before its own Until keeps its keys, and a holder whose renewal
// failed must stop acting at Until. TTL must exceed twice the margin.
package lock
