package main

import (
	"strings"
	"testing"
)

// An operator who references the wrong SSM parameter, here the database
// password where the global cluster's id belongs, must not see the
// password in drorch's plan, its blockers or its errors: the value of an
// SSM SecureString never reaches the terminal.
func TestSecureStringNeverPrintedByPlan(t *testing.T) {
	t.Parallel()
	const payload = `{"StatePayload": [{"layer": 1, "resources": [{
  "resourceType": "PlannedFailoverAurora",
  "resourceName": "Switchover of the MySQL global database",
  "parameters": {
    "GlobalClusterIdentifier": "resolve:ssm:/dr-orchestrator/demo/db-password",
    "DBClusterIdentifier": "!Import dr-globaldb-cluster-mysql-cluster-identifier"
  }}]}]}`
	s, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	path := writeFile(t, "wrong-parameter.json", []byte(payload))

	for _, args := range [][]string{
		{"plan", path},
		{"plan", "-o", "json", path},
		append(append([]string{"run", "--yes"}, fastPoll...), path),
	} {
		r := d.run(args...)
		if r.code != exitFailed || !strings.Contains(r.stderr, "the plan is blocked") {
			t.Errorf("want exit 1, blocked (no such global cluster)\n%s", r)
		}
		// plan prints the plan on stdout; run shows it on the terminal (stderr).
		if !strings.Contains(r.stdout+r.stderr, "not found") {
			t.Errorf("the plan does not say what blocks it\n%s", r)
		}
		if strings.Contains(r.stdout+r.stderr, seedSecret) {
			t.Errorf("the SecureString's value was printed\n%s", r)
		}
	}
	noMutations(t, s, "a blocked plan")
}
