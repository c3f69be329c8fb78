//go:build unix

package sqlitestore

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// inUse reports whether another process holds the journal open: every
// SQLite connection to a WAL database keeps a read lock on the DMS byte of
// its -shm file, which F_GETLK sees (as SQLite itself checks before it
// resets a -shm file, in unixLockSharedMemory). Locks of this process are
// not seen; the caller keeps track of its own opens.
func inUse(shm string) (bool, error) {
	f, err := os.Open(shm)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart, Start: shmDMSByte, Len: 1}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
		return false, err
	}
	return lk.Type != syscall.F_UNLCK, nil
}
