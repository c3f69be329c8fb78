package manifest_test

import (
	"os"
	"testing"

	"drorch/manifest"
)

// BenchmarkLoad decodes and validates the README's largest payload.
func BenchmarkLoad(b *testing.B) {
	data, err := os.ReadFile("testdata/readme/3-create-aurora-secondary.json")
	if err != nil {
		b.Fatal(err)
	}
	cat := testCatalog()
	for _, c := range []struct {
		name string
		data []byte
	}{{"json", data}, {"yaml", []byte(readmeYAML)}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				if _, ps := manifest.Load(c.data, cat); len(ps) > 0 {
					b.Fatal(ps)
				}
			}
		})
	}
}

// BenchmarkSchema generates the JSON Schema for the built-in types.
func BenchmarkSchema(b *testing.B) {
	cat := testCatalog()
	for b.Loop() {
		if _, err := manifest.Schema(cat); err != nil {
			b.Fatal(err)
		}
	}
}
