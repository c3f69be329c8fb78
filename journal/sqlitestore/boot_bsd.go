//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package sqlitestore

import (
	"time"

	"golang.org/x/sys/unix"
)

// bootTime is when the machine last booted (sysctl kern.boottime).
func bootTime() (time.Time, bool) {
	tv, err := unix.SysctlTimeval("kern.boottime")
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(tv.Unix()), true
}
