package manifest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"drorch/manifest"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := manifest.Schema(testCatalog())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("statepayload.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("statepayload.json")
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return sch
}

// instance reads a payload the way an editor applies a schema: JSON as
// is; YAML with a tagged scalar read as "<tag> <value>" (so `!Import x` is
// the string "!Import x").
func instance(data []byte, ext string) (any, error) {
	if ext == "json" {
		return jsonschema.UnmarshalJSON(bytes.NewReader(data))
	}
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, err
	}
	if len(n.Content) == 0 {
		return nil, fmt.Errorf("empty document")
	}
	return yamlValue(n.Content[0])
}

func yamlValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.AliasNode:
		return yamlValue(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := yamlValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		var s []any
		for _, item := range n.Content {
			v, err := yamlValue(item)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	}
	switch n.Tag {
	case "!!null":
		return nil, nil
	case "!!bool":
		return strconv.ParseBool(strings.ToLower(n.Value))
	case "!!int", "!!float":
		return json.Number(n.Value), nil
	case "!!str", "!":
		return n.Value, nil
	}
	return n.Tag + " " + n.Value, nil
}

func schemaValid(t *testing.T, sch *jsonschema.Schema, data []byte, ext string) (bool, error) {
	t.Helper()
	inst, err := instance(data, ext)
	if err != nil {
		return false, err
	}
	err = sch.Validate(inst)
	return err == nil, err
}

// TestSchemaAcceptsREADMEPayloads: the original framework's four payloads
// are valid for drorch and for the schema.
func TestSchemaAcceptsREADMEPayloads(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	files, _ := filepath.Glob("testdata/readme/*.json")
	if len(files) != 4 {
		t.Fatalf("want the README's 4 payloads in testdata/readme, found %d", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, ps := manifest.Load(data, testCatalog()); len(ps) > 0 {
			t.Errorf("%s: drorch rejects it:\n%v", f, ps)
		}
		if ok, err := schemaValid(t, sch, data, "json"); !ok {
			t.Errorf("%s: the schema rejects it: %v", f, err)
		}
	}
}

// TestSchemaAgreesWithValidate: for every corpus case the schema and
// Decode+Validate agree on valid or invalid, except where the case says
// why the schema is blind to its fault (and then the schema must indeed
// accept it, or the note is stale).
func TestSchemaAgreesWithValidate(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	for _, c := range loadCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, ps := manifest.Load(c.payload, testCatalog())
			ours := len(ps) == 0
			theirs, err := schemaValid(t, sch, c.payload, c.ext)
			switch {
			case c.blind != "" && (ours || !theirs):
				t.Errorf("schema-blind.txt says the schema cannot see the fault, but drorch valid=%v, schema valid=%v (%v)", ours, theirs, err)
			case c.blind == "" && ours != theirs:
				t.Errorf("drorch valid=%v (%v), schema valid=%v (%v)", ours, ps, theirs, err)
			}
		})
	}
}

// TestSchemaValueForms checks the schema's value forms against Validate on
// variations of one resource, both ways.
func TestSchemaValueForms(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	base := map[string]any{
		"GlobalClusterIdentifier": "dr-globaldb-cluster-mysql", "DBClusterIdentifier": "arn:aws:rds:us-east-1:123456789012:cluster:dbcluster-01",
		"DBClusterName": "dbcluster-01", "SourceDBClusterIdentifier": "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02",
		"DBInstanceIdentifier": "dbcluster-01-use1-instance-1", "Port": "3787", "DBInstanceClass": "db.r5.large",
		"DBSubnetGroupName": "dr-globaldb-subnet-group", "VpcSecurityGroupIds": "sg-0a1b2c3d4e5f60001", "Engine": "aurora-mysql",
		"EngineVersion": "8.0.mysql_aurora.3.05.2", "SourceRegion": "us-west-2", "ClusterRegion": "us-east-1",
	}
	tests := []struct {
		param string
		value any
		valid bool
	}{
		{"Port", json.Number("3306"), true},
		{"Port", "03306", true},
		{"Port", "1150", true},
		{"Port", "65535", true},
		{"Port", "1149", false},
		{"Port", json.Number("65536"), false},
		{"Port", "33o6", false},
		{"Port", "", false},
		{"Port", "!Import dr-globaldb-cluster-mysql-port", true},
		{"Port", "!Import   dr-globaldb-cluster-mysql-port ", true},
		{"Port", "!Import", false},
		{"Port", "!ImportValue x", false},
		{"Port", "resolve:ssm:/db/port", true},
		{"Port", "resolve:ssm:/db/port:3", true},
		{"Port", "{{resolve:ssm:/db/port}}", false},
		{"StorageEncrypted", true, true},
		{"StorageEncrypted", "TRUE", true},
		{"StorageEncrypted", "maybe", false},
		{"StorageEncrypted", json.Number("1"), false},
		{"KmsKeyId", "", true}, // optional: "" means absent
		{"KmsKeyId", "alias/aws/rds", true},
		{"KmsKeyId", "1234abcd-12ab-34cd-56ef-1234567890ab", true},
		{"KmsKeyId", "mrk-1234abcd12ab34cd56ef1234567890ab", true},
		{"KmsKeyId", "arn:aws:kms:us-east-1:123456789012:alias/dr", true},
		{"KmsKeyId", "arn:aws:kms:us-east-1:123456789012:key/not-a-uuid", false},
		{"KmsKeyId", "arn:aws:rds:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", false},
		{"DBClusterName", "", false},
		{"DBClusterName", "dbcluster--01", false},
		{"DBClusterName", "dbcluster-01-", false},
		{"DBClusterName", "1dbcluster", false},
		{"DBClusterName", strings.Repeat("a", 255), true},
		{"DBClusterName", strings.Repeat("a", 256), false},
		{"DBClusterName", true, false},
		{"ClusterRegion", "us-gov-west-1", true},
		{"ClusterRegion", "us-isob-east-1", true},
		{"ClusterRegion", "us-east-1a", false},
		{"ClusterRegion", " us-east-1", false},
		{"DBClusterIdentifier", "arn:aws-cn:rds:cn-north-1:123456789012:cluster:c1", true},
		{"DBClusterIdentifier", "arn:aws:rds:us-east-1:123456789012:db:c1", false},
		{"DBClusterIdentifier", "arn:aws:rds:us-east-1:12345678901:cluster:c1", false},
		{"VpcSecurityGroupIds", "sg-0a1b2c3d, sg-0a1b2c3d4e5f60001", true},
		{"VpcSecurityGroupIds", "sg-0a1b2c3d,", false},
		{"VpcSecurityGroupIds", "sg-0A1B2C3D", false},
		{"DBInstanceClass", "db.serverless", true},
		{"DBInstanceClass", "db.r6gd.16xlarge", true},
		{"DBInstanceClass", "db.r5", false},
		{"MonitoringInterval", json.Number("60"), true},
		{"MonitoringInterval", "60", true},
		{"MonitoringInterval", "7", false},
		{"MonitoringRoleArn", "arn:aws:iam::123456789012:role/service-role/rds-monitoring", true},
		{"MonitoringRoleArn", "arn:aws:iam:us-east-1:123456789012:role/x", false},
		{"Engine", "aurora-mysql", true},
		{"Engine", "Aurora-MySQL", false},
		{"EngineVersion", json.Number("8.0"), true},
		{"EngineVersion", "8.0 ", false},
		{"EngineVersion", "!Sub x", false},
		{"BackupRetentionPeriod", "0", false},
		{"BackupRetentionPeriod", "35", true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s=%v", tt.param, tt.value), func(t *testing.T) {
			t.Parallel()
			params := map[string]any{}
			for k, v := range base {
				params[k] = v
			}
			params[tt.param] = tt.value
			payload := map[string]any{"StatePayload": []any{map[string]any{"layer": 1, "resources": []any{map[string]any{
				"resourceType": "CreateAuroraSecondaryDBCluster", "resourceName": "secondary", "parameters": params}}}}}
			data, err := json.Marshal(payload)
			if err != nil {
				t.Fatal(err)
			}
			_, ps := manifest.Load(data, testCatalog())
			if ours := len(ps) == 0; ours != tt.valid {
				t.Errorf("drorch valid=%v, want %v: %v", ours, tt.valid, ps)
			}
			if theirs, err := schemaValid(t, sch, data, "json"); theirs != tt.valid {
				t.Errorf("schema valid=%v, want %v: %v", theirs, tt.valid, err)
			}
		})
	}
}

// TestSchemaGolden keeps the published schema under review: a change to it
// shows up as a diff of testdata/schema.json (DRORCH_UPDATE_GOLDEN=1
// rewrites it).
func TestSchemaGolden(t *testing.T) {
	t.Parallel()
	got, err := manifest.Schema(testCatalog())
	if err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/schema.json"
	if os.Getenv("DRORCH_UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Schema() differs from %s; run with DRORCH_UPDATE_GOLDEN=1 and review the diff", golden)
	}
}
