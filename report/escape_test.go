package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"drorch/journal"
)

// hostile is what an attacker or a broken tool could put in a payload's
// resource name or an AWS error: a terminal escape that clears the screen,
// a script, the end of a CDATA section, quotes, a NUL, a bell, a
// right-to-left override, a newline that forges a report line, Markdown
// and table syntax, and a byte that is not UTF-8.
const hostile = "db\u001b[2J<script>alert(1)</script>]]>\"quoted\" 'single'\x00\x07\u202eevil\n# forged heading | cell |*bold* [link](http://x)\xff"

func hostileReport(t *testing.T) *Report {
	t.Helper()
	spec := oneLayer(resourceSpec(0, hostile, "PlannedFailoverAurora"), resourceSpec(1, "second "+hostile, "PlannedFailoverAurora"))
	spec.PayloadFile = "payload" + hostile + ".json"
	spec.Layers[0].Resources[0].Params = map[string]string{"GlobalClusterIdentifier": hostile}
	spec.Layers[0].Resources[0].Refs = map[string]string{"GlobalClusterIdentifier": "!Import " + hostile}
	s := newScript(spec).run(0, journal.RunStarted, "", journal.Process{Host: "host" + hostile, PID: 7, User: hostile, Version: hostile}).
		layer(0, journal.LayerStarted, 0, "").
		res(time.Second, journal.ResourceStarted, 0, 0, "", "", "").
		step(time.Second, journal.StepStarted, 0, 0, "do", "", "", nil).
		step(2*time.Second, journal.StepObserved, 0, 0, "do", "seen "+hostile, "", nil).
		step(3*time.Second, journal.CallIntent, 0, 0, "do", "", "", journal.Call{ID: "c1", Service: "rds", Action: "SwitchoverGlobalCluster",
			Region: "us-west-2", Args: map[string]string{"GlobalClusterIdentifier": hostile}}).
		step(4*time.Second, journal.CallFailed, 0, 0, "do", "", "aws said "+hostile, journal.Call{ID: "c1", RequestID: "req" + hostile, Unknown: true}).
		step(5*time.Second, journal.StepFinished, 0, 0, "do", "", "step "+hostile, out(journal.StatusFailed)).
		res(5*time.Second, journal.ResourceFinished, 0, 0, "", "resource "+hostile, journal.StatusFailed).
		res(time.Second, journal.ResourceAlreadyDone, 0, 1, "already "+hostile, "", "").
		run(6*time.Second, journal.RunCancelRequested, hostile, nil).
		layer(6*time.Second, journal.LayerFinished, 0, journal.StatusFailed).
		finish(6*time.Second, journal.StatusFailed, "run "+hostile)
	rep, err := FromEvents(s.evs, Options{Recovery: recoveryTypes, GeneratedBy: hostile, Generated: t0.Add(time.Hour),
		Approvals: []ApprovalEvent{{Layer: 0, Resource: 0, By: hostile, Comment: hostile, At: t0}}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// hostileStored is hostile as the journal keeps it in JSON data (spec,
// calls): its byte that is not UTF-8 became U+FFFD.
var hostileStored = strings.ToValidUTF8(hostile, "\ufffd")

// codeSpans are Markdown code spans, whose text a renderer shows as it is.
var codeSpans = regexp.MustCompile("`[^`]*`")

// rawDanger are the raw characters no text format may carry through.
var rawDanger = []string{"\x1b", "\x00", "\x07", "\u202e", "\xff"}

// Every format shows the hostile text, escaped for it: JSON round-trips it
// exactly; the others carry no raw control character, no markup that a
// browser, an XML parser, a Markdown renderer or a terminal would obey.
func TestHostileTextIsEscapedInEveryFormat(t *testing.T) {
	t.Parallel()
	rep := hostileReport(t)
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		got := render(t, rep, JSON)
		for _, bad := range append(rawDanger, "<script>", "]]>") {
			if strings.Contains(got, bad) {
				t.Errorf("the JSON report holds %q raw", bad)
			}
		}
		var back Report
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Fatal(err)
		}
		// JSON keeps the text (as valid UTF-8: the bad byte becomes U+FFFD).
		want := strings.ToValidUTF8(hostile, "\ufffd")
		if back.Layers[0].Resources[0].Name != want || back.Layers[0].Resources[0].Steps[0].Calls[0].Error != "aws said "+want {
			t.Errorf("JSON does not round-trip the name and error: %q", back.Layers[0].Resources[0].Name)
		}
		validateJSON(t, compileSchema(t), got)
	})
	t.Run("markdown", func(t *testing.T) {
		t.Parallel()
		got := render(t, rep, Markdown)
		noRaw(t, "Markdown", got)
		if testing.Verbose() {
			t.Log(got)
		}
		outside := codeSpans.ReplaceAllString(got, "")
		for _, bad := range []string{"<script>", "\n# forged", "[link](", "*bold*"} {
			if strings.Contains(outside, bad) {
				t.Errorf("the Markdown report holds %q unescaped", bad)
			}
		}
		for _, want := range []string{`\\x1b\[2J`, `\<script\>`, `\\x00\\x07\\u202eevil\\n\# forged heading \| cell \|\*bold\* \[link\](http://x)`} {
			if !strings.Contains(got, want) {
				t.Errorf("the Markdown report does not show %q", want)
			}
		}
		// Every table row still has its columns: no cell was split.
		for _, line := range strings.Split(got, "\n") {
			if strings.HasPrefix(line, "| 0 ") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 10 {
				t.Errorf("a resource row lost its shape: %q", line)
			}
		}
	})
	t.Run("html", func(t *testing.T) {
		t.Parallel()
		got := render(t, rep, HTML)
		noRaw(t, "HTML", got)
		for _, bad := range []string{"<script", "]]>", `"quoted"`} {
			if strings.Contains(got, bad) {
				t.Errorf("the HTML report holds %q unescaped", bad)
			}
		}
		if !strings.Contains(got, `db\x1b[2J&lt;script&gt;alert(1)&lt;/script&gt;]]&gt;&#34;quoted&#34; &#39;single&#39;\x00\x07\u202eevil\n# forged`) {
			t.Errorf("the HTML report does not show the name escaped")
		}
		if strings.Count(got, "<svg") != 1 || strings.Contains(got, "javascript:") {
			t.Errorf("the HTML report has unexpected markup")
		}
		wellFormedSVG(t, got)
	})
	t.Run("junit", func(t *testing.T) {
		t.Parallel()
		got := render(t, rep, JUnit)
		noRaw(t, "JUnit", got)
		if strings.Contains(got, "<script") || strings.Contains(got, "]]>") {
			t.Errorf("the JUnit report holds markup unescaped")
		}
		// A strict XML 1.0 parser reads it, and the text comes back cleaned.
		d := xml.NewDecoder(strings.NewReader(got))
		d.Strict = true
		var names []string
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("the JUnit report is not XML 1.0: %v", err)
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "testcase" {
				for _, a := range se.Attr {
					if a.Name.Local == "name" {
						names = append(names, a.Value)
					}
				}
			}
		}
		if len(names) != 2 || names[0] != Clean(hostileStored)+" (PlannedFailoverAurora)" {
			t.Errorf("testcase names %q", names)
		}
		checkJUnit(t, rep, got)
	})
}

func noRaw(t *testing.T, format, got string) {
	t.Helper()
	if !utf8.ValidString(got) {
		t.Errorf("the %s report is not valid UTF-8", format)
	}
	for _, bad := range rawDanger {
		if strings.Contains(got, bad) {
			t.Errorf("the %s report holds %q raw", format, bad)
		}
	}
	for _, r := range got {
		if r < 0x20 && r != '\n' || r >= 0x7f && r < 0xa0 {
			t.Errorf("the %s report holds control character %U", format, r)
			return
		}
	}
}

// wellFormedSVG parses the page's SVG as XML: the timeline is a document
// of its own that the web UI will serve as it is.
func wellFormedSVG(t *testing.T, page string) {
	t.Helper()
	i, j := strings.Index(page, "<svg"), strings.Index(page, "</svg>")
	if i < 0 || j < 0 {
		t.Fatal("no SVG in the page")
	}
	d := xml.NewDecoder(bytes.NewReader([]byte(page[i : j+len("</svg>")])))
	d.Strict = true
	for {
		if _, err := d.Token(); err == io.EOF {
			return
		} else if err != nil {
			t.Fatalf("the timeline SVG is not well-formed XML: %v", err)
		}
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain name":           "plain name",
		"a\x1b[2Jb":            `a\x1b[2Jb`,
		"nul\x00":              `nul\x00`,
		"tab\tnl\ncr\r":        `tab\tnl\ncr\r`,
		"del\x7f c1\u0085":     `del\x7f c1\x85`,
		"rlo\u202eabc\u2066":   `rlo\u202eabc\u2066`,
		"ls\u2028ps\u2029":     `ls\u2028ps\u2029`,
		"bad\xffbyte":          `bad\xffbyte`,
		"ünïcödé ✓ 数据库":        "ünïcödé ✓ 数据库",
		`already \x1b escaped`: `already \x1b escaped`,
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
		if got := Clean(Clean(in)); got != Clean(in) {
			t.Errorf("Clean is not idempotent on %q", in)
		}
	}
}

func TestMarkdownCode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":        "",
		"id-1":    "`id-1`",
		"a|b":     "`a\\|b`",
		"x`y":     "`` x`y ``",
		"``z":     "``` ``z ```",
		"esc\x1b": "`esc\\x1b`",
	} {
		if got := mdCode(in); got != want {
			t.Errorf("mdCode(%q) = %q, want %q", in, got, want)
		}
	}
}
