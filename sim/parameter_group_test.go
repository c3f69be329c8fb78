package sim_test

import (
	"testing"

	"drorch/sim"
)

// Scenarios name the parameter groups of clusters and instances (readiness
// compares the two sides of a global database); unnamed ones get AWS's
// default.<family>.
func TestScenarioParameterGroups(t *testing.T) {
	t.Parallel()
	sc, err := sim.ParseScenario([]byte(`
name: groups
regions: [us-east-1, us-west-2]
globalClusters: [{id: g1, engine: aurora-postgresql, engineVersion: "15.4"}]
clusters:
  - id: c1
    region: us-east-1
    engine: aurora-postgresql
    engineVersion: "15.4"
    globalCluster: g1
    writer: true
    parameterGroup: app-aurora-pg15
    instances: [{id: c1-i1, parameterGroup: app-pg15-instance}]
  - id: c2
    region: us-west-2
    engine: aurora-postgresql
    engineVersion: "15.4"
    globalCluster: g1
    instances: [{id: c2-i1}]
instances:
  - {id: db1, region: us-east-1, engine: mysql, engineVersion: 8.0.35, parameterGroup: app-mysql8}
`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(sim.Config{Scenario: sc, Clock: newFake()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := s.State()
	groups := map[string]string{}
	for _, c := range st.Clusters {
		groups[c.ID] = c.ParameterGroup
	}
	for _, in := range st.Instances {
		groups[in.ID] = in.ParameterGroup
	}
	for id, want := range map[string]string{
		"c1": "app-aurora-pg15", "c1-i1": "app-pg15-instance", "c2": "default.aurora-postgresql15",
		"c2-i1": "default.aurora-postgresql15", "db1": "app-mysql8",
	} {
		if groups[id] != want {
			t.Errorf("%s: parameter group %q, want %q", id, groups[id], want)
		}
	}
}
