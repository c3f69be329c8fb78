package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"drorch/internal/awstest"
	"drorch/internal/clock"
	"drorch/manifest"
	"drorch/ref"
	"drorch/resource"
	"drorch/resource/all"
)

// The original framework's waits (../shared/reference/seed-behaviour.md):
// a fixed sleep after the Aurora and RDS failover calls, then one describe
// call per resource at a fixed interval until the status reads `available`.
const (
	origSettle     = 60 * time.Second  // after a switchover, detach or promotion
	origSettleBack = 15 * time.Second  // the failback's, after its detach and its global-cluster delete
	origPollFast   = 15 * time.Second  // switchover, detach, promote, ElastiCache
	origPollCreate = 30 * time.Second  // the new secondary's instance
	origPollSlow   = 120 * time.Second // deletes, the new read replica
)

// originalRunner runs payloads with the original framework's strategy: the
// mutating calls the original makes, each followed by the original's fixed
// sleep and its status polling, one describe call per resource per poll,
// and the exports listed again (every page) for every resource. It exists
// to measure that strategy on the same worlds as drorch; it is not a port
// of the original's code.
//
// The original makes PlannedFailoverAurora with FailoverGlobalCluster
// without AllowDataLoss (seed-behaviour.md), from the region it runs in:
// AWS runs it as a switchover and documents no region for it, so it is
// accepted there (docs/aws-global-operations.md), where drorch makes
// SwitchoverGlobalCluster in the current writer's region.
type originalRunner struct {
	w *world
	// limit bounds each wait loop (the original's have none), so that a
	// stuck benchmark fails instead of hanging.
	limit time.Duration
	// fns are the deployed original's Lambdas, 5 invocations of each at
	// once (origLambdas); nil until a run starts.
	fns *lambdas
}

// run runs one payload in region: layers in order, the resources of a
// layer concurrently, as the original's Step Functions Maps do.
func (o *originalRunner) run(ctx context.Context, runID, region string, payload []byte) (runTrace, error) {
	wallStart := time.Now()
	start := o.w.sim.Now()
	p, problems := manifest.Load(payload, all.Registry())
	if len(problems) > 0 {
		return runTrace{}, fmt.Errorf("decode %s: %w", runID, problems)
	}
	cl, err := o.w.clientsAt(ctx, region, -1) // the original has no request budget
	if err != nil {
		return runTrace{}, err
	}
	o.fns = newLambdas()
	var out []resTrace
	for li, l := range p.Ordered() {
		traces := make([]resTrace, len(l.Resources))
		errs := make([]error, len(l.Resources))
		var wg sync.WaitGroup
		mapSlots := make(chan struct{}, origMapConcurrency)
		for ri, r := range l.Resources {
			wg.Go(func() {
				mapSlots <- struct{}{} // the layer's inline Map
				defer func() { <-mapSlots }()
				x := &origResource{o: o, cl: cl, region: region, typ: r.Type, t: resTrace{Layer: li, Name: r.Name, Start: o.w.sim.Now()}}
				errs[ri] = x.run(ctx, r)
				x.t.End = o.w.sim.Now()
				x.t.Marks = append(x.t.Marks, x.t.End)
				traces[ri] = x.t
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return runTrace{}, fmt.Errorf("run %s, layer %d: %w", runID, l.Number, err)
		}
		out = append(out, traces...)
	}
	return runTrace{Label: runID, Start: start, End: o.w.sim.Now(), Resources: out, Wall: time.Since(wallStart)}, nil
}

// origResource is one resource run the original's way.
type origResource struct {
	o      *originalRunner
	cl     awstest.API
	region string // where the run runs (the original's Lambda region)
	typ    string // the resource type: its Lambda
	t      resTrace
}

func (x *origResource) now() time.Time { return x.o.w.sim.Now() }

func (x *origResource) sleep(ctx context.Context, d time.Duration) error {
	return clock.Sleep(ctx, x.o.w.clock(), d)
}

func (x *origResource) run(ctx context.Context, r manifest.Resource) error {
	p, err := x.resolve(ctx, r)
	if err != nil {
		return err
	}
	switch r.Type {
	case "PlannedFailoverAurora":
		return x.planned(ctx, p)
	case "UnPlannedFailoverAurora":
		return x.unplanned(ctx, p)
	case "PromoteRDSReadReplica":
		return x.promote(ctx, p)
	case "FailoverElastiCacheCluster":
		return x.elastiCache(ctx, p)
	case "CreateAuroraSecondaryDBCluster":
		return x.secondary(ctx, p)
	}
	return fmt.Errorf("%s: the original's strategy for %s is not modelled here", r.Name, r.Type)
}

// resolve resolves one resource's references with a resolver of its own,
// so that the exports are listed again, every page, as the original does
// for every resource.
func (x *origResource) resolve(ctx context.Context, r manifest.Resource) (resource.Params, error) {
	one := &manifest.Payload{Layers: []manifest.Layer{{Number: 1, Resources: []manifest.Resource{r}}}}
	res, problems, err := (&ref.Resolver{Exports: x.cl.Refs(), Parameters: x.cl.Refs(), Region: x.region}).Resolve(ctx, one, all.Registry())
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", r.Name, err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("resolve %s: %w", r.Name, problems)
	}
	return resource.Params(res.Layers[0].Resources[0].Params), nil
}

// call makes one mutating call, then sleeps the original's fixed 60 s.
func (x *origResource) call(ctx context.Context, action, region string, ids []string, do func(context.Context) error) error {
	return x.callThen(ctx, origSettle, action, region, ids, do)
}

// callThen makes one mutating call in the resource type's Lambda, which
// then sleeps settle before it returns (and frees its slot).
func (x *origResource) callThen(ctx context.Context, settle time.Duration, action, region string, ids []string, do func(context.Context) error) error {
	return x.o.fns.run(ctx, x.typ, func() error {
		at := x.now()
		x.t.Calls = append(x.t.Calls, callRec{Action: action, Region: region, IDs: ids, At: at})
		x.t.Marks = append(x.t.Marks, at)
		if err := do(ctx); err != nil {
			return fmt.Errorf("%s %s in %s: %w", action, ids[0], region, err)
		}
		return x.sleep(ctx, settle)
	})
}

// poll checks done at once, then every interval, until it holds; the
// moment it holds is when the original moves on.
func (x *origResource) poll(ctx context.Context, every time.Duration, what string, done func(context.Context) (bool, error)) error {
	deadline := x.now().Add(x.o.limit)
	for {
		var ok bool
		err := x.o.fns.run(ctx, x.typ+" check", func() (err error) {
			ok, err = done(ctx)
			return err
		})
		if err != nil {
			return fmt.Errorf("wait for %s: %w", what, err)
		}
		if ok {
			x.t.Marks = append(x.t.Marks, x.now())
			return nil
		}
		if x.now().After(deadline) {
			return fmt.Errorf("wait for %s: not done after %s", what, x.o.limit)
		}
		if err := x.sleep(ctx, every); err != nil {
			return err
		}
	}
}

// clusterAvailable is the original's completion check for Aurora: the
// cluster's own status, which a switchover never changes.
func (x *origResource) clusterAvailable(region, idOrARN string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		c, err := x.cl.DBCluster(ctx, region, idOrARN)
		if err != nil {
			return false, err
		}
		return c.Status == "available", nil
	}
}

func (x *origResource) instanceAvailable(region, id string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		in, err := x.cl.DBInstance(ctx, region, id)
		if err != nil {
			return false, err
		}
		return in.Status == "available", nil
	}
}

func (x *origResource) planned(ctx context.Context, p resource.Params) error {
	global, target, region := p.String("GlobalClusterIdentifier"), p.String("DBClusterIdentifier"), x.region
	err := x.call(ctx, "FailoverGlobalCluster", region, []string{global, target}, func(ctx context.Context) error {
		return x.cl.Exec(ctx, "rds", "FailoverGlobalCluster", region, "GlobalClusterIdentifier", global, "TargetDbClusterIdentifier", target)
	})
	if err != nil {
		return err
	}
	// The target cluster is described in its own region.
	return x.poll(ctx, origPollFast, "cluster "+target, x.clusterAvailable(arnRegion(target), target))
}

func (x *origResource) unplanned(ctx context.Context, p resource.Params) error {
	global, target, region := p.String("GlobalClusterIdentifier"), p.String("DBClusterIdentifier"), p.String("ClusterRegion")
	if region != x.region {
		return fmt.Errorf("detach %s: ClusterRegion %s is not the run's region %s (the original refuses)", target, region, x.region)
	}
	err := x.call(ctx, "RemoveFromGlobalCluster", region, []string{global, target}, func(ctx context.Context) error {
		return x.cl.RemoveFromGlobalCluster(ctx, region, global, target)
	})
	if err != nil {
		return err
	}
	return x.poll(ctx, origPollFast, "cluster "+target, x.clusterAvailable(region, target))
}

func (x *origResource) promote(ctx context.Context, p resource.Params) error {
	id, region := p.String("RDSInstanceIdentifier"), x.region
	err := x.call(ctx, "PromoteReadReplica", region, []string{id}, func(ctx context.Context) error {
		return x.cl.PromoteReadReplica(ctx, region, id)
	})
	if err != nil {
		return err
	}
	return x.poll(ctx, origPollFast, "instance "+id, x.instanceAvailable(region, id))
}

func (x *origResource) elastiCache(ctx context.Context, p resource.Params) error {
	global, region, group := p.String("GlobalReplicationGroupId"), p.String("TargetRegion"), p.String("TargetReplicationGroupId")
	// The original's ElastiCache Lambda does not sleep after its call.
	err := x.callThen(ctx, 0, "FailoverGlobalReplicationGroup", region, []string{global, group}, func(ctx context.Context) error {
		return x.cl.FailoverGlobalReplicationGroup(ctx, region, global, region, group)
	})
	if err != nil {
		return err
	}
	return x.poll(ctx, origPollFast, "global datastore "+global, func(ctx context.Context) (bool, error) {
		g, err := x.cl.GlobalReplicationGroup(ctx, region, global)
		if err != nil {
			return false, err
		}
		return g.Status == "available", nil
	})
}

func arnRegion(arn string) string {
	a, err := manifest.ParseARN(arn)
	if err != nil {
		return ""
	}
	return a.Region
}
