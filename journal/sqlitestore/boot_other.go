//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package sqlitestore

import "time"

// bootTime cannot be asked here: a -shm file is then never trusted as
// evidence (see shmCurrent).
func bootTime() (time.Time, bool) { return time.Time{}, false }
