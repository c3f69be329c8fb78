package main

import (
	"drorch/report"
	"encoding/json"
	"strings"
	"testing"
)

// README payload 1 in YAML, with !Import written as a YAML tag.
const yamlSwitchover = `# the README's first payload, in YAML
StatePayload:
  - layer: 1
    resources:
      - resourceType: PlannedFailoverAurora
        resourceName: Switchover (planned failover) of Amazon Aurora global databases (MySQL)
        parameters:
          GlobalClusterIdentifier: !Import dr-globaldb-cluster-mysql-global-identifier
          DBClusterIdentifier: "!Import dr-globaldb-cluster-mysql-cluster-identifier"
`

// A payload reads the same from a JSON file, a YAML file and stdin: the
// same plan, and a run from stdin journals "-" as its payload.
func TestYAMLAndStdinPayloads(t *testing.T) {
	t.Parallel()
	s, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	yamlPath := writeFile(t, "switchover.yaml", []byte(yamlSwitchover))
	jsonData := string(readFile(t, seedPayload("1-planned-switchover.json")))

	if v := d.run("validate", yamlPath); v.code != 0 || !strings.Contains(v.stdout, "valid: 1 layer, 1 resource; 2 references") {
		t.Errorf("validate of the YAML payload\n%s", v)
	}
	params := func(r result) string {
		t.Helper()
		var pv struct {
			Layers []struct {
				Resources []struct{ Parameters []report.Parameter }
			}
		}
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &pv) != nil || len(pv.Layers) != 1 || len(pv.Layers[0].Resources) != 1 {
			t.Fatalf("plan -o json\n%s", r)
		}
		b, _ := json.Marshal(pv.Layers[0].Resources[0])
		return string(b)
	}
	fromJSON := params(d.run("plan", "-o", "json", seedPayload("1-planned-switchover.json")))
	for name, r := range map[string]result{
		"yaml file":  d.run("plan", "-o", "json", yamlPath),
		"yaml stdin": d.runIn(strings.NewReader(yamlSwitchover), "plan", "-o", "json", "-"),
		"json stdin": d.runIn(strings.NewReader(jsonData), "plan", "-o", "json", "-"),
	} {
		if got := params(r); got != fromJSON {
			t.Errorf("%s: resolved %s\nwant (from the JSON file) %s", name, got, fromJSON)
		}
	}
	if !strings.Contains(fromJSON, `{"name":"DBClusterIdentifier","value":"arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02","secret":false,"ref":"!Import dr-globaldb-cluster-mysql-cluster-identifier"}`) {
		t.Errorf("the import did not resolve to us-west-2's export: %s", fromJSON)
	}

	r := d.runIn(strings.NewReader(yamlSwitchover), append(append([]string{"run", "--yes"}, fastPoll...), "-")...)
	if r.code != 0 {
		t.Fatalf("run from stdin: want exit 0\n%s", r)
	}
	if sr := showJSON(t, d, runID(t, r)); sr.Run.Payload.File != "-" || sr.Run.Status != "succeeded" {
		t.Errorf("run from stdin journaled payload %q, status %s", sr.Run.Payload.File, sr.Run.Status)
	}
	if got := strings.Join(mutations(s), "; "); got != "SwitchoverGlobalCluster us-east-1 200" { // the writer's region
		t.Errorf("mutating calls = %s", got)
	}
}
