package journal

import (
	"errors"
	"path/filepath"
	"runtime"
)

// DefaultPath is where the journal lives when --state is not given:
// $XDG_STATE_HOME/drorch/journal.db when XDG_STATE_HOME is set (an absolute
// path, as the XDG spec requires), else ~/.local/state/drorch/journal.db, or
// ~/Library/Application Support/drorch/journal.db on macOS. getenv is
// os.Getenv outside tests.
func DefaultPath(getenv func(string) string) (string, error) {
	return defaultPath(runtime.GOOS, getenv)
}

func defaultPath(goos string, getenv func(string) string) (string, error) {
	if x := getenv("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "drorch", "journal.db"), nil
	}
	if goos == "windows" {
		if d := getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "drorch", "journal.db"), nil
		}
		return "", errors.New("journal location: %LocalAppData% is not set: give the journal file with --state")
	}
	home := getenv("HOME")
	if home == "" || !filepath.IsAbs(home) {
		return "", errors.New("journal location: neither XDG_STATE_HOME nor HOME is set to an absolute path: give the journal file with --state")
	}
	if goos == "darwin" {
		return filepath.Join(home, "Library", "Application Support", "drorch", "journal.db"), nil
	}
	return filepath.Join(home, ".local", "state", "drorch", "journal.db"), nil
}
