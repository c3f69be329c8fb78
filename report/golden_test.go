package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"drorch/journal"
)

// updateGolden rewrites golden files from the current output (review the
// diff): DRORCH_UPDATE_GOLDEN=1 go test ./report.
var updateGolden = os.Getenv("DRORCH_UPDATE_GOLDEN") == "1"

// recoveryTypes stands in for the resource type registry: the failovers.
func recoveryTypes(t string) bool {
	switch t {
	case "PlannedFailoverAurora", "UnPlannedFailoverAurora", "ManagedFailoverAurora", "PromoteRDSReadReplica", "FailoverElastiCacheCluster":
		return true
	}
	return false
}

// journals are the runs in testdata/journals, recorded from real runs of
// drorch against its simulator (go run ./report/internal/record), with the
// status drorch shows for each.
var journals = []struct {
	name   string
	status journal.Status // what the CLI would pass as Options.Status
}{
	{"failover-succeeded", ""},
	{"failback-rebuild", ""},
	{"already-done", ""},
	{"failed", ""},
	{"cancelled", ""},
	{"interrupted", journal.StatusInterrupted},
	{"resumed", ""},
	{"unplanned-rpo", ""},
}

func loadEvents(t testing.TB, name string) []journal.Event {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "journals", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var evs []journal.Event
	if err := json.Unmarshal(b, &evs); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return evs
}

func loadReport(t testing.TB, name string, status journal.Status) *Report {
	t.Helper()
	r, err := FromEvents(loadEvents(t, name), Options{Recovery: recoveryTypes, Status: status})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

func render(t testing.TB, r *Report, f Format) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, r, f); err != nil {
		t.Fatalf("write %s: %v", f, err)
	}
	return b.String()
}

// golden compares got with testdata/golden/name, or rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (DRORCH_UPDATE_GOLDEN=1 writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (DRORCH_UPDATE_GOLDEN=1 rewrites it; review the diff):\n%s", path, lineDiff(string(want), got))
	}
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 8; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, truncate(wl, 300), truncate(gl, 300))
			shown++
		}
	}
	return b.String()
}

// Every format of every recorded run matches its golden file; the JSON is
// valid against the published schema and the JUnit XML has the shape CI
// servers read.
func TestGolden(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	for _, j := range journals {
		t.Run(j.name, func(t *testing.T) {
			t.Parallel()
			r := loadReport(t, j.name, j.status)
			for _, f := range Formats {
				out := render(t, r, f)
				golden(t, j.name+f.Ext(), out)
				switch f {
				case JSON:
					validateJSON(t, sch, out)
				case JUnit:
					checkJUnit(t, r, out)
				}
			}
		})
	}
}

func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	if err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("compile schema.json: %v", err)
	}
	return sch
}

func validateJSON(t testing.TB, sch *jsonschema.Schema, out string) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("the JSON report is not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("the JSON report does not match schema.json: %v", err)
	}
}

// checkJUnit reads the JUnit XML back and checks it against the report:
// the Ant shape (testsuites > testsuite > testcase), one test case per
// resource with the layer as classname, counts that add up, at most one
// result element per case, and times in seconds.
func checkJUnit(t testing.TB, r *Report, out string) {
	t.Helper()
	type result struct {
		Message string `xml:"message,attr"`
	}
	var doc struct {
		XMLName  xml.Name
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Errors   int    `xml:"errors,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Cases    []struct {
				Name      string  `xml:"name,attr"`
				Classname string  `xml:"classname,attr"`
				Time      string  `xml:"time,attr"`
				Failure   *result `xml:"failure"`
				Error     *result `xml:"error"`
				Skipped   *result `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("the JUnit report is not XML: %v", err)
	}
	if doc.XMLName.Local != "testsuites" || len(doc.Suites) != len(r.Layers) {
		t.Fatalf("root %s with %d suites, want testsuites with one per layer (%d)", doc.XMLName.Local, len(doc.Suites), len(r.Layers))
	}
	var tests, failures, errs, skipped int
	for i, s := range doc.Suites {
		l := r.Layers[i]
		if s.Name != fmt.Sprintf("layer %d", l.Number) || s.Tests != len(l.Resources) || len(s.Cases) != len(l.Resources) {
			t.Errorf("suite %q: %d tests, %d cases, want layer %d with %d", s.Name, s.Tests, len(s.Cases), l.Number, len(l.Resources))
		}
		var f, e, sk int
		for j, c := range s.Cases {
			res := l.Resources[j]
			if c.Classname != s.Name || !strings.Contains(c.Name, res.Type) {
				t.Errorf("case %q (%s): want classname %q and the type %s in the name", c.Name, c.Classname, s.Name, res.Type)
			}
			var secs float64
			if _, err := fmt.Sscanf(c.Time, "%f", &secs); err != nil || secs < 0 {
				t.Errorf("case %q: time %q is not seconds", c.Name, c.Time)
			}
			n := 0
			for _, el := range []*result{c.Failure, c.Error, c.Skipped} {
				if el != nil {
					n++
				}
			}
			if n > 1 {
				t.Errorf("case %q has %d results", c.Name, n)
			}
			if c.Failure != nil {
				f++
			}
			if c.Error != nil {
				e++
			}
			if c.Skipped != nil {
				sk++
			}
		}
		if f != s.Failures || e != s.Errors || sk != s.Skipped {
			t.Errorf("suite %q counts %d/%d/%d failures/errors/skipped, has %d/%d/%d", s.Name, s.Failures, s.Errors, s.Skipped, f, e, sk)
		}
		tests, failures, errs, skipped = tests+s.Tests, failures+f, errs+e, skipped+sk
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Errors != errs || doc.Skipped != skipped {
		t.Errorf("testsuites counts %d/%d/%d/%d, suites add up to %d/%d/%d/%d", doc.Tests, doc.Failures, doc.Errors, doc.Skipped, tests, failures, errs, skipped)
	}
}
