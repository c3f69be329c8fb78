package journal

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// NewProcess describes this process as the owner of the runs it drives:
// its host, pid and OS user, the drorch version, and a lease owner written
// host:pid:random so that two processes never share one.
func NewProcess(version string) Process {
	host, _ := os.Hostname()
	pid := os.Getpid()
	b := make([]byte, 3)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	p := Process{Owner: fmt.Sprintf("%s:%d:%s", host, pid, hex.EncodeToString(b)), Host: host, PID: pid, Version: version}
	if u, err := user.Current(); err == nil {
		p.User = u.Username
	}
	return p
}

// ProcessGone reports whether a run's lease owner (see NewProcess) is a
// process of this host that no longer exists: a drorch killed or crashed
// here. Its run is then interrupted at once, rather than once its last
// heartbeat is stale, so that the operator can resume or cancel it
// straight away. Any doubt (another host, another owner format, a platform
// that cannot tell) answers false: the lease is then left to go stale.
func ProcessGone(owner string) bool {
	host, pid, ok := OwnerProcess(owner)
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

// OwnerProcess splits a lease owner written as host:pid:suffix (see
// Process.Owner) into its host and process id. ok is false for an owner of
// any other form (a cancel's claim, a test's name): nothing can be said about
// whether it still runs.
func OwnerProcess(owner string) (host string, pid int, ok bool) {
	rest, _, found := cutLast(owner, ":")
	if !found {
		return "", 0, false
	}
	host, p, found := cutLast(rest, ":")
	if !found || host == "" {
		return "", 0, false
	}
	pid, err := strconv.Atoi(p)
	if err != nil || pid <= 0 {
		return "", 0, false
	}
	return host, pid, true
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// ClaimStale is the stale bound to pass to Claim, with the same now, to take
// over r. When r's owner is known to have stopped (gone: a killed process of
// this host), waiting for its lease to go stale would only keep the operator
// from resuming; the bound is then the age of that owner's last heartbeat, so
// that the claim succeeds at once while a process that claimed the run after
// r was read (a newer heartbeat) still keeps it.
func (r RunRecord) ClaimStale(now time.Time, stale time.Duration, gone bool) time.Duration {
	if !gone || r.Owner == "" {
		return stale
	}
	if age := now.Sub(r.Heartbeat); age > 0 && age < stale {
		return age
	}
	return stale
}

// CheckClaim decides a Claim of r by owner at now: nil when r has no owner,
// is owned by owner already, or its owner's lease is older than stale; else
// an error wrapping ErrRunActive. Every store decides with it.
func (r RunRecord) CheckClaim(owner string, now time.Time, stale time.Duration) error {
	if r.Owner == "" || r.Owner == owner || !r.Live(now, stale) {
		return nil
	}
	return fmt.Errorf("claim run %s: %w (owner %s, last heartbeat %s ago)",
		r.ID, ErrRunActive, r.Owner, now.Sub(r.Heartbeat).Round(time.Second))
}

// CheckHeartbeat decides a Heartbeat of r by owner: nil when owner holds the
// lease, else an error wrapping ErrNotOwner. Every store decides with it.
func (r RunRecord) CheckHeartbeat(owner string) error {
	if r.Owner == owner && owner != "" {
		return nil
	}
	if r.Owner == "" {
		return fmt.Errorf("heartbeat run %s: %w (it has no owner now)", r.ID, ErrNotOwner)
	}
	return fmt.Errorf("heartbeat run %s: %w (%s took it over)", r.ID, ErrNotOwner, r.Owner)
}
