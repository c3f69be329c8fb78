package lock

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Conflict is one of the caller's keys and who else holds it.
type Conflict struct {
	// Key is the caller's own key string, as given in Request.Keys.
	Key string
	// Holder is who holds it now.
	Holder Holder
	// Until is when the holder's lease ends unless renewed, by the
	// holder's clock.
	Until time.Time
}

// HeldError is Acquire's answer when another run holds some of the keys.
// Nothing was taken: the keys this attempt had taken were released.
type HeldError struct {
	// Conflicts lists the held keys, in the order the caller gave them.
	Conflicts []Conflict
	// Requested is how many distinct keys were asked for.
	Requested int
}

func (e *HeldError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "lock: %d of %d keys are held by another run: ", len(e.Conflicts), e.Requested)
	describe(&b, e.Conflicts, 5)
	until := e.Conflicts[0].Until
	for _, c := range e.Conflicts {
		if c.Until.After(until) {
			until = c.Until
		}
	}
	fmt.Fprintf(&b, "; wait for that run to finish, or, if it has stopped (its process or Step Functions execution is gone), "+
		"for its lease to lapse after %s, then try again", until.UTC().Format(time.RFC3339))
	return b.String()
}

// LostError is Renew's or Release's answer when the lease no longer holds
// some of its keys: its lease lapsed and another run took them, or they
// were released. The run must stop acting on those databases.
type LostError struct {
	// Lost lists the keys no longer held, with their holder now (a zero
	// Holder when nobody holds them).
	Lost []Conflict
}

func (e *LostError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "lock: the lease no longer holds %d of its keys: ", len(e.Lost))
	describe(&b, e.Lost, 5)
	b.WriteString("; stop acting on these databases: another run may be acting on them")
	return b.String()
}

// describe lists up to max conflicts.
func describe(b *strings.Builder, cs []Conflict, max int) {
	for i, c := range cs {
		if i == max {
			fmt.Fprintf(b, "; and %d more", len(cs)-max)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		if c.Holder.RunID == "" {
			fmt.Fprintf(b, "%q is held by nobody", c.Key)
			continue
		}
		fmt.Fprintf(b, "%q is held by run %s (%s, %s) until %s", c.Key, clean(c.Holder.RunID), clean(c.Holder.Kind), clean(c.Holder.Owner),
			c.Until.UTC().Format(time.RFC3339))
	}
}

// clean makes a string read from the table safe to print: escaped when it
// holds anything but printable characters, and cut short.
func clean(s string) string {
	if len(s) > 256 {
		s = s[:256] + "..."
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			q := strconv.Quote(s)
			return q[1 : len(q)-1]
		}
	}
	return s
}
