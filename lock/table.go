package lock

import (
	"context"
	"errors"
	"time"
)

// Table is the part of a DynamoDB table the lock uses, in the lock's own
// words: read one record, and apply up to MaxBatch conditional writes all or
// nothing. The dynamolock package implements it over aws-sdk-go-v2's
// DynamoDB client (GetItem with a consistent read, TransactWriteItems).
type Table interface {
	// Get reads one record with a strongly consistent read; ok is false
	// when there is none.
	Get(ctx context.Context, id string) (rec Record, ok bool, err error)
	// Apply makes every write or none. When conditions fail it returns a
	// *ConditionError; when another transaction touched the same records
	// at the same moment, an error that wraps ErrContention.
	Apply(ctx context.Context, writes []Write) error
}

// MaxBatch is the most writes one Apply takes (DynamoDB's limit on the
// actions of a TransactWriteItems).
const MaxBatch = 100

// Record is one item of the lock table: a lock on one key (by its
// fingerprint), or the record that holds the fingerprint secret.
type Record struct {
	// ID is the item's partition key: "lock#" and the key's fingerprint,
	// or SecretID.
	ID string
	// Run, Owner and Kind say who holds the lock (Holder).
	Run, Owner, Kind string
	// Token is random per Acquire: a lease renews and releases only what
	// it took itself.
	Token string
	// Until is when the lease ends unless renewed, by the holder's clock.
	Until time.Time
	// Expire is when DynamoDB's TTL may delete an abandoned lock (a day
	// after Until; correctness never depends on it).
	Expire time.Time
	// Secret is the fingerprint secret (SecretID only).
	Secret []byte
}

// SecretID is the ID of the record that holds the fingerprint secret.
const SecretID = "meta#fingerprint-secret"

// WriteOp is what a write does, and under which condition.
type WriteOp int

// The writes the lock makes. Each names its condition; Table
// implementations apply exactly these.
const (
	// Create puts Record if no record has its ID.
	Create WriteOp = iota + 1
	// Take puts Record if no record has its ID, or the record's Until is
	// before Write.Cutoff (an expired lease), or the record's Run is
	// Record.Run (the same run taking its locks again, on resume).
	Take
	// Extend sets the record's Until and Expire to Record's if its Token
	// is Record.Token.
	Extend
	// Drop deletes the record if its Token is Record.Token.
	Drop
)

// Write is one conditional write.
type Write struct {
	Op     WriteOp
	Record Record
	// Cutoff is, for Take, the instant before which a lease counts as
	// expired: the taker's now less the clock-skew margin.
	Cutoff time.Time
}

// ConditionError says which writes of an Apply failed their condition,
// with the record each one found (nil when there was none), so that the
// caller can say who holds what.
type ConditionError struct {
	// Failed maps the index of each failed write to the record found.
	Failed map[int]*Record
}

func (e *ConditionError) Error() string {
	return "lock table: a condition failed"
}

// ErrContention means another transaction was working on the same records
// at the same moment, or the table was busy (DynamoDB cancelled the
// transaction with TransactionConflict or ThrottlingError): trying again
// soon may succeed.
var ErrContention = errors.New("lock table: another transaction touched the same records at the same time")
