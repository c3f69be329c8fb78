package httpapi

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"drorch/journal"
	"drorch/report"
	"drorch/runner"
)

//go:embed ui
var uiFiles embed.FS

// ui is the web UI: pages that hold no data (a shell the script fills),
// the script and style sheet, and the fragments the script fetches with
// the token, rendered here with html/template (every value escaped).
type ui struct {
	tmpl  *template.Template
	files fs.FS
	csp   string
}

func newUI() (*ui, error) {
	static, err := fs.Sub(uiFiles, "ui/static")
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	t, err := template.New("ui").Funcs(funcs).ParseFS(uiFiles, "ui/*.html")
	if err != nil {
		return nil, fmt.Errorf("ui templates: %w", err)
	}
	style, err := reportStyleHash()
	if err != nil {
		return nil, err
	}
	// The report opens as a page of its own (a blob of this origin),
	// whose one inline style sheet is allowed by its hash; nothing else
	// inline, nothing from elsewhere.
	csp := "default-src 'none'; script-src 'self'; style-src 'self' '" + style + "'; img-src 'self' data: blob:; " +
		"connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
	return &ui{tmpl: t, files: static, csp: csp}, nil
}

// reportStyleHash is the CSP hash of the HTML report's inline style sheet,
// taken from a report as rendered.
func reportStyleHash() (string, error) {
	var b bytes.Buffer
	if err := report.WriteHTML(&b, &report.Report{}); err != nil {
		return "", fmt.Errorf("ui: render a report: %w", err)
	}
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindSubmatch(b.Bytes())
	if m == nil {
		return "", fmt.Errorf("ui: the HTML report has no inline style sheet to allow")
	}
	sum := sha256.Sum256(m[1])
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:]), nil
}

var funcs = template.FuncMap{
	// clean makes control and bidirectional characters visible (\x1b):
	// html/template then escapes the rest.
	"clean": report.Clean,
	// rpo says the writes at risk in words, as the report does.
	"rpo": func(r *journal.RPO) string { return report.NewRPO(r).Display },
	"since": func(t report.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	},
	"clock": func(t report.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("15:04:05")
	},
	"stamp": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"dur": func(d *report.Duration) string {
		if d == nil {
			return ""
		}
		return d.Display
	},
	"inc":     func(i int) int { return i + 1 },
	"current": current,
}

// current is a resource's step to show: the one under way, else the last
// one that ended, as "n/m name".
func current(r report.Resource) string {
	pick := -1
	for i, s := range r.Steps {
		if s.Status == string(journal.StatusRunning) {
			pick = i
			break
		}
		if !s.Ended.IsZero() || s.Status == string(journal.StatusSkipped) {
			pick = i
		}
	}
	if pick < 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d %s", pick+1, len(r.Steps), r.Steps[pick].Name)
}

// shell is what a page of the UI holds: which page, and the run it shows.
type shell struct {
	Page  string
	Run   string
	Title string
}

var runPath = regexp.MustCompile(`^/ui/runs/([a-z0-9-]{1,64})$`)

// page serves the shell of every UI page.
func (u *ui) page(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	var sh shell
	switch {
	case p == "/ui/" || p == "/ui/runs":
		sh = shell{Page: "runs", Title: "Runs"}
	case p == "/ui/login":
		sh = shell{Page: "login", Title: "Sign in"}
	case p == "/ui/new":
		sh = shell{Page: "new", Title: "New run"}
	case runPath.MatchString(p):
		id := runPath.FindStringSubmatch(p)[1]
		sh = shell{Page: "run", Run: id, Title: "Run " + id}
	default:
		http.NotFound(w, r)
		return
	}
	u.render(w, http.StatusOK, "page.html", sh)
}

func (u *ui) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := fs.ReadFile(u.files, name)
	if err != nil || strings.ContainsAny(name, "/\\") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	_, _ = w.Write(b)
}

func (u *ui) render(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := u.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		http.Error(w, "render "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func (s *Server) uiRuns(w http.ResponseWriter, r *http.Request) {
	rows, err := s.summaries(r.Context(), 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ui.render(w, http.StatusOK, "runs.html", rows)
}

// runPage is what the run fragment shows.
type runPage struct {
	View     *runView
	Report   *report.Report
	Timeline template.HTML
	Waiting  []runner.Waiting
	Now      time.Time
}

func (s *Server) uiRun(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := s.view(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := s.buildReport(ctx, v.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ui.render(w, http.StatusOK, "run.html", runPage{View: v, Report: rep, Waiting: v.Waiting, Now: s.now(),
		Timeline: report.Timeline(rep, report.TimelineOptions{})})
}

func (s *Server) uiPlan(w http.ResponseWriter, r *http.Request) {
	var req payloadRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	pf, c, _, pv, err := s.prepare(r.Context(), req, apiCommand)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ui.render(w, http.StatusOK, "plan.html", planView{Payload: pf.Name, SHA256: pf.SHA256, Region: c.Region, Preview: pv})
}
