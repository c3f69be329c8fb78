//go:build unix

package sqlitestore

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"drorch/journal"
)

// killChildEnv makes the test binary act as a drorch process that appends
// events until it is killed.
const killChildEnv = "DRORCH_JOURNAL_KILL_CHILD"

// killedJournal runs a child process that opens a new journal, runs
// "first-run" to its end (300 events, then run.finished, which checkpoints
// them into the main file), then creates run "killed" holding lock "k" and
// appends one event per transaction; it is SIGKILLed (no Close, no
// checkpoint) once before appends have returned. It returns the journal's
// path and how many appends had returned.
func killedJournal(t *testing.T, before int64) (string, int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", "journal.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSurvivesSIGKILL$", "-test.count=1")
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
	return path, confirmed
}

// TestSurvivesSIGKILL: a process that appends and is SIGKILLed, with no
// Close and no checkpoint, leaves every event whose Append returned
// readable by the next process, which opens the journal as one that must
// exist (and checks it, since it was left by a crash). The child also runs
// under a hostile umask, to show the journal's modes do not depend on it.
func TestSurvivesSIGKILL(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		appendUntilKilled(path)
		return
	}
	t.Parallel()
	path, confirmed := killedJournal(t, 40)
	for p, want := range map[string]os.FileMode{filepath.Dir(path): 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600, path + ".key": 0o600} {
		if got := mode(t, p); got != want {
			t.Errorf("%s has mode %v under umask 0277, want %v", filepath.Base(p), got, want)
		}
	}
	s, err := Open(context.Background(), path, MustExist)
	if err != nil {
		t.Fatalf("Open after the kill: %v", err)
	}
	defer s.Close()
	checkKilledRun(t, s, confirmed)
	t.Logf("killed after %d confirmed appends", confirmed)
}

// checkKilledRun: every confirmed event of run "killed" is there, dense,
// and the run still holds its lock; the finished run is whole.
func checkKilledRun(t *testing.T, s *Store, confirmed int64) {
	t.Helper()
	ctx := context.Background()
	if evs, err := s.Events(ctx, firstRun, 0); err != nil || len(evs) != firstEvents+1 || evs[firstEvents].Kind != journal.RunFinished {
		t.Fatalf("the finished run has %d events (%v), want %d and run.finished", len(evs), err, firstEvents+1)
	}
	evs, err := s.Events(ctx, "killed", 0)
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
	var busy *journal.BusyError
	if err := s.Create(ctx, "another", t0, []string{"k"}); !errors.As(err, &busy) || busy.RunID != "killed" {
		t.Errorf("Create on the killed run's lock = %v, want *BusyError naming killed", err)
	}
}

// The child's first run, which ends before the killed one starts.
const (
	firstRun    = "first-run"
	firstEvents = 300
)

// appendUntilKilled is the child: it prints the seq of each event once its
// Append has returned, and never stops on its own.
func appendUntilKilled(path string) {
	syscall.Umask(0o277)
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	ctx := context.Background()
	s, err := Open(ctx, path, Create)
	if err != nil {
		fail(err)
	}
	if err := s.Create(ctx, firstRun, t0, []string{"k"}); err != nil {
		fail(err)
	}
	for i := 0; i < firstEvents; i += 10 {
		batch := make([]journal.Event, 10)
		for j := range batch {
			batch[j] = journal.Event{Time: t0, Kind: journal.StepObserved, Layer: 0, Resource: 0, Step: "s", Message: fmt.Sprintf("first run, observation %d", i+j)}
		}
		if _, err := s.Append(ctx, firstRun, batch...); err != nil {
			fail(err)
		}
	}
	if _, err := s.Append(ctx, firstRun, journal.Event{Time: t0, Kind: journal.RunFinished, Layer: -1, Resource: -1, Data: []byte(`{"status":"succeeded"}`)}); err != nil {
		fail(err)
	}
	if err := s.Release(ctx, firstRun); err != nil {
		fail(err)
	}
	if err := s.Create(ctx, "killed", t0, []string{"k"}); err != nil {
		fail(err)
	}
	for i := 1; ; i++ {
		evs, err := s.Append(ctx, "killed", journal.Event{Time: t0, Kind: journal.StepObserved, Layer: 0, Resource: 0, Step: "s", Message: strconv.Itoa(i)})
		if err != nil {
			fail(err)
		}
		fmt.Println(evs[0].Seq)
	}
}

// TestDamagedJournalAfterSIGKILL: after a crash, a -wal file that was
// deleted, truncated or corrupted in its committed frames (SQLite would
// silently read the journal without them, or as empty) is refused with a
// *DamagedError naming the journal, and left as it was; so are the -wal
// and -shm files lost together. A crash's own torn tail is not damage.
func TestDamagedJournalAfterSIGKILL(t *testing.T) {
	t.Parallel()
	crashed, confirmed := killedJournal(t, 40)
	idx, ok, err := readWALIndex(crashed + "-shm")
	if err != nil || !ok || idx.mxFrame <= idx.nBackfill {
		t.Fatalf("the killed child's -shm: %+v, ok %v, %v; want committed frames not yet in the main file", idx, ok, err)
	}
	frame := int64(walFrameHeaderSize + idx.pageSize)
	frameAt := func(n uint32) int64 { return walHeaderSize + int64(n-1)*frame }
	flip := func(off int64) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			b := readFile(t, path+"-wal")
			b[off] ^= 0x5a
			writeFile(t, path+"-wal", b)
		}
	}
	trunc := func(size int64) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			if err := os.Truncate(path+"-wal", size); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name    string
		damage  func(t *testing.T, path string)
		problem string // in the error; "" when the journal must open
	}{
		{"intact", func(*testing.T, string) {}, ""},
		{"torn uncommitted tail", func(t *testing.T, path string) {
			b := readFile(t, path+"-wal")[:frameAt(idx.mxFrame+1)]
			writeFile(t, path+"-wal", append(b, bytes.Repeat([]byte{0xee}, int(frame/2))...))
		}, ""},
		{"wal deleted", func(t *testing.T, path string) { os.Remove(path + "-wal") }, "-wal file is missing"},
		{"wal emptied", trunc(0), "was truncated"},
		{"wal cut in half", trunc(frameAt(idx.mxFrame/2) + 100), "was truncated"},
		{"last committed frame cut", trunc(frameAt(idx.mxFrame)), "was truncated"},
		{"frame corrupted", flip(frameAt(idx.mxFrame/2) + walFrameHeaderSize + 200), fmt.Sprintf("frame %d of the %d committed frames", idx.mxFrame/2, idx.mxFrame)},
		{"last committed frame corrupted", flip(frameAt(idx.mxFrame) + frame - 1), fmt.Sprintf("frame %d of the %d", idx.mxFrame, idx.mxFrame)},
		{"wal header corrupted", flip(17), "not the one its -shm file describes"},
		{"wal and shm deleted", func(t *testing.T, path string) { os.Remove(path + "-wal"); os.Remove(path + "-shm") }, "it holds 1 run, but "},
		{"main file page corrupted", func(t *testing.T, path string) {
			// A page of the finished run's events, in the main file only
			// (no -wal frame replaces it): the -wal is intact, so only
			// quick_check, run after a crash, can notice.
			b := readFile(t, path)
			p := int64(pageOnlyInMain(t, path, idx)) - 1
			copy(b[p*int64(idx.pageSize):], bytes.Repeat([]byte{0xff}, 16))
			writeFile(t, path, b)
		}, "PRAGMA quick_check"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "journal.db")
			copyJournal(t, crashed, path)
			tc.damage(t, path)
			before := snapshot(t, path)
			s, err := Open(context.Background(), path, MustExist)
			if tc.problem == "" {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				defer s.Close()
				checkKilledRun(t, s, confirmed)
				return
			}
			if err == nil {
				evs, _ := s.Events(context.Background(), "killed", 0)
				s.Close()
				t.Fatalf("a damaged journal opened, with %d of %d events", len(evs), confirmed)
			}
			var de *DamagedError
			if !errors.As(err, &de) || de.Path != path {
				t.Fatalf("Open = %v, want *DamagedError for %s", err, path)
			}
			for _, want := range []string{path, tc.problem, "Restore journal.db together with journal.db.key from a backup", "aside to start a new"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if after := snapshot(t, path); !after.same(before) {
				t.Errorf("refusing the journal changed its files: %v, was %v", after, before)
			}
			if _, err := Open(context.Background(), path, Create); !errors.As(err, &de) {
				t.Errorf("second Open = %v, want *DamagedError again", err)
			}
		})
	}
}

// TestFinishedRunLivesInMainFile: appending run.finished checkpoints the
// WAL, so the main file alone (its -wal emptied) holds the finished run.
func TestFinishedRunLivesInMainFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	s := openTest(t, path)
	if err := s.Create(ctx, "run-1", t0, []string{"k"}); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		if _, err := s.Append(ctx, "run-1", journal.Event{Time: t0, Kind: journal.StepObserved, Layer: 0, Resource: 0, Step: "s", Message: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("before run.finished the WAL should hold the run: %v", err)
	}
	if _, err := s.Append(ctx, "run-1", journal.Event{Time: t0, Kind: journal.RunFinished, Layer: -1, Resource: -1, Data: []byte(`{"status":"succeeded"}`)}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() != 0 {
		t.Errorf("after run.finished the WAL is %d bytes (%v), want emptied by a checkpoint", fi.Size(), err)
	}
	// Read the main file alone, through a copy made by another process:
	// closing a descriptor of the journal here would drop this process's
	// SQLite locks on it.
	cp := filepath.Join(t.TempDir(), "copy.db")
	if out, err := exec.Command("cp", path, cp).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	db, err := sql.Open("sqlite", "file:"+cp+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	var status string
	if err := db.QueryRow(`SELECT count(*), (SELECT status FROM runs WHERE id = 'run-1') FROM events WHERE run_id = 'run-1'`).Scan(&n, &status); err != nil || n != 31 || status != "succeeded" {
		t.Errorf("main file alone: %d events, status %q, %v; want 31 events, succeeded", n, status, err)
	}
}

// pageOnlyInMain returns a page of the main file, in its middle, that no
// committed frame of the -wal file replaces.
func pageOnlyInMain(t *testing.T, path string, idx walIndex) uint32 {
	t.Helper()
	wal := readFile(t, path+"-wal")
	inWAL := map[uint32]bool{}
	frame := walFrameHeaderSize + idx.pageSize
	for n := 0; n < int(idx.mxFrame); n++ {
		off := walHeaderSize + n*frame
		inWAL[uint32(wal[off])<<24|uint32(wal[off+1])<<16|uint32(wal[off+2])<<8|uint32(wal[off+3])] = true
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	pages := uint32(fi.Size() / int64(idx.pageSize))
	for p := pages / 2; p > 1; p-- {
		if !inWAL[p] {
			return p
		}
	}
	t.Fatalf("every page of the %d-page main file is in the -wal", pages)
	return 0
}

// TestStaleShmAfterReboot: SQLite never fsyncs the -shm file, so after a
// power loss it may describe an older -wal file (here: from before a run
// finished, which emptied the -wal file, and another began, which restarted
// it with new salts). Written before the machine booted, it is not taken as
// evidence and the intact journal opens; the same file written since the
// boot would mean the -wal file was replaced, and is refused.
func TestStaleShmAfterReboot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	boot, ok := bootTime()
	if !ok {
		t.Fatal("no boot time on this system: the -shm file would never be trusted")
	}
	crashed, _ := killedJournal(t, 10)
	stale := readFile(t, crashed+"-shm")

	// Carry on from the crash: finish the killed run (a TRUNCATE
	// checkpoint), start another, and copy the files as a crash would
	// leave them.
	live := filepath.Join(t.TempDir(), "journal.db")
	copyJournal(t, crashed, live)
	s, err := Open(ctx, live, MustExist)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Append(ctx, "killed", journal.Event{Time: t0, Kind: journal.RunFinished, Layer: -1, Resource: -1, Data: []byte(`{"status":"failed"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "next-run", t0, []string{"n"}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := s.Append(ctx, "next-run", journal.Event{Time: t0, Kind: journal.StepObserved, Layer: 0, Resource: 0, Step: "s", Message: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		mtime   time.Time
		refused bool
	}{
		{"written before the boot", boot.Add(-time.Hour), false},
		{"written since the boot", time.Now(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.db")
			for _, suf := range []string{"", "-wal", ".key"} {
				if out, err := exec.Command("cp", live+suf, path+suf).CombinedOutput(); err != nil {
					t.Fatalf("cp: %v: %s", err, out)
				}
			}
			writeFile(t, path+"-shm", stale)
			if err := os.Chtimes(path+"-shm", tc.mtime, tc.mtime); err != nil {
				t.Fatal(err)
			}
			s, err := Open(ctx, path, MustExist)
			if tc.refused {
				var de *DamagedError
				if !errors.As(err, &de) {
					if s != nil {
						s.Close()
					}
					t.Fatalf("Open = %v, want *DamagedError: this -shm file says the -wal file was replaced", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open with a -shm file older than the boot: %v", err)
			}
			defer s.Close()
			runs, err := s.Runs(ctx)
			if err != nil || len(runs) != 3 {
				t.Fatalf("runs %+v, %v; want first-run, killed and next-run", runs, err)
			}
			if evs, err := s.Events(ctx, "next-run", 0); err != nil || len(evs) != 5 {
				t.Errorf("next-run has %d events (%v), want 5", len(evs), err)
			}
		})
	}
}
