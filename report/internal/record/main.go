// Command record makes the journals that the report package's golden
// tests are built from, with real runs of drorch against its simulator:
//
//	go run ./report/internal/record            # from the repository root
//
// It builds drorch, runs `drorch demo` (simulated AWS time, so recovery
// times read as they would against AWS) and keeps three of its runs, then
// runs a two-layer failover payload against an in-process simulator with
// scripted faults (wall-clock time, the simulator sped up): a failure, a
// cancel, a run killed half-way (unfinished) and its resume, and an
// unplanned failover that journals its writes at risk. Each run's
// events are written as JSON to report/testdata/journals/NAME.json. Review
// the diff, then regenerate the golden files (DRORCH_UPDATE_GOLDEN=1 go
// test ./report).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"syscall"
	"time"

	"drorch/journal"
	"drorch/journal/sqlitestore"
	"drorch/sim"
)

// failover is two layers: RDS and ElastiCache fail over first, then the
// Aurora global database (both recoveries).
const failover = `{"StatePayload": [
  {"layer": 1, "resources": [
    {"resourceType": "PromoteRDSReadReplica", "resourceName": "Promote RDS for MySQL Read Replica",
     "parameters": {"RDSInstanceIdentifier": "!Import rds-mysql-instance-identifier",
                    "TargetClusterIdentifier": "!Import rds-mysql-instance-global-arn"}},
    {"resourceType": "FailoverElastiCacheCluster", "resourceName": "Failover ElastiCache Cluster",
     "parameters": {"GlobalReplicationGroupId": "!Import demo-redis-cluster-global-replication-group-id",
                    "TargetRegion": "!Import demo-redis-cluster-target-region",
                    "TargetReplicationGroupId": "!Import demo-redis-cluster-target-replication-group-id"}}]},
  {"layer": 2, "resources": [
    {"resourceType": "UnPlannedFailoverAurora", "resourceName": "Unplanned failover of the Aurora MySQL global database",
     "parameters": {"GlobalClusterIdentifier": "!Import dr-globaldb-cluster-mysql-global-identifier",
                    "DBClusterIdentifier": "!Import dr-globaldb-cluster-mysql-cluster-identifier",
                    "ClusterRegion": "!Import dr-globaldb-cluster-mysql-cluster-region"}}]}]}
`

func main() {
	if err := record(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		os.Exit(1)
	}
}

type recorder struct {
	bin, dir, out string
}

func record(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "drorch-record-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	r := &recorder{bin: filepath.Join(dir, "drorch"), dir: dir, out: filepath.Join("report", "testdata", "journals")}
	if b, err := exec.Command("go", "build", "-o", r.bin, "./cmd/drorch").CombinedOutput(); err != nil {
		return fmt.Errorf("build drorch: %v\n%s", err, b)
	}
	if err := r.demo(ctx); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "failover.json"), []byte(failover), 0o600); err != nil {
		return err
	}
	for _, f := range []func(context.Context) error{r.failed, r.cancelled, r.killedAndResumed, r.unplannedRPO} {
		if err := f(ctx); err != nil {
			return err
		}
	}
	return nil
}

// demo keeps three runs of drorch demo: the RDS and ElastiCache failover
// (two recoveries in one layer), the failback that rebuilds the Aurora
// secondary (a rebuild: a duration, no RTO), and the last switchover run
// again (already done).
func (r *recorder) demo(ctx context.Context) error {
	state := filepath.Join(r.dir, "demo.db")
	cmd := exec.CommandContext(ctx, r.bin, "demo", "--speed", "300", "--state", state)
	cmd.Env = r.env()
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("drorch demo: %v\n%s", err, b)
	}
	store, err := sqlitestore.Open(ctx, state, sqlitestore.MustExist)
	if err != nil {
		return err
	}
	defer store.Close()
	recs, err := store.Runs(ctx)
	if err != nil {
		return err
	}
	slices.Reverse(recs) // oldest first: the demo's order
	if len(recs) != 7 {
		return fmt.Errorf("drorch demo made %d runs, want 7", len(recs))
	}
	for name, i := range map[string]int{"failover-succeeded": 3, "failback-rebuild": 4, "already-done": 6} {
		if err := r.save(ctx, store, recs[i].ID, name); err != nil {
			return err
		}
	}
	return nil
}

// failed: the RDS promotion is rolled back half-way, so layer 1 fails and
// layer 2 is never reached.
func (r *recorder) failed(ctx context.Context) error {
	_, url, stop, err := startSim(sim.Fault{Kind: sim.FaultHalfway, Region: "us-west-2", Action: "PromoteReadReplica"})
	if err != nil {
		return err
	}
	defer stop()
	state := filepath.Join(r.dir, "failed.db")
	out, err := r.drorch(ctx, url, state, "run", "--yes", "--region", "us-west-2", "--poll-interval", "50ms", "--poll-max", "500ms", "failover.json")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		return fmt.Errorf("the failed run: want exit 1, got %v\n%s", err, out)
	}
	return r.saveOnly(ctx, state, out, "failed")
}

// cancelled: drorch cancel while layer 1's operations are under way.
func (r *recorder) cancelled(ctx context.Context) error {
	_, url, stop, err := startSim()
	if err != nil {
		return err
	}
	defer stop()
	state := filepath.Join(r.dir, "cancelled.db")
	p, id, err := r.startRun(ctx, url, state)
	if err != nil {
		return err
	}
	if err := waitForCalls(ctx, state, id, 2); err != nil {
		return err
	}
	if out, err := r.drorch(ctx, url, state, "cancel", id); err != nil {
		return fmt.Errorf("drorch cancel: %v\n%s", err, out)
	}
	_ = p.Wait()
	return r.saveID(ctx, state, id, "cancelled")
}

// killedAndResumed: drorch is SIGKILLed while layer 1 runs (unfinished,
// interrupted), then resumed to the end.
func (r *recorder) killedAndResumed(ctx context.Context) error {
	_, url, stop, err := startSim()
	if err != nil {
		return err
	}
	defer stop()
	state := filepath.Join(r.dir, "killed.db")
	p, id, err := r.startRun(ctx, url, state)
	if err != nil {
		return err
	}
	if err := waitForCalls(ctx, state, id, 2); err != nil {
		return err
	}
	_ = p.Process.Signal(syscall.SIGKILL)
	_ = p.Wait()
	if err := r.saveID(ctx, state, id, "interrupted"); err != nil {
		return err
	}
	if out, err := r.drorch(ctx, url, state, "resume", "--poll-interval", "50ms", "--poll-max", "500ms", id); err != nil {
		return fmt.Errorf("drorch resume: %v\n%s", err, out)
	}
	return r.saveID(ctx, state, id, "resumed")
}

// unplannedRPO: the unplanned failover of the Aurora global database under
// --max-rpo, which journals the writes at risk its plan measured.
func (r *recorder) unplannedRPO(ctx context.Context) error {
	_, url, stop, err := startSim()
	if err != nil {
		return err
	}
	defer stop()
	payload := `{"StatePayload": [{"layer": 1, "resources": [
  {"resourceType": "UnPlannedFailoverAurora", "resourceName": "Unplanned failover of the Aurora MySQL global database",
   "parameters": {"GlobalClusterIdentifier": "!Import dr-globaldb-cluster-mysql-global-identifier",
                  "DBClusterIdentifier": "!Import dr-globaldb-cluster-mysql-cluster-identifier",
                  "ClusterRegion": "!Import dr-globaldb-cluster-mysql-cluster-region"}}]}]}
`
	if err := os.WriteFile(filepath.Join(r.dir, "unplanned.json"), []byte(payload), 0o600); err != nil {
		return err
	}
	state := filepath.Join(r.dir, "unplanned.db")
	out, err := r.drorch(ctx, url, state, "run", "--yes", "--region", "us-west-2", "--max-rpo", "1m", "--poll-interval", "50ms", "--poll-max", "500ms", "unplanned.json")
	if err != nil {
		return fmt.Errorf("the unplanned run: %v\n%s", err, out)
	}
	return r.saveOnly(ctx, state, out, "unplanned-rpo")
}

var runIDLine = regexp.MustCompile(`(?m)^run (\S+): journal `)

func (r *recorder) startRun(ctx context.Context, url, state string) (*exec.Cmd, string, error) {
	cmd := exec.CommandContext(ctx, r.bin, "run", "--yes", "--region", "us-west-2", "--poll-interval", "50ms", "--poll-max", "500ms",
		"--endpoint-url", url, "--state", state, "failover.json")
	cmd.Dir, cmd.Env = r.dir, r.env()
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := runIDLine.FindStringSubmatch(stderr.String()); m != nil {
			return cmd, m[1], nil
		}
	}
	_ = cmd.Process.Kill()
	return nil, "", fmt.Errorf("no run id from drorch run:\n%s", stderr.String())
}

// waitForCalls waits until the run has journaled n issued calls.
func waitForCalls(ctx context.Context, state, id string, n int) error {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		evs, err := events(ctx, state, id)
		if err != nil {
			continue
		}
		issued := 0
		for _, ev := range evs {
			if ev.Kind == journal.CallIssued {
				issued++
			}
		}
		if issued >= n {
			return nil
		}
	}
	return fmt.Errorf("run %s: no %d issued calls in time", id, n)
}

func events(ctx context.Context, state, id string) ([]journal.Event, error) {
	store, err := sqlitestore.Open(ctx, state, sqlitestore.MustExist)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	return store.Events(ctx, id, 0)
}

func (r *recorder) drorch(ctx context.Context, url, state string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, r.bin, append(args, "--endpoint-url", url, "--state", state)...)
	cmd.Dir, cmd.Env = r.dir, r.env()
	b, err := cmd.CombinedOutput()
	return string(b), err
}

func (r *recorder) env() []string {
	return []string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_CONFIG_FILE=" + os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull, "AWS_EC2_METADATA_DISABLED=true", "HOME=" + r.dir,
		"PATH=" + os.Getenv("PATH"), "USER=" + os.Getenv("USER")}
}

func (r *recorder) saveOnly(ctx context.Context, state, out, name string) error {
	m := runIDLine.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("%s: no run id in\n%s", name, out)
	}
	return r.saveID(ctx, state, m[1], name)
}

func (r *recorder) saveID(ctx context.Context, state, id, name string) error {
	store, err := sqlitestore.Open(ctx, state, sqlitestore.MustExist)
	if err != nil {
		return err
	}
	defer store.Close()
	return r.save(ctx, store, id, name)
}

func (r *recorder) save(ctx context.Context, store journal.Store, id, name string) error {
	evs, err := store.Events(ctx, id, 0)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	b, err := json.MarshalIndent(evs, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(r.out, name+".json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: run %s, %d events\n", path, id, len(evs))
	return nil
}

// startSim serves a seed-scenario simulator at 20x speed on loopback.
func startSim(faults ...sim.Fault) (*sim.Sim, string, func(), error) {
	s, err := sim.New(sim.Config{Speed: 20})
	if err != nil {
		return nil, "", nil, err
	}
	for _, f := range faults {
		if _, err := s.SetFault(f); err != nil {
			s.Close()
			return nil, "", nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return nil, "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	return s, "http://" + ln.Addr().String(), func() { s.Close(); cancel(); <-served }, nil
}

// lockedBuffer is a bytes.Buffer that a process writes while we read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
