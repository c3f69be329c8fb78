package archtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxTracked is the largest file the repository may hold: sources, golden
// files and recorded journals are far smaller, and anything bigger is a
// binary or an archive committed by mistake.
const maxTracked = 1 << 20

// TestNoBinariesCommitted: no tracked file is an executable or an archive,
// or larger than maxTracked.
func TestNoBinariesCommitted(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err) // a source tarball has no index to check
	}
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatal(err)
	}
	top := strings.TrimSpace(string(root))
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		path := filepath.Join(top, name)
		fi, err := os.Stat(path)
		if err != nil {
			continue // deleted in the work tree
		}
		if fi.Size() > maxTracked {
			t.Errorf("%s is %d bytes: a binary or an archive? (limit %d)", name, fi.Size(), maxTracked)
		}
		head := make([]byte, 4)
		if f, err := os.Open(path); err == nil {
			n, _ := f.Read(head)
			f.Close()
			head = head[:n]
		}
		for _, magic := range [][]byte{[]byte("\x7fELF"), []byte("PK\x03\x04"), []byte("MZ")} {
			if bytes.HasPrefix(head, magic) {
				t.Errorf("%s is a binary or an archive: build it, do not commit it", name)
			}
		}
	}
}
