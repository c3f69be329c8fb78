package awsapi_test

import (
	"context"
	"sync"
	"testing"

	"drorch/awsapi"
	"drorch/cloud"
)

// Config.OnCall sees every call once it returned: reads and writes, with
// their service, action, region and classified error.
func TestOnCall(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []awsapi.CallInfo
	)
	env := newSim(t, nil, func(c *awsapi.Config) {
		c.OnCall = func(ci awsapi.CallInfo) { mu.Lock(); seen = append(seen, ci); mu.Unlock() }
	})
	ctx := context.Background()
	if _, err := cloud.GlobalClusters.Get(ctx, env.c.Reads(), "us-east-1", "dr-globaldb-cluster-mysql"); err != nil {
		t.Fatal(err)
	}
	_, err := cloud.GlobalClusters.Get(ctx, env.c.Reads(), "us-east-1", "no-such-cluster")
	wantKind(t, err, cloud.KindNotFound, "")
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("OnCall saw %d calls, want 2: %+v", len(seen), seen)
	}
	for i, ci := range seen {
		if ci.Service != "rds" || ci.Action != "DescribeGlobalClusters" || ci.Region != "us-east-1" || ci.Duration <= 0 {
			t.Errorf("call %d: %+v", i, ci)
		}
	}
	if seen[0].Err != nil || !cloud.IsKind(seen[1].Err, cloud.KindNotFound) {
		t.Errorf("errors: %v, %v", seen[0].Err, seen[1].Err)
	}
}
