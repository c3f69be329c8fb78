package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSFNASL: `drorch sfn asl` prints exactly the generator's definitions
// (the golden files of package sfn), and refuses an unknown workflow as
// bad input.
func TestSFNASL(t *testing.T) {
	t.Parallel()
	for _, w := range []string{"failover", "failback"} {
		var out, errb bytes.Buffer
		if code := run(t.Context(), []string{"sfn", "asl", "--workflow", w}, strings.NewReader(""), &out, &errb, func(string) string { return "" }); code != exitOK {
			t.Fatalf("%s: exit %d: %s", w, code, errb.String())
		}
		want, err := os.ReadFile(filepath.Join("..", "..", "sfn", "testdata", w+".asl.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("drorch sfn asl --workflow %s differs from sfn/testdata/%s.asl.json", w, w)
		}
	}
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"sfn", "asl", "--workflow", "rollback"}, strings.NewReader(""), &out, &errb, func(string) string { return "" }); code != exitBadInput ||
		!strings.Contains(errb.String(), "use failover or failback") || out.Len() != 0 {
		t.Errorf("exit %d, stderr %q, stdout %q", code, errb.String(), out.String())
	}
}
