package awsapi_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"

	"drorch/cloud"
	"drorch/ref"
	"drorch/sim"
)

// TestSimSeedReads: every read of the seed scenario (world.md), through the
// real SDK, as drorch's domain types (golden files under testdata/seed/).
func TestSimSeedReads(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil, nil)
	ctx := context.Background()

	for _, region := range []string{east, west} {
		gc := res(e.c.GlobalCluster(ctx, region, "dr-globaldb-cluster-mysql")).must(t)
		golden(t, "seed/global-cluster", gc)

		gcs := res(batch(ctx, e.c, cloud.GlobalClusters, region, "dr-globaldb-cluster-mysql", "no-such-global-cluster")).must(t)
		if len(gcs) != 1 || gcs[0].ID != gc.ID {
			t.Errorf("global clusters read in %s = %+v", region, gcs)
		}

		grg := res(e.c.GlobalReplicationGroup(ctx, region, "ldgnf-demo-redis-global-datastore")).must(t)
		golden(t, "seed/global-replication-group", grg)
		grgs := res(batch(ctx, e.c, cloud.GlobalReplicationGroups, region, "ldgnf-demo-redis-global-datastore", "no-such-datastore")).must(t)
		if len(grgs) != 1 || grgs[0].ID != grg.ID || len(grgs[0].Members) != 2 {
			t.Errorf("global datastores read in %s = %+v", region, grgs)
		}
	}

	clusters := map[string]*cloud.DBCluster{
		east: res(e.c.DBCluster(ctx, east, "dbcluster-01")).must(t),
		west: res(e.c.DBCluster(ctx, west, clusterARN(west, "dbcluster-02"))).must(t),
	}
	golden(t, "seed/db-clusters", clusters)

	instances := map[string]*cloud.DBInstance{}
	for region, ids := range map[string][]string{
		east: {"dbcluster-01-use1-instance-1", "rds-mysql-instance"},
		west: {"dbcluster-02-usw2-instance-2", dbARN(west, "rds-mysql-instance")},
	} {
		for _, id := range ids {
			instances[region+"/"+id] = res(e.c.DBInstance(ctx, region, id)).must(t)
		}
	}
	golden(t, "seed/db-instances", instances)

	exports := map[string][]ref.Export{}
	for _, region := range []string{east, west} {
		page, next := mustPage(t, e.c, region, "")
		if next != "" {
			t.Errorf("seed exports of %s need more than one page", region)
		}
		sort.Slice(page, func(i, j int) bool { return page[i].Name < page[j].Name })
		exports[region] = page
	}
	golden(t, "seed/exports", exports)

	p := res(e.c.GetParameter(ctx, west, "/dr-orchestrator/demo/global-cluster-id", true)).must(t)
	if p != (ref.Parameter{Name: "/dr-orchestrator/demo/global-cluster-id", Type: "String", Value: "dr-globaldb-cluster-mysql", Version: 1}) {
		t.Errorf("String parameter = %+v", p)
	}
	p = res(e.c.GetParameter(ctx, west, "/dr-orchestrator/demo/global-cluster-id:1", false)).must(t)
	if p.Value != "dr-globaldb-cluster-mysql" || p.Version != 1 {
		t.Errorf("String parameter, version 1 = %+v", p)
	}
	s := res(e.c.GetParameter(ctx, east, "/dr-orchestrator/demo/db-password", true)).must(t)
	if s.Type != "SecureString" || s.Value != "s3cr3t-demo-password" {
		t.Errorf("decrypted SecureString: type %q, right value %v", s.Type, s.Value == "s3cr3t-demo-password")
	}
	enc := res(e.c.GetParameter(ctx, east, "/dr-orchestrator/demo/db-password", false)).must(t)
	if enc.Type != "SecureString" || enc.Value == "s3cr3t-demo-password" || enc.Value == "" {
		t.Errorf("SecureString without decryption must come back encrypted, not plain or empty")
	}

	if id := res(e.c.AccountID(ctx, west)).must(t); id != acct {
		t.Errorf("account = %q", id)
	}
	if id := res(e.c.AccountID(ctx, east)).must(t); id != acct {
		t.Errorf("account = %q", id)
	}
	if n := e.sim.CallCount(west, "sts", "GetCallerIdentity") + e.sim.CallCount(east, "sts", "GetCallerIdentity"); n != 1 {
		t.Errorf("GetCallerIdentity made %d times, want once per process", n)
	}
}

// TestSimBatchReads: several ids (and ARNs) per call, 100 filter values a
// call, every page; ids that match nothing are simply absent.
func TestSimBatchReads(t *testing.T) {
	t.Parallel()
	sc := sim.NewScenario("batch", east, west)
	var ids, globals []string
	for i := 0; i < 130; i++ {
		id := fmt.Sprintf("app-%03d", i)
		sc.AddAuroraGlobal(id, east, west)
		ids = append(ids, id+"-"+west)
		globals = append(globals, id)
	}
	sc.Exports[west] = map[string]string{}
	for i := 0; i < 250; i++ {
		sc.Exports[west][fmt.Sprintf("export-%03d", i)] = fmt.Sprintf("value-%03d", i)
	}
	e := newSim(t, sc, nil)
	ctx := context.Background()

	// Mix ids and an ARN, plus one that does not exist.
	ids[5] = clusterARN(west, ids[5])
	ids = append(ids, "no-such-cluster")
	cls := res(batch(ctx, e.c, cloud.DBClusters, west, ids...)).must(t)
	if len(cls) != 130 {
		t.Errorf("DBClusters: %d clusters, want 130", len(cls))
	}
	if n := e.sim.CallCount(west, "rds", "DescribeDBClusters"); n != 2 {
		t.Errorf("DBClusters made %d calls for 131 ids, want 2", n)
	}
	for _, c := range cls {
		if c.Region != west || c.GlobalClusterID == "" || len(c.Members) != 1 {
			t.Errorf("cluster %+v", c)
			break
		}
	}

	var instIDs []string
	for i := 0; i < 130; i++ {
		instIDs = append(instIDs, fmt.Sprintf("app-%03d-%s-1", i, east))
	}
	ins := res(batch(ctx, e.c, cloud.DBInstances, east, instIDs...)).must(t)
	if len(ins) != 130 || ins[0].ClusterID == "" {
		t.Errorf("DBInstances: %d instances, first %+v", len(ins), ins[0])
	}
	// Ids read along fill the room the last filter leaves: 130 ids are
	// 100 + 30 values, so 70 of 80 new ids along ride in the same two calls
	// (known then, found or not), and the last 10 are not read.
	var along []string
	for i := 120; i < 210; i++ {
		along = append(along, fmt.Sprintf("app-%03d-%s-1", i, east)) // the first 10 repeat ids
	}
	before := e.sim.CallCount(east, "rds", "DescribeDBInstances")
	found, read, err := e.c.Reads().ReadAlong(ctx, cloud.DBInstances.Name, east, instIDs, along)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.sim.CallCount(east, "rds", "DescribeDBInstances") - before; n != 2 || len(read) != 70 || len(found) != 130 ||
		read[0] != along[10] || read[69] != along[79] {
		t.Errorf("130 ids and 80 along: %d calls, %d found, %d along read (%v...), want 2, 130 and 70 from %s", n, len(found), len(read), read[:min(len(read), 2)], along[10])
	}

	gcs := res(batch(ctx, e.c, cloud.GlobalClusters, west, globals...)).must(t)
	if len(gcs) != 130 {
		t.Errorf("global clusters: %d, want 130 over every page", len(gcs))
	}
	if n := e.sim.CallCount(west, "rds", "DescribeGlobalClusters"); n != 2 {
		t.Errorf("130 global clusters read in %d call(s), want the 2 pages of the listing", n)
	}
	// Once the listing is known to take 2 pages, one global cluster is
	// described by id (1 call) and three are listed (2 calls).
	res(batch(ctx, e.c, cloud.GlobalClusters, west, globals[0])).must(t)
	if n := e.sim.CallCount(west, "rds", "DescribeGlobalClusters"); n != 3 {
		t.Errorf("one global cluster cost %d call(s), want 1", n-2)
	}
	// Three of the last page are listed: both pages; the next listing of
	// them starts at the page where they were found. Three of the first
	// page then: that page does not have them, the listing is read again
	// from the start, which has them (no third page: it stops there).
	calls := func() int { return e.sim.CallCount(west, "rds", "DescribeGlobalClusters") }
	for _, step := range []struct {
		name  string
		ids   []string
		calls int
	}{
		{"three of the last page", globals[len(globals)-3:], 2},
		{"the same three again, from their page", globals[len(globals)-3:], 1},
		{"three of the first page, after a futile look at the second", globals[:3], 2},
		{"the same three again, from the first page", globals[:3], 1},
	} {
		before := calls()
		gcs = res(batch(ctx, e.c, cloud.GlobalClusters, west, step.ids...)).must(t)
		if n := calls() - before; n != step.calls || len(gcs) != 3 {
			t.Errorf("%s: %d found in %d call(s), want 3 in %d", step.name, len(gcs), n, step.calls)
		}
	}

	seen := map[string]bool{}
	token, pagesRead := "", 0
	for {
		page, next := mustPage(t, e.c, west, token)
		pagesRead++
		for _, x := range page {
			seen[x.Name] = true
		}
		if next == "" {
			break
		}
		token = next
	}
	if len(seen) != 250 || pagesRead != 3 {
		t.Errorf("ListExports: %d exports in %d pages, want 250 in 3", len(seen), pagesRead)
	}
}

// TestSimAccountIDOnce: concurrent callers share one STS call; a caller
// that gives up while waiting is released with its own context's error.
func TestSimAccountIDOnce(t *testing.T) {
	t.Parallel()
	e := newSim(t, nil, nil)
	var wg sync.WaitGroup
	ids := make([]string, 20)
	errs := make([]error, 20)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ids[i], errs[i] = e.c.AccountID(context.Background(), []string{east, west}[i%2])
		}(i)
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != acct {
			t.Fatalf("caller %d: %q, %v", i, ids[i], errs[i])
		}
	}
	if n := e.sim.CallCount(east, "sts", "GetCallerIdentity") + e.sim.CallCount(west, "sts", "GetCallerIdentity"); n != 1 {
		t.Errorf("%d STS calls for 20 concurrent callers, want 1", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.c.AccountID(ctx, west); err != nil {
		t.Errorf("a known account id needs no call, even cancelled: %v", err)
	}
}
