// Package locktest is an in-memory lock.Table for the tests of packages
// that take locks: the write conditions exactly as lock.Table documents
// them, over a map. The DynamoDB adapter itself is tested against the
// simulator and moto (package dynamolock).
package locktest

import (
	"context"
	"sync"

	"drorch/lock"
)

// Table is an in-memory lock table, safe for concurrent use.
type Table struct {
	mu   sync.Mutex
	recs map[string]lock.Record
	// Fail, when set, is returned by every Apply instead of writing (an
	// unreachable table).
	Fail error
}

// New returns an empty table.
func New() *Table { return &Table{recs: map[string]lock.Record{}} }

// Get reads a record.
func (m *Table) Get(_ context.Context, id string) (lock.Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	return r, ok, nil
}

// Apply makes every write or none.
func (m *Table) Apply(_ context.Context, writes []lock.Write) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return m.Fail
	}
	ce := &lock.ConditionError{Failed: map[int]*lock.Record{}}
	for i, w := range writes {
		cur, ok := m.recs[w.Record.ID]
		var pass bool
		switch w.Op {
		case lock.Create:
			pass = !ok
		case lock.Take:
			pass = !ok || cur.Until.Before(w.Cutoff) || cur.Run == w.Record.Run
		case lock.Extend, lock.Drop:
			pass = ok && cur.Token == w.Record.Token
		}
		if !pass {
			ce.Failed[i] = nil
			if ok {
				ce.Failed[i] = &cur
			}
		}
	}
	if len(ce.Failed) > 0 {
		return ce
	}
	for _, w := range writes {
		switch w.Op {
		case lock.Create, lock.Take:
			m.recs[w.Record.ID] = w.Record
		case lock.Extend:
			cur := m.recs[w.Record.ID]
			cur.Until, cur.Expire = w.Record.Until, w.Record.Expire
			m.recs[w.Record.ID] = cur
		case lock.Drop:
			delete(m.recs, w.Record.ID)
		}
	}
	return nil
}

// Held counts the lock records (the fingerprint secret's aside).
func (m *Table) Held() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id := range m.recs {
		if id != lock.SecretID {
			n++
		}
	}
	return n
}
