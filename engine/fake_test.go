package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"drorch/internal/clock"
	"drorch/resource"
)

// world is a hand-written fake of the RDS instances the test resources
// promote: PromoteReadReplica takes promoteFor on the engine's clock.
type world struct {
	clock      clock.Clock
	promoteFor time.Duration

	mu        sync.Mutex
	instances map[string]*inst // by region/id
	// failNext makes the next promote calls fail with these errors, in order;
	// applyOnFail applies the promote although the call fails (a 5xx after
	// the fact).
	failNext    []error
	applyOnFail bool
	promotes    map[string]int // applied promote calls by region/id
	attempts    int            // promote calls made, applied or not
	batchCalls  int
	directCalls int
	readErr     error // returned by every read while set
}

type inst struct {
	region, id string
	source     string
	doneAt     time.Time // zero: not promoting
	missing    bool
	stuck      bool // promotion never finishes
	rollback   bool // promotion goes back to being a replica half-way
}

func newWorld(c clock.Clock) *world {
	return &world{clock: c, promoteFor: 30 * time.Second, instances: map[string]*inst{}, promotes: map[string]int{}}
}

func (w *world) addReplica(region, id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.instances[region+"/"+id] = &inst{region: region, id: id, source: "arn:aws:rds:us-east-1:123456789012:db:" + id}
}

func (w *world) view(i *inst) *resource.DBInstance {
	d := &resource.DBInstance{ID: i.id, Region: i.region, ARN: fmt.Sprintf("arn:aws:rds:%s:123456789012:db:%s", i.region, i.id),
		Status: "available", ReplicaSource: i.source}
	if !i.doneAt.IsZero() {
		now := w.clock.Now()
		switch {
		case i.stuck:
			d.Status = "modifying"
		case i.rollback && !now.Before(i.doneAt.Add(-w.promoteFor/2)):
			i.doneAt = time.Time{}
		case now.Before(i.doneAt):
			d.Status = "modifying"
		default:
			i.source, i.doneAt = "", time.Time{}
			d.ReplicaSource = ""
		}
	}
	return d
}

func (w *world) DBInstance(_ context.Context, region, id string) (*resource.DBInstance, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.directCalls++
	if w.readErr != nil {
		return nil, w.readErr
	}
	i, ok := w.instances[region+"/"+id]
	if !ok || i.missing {
		return nil, &resource.APIError{Kind: resource.KindNotFound, Code: "DBInstanceNotFound", Region: region}
	}
	return w.view(i), nil
}

func (w *world) DBInstances(_ context.Context, region string, ids []string) ([]resource.DBInstance, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.batchCalls++
	if w.readErr != nil {
		return nil, w.readErr
	}
	var out []resource.DBInstance
	for _, id := range ids {
		if i, ok := w.instances[region+"/"+id]; ok && !i.missing {
			out = append(out, *w.view(i))
		}
	}
	return out, nil
}

func (w *world) GlobalCluster(context.Context, string, string) (*resource.GlobalCluster, error) {
	return nil, &resource.APIError{Kind: resource.KindNotFound}
}
func (w *world) DBCluster(context.Context, string, string) (*resource.DBCluster, error) {
	return nil, &resource.APIError{Kind: resource.KindNotFound}
}
func (w *world) GlobalReplicationGroup(context.Context, string, string) (*resource.GlobalReplicationGroup, error) {
	return nil, &resource.APIError{Kind: resource.KindNotFound}
}
func (w *world) GlobalClusters(context.Context, string) ([]resource.GlobalCluster, error) {
	return nil, nil
}
func (w *world) DBClusters(context.Context, string, []string) ([]resource.DBCluster, error) {
	return nil, nil
}
func (w *world) GlobalReplicationGroups(context.Context, string) ([]resource.GlobalReplicationGroup, error) {
	return nil, nil
}

func (w *world) PromoteReadReplica(_ context.Context, region, id string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.attempts++
	var err error
	if len(w.failNext) > 0 {
		err, w.failNext = w.failNext[0], w.failNext[1:]
		if !w.applyOnFail {
			return err
		}
	}
	i, ok := w.instances[region+"/"+id]
	if !ok {
		return &resource.APIError{Kind: resource.KindNotFound, Code: "DBInstanceNotFound", Region: region}
	}
	if i.source == "" || !i.doneAt.IsZero() {
		return &resource.APIError{Kind: resource.KindInvalidState, Code: "InvalidDBInstanceState", Region: region, Message: "DB Instance is not a read replica."}
	}
	i.doneAt = w.clock.Now().Add(w.promoteFor)
	w.promotes[region+"/"+id]++
	return err
}

func (w *world) CreateDBInstanceReadReplica(context.Context, string, resource.CreateReadReplicaInput) error {
	return fmt.Errorf("not used")
}
func (w *world) DeleteDBInstance(context.Context, string, string, string) error {
	return fmt.Errorf("not used")
}

func (w *world) set(region, id string, f func(*inst)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(w.instances[region+"/"+id])
}

func (w *world) stats() (attempts, batch, direct int, promotes map[string]int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := map[string]int{}
	for k, v := range w.promotes {
		p[k] = v
	}
	return w.attempts, w.batchCalls, w.directCalls, p
}

// promoteRes is a test resource type: promote one replica.
type promoteRes struct {
	region, id string
	timeout    time.Duration
}

func (p promoteRes) Goal(ctx context.Context, env *resource.Env) (resource.Verdict, error) {
	i, err := env.Read.DBInstance(ctx, p.region, p.id)
	if err != nil {
		if resource.IsKind(err, resource.KindNotFound) {
			return resource.Verdict{State: resource.Ready}, nil
		}
		return resource.Verdict{}, err
	}
	if i.Status == "available" && i.ReplicaSource == "" {
		return resource.Verdict{State: resource.Done, Reason: p.id + " is stand-alone"}, nil
	}
	return resource.Verdict{State: resource.Ready}, nil
}

func (p promoteRes) Preflight(ctx context.Context, env *resource.Env) (resource.Preflight, error) {
	v, err := p.Goal(ctx, env)
	if err != nil {
		return resource.Preflight{Blockers: []string{err.Error()}}, nil
	}
	return resource.Preflight{AlreadyDone: v.State == resource.Done, State: []string{"replica " + p.id}}, nil
}

func (p promoteRes) Steps() []resource.Step { return []resource.Step{promoteStep(p)} }
func (p promoteRes) Watch() []resource.Key {
	return []resource.Key{{Kind: resource.KeyDBInstance, Region: p.region, ID: p.id}}
}
func (p promoteRes) Locks() []string                    { return []string{"rds-instance:" + p.region + ":" + p.id} }
func (p promoteRes) Permissions() []resource.Permission { return nil }
func (p promoteRes) Timeout() time.Duration {
	if p.timeout > 0 {
		return p.timeout
	}
	return time.Hour
}
func (p promoteRes) Region() string { return p.region }

type promoteStep promoteRes

func (s promoteStep) Name() string { return "promote" }
func (s promoteStep) Calls() []resource.Call {
	return []resource.Call{{Service: "rds", Action: "PromoteReadReplica", Region: s.region, Args: map[string]string{"DBInstanceIdentifier": s.id}}}
}
func (s promoteStep) Check(ctx context.Context, env *resource.Env) (resource.Verdict, error) {
	i, err := env.Read.DBInstance(ctx, s.region, s.id)
	if err != nil {
		if resource.IsKind(err, resource.KindNotFound) {
			return resource.Verdict{State: resource.Blocked, Reason: "no instance " + s.id + " in " + s.region}, nil
		}
		return resource.Verdict{}, err
	}
	switch {
	case i.Status == "available" && i.ReplicaSource == "":
		return resource.Verdict{State: resource.Done, Reason: s.id + " is stand-alone and available"}, nil
	case i.Status == "available":
		return resource.Verdict{State: resource.Ready, Reason: s.id + " replicates from " + i.ReplicaSource}, nil
	default:
		return resource.Verdict{State: resource.InProgress, Reason: s.id + " is " + i.Status}, nil
	}
}
func (s promoteStep) Do(ctx context.Context, env *resource.Env) error {
	return env.Instances.PromoteReadReplica(ctx, s.region, s.id)
}
