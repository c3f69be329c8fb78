// Command lambdazip writes a Lambda deployment package: one file, named
// bootstrap, with a fixed mode (0755) and timestamp, so that the same binary
// always makes the same zip, byte for byte.
//
//	go run ./scripts/lambdazip BINARY ZIP
package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"time"
)

// epoch is the timestamp of every entry: the zip format's earliest (DOS)
// date, as reproducible-build tools use.
var epoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: lambdazip BINARY ZIP")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "lambdazip:", err)
		os.Exit(1)
	}
}

func run(binary, out string) error {
	data, err := os.ReadFile(binary)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := write(&b, "bootstrap", data); err != nil {
		return err
	}
	return os.WriteFile(out, b.Bytes(), 0o644)
}

// write puts one executable file in a zip with fixed metadata.
func write(w io.Writer, name string, data []byte) error {
	z := zip.NewWriter(w)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: epoch}
	h.SetMode(0o755)
	f, err := z.CreateHeader(h)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	return z.Close()
}
