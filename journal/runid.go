package journal

import (
	"errors"
	"fmt"
	"strconv"
)

// Run ids are what operators type (`drorch resume 3f2a`) and what terminals,
// file names and logs show: MinRunIDLen to MaxRunIDLen lowercase ASCII
// letters, digits and dashes, so that no id can carry an escape sequence, a
// path separator or a look-alike character.
const (
	MinRunIDLen = 4
	MaxRunIDLen = 64
)

// ErrInvalidRunID is returned (wrapped, naming the id) by ValidRunID and by
// every store's Create for a run id outside ^[a-z0-9-]{4,64}$.
var ErrInvalidRunID = errors.New("invalid run id")

// ValidRunID reports whether id may name a new run: nil, or an error that
// wraps ErrInvalidRunID, shows id quoted (escape sequences made harmless,
// a huge id cut short) and says what an id may hold.
func ValidRunID(id string) error {
	ok := len(id) >= MinRunIDLen && len(id) <= MaxRunIDLen
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	if ok {
		return nil
	}
	return fmt.Errorf("run id %s: %w: use %d to %d lowercase letters, digits and dashes",
		quoteRunID(id), ErrInvalidRunID, MinRunIDLen, MaxRunIDLen)
}

// quoteRunID renders an id that may be anything for an error message: as it
// is when it is a plain id, else Go-quoted and cut to a readable length.
func quoteRunID(id string) string {
	plain := len(id) <= MaxRunIDLen
	for i := 0; plain && i < len(id); i++ {
		c := id[i]
		plain = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	if plain && id != "" {
		return id
	}
	if len(id) > MaxRunIDLen {
		return strconv.Quote(id[:MaxRunIDLen]) + fmt.Sprintf("... (%d bytes)", len(id))
	}
	return strconv.Quote(id)
}
