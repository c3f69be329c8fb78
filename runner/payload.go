package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"drorch/manifest"
	"drorch/resource"
)

// Payload is a payload read and validated: no AWS call was made.
type Payload struct {
	// Name says where it came from: a path, or "-" for standard input.
	Name    string
	SHA256  string
	Payload *manifest.Payload
}

// ProblemsError is a payload's problems: bad input, nothing was changed.
type ProblemsError struct {
	File     string
	Problems manifest.Problems
	// Partial is what could be read of the payload despite its problems
	// (nil when it is not even JSON or YAML): validate counts its layers.
	Partial *manifest.Payload
}

func (e *ProblemsError) Error() string {
	n := len(e.Problems)
	noun := "problems"
	if n == 1 {
		noun = "problem"
	}
	return fmt.Sprintf("%s: %d %s; nothing was changed", e.File, n, noun)
}

// ReadPayload reads and validates the payload at path ("-" for stdin). It
// keeps at most manifest.MaxPayloadBytes and one byte more in memory. A file
// too large is refused with its size; a stream too large is counted on, up
// to countLimit, so that a big but finite input gets its real size too,
// while an endless one (cat /dev/zero | drorch plan -) is refused there,
// never read to its end.
func ReadPayload(path string, stdin io.Reader, reg *resource.Registry) (*Payload, error) {
	var (
		data []byte
		err  error
	)
	if path == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, manifest.MaxPayloadBytes+1))
	} else {
		data, err = readLimited(path, manifest.MaxPayloadBytes+1)
	}
	if err != nil {
		return nil, fmt.Errorf("read payload: %w", err)
	}
	if len(data) > manifest.MaxPayloadBytes {
		return nil, &ProblemsError{File: path, Problems: manifest.Problems{tooLarge(path, stdin, int64(len(data)))}}
	}
	return ParsePayload(path, data, reg)
}

// ReadPayloadContext is ReadPayload under ctx: when ctx ends first (the
// operator's Ctrl-C while drorch waits for a FIFO that nobody writes to,
// or for a terminal's input), it returns ctx's error at once. The read
// left behind ends with the process.
func ReadPayloadContext(ctx context.Context, path string, stdin io.Reader, reg *resource.Registry) (*Payload, error) {
	type result struct {
		p   *Payload
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := ReadPayload(path, stdin, reg)
		done <- result{p, err}
	}()
	select {
	case r := <-done:
		return r.p, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("read payload %s: %w", path, context.Cause(ctx))
	}
}

// ParsePayload validates a payload's bytes; name says where they came from.
func ParsePayload(name string, data []byte, reg *resource.Registry) (*Payload, error) {
	p, problems := manifest.Load(data, reg)
	if len(problems) > 0 {
		return nil, &ProblemsError{File: name, Problems: problems, Partial: p}
	}
	sum := sha256.Sum256(data)
	return &Payload{Name: name, SHA256: hex.EncodeToString(sum[:]), Payload: p}, nil
}

// countLimit is how far past the size limit a stream is read to tell its
// size: a few tenths of a second of reading, whatever the stream.
const countLimit = 16 * manifest.MaxPayloadBytes

// tooLarge is the problem of a payload found larger than the limit after
// read bytes: with its real size when a file, or a stream that ends soon
// enough, says it.
func tooLarge(path string, stdin io.Reader, read int64) manifest.Problem {
	if path != "-" {
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
			return manifest.TooLarge(fi.Size())
		}
	}
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return manifest.TooLargeStream()
		}
		defer f.Close()
		if _, err := f.Seek(read, io.SeekStart); err != nil {
			return manifest.TooLargeStream()
		}
		r = f
	}
	n, err := io.Copy(io.Discard, io.LimitReader(r, countLimit))
	if err != nil || n == countLimit {
		return manifest.TooLargeStream()
	}
	return manifest.TooLarge(read + n)
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}
