package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"drorch/journal"
)

// svgBar is a rect of class "bar" as the timeline draws it.
type svgBar struct {
	id, class, status string
	x, width          float64
}

// bars parses the timeline and returns its bars and the ids of its call
// markers.
func bars(t *testing.T, svg string) ([]svgBar, []string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	d.Strict = true
	var out []svgBar
	var calls []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the timeline is not well-formed XML: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := map[string]string{}
		for _, a := range se.Attr {
			attr[a.Name.Local] = a.Value
		}
		switch {
		case se.Name.Local == "rect" && strings.HasPrefix(attr["class"], "bar "):
			x, _ := strconv.ParseFloat(attr["x"], 64)
			w, _ := strconv.ParseFloat(attr["width"], 64)
			out = append(out, svgBar{id: attr["id"], class: attr["class"], status: attr["data-status"], x: x, width: w})
		case se.Name.Local == "path" && attr["class"] == "call":
			calls = append(calls, attr["id"])
		}
	}
	return out, calls
}

// The recorded runs draw as their journals say: one bar per layer,
// resource and step that started, each at least 2 units wide and inside
// the chart, one marker per call, the RTO line where the run has an RTO.
func TestTimelineOfRecordedRuns(t *testing.T) {
	t.Parallel()
	for _, j := range journals {
		t.Run(j.name, func(t *testing.T) {
			t.Parallel()
			r := loadReport(t, j.name, j.status)
			o := TimelineOptions{}.withDefaults()
			svg := string(Timeline(r, o))
			got, calls := bars(t, svg)
			want := map[string]string{}
			wantCalls := 0
			for li, l := range r.Layers {
				if !l.Started.IsZero() {
					want[fmt.Sprintf("tl-l%d", li)] = l.Status
				}
				for ri, res := range l.Resources {
					if !res.Started.IsZero() {
						want[fmt.Sprintf("tl-r%d-%d", li, ri)] = res.Status
					}
					for si, s := range res.Steps {
						if !s.Started.IsZero() {
							want[fmt.Sprintf("tl-s%d-%d-%d", li, ri, si)] = s.Status
						}
						wantCalls += len(s.Calls)
					}
				}
			}
			if len(got) != len(want) || len(want) == 0 {
				t.Errorf("%d bars, want %d", len(got), len(want))
			}
			for _, b := range got {
				if st, ok := want[b.id]; !ok || st != b.status {
					t.Errorf("bar %s (%s): want status %q", b.id, b.status, st)
				}
				if b.width < 2 || b.x < tlLabelW || b.x+b.width > float64(o.Width)+0.1 {
					t.Errorf("bar %s at x %.1f, width %.1f: outside the chart or too thin", b.id, b.x, b.width)
				}
			}
			if len(calls) != wantCalls {
				t.Errorf("%d call markers, want %d", len(calls), wantCalls)
			}
			if hasRTO := strings.Contains(svg, `class="rto"`); hasRTO != (r.Run.RTO != nil) {
				t.Errorf("RTO line drawn %v, run RTO %v", hasRTO, r.Run.RTO)
			}
			if r.Run.Resumes > 0 && !strings.Contains(svg, `class="resume"`) {
				t.Errorf("no line for the resume")
			}
		})
	}
}

// A run of hundreds of resources draws its steps inside the resource
// rows, so that the chart stays a readable height.
func TestTimelineCompactsLargeRuns(t *testing.T) {
	t.Parallel()
	r := bigReport(t, 120)
	svg := string(Timeline(r, TimelineOptions{}))
	got, _ := bars(t, svg)
	if len(got) != 1+120*3 {
		t.Errorf("%d bars, want a layer, 120 resources and their 240 steps", len(got))
	}
	var height int
	fmt.Sscanf(svg[strings.Index(svg, "viewBox"):], `viewBox="0 0 960 %d"`, &height)
	if height == 0 || height > 120*22+200 {
		t.Errorf("height %d: steps still have rows of their own", height)
	}
	full := string(Timeline(r, TimelineOptions{StepRowsUpTo: 1000}))
	if len(full) <= len(svg) || !strings.Contains(full, `>check</text>`) {
		t.Errorf("StepRowsUpTo does not give steps their rows")
	}
}

func TestTickStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		span, want time.Duration
		label      string
	}{
		{8 * time.Millisecond, time.Millisecond, "1ms"},
		{3 * time.Second, 500 * time.Millisecond, "500ms"},
		{95 * time.Second, 10 * time.Second, "10s"},
		{14 * time.Minute, 2 * time.Minute, "2m"},
		{5 * time.Hour, 30 * time.Minute, "30m"},
		{25 * time.Hour, 3 * time.Hour, "3h"},
	} {
		if got := tickStep(tc.span); got != tc.want || tickLabel(got) != tc.label {
			t.Errorf("tickStep(%s) = %s (%s), want %s (%s)", tc.span, got, tickLabel(got), tc.want, tc.label)
		}
	}
}

// bigReport is one layer of n resources of two steps with a call each.
func bigReport(t testing.TB, n int) *Report {
	t.Helper()
	r, err := FromEvents(bigEvents(n), Options{Recovery: recoveryTypes})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func bigEvents(n int) []journal.Event {
	var specs []journal.ResourceSpec
	for i := range n {
		specs = append(specs, resourceSpec(i, fmt.Sprintf("replica %03d", i), "PromoteRDSReadReplica", "check", "promote"))
	}
	s := newScript(oneLayer(specs...)).run(0, journal.RunStarted, "", started()).layer(0, journal.LayerStarted, 0, "")
	for i := range n {
		start := time.Duration(i) * time.Second
		s.res(start, journal.ResourceStarted, 0, i, "", "", "")
		s.step(start, journal.StepSkipped, 0, i, "check", "already checked", "", nil)
		s.step(start, journal.StepStarted, 0, i, "promote", "", "", nil)
		s.step(start+time.Second, journal.CallIntent, 0, i, "promote", "", "", journal.Call{ID: fmt.Sprint(i), Service: "rds", Action: "PromoteReadReplica", Region: "us-west-2", Args: map[string]string{"DBInstanceIdentifier": fmt.Sprint(i)}})
		s.step(start+2*time.Second, journal.CallIssued, 0, i, "promote", "", "", journal.Call{ID: fmt.Sprint(i), RequestID: "req-" + fmt.Sprint(i)})
	}
	end := time.Duration(n)*time.Second + 5*time.Minute
	for i := range n {
		s.step(end, journal.StepFinished, 0, i, "promote", "", "", out(journal.StatusSucceeded))
		s.res(end, journal.ResourceFinished, 0, i, "", "", journal.StatusSucceeded)
	}
	return s.layer(end, journal.LayerFinished, 0, journal.StatusSucceeded).finish(end, journal.StatusSucceeded, "").evs
}

// BenchmarkReport builds the report of a run of 500 resources (1,500
// mutating-call events) and renders it in every format, reporting sizes.
func BenchmarkReport(b *testing.B) {
	evs := bigEvents(500)
	b.Run("build-500", func(b *testing.B) {
		for b.Loop() {
			if _, err := FromEvents(evs, Options{Recovery: recoveryTypes}); err != nil {
				b.Fatal(err)
			}
		}
	})
	r := bigReport(b, 500)
	for _, f := range Formats {
		b.Run(string(f)+"-500", func(b *testing.B) {
			var n int
			for b.Loop() {
				var w strings.Builder
				if err := Write(&w, r, f); err != nil {
					b.Fatal(err)
				}
				n = w.Len()
			}
			b.ReportMetric(float64(n)/1024, "KiB")
		})
	}
}
