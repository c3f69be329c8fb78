package bench

import (
	"encoding/json"
	"fmt"
	"time"

	"drorch/manifest"
	"drorch/sim"
)

const (
	genPrimary = "us-east-1"
	genDR      = "us-west-2"
)

// generatedWorkload is a world of n databases with their primaries in
// us-east-1 and secondaries in us-west-2, and one payload that fails them
// all over to us-west-2 in the given number of layers. Four in ten are
// Aurora global clusters to switch over, three in ten RDS read replicas to
// promote, three in ten ElastiCache global datastores to fail over; every
// parameter is an `!Import` of an export of us-west-2, as with the README's
// payloads. shift lengthens the switchovers, promotions and ElastiCache
// failovers: the simulator's defaults (60, 90 and 60 s) are multiples of
// the original's 15 s polling interval, which then sees every end at once;
// real operations end at any moment.
func generatedWorkload(n, layers int, shift time.Duration) (workload, error) {
	sc, payload := generated(n, layers, shift)
	if err := sc.Validate(); err != nil {
		return workload{}, fmt.Errorf("generated scenario: %w", err)
	}
	b, err := json.MarshalIndent(payload, "", "  ")
	if err != nil {
		return workload{}, fmt.Errorf("generated payload: %w", err)
	}
	name := fmt.Sprintf("%d resources in %d layers", n, layers)
	if shift != 0 {
		name += fmt.Sprintf(", operations %+g s", shift.Seconds())
	}
	world := func() *sim.Scenario { sc, _ := generated(n, layers, shift); return sc }
	return workload{name: name, scenario: world, steps: []step{{label: name + " in " + genDR, region: genDR, payload: b}}}, nil
}

// generated builds the world and the payload of generatedWorkload.
func generated(n, layers int, shift time.Duration) (*sim.Scenario, *manifest.Payload) {
	sc := sim.NewScenario(fmt.Sprintf("generated-%d", n), genPrimary, genDR)
	d := sim.DefaultDurations()
	d.Switchover += shift.Seconds()
	d.PromoteReadReplica += shift.Seconds()
	d.ElastiCacheFailover += shift.Seconds()
	sc.Durations = d
	exports := map[string]string{}
	sc.Exports[genDR] = exports
	payload := &manifest.Payload{Layers: make([]manifest.Layer, layers)}
	perLayer := (n + layers - 1) / layers
	for i := range n {
		var r manifest.Resource
		switch i % 10 {
		case 0, 1, 2, 3:
			id := fmt.Sprintf("gdb-%03d", i)
			sc.AddAuroraGlobal(id, genPrimary, genDR)
			exports[id+"-global-identifier"] = id
			exports[id+"-cluster-identifier"] = fmt.Sprintf("arn:aws:rds:%s:%s:cluster:%s-%s", genDR, sim.DefaultAccount, id, genDR)
			r = manifest.Resource{Type: "PlannedFailoverAurora", Name: "Switchover " + id, Parameters: map[string]string{
				"GlobalClusterIdentifier": "!Import " + id + "-global-identifier",
				"DBClusterIdentifier":     "!Import " + id + "-cluster-identifier",
			}}
		case 4, 5, 6:
			id := fmt.Sprintf("rds-%03d", i)
			sc.AddReplicaPair(id, genPrimary, genDR)
			exports[id+"-instance-identifier"] = id
			exports[id+"-global-arn"] = fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", genDR, sim.DefaultAccount, id)
			r = manifest.Resource{Type: "PromoteRDSReadReplica", Name: "Promote " + id, Parameters: map[string]string{
				"RDSInstanceIdentifier":   "!Import " + id + "-instance-identifier",
				"TargetClusterIdentifier": "!Import " + id + "-global-arn",
			}}
		default:
			rg := fmt.Sprintf("redis-%03d", i)
			global := "ldgnf-" + rg
			sc.AddRedisGlobal(global, rg, genPrimary, genDR)
			exports[rg+"-global-replication-group-id"] = global
			exports[rg+"-target-region"] = genDR
			exports[rg+"-target-replication-group-id"] = rg
			r = manifest.Resource{Type: "FailoverElastiCacheCluster", Name: "Failover " + rg, Parameters: map[string]string{
				"GlobalReplicationGroupId": "!Import " + rg + "-global-replication-group-id",
				"TargetRegion":             "!Import " + rg + "-target-region",
				"TargetReplicationGroupId": "!Import " + rg + "-target-replication-group-id",
			}}
		}
		l := &payload.Layers[i/perLayer]
		l.Number = i/perLayer + 1
		l.Resources = append(l.Resources, r)
	}
	return sc, payload
}
