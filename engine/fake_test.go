package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"drorch/cloud"
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

func (w *world) view(i *inst) *cloud.DBInstance {
	d := &cloud.DBInstance{ID: i.id, Region: i.region, ARN: fmt.Sprintf("arn:aws:rds:%s:123456789012:db:%s", i.region, i.id),
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

// Read serves cloud.Reader: the instances; no other kind exists here.
func (w *world) Read(_ context.Context, k cloud.Key) (any, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.directCalls++
	if w.readErr != nil {
		return nil, w.readErr
	}
	i, ok := w.instances[k.Region+"/"+k.ID]
	if k.Kind != cloud.DBInstances.Name || !ok || i.missing {
		return nil, &cloud.APIError{Kind: cloud.KindNotFound, Code: "DBInstanceNotFound", Region: k.Region}
	}
	return w.view(i), nil
}

// ReadBatch serves cloud.BatchReader with one call per kind and region.
func (w *world) ReadBatch(_ context.Context, kind cloud.Kind, region string, ids []string) (map[string]any, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.batchCalls++
	if w.readErr != nil {
		return nil, w.readErr
	}
	out := map[string]any{}
	for _, id := range ids {
		if i, ok := w.instances[region+"/"+id]; ok && !i.missing && kind == cloud.DBInstances.Name {
			out[id] = w.view(i)
		}
	}
	return out, nil
}

// Caller serves cloud.Identity.
func (w *world) Caller(context.Context, string) (cloud.Caller, error) {
	return cloud.Caller{Account: "123456789012", Partition: "aws"}, nil
}

// Execute serves cloud.Executor: only PromoteReadReplica exists here.
func (w *world) Execute(_ context.Context, c cloud.Call) (cloud.Result, error) {
	if c.Action != "PromoteReadReplica" {
		return cloud.Result{}, fmt.Errorf("not used: %s", c.Action)
	}
	region, id := c.Region, c.Args["DBInstanceIdentifier"]
	w.mu.Lock()
	defer w.mu.Unlock()
	w.attempts++
	var err error
	if len(w.failNext) > 0 {
		err, w.failNext = w.failNext[0], w.failNext[1:]
		if !w.applyOnFail {
			return cloud.Result{}, err
		}
	}
	i, ok := w.instances[region+"/"+id]
	if !ok {
		return cloud.Result{}, &cloud.APIError{Kind: cloud.KindNotFound, Code: "DBInstanceNotFound", Region: region}
	}
	if i.source == "" || !i.doneAt.IsZero() {
		return cloud.Result{}, &cloud.APIError{Kind: cloud.KindInvalidState, Code: "InvalidDBInstanceState", Region: region, Message: "DB Instance is not a read replica."}
	}
	i.doneAt = w.clock.Now().Add(w.promoteFor)
	w.promotes[region+"/"+id]++
	return cloud.Result{RequestID: fmt.Sprintf("req-%d", w.attempts)}, err
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

func (p promoteRes) Goal(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	i, err := cloud.DBInstances.Get(ctx, v.Read, p.region, p.id)
	if err != nil {
		if cloud.IsKind(err, cloud.KindNotFound) {
			return resource.Verdict{State: resource.Ready}, nil
		}
		return resource.Verdict{}, err
	}
	if i.Status == "available" && i.ReplicaSource == "" {
		return resource.Verdict{State: resource.Done, Reason: p.id + " is stand-alone"}, nil
	}
	return resource.Verdict{State: resource.Ready}, nil
}

func (p promoteRes) Preflight(ctx context.Context, v *resource.View) (resource.Preflight, error) {
	g, err := p.Goal(ctx, v)
	if err != nil {
		return resource.Preflight{Blockers: []string{err.Error()}}, nil
	}
	return resource.Preflight{AlreadyDone: g.State == resource.Done, State: []string{"replica " + p.id}}, nil
}

func (p promoteRes) Steps() []resource.Step { return []resource.Step{promoteStep(p)} }
func (p promoteRes) Watch() []cloud.Key {
	return []cloud.Key{cloud.DBInstances.Key(p.region, p.id)}
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
func (s promoteStep) Calls(context.Context, *resource.View) ([]cloud.Call, error) {
	return []cloud.Call{cloud.NewCall("rds", "PromoteReadReplica", s.region, "DBInstanceIdentifier", s.id)}, nil
}
func (s promoteStep) Check(ctx context.Context, v *resource.View) (resource.Verdict, error) {
	i, err := cloud.DBInstances.Get(ctx, v.Read, s.region, s.id)
	if err != nil {
		if cloud.IsKind(err, cloud.KindNotFound) {
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
