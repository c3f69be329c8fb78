package sqlitestore

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"drorch/journal"
)

// keySuffix names the key file beside the journal: journal.db.key.
const keySuffix = ".key"

// maxKeyFile bounds what is read of a key file: a real one is ~150 bytes.
const maxKeyFile = 4096

// keyFile is the journal's key file, kept beside it and never in it, so that
// a journal.db attached to a ticket gives away neither the key of its lock
// fingerprints nor, through them, any secret lock key. It also records how
// many runs the journal had and how many of them had finished, durably and
// apart from the journal's -wal file: a journal that later shows fewer lost
// committed writes, even when its -wal and -shm files went together.
type keyFile struct {
	Version int    `json:"version"`
	Key     []byte `json:"key"` // base64 in the file
	// Runs and Finished only grow: they are raised after each commit
	// that creates or finishes a run.
	Runs     int64 `json:"runs"`
	Finished int64 `json:"finished"`

	path    string // of the key file
	journal string // of the journal file
	fp      journal.Fingerprinter
}

const keyFileVersion = 1

// keyCheckValue is fingerprinted into the journal's meta table, so that a
// key file that does not belong to the journal is noticed at once.
const keyCheckValue = "\x00drorch journal key check"

func keyPath(journalPath string) string { return journalPath + keySuffix }

// readKeyFile reads the key file of the journal at path; (nil, nil) when
// there is none.
func readKeyFile(path string) (*keyFile, error) {
	kp := keyPath(path)
	f, err := os.Open(kp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(kp), err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(kp), err)
	}
	k := &keyFile{path: kp, journal: path}
	bad := func(why string) error {
		return &DamagedError{Path: path, Problem: fmt.Sprintf("its key file %s is unreadable (%s)", filepath.Base(kp), why)}
	}
	if len(data) > maxKeyFile {
		return nil, bad("too large")
	}
	if err := json.Unmarshal(data, k); err != nil {
		return nil, bad("not the JSON drorch writes")
	}
	if k.Version != keyFileVersion || k.Runs < 0 || k.Finished < 0 {
		return nil, bad(fmt.Sprintf("version %d, counts %d and %d", k.Version, k.Runs, k.Finished))
	}
	if k.fp, err = journal.NewFingerprinter(k.Key); err != nil {
		return nil, bad(err.Error())
	}
	if err := narrowKey(kp); err != nil {
		return nil, err
	}
	return k, nil
}

// narrowKey makes the key file readable by its owner only, whatever its mode.
func narrowKey(kp string) error {
	fi, err := os.Stat(kp)
	if err != nil {
		return fmt.Errorf("restrict %s: %w", filepath.Base(kp), err)
	}
	if fi.Mode().Perm()&^0o600 != 0 {
		if err := os.Chmod(kp, 0o600); err != nil {
			return fmt.Errorf("restrict %s: %w", filepath.Base(kp), err)
		}
	}
	return nil
}

// createKeyFile writes a new key file for the journal at path, recording
// runs and finished, unless one appeared meanwhile (another drorch creating
// the same journal at the same moment): then that one is returned. The file
// is written whole under a temporary name and hard-linked into place, which
// fails if the name exists, so no reader ever sees half a key file.
func createKeyFile(path string, runs, finished int64) (*keyFile, error) {
	k := &keyFile{Version: keyFileVersion, Key: journal.NewKey(), Runs: runs, Finished: finished, path: keyPath(path), journal: path}
	fp, err := journal.NewFingerprinter(k.Key)
	if err != nil {
		return nil, err
	}
	k.fp = fp
	tmp, err := k.writeTemp()
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	err = os.Link(tmp, k.path)
	if errors.Is(err, fs.ErrExist) {
		other, err := readKeyFile(path)
		if err != nil {
			return nil, err
		}
		if other == nil {
			return nil, fmt.Errorf("create %s: it appeared and vanished again", filepath.Base(k.path))
		}
		return other, nil
	}
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Base(k.path), err)
	}
	if err := syncDir(filepath.Dir(k.path)); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Base(k.path), err)
	}
	return k, nil
}

// record raises the recorded counts to runs and finished (never lowers
// them), rewriting the file atomically. Another process may raise them at
// the same time; the file then keeps the larger of what was read and what
// is written, and a race can only leave a count lower than it could be,
// never higher than the journal holds: counts are recorded after their
// commit.
func (k *keyFile) record(runs, finished int64) error {
	if runs <= k.Runs && finished <= k.Finished {
		return nil
	}
	if cur, err := readKeyFile(k.journal); err == nil && cur != nil && string(cur.Key) == string(k.Key) {
		k.Runs, k.Finished = max(k.Runs, cur.Runs), max(k.Finished, cur.Finished)
	}
	next := *k
	next.Runs, next.Finished = max(k.Runs, runs), max(k.Finished, finished)
	tmp, err := next.writeTemp()
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, k.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("update %s: %w", filepath.Base(k.path), err)
	}
	if err := syncDir(filepath.Dir(k.path)); err != nil {
		return fmt.Errorf("update %s: %w", filepath.Base(k.path), err)
	}
	k.Runs, k.Finished = next.Runs, next.Finished
	return nil
}

// writeTemp writes k, fsynced and 0600, under a new name beside the key
// file, and returns that name.
func (k *keyFile) writeTemp() (string, error) {
	data, err := json.Marshal(k)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", filepath.Base(k.path), err)
	}
	tmp := k.path + ".tmp-" + hex.EncodeToString(journal.NewKey()[:6])
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", filepath.Base(k.path), err)
	}
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Chmod(0o600) // the umask may have removed bits, never added
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("write %s: %w", filepath.Base(k.path), err)
	}
	return tmp, nil
}

// syncDir fsyncs a directory, so that a file created or renamed in it
// survives a crash of the machine. Windows cannot sync a directory (NTFS
// journals its metadata itself).
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return err
	}
	return nil
}
