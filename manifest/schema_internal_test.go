package manifest

import (
	"regexp"
	"strconv"
	"testing"
)

// TestRangePattern checks the integer-range patterns against every number
// around the range, for ranges of every shape the specs use and more.
func TestRangePattern(t *testing.T) {
	t.Parallel()
	ranges := [][2]int{{1150, 65535}, {1, 35}, {0, 0}, {0, 9}, {0, 60}, {5, 1234}, {7, 7}, {10, 99}, {99, 101}, {1, 100000}, {123, 129}, {19, 20}}
	for _, r := range ranges {
		lo, hi := r[0], r[1]
		re := regexp.MustCompile("^0*(" + rangePattern(lo, hi) + ")$")
		for n := 0; n <= hi*2+20; n++ {
			if n > 3000 && n%7 != 0 && n < hi*2 {
				continue // sample large ranges
			}
			want := n >= lo && n <= hi
			for _, s := range []string{strconv.Itoa(n), "0" + strconv.Itoa(n)} {
				if got := re.MatchString(s); got != want {
					t.Fatalf("range %d..%d (%s): %q matched=%v, want %v", lo, hi, re, s, got, want)
				}
			}
		}
		for _, s := range []string{"", "-1", "+5", "1.0", "x"} {
			if re.MatchString(s) {
				t.Errorf("range %d..%d: %q matched", lo, hi, s)
			}
		}
	}
}
