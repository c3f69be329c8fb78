package lock

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Ticket is a lease written down: what another process of the same run
// needs to renew or release it. The Step Functions function takes a run's
// locks in one invocation and releases them in another, days later
// perhaps, in a process that never saw the Lease. A ticket holds the
// lease's record ids (keyed fingerprints of the keys, never the keys) and
// its token, which is what lets its bearer renew and release the lease:
// keep it where only the run's own processes read it (the run bucket), not
// in an execution history or a log.
type Ticket struct {
	Holder Holder        `json:"holder"`
	Token  string        `json:"token"`
	TTL    time.Duration `json:"ttl"`
	// Until is when the lease lapses unless renewed, by the holder's clock.
	Until time.Time `json:"until"`
	// Records are the record ids the lease holds, sorted.
	Records []string `json:"records"`
}

// Ticket writes the lease down.
func (s *Lease) Ticket() Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := Ticket{Holder: s.holder, Token: s.token, TTL: s.ttl, Until: s.until, Records: make([]string, len(s.keys))}
	for i, k := range s.keys {
		t.Records[i] = k.id
	}
	return t
}

// Restore is the lease t was written from, to renew or release it. The
// restored lease knows its keys by their record ids only: Keys and the
// errors of Renew and Release name them so.
func (l *Locker) Restore(t Ticket) (*Lease, error) {
	switch {
	case t.Token == "":
		return nil, errors.New("restore a lease: the ticket has no token")
	case len(t.Records) == 0:
		return nil, errors.New("restore a lease: the ticket has no records")
	case t.TTL <= 0:
		return nil, fmt.Errorf("restore a lease: the ticket's TTL %v is not positive", t.TTL)
	}
	keys := make([]held, 0, len(t.Records))
	for _, id := range slices.Compact(slices.Sorted(slices.Values(t.Records))) {
		if !strings.HasPrefix(id, "lock#") {
			return nil, fmt.Errorf("restore a lease: %q is not a lock record id", clean(id))
		}
		keys = append(keys, held{key: id, id: id})
	}
	return &Lease{l: l, holder: t.Holder, token: t.Token, ttl: t.TTL, keys: keys, until: t.Until}, nil
}
