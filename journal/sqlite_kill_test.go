//go:build unix

package journal

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// killChildEnv makes the test binary act as a drorch process that appends
// events until it is killed.
const killChildEnv = "DRORCH_JOURNAL_KILL_CHILD"

// TestSQLiteSurvivesSIGKILL: a process that appends and is SIGKILLed, with
// no Close and no checkpoint, leaves every event whose Append returned
// readable by the next process. The child also runs under a hostile umask,
// to show the journal's modes do not depend on it.
func TestSQLiteSurvivesSIGKILL(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		appendUntilKilled(path)
		return
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state", "journal.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSQLiteSurvivesSIGKILL$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() }) //nolint:errcheck // already dead when the test went well

	const before = 40 // confirmed appends to wait for before killing
	lines := bufio.NewScanner(out)
	var confirmed int64
	for confirmed < before && lines.Scan() {
		n, err := strconv.ParseInt(lines.Text(), 10, 64)
		if err != nil {
			t.Fatalf("child said %q", lines.Text())
		}
		confirmed = n
	}
	if confirmed < before {
		cmd.Wait() //nolint:errcheck
		t.Fatalf("child stopped after %d appends: %s", confirmed, stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Lines written before the kill landed are confirmations too.
	for lines.Scan() {
		if n, err := strconv.ParseInt(lines.Text(), 10, 64); err == nil {
			confirmed = n
		}
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("child exited normally; it should have been killed")
	}

	for p, want := range map[string]os.FileMode{filepath.Dir(path): 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600} {
		if got := mode(t, p); got != want {
			t.Errorf("%s has mode %v under umask 0277, want %v", filepath.Base(p), got, want)
		}
	}

	s := openTest(t, path)
	evs, err := s.Events(context.Background(), "killed", 0)
	if err != nil {
		t.Fatalf("Events after the kill: %v", err)
	}
	if int64(len(evs)) < confirmed {
		t.Fatalf("%d events survived, but %d appends had returned", len(evs), confirmed)
	}
	for i, ev := range evs {
		if ev.Seq != int64(i+1) || ev.Message != strconv.Itoa(i+1) {
			t.Fatalf("event %d: seq %d message %q", i, ev.Seq, ev.Message)
		}
	}
	t.Logf("killed after %d confirmed appends; %d events in the journal", confirmed, len(evs))
}

// appendUntilKilled is the child: it prints the seq of each event once its
// Append has returned, and never stops on its own.
func appendUntilKilled(path string) {
	syscall.Umask(0o277)
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	ctx := context.Background()
	s, err := OpenSQLite(ctx, path)
	if err != nil {
		fail(err)
	}
	if err := s.Create(ctx, "killed", t0, []string{"k"}); err != nil {
		fail(err)
	}
	for i := 1; ; i++ {
		evs, err := s.Append(ctx, "killed", Event{Time: t0, Kind: StepObserved, Layer: 0, Resource: 0, Step: "s", Message: strconv.Itoa(i)})
		if err != nil {
			fail(err)
		}
		fmt.Println(evs[0].Seq)
	}
}
