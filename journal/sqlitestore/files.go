package sqlitestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// mkdirPrivate creates dir and its missing parents with mode 0700, set
// explicitly so that the umask does not decide. Existing directories are
// left alone.
func mkdirPrivate(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := os.Chmod(missing[i], 0o700); err != nil {
			return err
		}
	}
	return nil
}

// createPrivate creates the journal file 0600 before SQLite sees it, so that
// it never exists with the driver's default 0644. An existing file is kept as
// it is.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil { // the umask may have removed bits
		f.Close() //nolint:errcheck // the chmod error is the one to report
		return err
	}
	return f.Close()
}

// narrowSidecars makes the -wal and -shm files no wider than the journal
// file: they hold the same events.
func narrowSidecars(path string) error {
	main, err := os.Stat(path)
	if err != nil {
		return err
	}
	want := main.Mode().Perm()
	for _, side := range []string{path + "-wal", path + "-shm"} {
		fi, err := os.Stat(side)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if perm := fi.Mode().Perm(); perm&^want != 0 {
			if err := os.Chmod(side, perm&want); err != nil {
				return fmt.Errorf("restrict %s: %w", filepath.Base(side), err)
			}
		}
	}
	return nil
}
