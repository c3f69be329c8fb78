package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"drorch/journal"
	"drorch/lock/dynamolock"
	"drorch/sim"
)

// Two drorch serve, each with its own journal, share a lock table: a run
// one of them drives holds its databases, so the other's start on the
// same database is refused (409) naming that run, before any call and
// without journaling a run; once the first run is cancelled, its lock is
// free and the other starts.
func TestSharedLockAcrossServers(t *testing.T) {
	t.Parallel()
	sc := sim.SeedScenario()
	const table = "drorch-locks"
	for _, region := range []string{"us-east-1", "us-west-2"} {
		sc.Tables = append(sc.Tables, sim.ScenarioTable{Name: table, Region: region, PartitionKey: dynamolock.AttrID, TTLAttribute: dynamolock.AttrExpire})
	}
	s, endpoint := startSimOn(t, sc)
	a := newEnvWith(t, endpoint, envOpts{lockTable: table})
	b := newEnvWith(t, endpoint, envOpts{lockTable: table})

	held := a.startRun(gated("DBA"), "held")
	a.await(held, "waiting for its approval", func(v runView) bool { return len(v.Waiting) == 1 })

	r := b.do("POST", "/api/v1/runs", aliceToken, map[string]any{"payload": payload(t, "1-planned-switchover.json"), "runId": "refused"})
	if r.status != http.StatusConflict || !strings.Contains(string(r.body), "take the shared lock in us-west-2") ||
		!strings.Contains(string(r.body), "is held by run held@") || !strings.Contains(string(r.body), "nothing was changed") {
		t.Fatalf("start on a held database: %d %s", r.status, r.body)
	}
	for _, c := range s.MutatingCalls() {
		if c.Service != "dynamodb" {
			t.Errorf("a mutating call before the refusal: %+v", c)
		}
	}
	if recs, err := b.store.Runs(t.Context()); err != nil || len(recs) != 0 {
		t.Errorf("the refused start journaled runs %v (%v)", recs, err)
	}

	if r := a.do("POST", "/api/v1/runs/"+held+"/cancel", aliceToken, nil); r.status != http.StatusAccepted {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	a.await(held, "cancelled", func(v runView) bool { return v.Status == journal.StatusCancelled })
	id := b.startRun(payload(t, "1-planned-switchover.json"), "after")
	if v := b.await(id, "the end", func(v runView) bool { return v.Status.Terminal() }); v.Status != journal.StatusSucceeded {
		t.Errorf("the start after the cancel: %s", v.Status)
	}
}
