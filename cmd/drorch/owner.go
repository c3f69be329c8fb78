package main

import (
	"errors"
	"os"
	"syscall"
	"time"

	"drorch/journal"
)

// ownerGone reports whether a run's lease owner (host:pid:random, as
// newEngine writes it) is a process of this host that no longer exists: a
// drorch killed or crashed here. Its run is then interrupted at once, rather
// than once its last heartbeat is stale, so that the operator can resume or
// cancel it straight away. Any doubt (another host, no such pid format, a
// platform that cannot tell) answers false: the lease is then left to go
// stale as usual.
func ownerGone(owner string) bool {
	host, pid, ok := journal.OwnerProcess(owner)
	if !ok || pid == os.Getpid() {
		return false
	}
	if me, err := os.Hostname(); err != nil || host != me {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH)
}

// leaseLive reports whether the run's owner still runs it: it heartbeated
// lately and is not known to be gone.
func leaseLive(rec journal.RunRecord, now time.Time) bool {
	return rec.Live(now, staleAfter) && !ownerGone(rec.Owner)
}
