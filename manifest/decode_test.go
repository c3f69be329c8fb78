package manifest_test

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"drorch/manifest"
)

// readmeYAML is the README's third payload written the YAML way: tags for
// imports, numbers and booleans unquoted.
const readmeYAML = `# Failback: re-create the secondary cluster.
StatePayload:
  - layer: 1
    resources:
      - resourceType: CreateAuroraSecondaryDBCluster
        resourceName: To create secondary Aurora MySQL Global Database Cluster
        parameters:
          GlobalClusterIdentifier: !Import dr-globaldb-cluster-mysql-global-identifier
          DBClusterIdentifier: !Import dr-globaldb-cluster-mysql-cluster-identifier
          DBClusterName: !Import dr-globaldb-cluster-mysql-cluster-name
          SourceDBClusterIdentifier: !Import dr-globaldb-cluster-mysql-source-cluster-identifier
          DBInstanceIdentifier: !Import dr-globaldb-cluster-mysql-instance-identifier
          Port: !Import dr-globaldb-cluster-mysql-port
          DBInstanceClass: !Import dr-globaldb-cluster-mysql-instance-class
          DBSubnetGroupName: !Import dr-globaldb-cluster-mysql-subnet-group-name
          VpcSecurityGroupIds: "!Import dr-globaldb-cluster-mysql-vps-security-group-ids"
          Engine: !Import dr-globaldb-cluster-mysql-engine
          EngineVersion: !Import dr-globaldb-cluster-mysql-engine-version
          KmsKeyId: !Import dr-globaldb-cluster-mysql-KmsKeyId
          SourceRegion: !Import dr-globaldb-cluster-mysql-source-region
          ClusterRegion: !Import dr-globaldb-cluster-mysql-cluster-region
          BackupRetentionPeriod: 7
          MonitoringInterval: 60
          StorageEncrypted: True
          EnableIAMDatabaseAuthentication: True
          DeletionProtection: True
          CopyTagsToSnapshot: True
          AutoMinorVersionUpgrade: True
          MonitoringRoleArn: !Import rds-mysql-instance-RDSMonitoringRole
`

func TestDecodeYAMLMatchesJSON(t *testing.T) {
	t.Parallel()
	js, err := os.ReadFile("testdata/readme/3-create-aurora-secondary.json")
	if err != nil {
		t.Fatal(err)
	}
	pj, ps := manifest.Load(js, testCatalog())
	if len(ps) > 0 {
		t.Fatalf("JSON: %v", ps)
	}
	py, ps := manifest.Load([]byte(readmeYAML), testCatalog())
	if len(ps) > 0 {
		t.Fatalf("YAML: %v", ps)
	}
	if !reflect.DeepEqual(pj.Layers, py.Layers) {
		t.Errorf("YAML and JSON payloads differ:\n%+v\n%+v", pj.Layers, py.Layers)
	}
}

func TestDecodeValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, payload string
		want          manifest.Resource
	}{
		{"JSON numbers and booleans become text",
			`{"StatePayload":[{"layer":1,"resources":[{"resourceType":"T","resourceName":"n","parameters":{"Port":3306,"Big":3.306e3,"Float":1.5,"On":true,"Off":false,"S":"x"}}]}]}`,
			manifest.Resource{Type: "T", Name: "n", Parameters: map[string]string{"Port": "3306", "Big": "3306", "Float": "1.5", "On": "true", "Off": "false", "S": "x"}}},
		{"YAML scalars become text as written",
			"StatePayload:\n- layer: 1\n  resources:\n  - resourceType: T\n    resourceName: n\n    parameters:\n      Port: 3306\n      On: True\n      Str: !!str 0042\n      Imp: !Import   my-export  \n      Quoted: \"!Import other\"\n      Yes: yes\n",
			manifest.Resource{Type: "T", Name: "n", Parameters: map[string]string{"Port": "3306", "On": "True", "Str": "0042", "Imp": "!Import my-export", "Quoted": "!Import other", "Yes": "yes"}}},
		{"extensions",
			`{"StatePayload":[{"layer":1,"resources":[{"resourceType":"T","resourceName":"n","continueOnError":true,"timeout":"1h30m","maxReplicationLag":"2.5s","finalSnapshot":false}]}]}`,
			manifest.Resource{Type: "T", Name: "n", ContinueOnError: true, Timeout: "1h30m", MaxReplicationLag: "2.5s", FinalSnapshot: new(bool)}},
		{"finalSnapshot true is kept as said",
			"StatePayload:\n- layer: 1\n  resources:\n  - resourceType: T\n    resourceName: n\n    finalSnapshot: true\n",
			manifest.Resource{Type: "T", Name: "n", FinalSnapshot: func() *bool { b := true; return &b }()}},
		{"byte-order mark and $schema",
			"\xef\xbb\xbf" + `{"$schema":"https://example.com/s.json","StatePayload":[{"layer":1,"resources":[{"resourceType":"T","resourceName":"n","parameters":{}}]}]}`,
			manifest.Resource{Type: "T", Name: "n", Parameters: map[string]string{}}},
		{"YAML anchors and aliases",
			"common: &gc dr-db\nStatePayload:\n- layer: 1\n  resources:\n  - resourceType: T\n    resourceName: n\n    parameters:\n      G: *gc\n",
			manifest.Resource{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, ps := manifest.Decode([]byte(tt.payload))
			if tt.name == "YAML anchors and aliases" {
				// "common" is not a payload key: reported, the alias still read.
				if len(ps) != 1 || ps[0].Field != "common" {
					t.Fatalf("problems: %v", ps)
				}
				if got := p.Layers[0].Resources[0].Parameters["G"]; got != "dr-db" {
					t.Errorf("alias value = %q", got)
				}
				return
			}
			if len(ps) > 0 {
				t.Fatalf("problems: %v", ps)
			}
			if got := p.Layers[0].Resources[0]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("resource = %+v\nwant       %+v", got, tt.want)
			}
		})
	}
}

// TestDecodeProblems covers what Decode itself reports; the corpus covers
// the usual faults end to end.
func TestDecodeProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, payload string
		want          []string // each problem's Error(), in order
	}{
		{"empty", "", []string{`the payload is empty; write {"StatePayload": [{"layer": 1, "resources": [...]}]}`}},
		{"blank", " \n\t", []string{`the payload is empty; write {"StatePayload": [{"layer": 1, "resources": [...]}]}`}},
		{"comment only YAML", "# nothing\n", []string{`the payload is empty; write {"StatePayload": [{"layer": 1, "resources": [...]}]}`}},
		{"missing colon", "{\n  \"StatePayload\" []\n}", []string{`line 2, column 18: malformed JSON: expected ":" after a key, found "["; write "key": value`}},
		{"single-quoted key", "{'StatePayload': []}", []string{`line 1, column 2: malformed JSON: expected a key in double quotes, found "'"; write keys in double quotes, e.g. "layer": 1`}},
		{"missing comma", `{"StatePayload": [] "x": 1}`, []string{`line 1, column 21: malformed JSON: expected "," or "}" after a value, found "\""; separate the members of an object with commas, and close it with }`}},
		{"missing comma in array", `{"StatePayload": [{} {}]}`, []string{`line 1, column 22: malformed JSON: expected "," or "]" after an array element, found "{"; separate the elements of an array with commas, and close it with ]`}},
		{"unquoted value", `{"StatePayload": [{"layer": one}]}`, []string{`line 1, column 29: malformed JSON: expected a value, found "o"; write text in double quotes ("True"), and numbers, true, false and null without quotes`}},
		{"capitalised literal", `{"StatePayload": [{"layer": 1, "resources": [{"continueOnError": True}]}]}`, []string{`line 1, column 66: malformed JSON: expected a value, found "T"; write text in double quotes ("True"), and numbers, true, false and null without quotes`}},
		{"misspelt literal", `{"a": tru}`, []string{`line 1, column 10: malformed JSON: misspelt literal at "}"; write true, false and null in lower case, or put text in double quotes`}},
		{"control character", "{\"a\": \"x\ty\"}", []string{`line 1, column 9: malformed JSON: control character "\t" inside a string; write a line break as \n and a tab as \t inside strings`}},
		{"bad escape", `{"a": "C:\dir"}`, []string{`line 1, column 11: malformed JSON: invalid escape "\d" inside a string; write a backslash as \\`}},
		{"second object", `{"StatePayload": []} {}`, []string{`line 1, column 22: malformed JSON: "{" after the end of the payload object; a payload is one JSON object: remove what follows its closing }`}},
		{"open string", `{"StatePayload": "abc`, []string{`line 1, column 22: malformed JSON: the input ends inside the string that starts at line 1, column 18; the file looks cut short: check that it was saved or copied whole; every { and [ needs its closing } and ]`}},
		{"not an object", `"StatePayload"`, []string{`line 1, column 1: the payload must be an object, not a string; write {"StatePayload": [{"layer": 1, "resources": [...]}]}`}},
		{"YAML list", "- layer: 1\n", []string{`line 1, column 1: the payload must be an object, not an array; wrap the layers in an object: {"StatePayload": [...]}`}},
		{"two YAML documents", "StatePayload: []\n---\nStatePayload: []\n", []string{`line 2, column 1: more than one YAML document (---); a payload is one document: remove the second one, or run it as a payload of its own`}},
		{"YAML tab", "StatePayload:\n\t- layer: 1\n", []string{`line 2: malformed YAML: a tab indents this line; indent with spaces only: YAML does not allow tabs for indentation`}},
		{"YAML import of a mapping", "StatePayload:\n- layer: 1\n  resources:\n  - resourceType: T\n    resourceName: n\n    parameters:\n      A: !Import {x: 1}\n",
			[]string{`layer 1, resource 0 ("n"), A: !Import must be followed by an export name; write !Import <export-name> on one line`}},
		{"duplicate top-level key", `{"StatePayload": [], "StatePayload": []}`, []string{`StatePayload (line 1, column 22): written twice (lines 1 and 1); keep only one: the second one is ignored`}},
		{"layer keys", `{"StatePayload": [{"Layer": 1, "resources": [], "layer": 2, "resources": []}]}`, []string{
			`layer 2, Layer: unknown key; did you mean layer?`,
			`layer 2, resources: written twice (lines 1 and 1); keep only one: the second one is ignored`}},
		{"layer misspelt, number unknown", `{"StatePayload": [{"Layer": 1, "resources": []}]}`, []string{`StatePayload[0], Layer: unknown key; did you mean layer?`}},
		{"layer number forms", `{"StatePayload": [{"layer": 1.0, "resources": []}, {"layer": 2.5, "resources": []}, {"layer": null, "resources": []}]}`, []string{
			`StatePayload[1], layer: must be a whole number, not 2.5; write a whole number, e.g. "layer": 1`,
			`StatePayload[2], layer: must be a whole number, not null; write a whole number, e.g. "layer": 1`}},
		{"resource keys", `{"StatePayload": [{"layer": 1, "resources": [{"resourcetype": "T", "resourceName": 7, "Parameters": {}}, "x"]}]}`, []string{
			`layer 1, resource 0, resourcetype: unknown key; did you mean resourceType?`,
			`layer 1, resource 0, Parameters: unknown key; did you mean parameters?`,
			`layer 1, resource 0, resourceName: must be a string, not 7; write e.g. "resourceName": "Switchover of the orders database"`,
			`layer 1, resource 1: a resource must be an object, not a string; write {"resourceType": "...", "resourceName": "...", "parameters": {...}}`}},
		{"timeouts", `{"StatePayload": [{"layer": 1, "resources": [{"timeout": "0s"}, {"timeout": "25h"}, {"timeout": 60}, {"timeout": "1ns"}, {"timeout": "999ms"}]}]}`, []string{
			`layer 1, resource 0, timeout: "0s" is not a positive duration; write a duration from 1s to 24h, e.g. "timeout": "45m" or "1h30m"`,
			`layer 1, resource 1, timeout: "25h" is longer than 24h; write a duration from 1s to 24h, e.g. "timeout": "45m" or "1h30m"`,
			`layer 1, resource 2, timeout: must be a duration in quotes, not 60; write a duration from 1s to 24h, e.g. "timeout": "45m" or "1h30m"`,
			`layer 1, resource 3, timeout: "1ns" is shorter than 1s; write a duration from 1s to 24h, e.g. "timeout": "45m" or "1h30m"`,
			`layer 1, resource 4, timeout: "999ms" is shorter than 1s; write a duration from 1s to 24h, e.g. "timeout": "45m" or "1h30m"`}},
		{"lag thresholds", `{"StatePayload": [{"layer": 1, "resources": [{"maxReplicationLag": "-1s"}, {"maxReplicationLag": "2h"}, {"maxReplicationLag": 1}, {"maxReplicationLag": "soon"}]}]}`, []string{
			`layer 1, resource 0, maxReplicationLag: "-1s" is not a positive duration; write a duration from 1ms to 1h, e.g. "maxReplicationLag": "5s"`,
			`layer 1, resource 1, maxReplicationLag: "2h" is longer than 1h; write a duration from 1ms to 1h, e.g. "maxReplicationLag": "5s"`,
			`layer 1, resource 2, maxReplicationLag: must be a duration in quotes, not 1; write a duration from 1ms to 1h, e.g. "maxReplicationLag": "5s"`,
			`layer 1, resource 3, maxReplicationLag: "soon" is not a duration; write a duration from 1ms to 1h, e.g. "maxReplicationLag": "5s"`}},
		{"value shapes", `{"StatePayload": [{"layer": 1, "resources": [{"resourceName": "n", "parameters": {"A": [], "B": {"Fn::ImportValue": "x"}, "C": {"k": 1}}}]}]}`, []string{
			`layer 1, resource 0 ("n"), A: must be a string, not an array; parameter values are strings: write "Name": "value", or "!Import <export-name>" for an export`,
			`layer 1, resource 0 ("n"), B: must be a string, not an object; write "!Import x": drorch's form of an import`,
			`layer 1, resource 0 ("n"), C: must be a string, not an object; parameter values are strings: write "Name": "value", or "!Import <export-name>" for an export`}},
		{"odd key is quoted", "{\"StatePayload\": [], \"a\\nb\": 1}", []string{`"a\nb" (line 1, column 22): unknown key; the payload accepts StatePayload and $schema`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, ps := manifest.Decode([]byte(tt.payload))
			if p == nil {
				t.Fatal("Decode returned a nil payload")
			}
			got := problemLines(ps)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestDecodeLimits(t *testing.T) {
	t.Parallel()
	t.Run("size", func(t *testing.T) {
		t.Parallel()
		data := []byte(`{"StatePayload": []}` + strings.Repeat(" ", manifest.MaxPayloadBytes))
		_, ps := manifest.Decode(data)
		if len(ps) != 1 || !strings.Contains(ps[0].Message, "more than the limit of 4.0 MiB (4194304 bytes)") {
			t.Errorf("problems: %v", ps)
		}
		// A reader that stops at the limit reports the size it measured.
		if got := manifest.TooLarge(10 << 20).Error(); got != "the payload is 10.0 MiB (10485760 bytes), more than the limit of 4.0 MiB (4194304 bytes); a StatePayload is normally a few kilobytes: check that this is the right file, or split it into several payloads" {
			t.Errorf("TooLarge: %s", got)
		}
		// Exactly at the limit is read.
		_, ps = manifest.Decode(data[:manifest.MaxPayloadBytes])
		if len(ps) != 0 {
			t.Errorf("at the limit: %v", ps)
		}
	})
	t.Run("problems are capped", func(t *testing.T) {
		t.Parallel()
		layers := strings.TrimSuffix(strings.Repeat(`{"layer": 1, "resources": [{}]},`, 300), ",")
		_, ps := manifest.Load([]byte(`{"StatePayload": [`+layers+`]}`), testCatalog())
		// Each resource lacks a name and a type; each layer after the first repeats number 1.
		total := 300*2 + 299
		if len(ps) != manifest.MaxProblems+1 {
			t.Fatalf("%d problems, want %d", len(ps), manifest.MaxProblems+1)
		}
		if want := fmt.Sprintf("%d more problems not shown", total-manifest.MaxProblems); ps[len(ps)-1].Message != want {
			t.Errorf("last problem %q, want %q", ps[len(ps)-1].Message, want)
		}
		if ps[0].LayerIndex != 0 {
			t.Errorf("first problem is not about the first layer: %v", ps[0])
		}
	})
	t.Run("values are capped", func(t *testing.T) {
		t.Parallel()
		for _, data := range []string{
			`{"StatePayload": [` + strings.TrimSuffix(strings.Repeat("0,", 200_000), ",") + `]}`,
			"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
		} {
			_, ps := manifest.Decode([]byte(data))
			if len(ps) != 1 || !strings.Contains(ps[0].Message, "more than 100000 values") {
				t.Errorf("problems: %v", ps)
			}
		}
	})
	t.Run("long text is clipped in messages", func(t *testing.T) {
		t.Parallel()
		long := strings.Repeat("x", 1_000_000)
		_, ps := manifest.Load([]byte(`{"StatePayload": [{"layer": 1, "resources": [{"resourceType": "`+long+`", "resourceName": "`+long+`", "timeout": "`+long+`"}]}], "`+long+`": 1}`), testCatalog())
		if len(ps) != 3 {
			t.Fatalf("problems: %d", len(ps))
		}
		for _, p := range ps {
			if len(p.Error()) > 600 {
				t.Errorf("problem of %d bytes: %.200s...", len(p.Error()), p.Error())
			}
		}
	})
	t.Run("deep nesting", func(t *testing.T) {
		t.Parallel()
		deep := strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)
		_, ps := manifest.Decode([]byte(`{"StatePayload": [{"layer": 1, "resources": [{"resourceName": "n", "parameters": {"P": ` + deep + `}}]}]}`))
		if len(ps) != 1 || ps[0].Field != "P" || ps[0].Message != "must be a string, not an object" {
			t.Errorf("problems: %v", ps)
		}
		_, ps = manifest.Decode([]byte(strings.Repeat("[", 20000) + strings.Repeat("]", 20000)))
		if len(ps) != 1 || !strings.Contains(ps[0].Message, "nested too deeply") {
			t.Errorf("problems: %v", ps)
		}
	})
}
