package report

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// The JUnit XML shape that CI servers read (the Ant JUnit task's, as
// Jenkins, GitLab and GitHub Actions reporters take it): testsuites, one
// testsuite per layer, one testcase per resource.
//
// How resource statuses map to test results:
//   - succeeded: passed;
//   - already-done: passed, with the reason in system-out ("already done:
//     ...");
//   - failed: a failure (type "failed") with the resource's error;
//   - cancelled: an error (type "cancelled"): a drill cancelled half-way
//     proved nothing, and CI must not show it green; an error, not a
//     failure, because the failover itself did not fail;
//   - running (an unfinished run): an error (type "unfinished");
//   - pending or skipped (never reached): skipped, saying why.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Hostname   string          `xml:"hostname,attr,omitempty"`
	ID         int             `xml:"id,attr"`
	Package    string          `xml:"package,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitMessage `xml:"skipped"`
	Error     *junitMessage `xml:"error"`
	Failure   *junitMessage `xml:"failure"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// junitTimestamp is the Ant shape: no zone (drorch writes UTC).
const junitTimestamp = "2006-01-02T15:04:05"

// WriteJUnit writes r as JUnit XML: classname is the layer ("layer 1"),
// name the resource's name and type, time its duration in seconds. Text is
// cleaned (Clean) before XML escaping, so that no character XML 1.0
// forbids reaches the document.
func WriteJUnit(w io.Writer, r *Report) error {
	c := r.cleaned()
	doc := junitSuites{Name: "drorch run " + c.Run.ID, Time: seconds(c.Run.Duration)}
	host := ""
	if len(c.Run.Sessions) > 0 {
		host = c.Run.Sessions[0].Host
	}
	for _, l := range c.Layers {
		class := fmt.Sprintf("layer %d", l.Number)
		s := junitSuite{Name: class, Time: seconds(l.Duration), Hostname: host, ID: l.Position,
			Package: "drorch.run." + c.Run.ID, Properties: runProperties(c)}
		if !l.Started.IsZero() {
			s.Timestamp = l.Started.UTC().Format(junitTimestamp)
		}
		for _, res := range l.Resources {
			tc := junitCase{Name: fmt.Sprintf("%s (%s)", res.Name, res.Type), Classname: class, Time: seconds(res.Duration),
				SystemOut: resourceLog(res)}
			switch res.Status {
			case "succeeded", "already-done":
			case "failed":
				tc.Failure = &junitMessage{Message: orDash(res.Error), Type: "failed", Text: res.Error}
				s.Failures++
			case "cancelled":
				msg := res.Error
				if msg == "" {
					msg = "cancelled"
					if c.Run.Cancel != nil && c.Run.Cancel.RequestedBy != "" {
						msg += " by " + c.Run.Cancel.RequestedBy
					}
				}
				tc.Error = &junitMessage{Message: msg, Type: "cancelled", Text: msg}
				s.Errors++
			case "running":
				tc.Error = &junitMessage{Message: "unfinished: still running when the report was made (" + c.Run.AsOf.String() + ")", Type: "unfinished"}
				s.Errors++
			default: // pending, skipped: never reached
				tc.Skipped = &junitMessage{Message: notReached(c, res)}
				s.Skipped++
			}
			s.Cases = append(s.Cases, tc)
			s.Tests++
		}
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, s)
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	bw.WriteString("\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	return nil
}

func notReached(r *Report, res Resource) string {
	switch {
	case !r.Run.Finished:
		return "not started yet: the run has not reached it"
	case r.Run.Status == "cancelled":
		return "not reached: the run was cancelled before it"
	}
	return "not reached: the run stopped before it (" + r.Run.Status + ")"
}

func runProperties(r *Report) []junitProperty {
	p := []junitProperty{
		{"drorch.run.id", r.Run.ID},
		{"drorch.run.status", r.Run.Status},
		{"drorch.run.region", r.Run.Region},
		{"drorch.payload.file", r.Run.Payload.File},
		{"drorch.payload.sha256", r.Run.Payload.SHA256},
	}
	if r.Run.RTO != nil {
		p = append(p, junitProperty{"drorch.run.rto.seconds", seconds(r.Run.RTO)})
	}
	return append(p, junitProperty{"drorch.run.rto.note", r.Run.RTONote})
}

// resourceLog is a resource's story as plain lines: steps, calls, errors.
func resourceLog(r Resource) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s in %s: %s", r.Type, r.Region, r.Status)
	switch {
	case r.RTO != nil:
		fmt.Fprintf(&b, ", RTO %s", r.RTO.Display)
	case r.Duration != nil:
		fmt.Fprintf(&b, ", duration %s", r.Duration.Display)
	}
	b.WriteString("\n")
	if r.RPO != nil {
		fmt.Fprintf(&b, "writes at risk (RPO): %s\n", r.RPO.Display)
	}
	if r.AlreadyDone {
		fmt.Fprintf(&b, "already done: %s\n", r.Reason)
	}
	for _, a := range r.Approvals {
		fmt.Fprintf(&b, "%s by %s at %s", a.Decision, a.By, a.At)
		if a.Comment != "" {
			fmt.Fprintf(&b, ": %s", a.Comment)
		}
		b.WriteString("\n")
	}
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "step %s: %s", s.Name, s.ShownStatus())
		if s.Duration != nil {
			fmt.Fprintf(&b, " %s", s.Duration.Display)
		}
		if n := stepNote(s); n != "" {
			fmt.Fprintf(&b, " (%s)", n)
		}
		b.WriteString("\n")
		for _, c := range s.Calls {
			fmt.Fprintf(&b, "  %s %s in %s at %s: %s", c.Service, c.Action, c.Region, c.At, callOutcome(c))
			if c.RequestID != "" {
				fmt.Fprintf(&b, ", request id %s", c.RequestID)
			}
			b.WriteString("\n")
		}
	}
	if r.Error != "" {
		fmt.Fprintf(&b, "error: %s\n", r.Error)
	}
	return b.String()
}

// seconds is a duration as JUnit's time attribute: seconds, 3 decimals.
func seconds(d *Duration) string {
	if d == nil {
		return "0.000"
	}
	return fmt.Sprintf("%.3f", d.Seconds)
}
