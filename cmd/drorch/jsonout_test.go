package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"drorch/output"
	"drorch/report"
)

var (
	schemasOnce sync.Once
	schemas     map[string]*jsonschema.Schema
	schemasErr  error
)

// schemaOf compiles one of the published schemas (drorch schema output,
// drorch schema report) once.
func schemaOf(t *testing.T, which string) *jsonschema.Schema {
	t.Helper()
	schemasOnce.Do(func() {
		schemas = map[string]*jsonschema.Schema{}
		for name, raw := range map[string][]byte{"output": output.Schema, "report": report.Schema} {
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				schemasErr = err
				return
			}
			c := jsonschema.NewCompiler()
			if err := c.AddResource(name+".json", doc); err != nil {
				schemasErr = err
				return
			}
			if schemas[name], err = c.Compile(name + ".json"); err != nil {
				schemasErr = err
				return
			}
		}
	})
	if schemasErr != nil {
		t.Fatalf("compile the published schemas: %v", schemasErr)
	}
	return schemas[which]
}

// validJSON checks that doc is one JSON document valid against the
// schema which, and returns it decoded.
func validJSON(t *testing.T, which, doc string) map[string]any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	if err := schemaOf(t, which).Validate(v); err != nil {
		t.Errorf("not valid against drorch schema %s: %v\n%s", which, err, doc)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(doc), &m)
	return m
}

// volatile are the parts of JSON output that change from run to run.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`), `TIME`},
	{regexp.MustCompile(`"seconds": [0-9.]+`), `"seconds": N`},
	{regexp.MustCompile(`"display": "[0-9.hms]+"`), `"display": "D"`},
	{regexp.MustCompile(`\b[0-9a-f]{10}\b`), `RUNID`},
	{regexp.MustCompile(`"(requestId|id)": "[^"]+"`), `"$1": "ID"`},
	{regexp.MustCompile(`"(host|user|owner|generatedBy|version|goVersion|commit)": "[^"]*"`), `"$1": "X"`},
	{regexp.MustCompile(`"pid": \d+`), `"pid": 0`},
	{regexp.MustCompile(`"sha256": "[0-9a-f]+"`), `"sha256": "SHA"`},
}

// withoutObservations drops the step.observed events of an events
// document and numbers the rest 1, 2, ...: how many times a step looked at
// AWS before its operation ended is the machine's load, not the format.
func withoutObservations(t *testing.T, doc string) string {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("events document: %v\n%s", err, doc)
	}
	evs, _ := d["events"].([]any)
	kept := []any{}
	for _, e := range evs {
		if m, _ := e.(map[string]any); m["event"] != "step.observed" {
			m["seq"] = len(kept) + 1
			kept = append(kept, m)
		}
	}
	d["events"] = kept
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out) + "\n"
}

func stable(s string) string {
	s = normalize(s)
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

// Every command's JSON, with stdout redirected (not a terminal): stdout
// holds one document valid against the published schema and nothing
// else, errors are a JSON object on stderr, and the shapes are held still
// by golden files.
func TestJSONOutputOfEveryCommand(t *testing.T) {
	t.Parallel()
	_, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	payload := seedPayload("1-planned-switchover.json")

	run := d.run(append(append([]string{"run", "--yes", "-o", "json", "--run-id", "json-run"}, fastPoll...), payload)...)
	if run.code != 0 {
		t.Fatalf("run -o json: want exit 0\n%s", run)
	}
	rep := validJSON(t, "report", run.stdout)
	if r, _ := rep["run"].(map[string]any); r["id"] != "json-run" || r["rto"] == nil {
		t.Errorf("run -o json: the report of run json-run with its RTO, got %v", r)
	}
	golden(t, "json/run.json", stable(run.stdout))
	if !strings.Contains(run.stderr, "Plan for ") {
		t.Errorf("run -o json shows no plan on stderr\n%s", run)
	}

	cases := []struct {
		name, schema string
		args         []string
		code         int
		stdin        string
	}{
		{"show", "report", []string{"show", "-o", "json", "json-run"}, 0, ""},
		{"show-events", "output", []string{"show", "--events", "-o", "json", "json-run"}, 0, ""},
		{"runs", "output", []string{"runs", "-o", "json"}, 0, ""},
		{"plan", "output", []string{"plan", "-o", "json", payload}, 0, ""},
		{"validate", "output", []string{"validate", "-o", "json", payload}, 0, ""},
		{"validate-invalid", "output", []string{"validate", "-o", "json", "-"}, 2,
			`{"StatePayload": [{"layer": 1, "resources": [{"resourceType": "PlannedFailoverAurora", "resourceName": "x", "timeout": "1ns", "parameters": {}}]}, {"layer": 2, "resources": []}]}`},
		{"version", "output", []string{"version", "-o", "json"}, 0, ""},
	}
	for _, tc := range cases {
		r := d.runIn(strings.NewReader(tc.stdin), tc.args...)
		if r.code != tc.code {
			t.Errorf("%s: want exit %d\n%s", tc.name, tc.code, r)
			continue
		}
		validJSON(t, tc.schema, r.stdout)
		out := r.stdout
		if tc.name == "show-events" {
			out = withoutObservations(t, out)
		}
		golden(t, "json/"+tc.name+".json", stable(out))
		if tc.code != 0 {
			e := validJSON(t, "output", r.stderr)
			if e["kind"] != "error" || e["exitCode"] != float64(tc.code) {
				t.Errorf("%s: stderr is not the error object\n%s", tc.name, r)
			}
		}
	}
	// validate -o json of an invalid payload still counts what it read.
	v := d.runIn(strings.NewReader(cases[5].stdin), "validate", "-o", "json", "-")
	var vd output.Validate
	if err := json.Unmarshal([]byte(v.stdout), &vd); err != nil || vd.Layers != 2 || vd.Resources != 1 || vd.Valid {
		t.Errorf("validate -o json of an invalid payload: %+v (%v)\n%s", vd, err, v)
	}

	// Errors with -o json: one JSON object on stderr, nothing on stdout.
	for name, args := range map[string][]string{
		"unknown run":     {"show", "-o", "json", "no-such-run"},
		"missing payload": {"plan", "-o", "json", "no-such-file.json"},
		"bad flag":        {"run", "-o", "json", "--poll-interval", "1ms", payload},
		"jsonl too":       {"show", "-o", "jsonl", "no-such-run"},
	} {
		r := d.run(args...)
		if r.code != exitBadInput || r.stdout != "" {
			t.Errorf("%s: want exit 2 and an empty stdout\n%s", name, r)
		}
		if e := validJSON(t, "output", r.stderr); e["kind"] != "error" || !strings.Contains(e["message"].(string), " ") {
			t.Errorf("%s: stderr is not one error object\n%s", name, r)
		}
	}
}

// run -o jsonl streams one event per line as the run goes, then the
// report: every line is one JSON document a log shipper can read alone.
func TestRunJSONLStreamsEvents(t *testing.T) {
	t.Parallel()
	_, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	r := d.run(append(append([]string{"run", "--yes", "-o", "jsonl"}, fastPoll...), seedPayload("1-planned-switchover.json"))...)
	if r.code != 0 {
		t.Fatalf("run -o jsonl: want exit 0\n%s", r)
	}
	var kinds []string
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var last map[string]any
	for sc.Scan() {
		last = validJSON(t, "output", sc.Text())
		if last["kind"] == "event" {
			kinds = append(kinds, last["event"].(string))
		}
	}
	got := strings.Join(kinds, " ")
	for _, want := range []string{"run.created run.started layer.started", "call.intent call.issued", "resource.finished layer.finished run.finished"} {
		if !strings.Contains(got, want) {
			t.Errorf("jsonl events %q lack %q", got, want)
		}
	}
	if last["kind"] != "report" {
		t.Fatalf("the last line is not the report: %v", last)
	}
	b, _ := json.Marshal(last["report"])
	validJSON(t, "report", string(b))
	if strings.Contains(r.stderr, "created (1 layer") {
		t.Errorf("jsonl also printed the progress lines on stderr\n%s", r)
	}
}
