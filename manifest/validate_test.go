package manifest_test

import (
	"slices"
	"strings"
	"testing"

	"drorch/manifest"
)

func planned(params map[string]string) manifest.Resource {
	return manifest.Resource{Type: "PlannedFailoverAurora", Name: "switchover", Parameters: params}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	good := map[string]string{"GlobalClusterIdentifier": "dr-db", "DBClusterIdentifier": "arn:aws:rds:us-west-2:123456789012:cluster:c2"}
	tests := []struct {
		name string
		p    *manifest.Payload
		want []string
	}{
		{"nil payload", nil, []string{`StatePayload: the payload has no layers; add at least one layer: {"StatePayload": [{"layer": 1, "resources": [...]}]}`}},
		{"valid", &manifest.Payload{Layers: []manifest.Layer{{Number: 2, Resources: []manifest.Resource{planned(good)}}, {Number: 1, Resources: []manifest.Resource{
			{Type: "PromoteRDSReadReplica", Name: "promote", Parameters: map[string]string{"RDSInstanceIdentifier": "!Import rds-id", "TargetClusterIdentifier": ""}}}}}}, nil},
		{"three layers with one number", &manifest.Payload{Layers: []manifest.Layer{
			{Number: 5, Resources: []manifest.Resource{planned(good)}}, {Number: 5, Resources: []manifest.Resource{planned(good)}}, {Number: 5, Resources: []manifest.Resource{planned(good)}}}}, []string{
			`layer 5: layer number 5 is used twice, by StatePayload[0] and StatePayload[1]; give each layer its own number (layers run in ascending order), or merge the two layers`,
			`layer 5: layer number 5 is used twice, by StatePayload[0] and StatePayload[2]; give each layer its own number (layers run in ascending order), or merge the two layers`}},
		{"type and name missing", &manifest.Payload{Layers: []manifest.Layer{{Number: 1, Resources: []manifest.Resource{{Type: " ", Name: ""}}}}}, []string{
			`layer 1, resource 0, resourceName: missing or empty; give the resource a short name: it labels the resource's progress line, journal entries and report`,
			`layer 1, resource 0, resourceType: missing or empty; set it to one of CreateAuroraSecondaryDBCluster, CreateRDSReadReplica, FailoverElastiCacheCluster, ManagedFailoverAurora, ManualApproval, PlannedFailoverAurora, PromoteRDSReadReplica or UnPlannedFailoverAurora`}},
		{"type, several close names", &manifest.Payload{Layers: []manifest.Layer{{Number: 1, Resources: []manifest.Resource{{Type: "FailoverAurora", Name: "x"}}}}}, []string{
			`layer 1, resource 0 ("x"), resourceType: unknown resource type "FailoverAurora"; did you mean ManagedFailoverAurora or PlannedFailoverAurora?`}},
		{"parameter name in the wrong case", &manifest.Payload{Layers: []manifest.Layer{{Number: 1, Resources: []manifest.Resource{planned(map[string]string{
			"globalClusterIdentifier": "dr-db", "DBClusterIdentifier": good["DBClusterIdentifier"]})}}}}, []string{
			`layer 1, resource 0 ("switchover"), globalClusterIdentifier: unknown parameter of PlannedFailoverAurora; did you mean GlobalClusterIdentifier?`}},
		{"required empty", &manifest.Payload{Layers: []manifest.Layer{{Number: 1, Resources: []manifest.Resource{planned(map[string]string{
			"GlobalClusterIdentifier": "", "DBClusterIdentifier": good["DBClusterIdentifier"]})}}}}, []string{
			`layer 1, resource 0 ("switchover"), GlobalClusterIdentifier: required parameter is empty; add "GlobalClusterIdentifier": "dr-globaldb-cluster-mysql" (identifier of the Aurora global database), or a reference such as "!Import <export-name>"`}},
		{"malformed references", &manifest.Payload{Layers: []manifest.Layer{{Number: 1, Resources: []manifest.Resource{planned(map[string]string{
			"GlobalClusterIdentifier": "!ImportValue dr-db", "DBClusterIdentifier": "{{resolve:ssm:/dr/target}}"})}}}}, []string{
			`layer 1, resource 0 ("switchover"), GlobalClusterIdentifier: unknown reference !ImportValue; did you mean !Import dr-db?`,
			`layer 1, resource 0 ("switchover"), DBClusterIdentifier: CloudFormation dynamic-reference braces are not part of drorch's form; write resolve:ssm:/dr/target without the braces`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := problemLines(manifest.Validate(tt.p, testCatalog()))
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestValidateWrittenTypes: a number or boolean written where text is
// needed is caught even when its text would pass.
func TestValidateWrittenTypes(t *testing.T) {
	t.Parallel()
	payload := `StatePayload:
- layer: 1
  resources:
  - resourceType: CreateRDSReadReplica
    resourceName: replica
    parameters:
      RDSInstanceIdentifier: true
      SourceRDSInstanceIdentifier: rds-mysql-instance
      SourceRegion: us-east-1
      DBInstanceClass: db.r5.large
      Port: 3306
      MultiAZ: false
      MonitoringInterval: 60
`
	_, ps := manifest.Load([]byte(payload), testCatalog())
	want := []string{`layer 1, resource 0 ("replica"), RDSInstanceIdentifier: true is a boolean, not text; write an identifier (letters, digits and single hyphens, starting with a letter), e.g. rds-mysql-instance, in quotes`}
	if got := problemLines(ps); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestOrdered(t *testing.T) {
	t.Parallel()
	p := &manifest.Payload{Layers: []manifest.Layer{
		{Number: 3, Resources: []manifest.Resource{{Name: "c"}}},
		{Number: -1, Resources: []manifest.Resource{{Name: "a"}}},
		{Number: 3, Resources: []manifest.Resource{{Name: "d"}}},
		{Number: 2, Resources: []manifest.Resource{{Name: "b"}}},
	}}
	if got, want := p.Order(), []int{1, 3, 0, 2}; !slices.Equal(got, want) {
		t.Errorf("Order() = %v, want %v", got, want)
	}
	var names []string
	for _, l := range p.Ordered() {
		names = append(names, l.Resources[0].Name)
	}
	if want := []string{"a", "b", "c", "d"}; !slices.Equal(names, want) {
		t.Errorf("Ordered() runs %v, want %v", names, want)
	}
	if p.Layers[0].Number != 3 {
		t.Error("Ordered() reordered the payload itself")
	}
}

func TestProblemError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    manifest.Problem
		want string
	}{
		{manifest.Problem{LayerIndex: -1, ResourceIndex: -1, Message: "m", Fix: "f"}, "m; f"},
		{manifest.Problem{LayerIndex: -1, ResourceIndex: -1, Message: "m"}, "m"},
		{manifest.Problem{LayerIndex: -1, ResourceIndex: -1, Line: 3, Column: 7, Message: "m", Fix: "f"}, "line 3, column 7: m; f"},
		{manifest.Problem{LayerIndex: -1, ResourceIndex: -1, Line: 3, Message: "m", Fix: "f"}, "line 3: m; f"},
		{manifest.Problem{LayerIndex: -1, ResourceIndex: -1, Line: 3, Column: 7, Field: "StatePayload", Message: "m", Fix: "f"}, "StatePayload (line 3, column 7): m; f"},
		{manifest.Problem{LayerIndex: 0, Layer: 10, ResourceIndex: -1, Line: 3, Column: 7, Message: "m", Fix: "f"}, "layer 10: m; f"},
		{manifest.Problem{LayerIndex: 2, LayerUnknown: true, ResourceIndex: 1, ResourceName: `a "b"`, Field: "Port", Message: "m", Fix: "f"}, `StatePayload[2], resource 1 ("a \"b\""), Port: m; f`},
		{manifest.Problem{LayerIndex: 0, Layer: 1, ResourceIndex: 0, Field: "a\tb", Message: "m", Fix: "f"}, `layer 1, resource 0, "a\tb": m; f`},
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	ps := manifest.Problems{tests[0].p, tests[2].p}
	if got, want := ps.Error(), "m; f\nline 3, column 7: m; f"; got != want {
		t.Errorf("Problems.Error() = %q, want %q", got, want)
	}
}

func TestStaticCatalog(t *testing.T) {
	t.Parallel()
	c := testCatalog()
	if got := c.Names(); len(got) != 8 || !slices.IsSorted(got) {
		t.Errorf("Names() = %v", got)
	}
	if s, ok := c.Lookup("PlannedFailoverAurora"); !ok || len(s.Params) != 2 {
		t.Errorf("Lookup = %+v, %v", s, ok)
	}
	if _, ok := c.Lookup("plannedfailoveraurora"); ok {
		t.Error("Lookup is case-insensitive; resource types are exact")
	}
}
