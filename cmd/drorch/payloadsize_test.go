package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"drorch/manifest"
)

// drorch keeps a payload in memory only up to its size limit, yet the
// operator must be told its real size, not the number of bytes drorch
// stopped at; standard input that never ends is refused, not drained.
func TestTooLargePayloadSaysItsRealSize(t *testing.T) {
	t.Parallel()
	for _, size := range []int{manifest.MaxPayloadBytes + 1, 10 << 20} {
		data := append([]byte(`{"StatePayload": []}`), bytes.Repeat([]byte(" "), size-20)...)
		path := filepath.Join(t.TempDir(), "big.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("(%d bytes), more than the limit of 4.0 MiB (4194304 bytes)", size)
		for _, args := range [][]string{{"validate", path}, {"validate", "-"}} {
			var out, errb bytes.Buffer
			code := run(context.Background(), args, bytes.NewReader(data), &out, &errb, func(string) string { return "" })
			if code != exitBadInput || !strings.Contains(errb.String(), want) {
				t.Errorf("%v of %d bytes: exit %d, stderr %q; want exit 2 and %q", args, size, code, errb.String(), want)
			}
		}
	}
}

// endless is standard input that never ends (cat /dev/zero | drorch plan -).
type endless struct{ read int64 }

func (e *endless) Read(p []byte) (int, error) {
	clear(p)
	e.read += int64(len(p))
	return len(p), nil
}

func TestEndlessStdinIsRefusedAtTheLimit(t *testing.T) {
	t.Parallel()
	in := &endless{}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"plan", "-"}, in, &out, &errb, func(string) string { return "" })
	if code != exitBadInput || !strings.Contains(errb.String(), "stopped reading there") {
		t.Errorf("exit %d, stderr %q; want exit 2, refused at the limit", code, errb.String())
	}
	if in.read > 17*manifest.MaxPayloadBytes+64<<10 {
		t.Errorf("read %d bytes of an endless input, want it refused after 17 times the limit at most", in.read)
	}
}
