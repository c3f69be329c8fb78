package report

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
)

//go:embed report.html.tmpl
var htmlSource string

//go:embed report.css
var cssSource string

// htmlPage is parsed once; html/template escapes every value by context.
var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"dur":     durOr,
	"outcome": callOutcome,
	"note":    stepNote,
	"session": func(s Session) string {
		who := s.Host
		if s.User != "" {
			who = s.User + "@" + who
		}
		out := fmt.Sprintf("%s (pid %d", orDash(who), s.PID)
		if s.Version != "" {
			out += ", drorch " + s.Version
		}
		return out + ")"
	},
	"counts": func(c map[string]int) string {
		keys := make([]string, 0, len(c))
		for k := range c {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%d %s", c[k], k)
		}
		return strings.Join(parts, ", ")
	},
	"args": func(args map[string]string) []string {
		keys := make([]string, 0, len(args))
		for k := range args {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = k + "=" + args[k]
		}
		return out
	},
	"cap":  capitalize,
	"done": done,
	"inc":  func(i int) int { return i + 1 },
	// css is the page's own style sheet, a constant of this package.
	"css": func() template.CSS { return template.CSS(cssSource) },
}).Parse(htmlSource))

// htmlView is what the page template reads.
type htmlView struct {
	*Report
	Timeline template.HTML
	clock    *mdWriter
}

// Clock shows a time of the run's first day as a time of day (UTC).
func (v htmlView) Clock(t Time) string { return v.clock.clock(t) }

// WriteHTML writes r as one self-contained HTML page: inline CSS and SVG,
// no script, no font, image or link to fetch (a Content-Security-Policy
// forbids any), readable on a laptop and printed. Its timeline is
// Timeline's.
func WriteHTML(w io.Writer, r *Report) error {
	c := r.cleaned()
	bw := bufio.NewWriter(w)
	v := htmlView{Report: c, Timeline: Timeline(r, TimelineOptions{}), clock: &mdWriter{day: c.Run.Created}}
	if err := htmlPage.Execute(bw, v); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}
