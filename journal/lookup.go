package journal

import (
	"fmt"
	"slices"
	"strings"
)

// MinRunPrefix is the shortest run id prefix Store.Run accepts: shorter ones
// would match by accident too often to be safe for `drorch resume`.
const MinRunPrefix = 4

// ResolveRunID finds the one id in ids that equals q or, when q is at least
// MinRunPrefix long, starts with it: what Store.Run does with its runs' ids.
// ids need not be sorted, and may be only the candidates (a store may
// select them by prefix first). Errors wrap ErrRunNotFound or
// ErrRunAmbiguous and show q safely quoted.
func ResolveRunID(q string, ids []string) (string, error) {
	var matches []string
	for _, id := range ids {
		if id == q {
			return id, nil
		}
		if len(q) >= MinRunPrefix && strings.HasPrefix(id, q) {
			matches = append(matches, id)
		}
	}
	return pickRunID(q, matches)
}

// pickRunID turns the prefix matches of q into one id or the right error.
func pickRunID(q string, matches []string) (string, error) {
	switch {
	case len(matches) == 1:
		return matches[0], nil
	case len(matches) == 0 && len(q) < MinRunPrefix && q != "":
		return "", fmt.Errorf("run %s: %w (a prefix needs at least %d characters)", quoteRunID(q), ErrRunNotFound, MinRunPrefix)
	case len(matches) == 0:
		return "", fmt.Errorf("run %s: %w", quoteRunID(q), ErrRunNotFound)
	}
	slices.Sort(matches)
	shown := matches
	if len(shown) > 3 {
		shown = shown[:3]
	}
	more := ""
	if len(matches) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(matches)-len(shown))
	}
	return "", fmt.Errorf("run %s: %w: it matches %s%s; type more of the id", quoteRunID(q), ErrRunAmbiguous, strings.Join(shown, ", "), more)
}
