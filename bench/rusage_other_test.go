//go:build !unix

package bench

// maxRSS is unknown without getrusage.
func maxRSS() uint64 { return 0 }
