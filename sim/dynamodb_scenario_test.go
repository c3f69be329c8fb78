package sim_test

import (
	"strings"
	"testing"

	"drorch/sim"
)

// Scenarios declare DynamoDB tables, region by region, ACTIVE from the
// start; bad declarations are refused with what is wrong.
func TestScenarioTables(t *testing.T) {
	t.Parallel()
	sc, err := sim.ParseScenario([]byte(`
name: locks
regions: [us-east-1, us-west-2]
tables:
  - {name: drorch-locks, region: us-east-1, partitionKey: pk, ttlAttribute: expires_at}
  - {name: drorch-locks, region: us-west-2, partitionKey: pk, sortKey: n, sortKeyType: N, readCapacity: 5, writeCapacity: 5}
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
	east, ok1 := st.Table("us-east-1", "drorch-locks")
	west, ok2 := st.Table("us-west-2", "drorch-locks")
	if !ok1 || !ok2 || east.Status != "ACTIVE" || east.TTLAttribute != "expires_at" || east.BillingMode != "PAY_PER_REQUEST" ||
		west.SortKeyType != "N" || west.BillingMode != "PROVISIONED" || len(east.Items) != 0 {
		t.Errorf("tables: %+v %+v", east, west)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"tables: [{name: t1-x, region: eu-west-1, partitionKey: pk}]", `region "eu-west-1" is not one of regions`},
		{"tables: [{name: ab, region: us-east-1, partitionKey: pk}]", "Member must have length greater than or equal to 3"},
		{"tables: [{name: t1-x, region: us-east-1}]", "partitionKey is required"},
		{"tables: [{name: t1-x, region: us-east-1, partitionKey: pk, partitionKeyType: X}]", `key type "X" must be S, N or B`},
		{"tables: [{name: t1-x, region: us-east-1, partitionKey: pk, readCapacity: 5}]", "give both readCapacity and writeCapacity"},
		{"tables: [{name: t1-x, region: us-east-1, partitionKey: pk}, {name: t1-x, region: us-east-1, partitionKey: pk}]", "defined twice"},
	} {
		_, err := sim.ParseScenario([]byte("name: bad\nregions: [us-east-1]\n" + tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
