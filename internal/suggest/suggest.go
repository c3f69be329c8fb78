// Package suggest finds the names closest to a misspelt one, for "did you
// mean ...?" hints in error messages.
package suggest

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Closest returns up to n candidates closest to word, best first.
//
// Closeness is the optimal-string-alignment (Damerau-Levenshtein) distance
// between the lower-cased strings, so a wrong case, a missing, extra or
// wrong character and two swapped characters each cost at most one. A
// candidate is only suggested when the distance is small relative to the
// word's length (about one edit per four characters, at least one, at most
// six), or when one name contains the other (a truncated or prefixed name),
// and only when it is at most one edit further than the best one, so that an unrelated
// name is never offered. Ties are broken alphabetically; duplicates and
// candidates equal to word are left out.
func Closest(word string, candidates []string, n int) []string {
	if n <= 0 || word == "" {
		return nil
	}
	lw := strings.ToLower(word)
	limit := maxDistance(lw)
	type scored struct {
		name string
		dist int
	}
	var found []scored
	seen := map[string]bool{}
	for _, c := range candidates {
		if c == word || c == "" || seen[c] {
			continue
		}
		seen[c] = true
		lc := strings.ToLower(c)
		d := distance(lw, lc, limit)
		if d > limit && !contains(lw, lc) {
			continue
		}
		found = append(found, scored{c, d})
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].dist != found[j].dist {
			return found[i].dist < found[j].dist
		}
		return found[i].name < found[j].name
	})
	var out []string
	for _, f := range found {
		if len(out) == n || f.dist > found[0].dist+1 {
			break
		}
		out = append(out, f.name)
	}
	return out
}

// maxDistance is the largest edit distance still worth suggesting for w.
func maxDistance(w string) int {
	d := utf8.RuneCountInString(w) / 4
	return min(max(d, 1), 6)
}

// contains reports whether one name holds the other, for names long enough
// for that to mean something ("FailoverAurora" in "PlannedFailoverAurora").
func contains(a, b string) bool {
	const minLen = 5
	if len(a) >= minLen && strings.Contains(b, a) {
		return true
	}
	return len(b) >= minLen && strings.Contains(a, b)
}

// distance is the optimal-string-alignment distance between a and b. When
// it certainly exceeds limit (the lengths alone differ by more) it returns
// limit+1 without computing it, which keeps long candidate lists cheap.
func distance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if abs(len(ra)-len(rb)) > limit {
		return max(abs(len(ra)-len(rb)), limit+1)
	}
	// Three rolling rows: i-2, i-1 and i.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
