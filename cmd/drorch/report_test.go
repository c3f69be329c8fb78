package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"drorch/journal"
	"drorch/journal/sqlitestore"
	"drorch/report"
)

// A real failover run on the simulator, then drorch report in every
// format: to stdout and to files, by id prefix, with the RTO of a
// recovery, who ran it, and the calls made.
func TestReportOfARealRun(t *testing.T) {
	t.Parallel()
	_, endpoint := startTestSim(t)
	d := newCLI(t, endpoint, "us-west-2")
	r := d.run(append(append([]string{"run", "--yes"}, fastPoll...), seedPayload("4-rds-and-elasticache.json"))...)
	if r.code != 0 {
		t.Fatalf("run: want exit 0\n%s", r)
	}
	id := runID(t, r)

	md := d.run("report", id[:4])
	if md.code != 0 || md.stderr != "" {
		t.Fatalf("report: want exit 0 and a quiet stderr\n%s", md)
	}
	for _, want := range []string{"# drorch run report: " + id, "- **Status:** succeeded", "- **RTO:** **",
		"PromoteReadReplica", "FailoverGlobalReplicationGroup", "- **Started by:** ", "drorch dev"} {
		if !strings.Contains(md.stdout, want) {
			t.Errorf("the Markdown report lacks %q\n%s", want, md.stdout)
		}
	}

	dir := t.TempDir()
	for _, f := range report.Formats {
		out := filepath.Join(dir, "report"+f.Ext())
		r := d.run("report", id, "--format", string(f), "--out", out)
		if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "report of run "+id+" written to "+out) {
			t.Errorf("report --format %s --out: want exit 0, nothing on stdout, where it went on stderr\n%s", f, r)
		}
		b := readFile(t, out)
		switch f {
		case report.JSON:
			var rep report.Report
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatalf("the JSON report: %v", err)
			}
			if rep.Run.ID != id || rep.Run.Status != "succeeded" || rep.Run.RTO == nil || len(rep.Run.Sessions) != 1 ||
				rep.Run.Sessions[0].PID == 0 || rep.Run.Sessions[0].User == "" || rep.Summary.Calls != 2 || rep.Generated.IsZero() {
				t.Errorf("JSON report run %+v, summary %+v", rep.Run, rep.Summary)
			}
			validReportJSON(t, b)
		case report.HTML:
			if !bytes.Contains(b, []byte(`<svg xmlns="http://www.w3.org/2000/svg" class="timeline"`)) || !bytes.Contains(b, []byte("tl-r0-1")) {
				t.Errorf("the HTML report has no timeline with both resources")
			}
		case report.JUnit:
			var doc struct {
				Tests    int `xml:"tests,attr"`
				Failures int `xml:"failures,attr"`
			}
			if err := xml.Unmarshal(b, &doc); err != nil || doc.Tests != 2 || doc.Failures != 0 {
				t.Errorf("JUnit: %v, %+v", err, doc)
			}
		}
		if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v, mode %v", out, err, fi.Mode())
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %q", left)
	}
}

func validReportJSON(t *testing.T, b []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(report.Schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("the JSON report does not match its schema: %v", err)
	}
}

// A run whose process was killed half-way (its journal, recorded from a
// real run, ends while its resources run): the report tells what happened
// so far and says it is unfinished, in every format.
func TestReportOfAnUnfinishedRun(t *testing.T) {
	t.Parallel()
	d := newCLI(t, "", "")
	var evs []journal.Event
	if err := json.Unmarshal(readFile(t, filepath.Join("..", "..", "report", "testdata", "journals", "interrupted.json")), &evs); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, d.state, sqlitestore.Create)
	if err != nil {
		t.Fatal(err)
	}
	id := evs[0].RunID
	if _, err := store.CreateWithEvents(ctx, id, evs[0].Time, []string{"rds:test"}, evs...); err != nil {
		t.Fatal(err)
	}
	store.Close()

	for f, want := range map[report.Format]string{
		report.Markdown: "> **Unfinished run** (interrupted): this report shows what the journal recorded until ",
		report.JSON:     `"finished": false`,
		report.HTML:     `<strong>Unfinished run</strong> (interrupted)`,
		report.JUnit:    `type="unfinished"`,
	} {
		r := d.run("report", id, "--format", string(f))
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("report --format %s of an unfinished run: want exit 0 and %q\n%.3000s", f, want, r)
		}
	}
	out := filepath.Join(t.TempDir(), "r.md")
	if r := d.run("report", id, "--out", out); r.code != 0 || !strings.Contains(r.stderr, "(the run is interrupted: the report shows what happened so far)") {
		t.Errorf("report --out of an unfinished run does not say so\n%s", r)
	}
}

// Mistakes get exit 2 and say where drorch looked; nothing is created.
func TestReportBadInput(t *testing.T) {
	t.Parallel()
	d := newCLI(t, "", "")
	store, err := sqlitestore.Open(context.Background(), d.state, sqlitestore.Create)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	missing := filepath.Join(t.TempDir(), "none", "journal.db")
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown run", []string{"report", "0123456789"}, []string{"run 0123456789: run not found", "in journal " + d.state}},
		{"escape in the id", []string{"report", "ab\x1b[2Jcd"}, []string{`ab\x1b[2Jcd`, "in journal " + d.state}},
		{"no journal", []string{"--state", missing, "report", "0123456789"}, []string{"no journal at " + missing, "--state"}},
		{"unknown format", []string{"report", "0123456789", "--format", "pdf"}, []string{`report format "pdf": use one of json, md, html, junit`}},
		{"no run", []string{"report"}, []string{"accepts 1 arg"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := d.run(tc.args...)
			if r.code != exitBadInput || r.stdout != "" || strings.Contains(r.stderr, "\x1b") {
				t.Errorf("want exit 2, nothing on stdout, no raw escape\n%s", r)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q\n%s", w, r)
				}
			}
		})
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("report created a journal at %s", missing)
	}
}
