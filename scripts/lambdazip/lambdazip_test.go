package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestReproducibleLambdaZips builds the function twice with
// scripts/lambda.sh (what `make lambda` runs), into two directories, and
// checks that each architecture's zip is the same bytes both times, holds
// one file named bootstrap with mode 0755 and the fixed timestamp, and that
// the file is a static Linux executable for its architecture.
func TestReproducibleLambdaZips(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the function twice for two architectures")
	}
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, d := range dirs {
		cmd := exec.Command(filepath.Join(root, "scripts", "lambda.sh"), d)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("scripts/lambda.sh: %v\n%s", err, out)
		}
	}
	for _, c := range []struct {
		name    string
		machine elf.Machine
	}{{"drorch-lambda-arm64.zip", elf.EM_AARCH64}, {"drorch-lambda-x86_64.zip", elf.EM_X86_64}} {
		var sums []string
		for _, d := range dirs {
			b, err := os.ReadFile(filepath.Join(d, c.name))
			if err != nil {
				t.Fatal(err)
			}
			s := sha256.Sum256(b)
			sums = append(sums, hex.EncodeToString(s[:]))
		}
		t.Logf("%s sha256 %s", c.name, sums[0])
		if sums[0] != sums[1] {
			t.Errorf("%s: two builds differ: %s and %s", c.name, sums[0], sums[1])
		}
		z, err := zip.OpenReader(filepath.Join(dirs[0], c.name))
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		if len(z.File) != 1 || z.File[0].Name != "bootstrap" || z.File[0].Mode().Perm() != 0o755 ||
			!z.File[0].Modified.Equal(epoch) {
			t.Fatalf("%s: entries %+v", c.name, z.File[0].FileHeader)
		}
		rc, err := z.File[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		bin, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		f, err := elf.NewFile(bytes.NewReader(bin))
		if err != nil {
			t.Fatalf("%s: bootstrap is not ELF: %v", c.name, err)
		}
		if f.Machine != c.machine || f.Type != elf.ET_EXEC {
			t.Errorf("%s: machine %v, type %v", c.name, f.Machine, f.Type)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s: dynamically linked (has an interpreter)", c.name)
			}
		}
	}
}

// TestWriteFixedMetadata: the zip's bytes depend on the content only.
func TestWriteFixedMetadata(t *testing.T) {
	t.Parallel()
	var a, b bytes.Buffer
	if err := write(&a, "bootstrap", []byte("binary")); err != nil {
		t.Fatal(err)
	}
	if err := write(&b, "bootstrap", []byte("binary")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two zips of the same content differ")
	}
	var c bytes.Buffer
	_ = write(&c, "bootstrap", []byte("other"))
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("zips of different contents are equal")
	}
}
