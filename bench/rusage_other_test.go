//go:build !unix

package bench

import "time"

// maxRSS is unknown without getrusage.
func maxRSS() uint64 { return 0 }

// cpuTime is unknown without getrusage.
func cpuTime() time.Duration { return 0 }
