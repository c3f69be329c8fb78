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

// drorch reads a payload only up to its size limit (a huge file is never
// held in memory), yet the operator must be told the payload's real size,
// not the number of bytes drorch stopped at.
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
