package manifest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"drorch/manifest"
)

// FuzzDecode: Decode and Validate never panic, whatever the input; every
// problem is one line with a message and a fix; and a payload they accept
// survives a round trip through JSON unchanged and still valid.
//
//	go test ./manifest -run '^$' -fuzz FuzzDecode -fuzztime 60s
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/readme/*.json")
	more, _ := filepath.Glob("../testdata/badinput/*/payload.*")
	for _, s := range append(seeds, more...) {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", " ", "{", "[", "null", "StatePayload:", "StatePayload: []", "- 1\n- 2",
		"a: &a [*a, *a]\nb: *a", "StatePayload:\n- layer: 1\n  resources:\n  - resourceType: PromoteRDSReadReplica\n    resourceName: r\n    parameters: {RDSInstanceIdentifier: !Import x}\n",
		`{"StatePayload":[{"layer":1e400,"resources":[{"parameters":{"Port":1.5e3}}]}]}`,
	} {
		f.Add([]byte(s))
	}
	cat := testCatalog()
	f.Fuzz(func(t *testing.T, data []byte) {
		p, ps := manifest.Load(data, cat)
		if p == nil {
			t.Fatal("Load returned a nil payload")
		}
		for _, pr := range ps {
			line := pr.Error()
			if strings.Contains(line, "\n") || pr.Message == "" || pr.Fix == "" {
				t.Fatalf("bad problem %q (message %q, fix %q)", line, pr.Message, pr.Fix)
			}
		}
		_ = p.Ordered()
		if len(ps) > 0 {
			return
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("marshal a valid payload: %v", err)
		}
		q, ps := manifest.Load(again, cat)
		if len(ps) > 0 {
			t.Fatalf("valid payload re-encoded is invalid: %v\n%s", ps, again)
		}
		if !reflect.DeepEqual(p.Layers, q.Layers) {
			t.Fatalf("round trip changed the payload:\n%+v\n%+v", p.Layers, q.Layers)
		}
	})
}
