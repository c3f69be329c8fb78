package engine

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"drorch/cloud"
	"drorch/journal"
	"drorch/manifest"
)

// secretMark replaces a secret value wherever drorch would write it.
const secretMark = "(secret)"

// redactor hides secret values (SSM SecureString parameters) in what drorch
// journals and shows. The RunSpec never holds them, but a handler names in
// its calls and reasons the values it was given, and AWS echoes them back:
// an operator who referenced the wrong parameter (a password as a cluster
// id) would otherwise find it in the journal, the progress lines and the
// plan. Matching ignores case, because AWS returns identifiers lower-cased,
// and covers the resource id of an ARN-shaped secret, because drorch shows
// ARNs shortened to "id (region)".
type redactor struct{ re *regexp.Regexp }

func newRedactor(secrets []string) redactor {
	var forms []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(forms, s) {
			forms = append(forms, s)
		}
	}
	for _, s := range secrets {
		add(s)
		if enc, err := json.Marshal(s); err == nil {
			add(string(enc[1 : len(enc)-1])) // as it appears inside a JSON string
		}
		if a, err := manifest.ParseARN(cloud.ID(s)); err == nil {
			add(a.ResourceID)
		}
	}
	if len(forms) == 0 {
		return redactor{}
	}
	// Longest first, so that a secret and its own part hide as one.
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	quoted := make([]string, len(forms))
	for i, f := range forms {
		quoted[i] = regexp.QuoteMeta(f)
	}
	return redactor{re: regexp.MustCompile("(?i)" + strings.Join(quoted, "|"))}
}

func (r redactor) str(s string) string {
	if r.re == nil {
		return s
	}
	return r.re.ReplaceAllLiteralString(s, secretMark)
}

func (r redactor) strs(list []string) []string {
	if r.re == nil || list == nil {
		return list
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = r.str(s)
	}
	return out
}

func (r redactor) event(ev journal.Event) journal.Event {
	if r.re == nil {
		return ev
	}
	ev.Message, ev.Error = r.str(ev.Message), r.str(ev.Error)
	if len(ev.Data) > 0 {
		ev.Data = json.RawMessage(r.str(string(ev.Data)))
	}
	return ev
}

func (r redactor) calls(calls []cloud.Call) []cloud.Call {
	if r.re == nil {
		return calls
	}
	out := make([]cloud.Call, len(calls))
	for i, c := range calls {
		args := make(map[string]string, len(c.Args))
		for k, v := range c.Args {
			args[k] = r.str(v)
		}
		c.Args, c.Target = args, r.str(c.Target)
		out[i] = c
	}
	return out
}

// err hides secrets in an error's message, keeping it matchable with
// errors.Is and errors.As.
func (r redactor) err(err error) error {
	if err == nil || r.re == nil {
		return err
	}
	if msg := r.str(err.Error()); msg != err.Error() {
		return redactedError{msg: msg, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// preview hides secrets in a preview built from a plan's resources.
func (r redactor) preview(rp *ResourcePreview) {
	if r.re == nil {
		return
	}
	rp.State, rp.Blockers, rp.Warnings = r.strs(rp.State), r.strs(rp.Blockers), r.strs(rp.Warnings)
	if rp.RPO != nil {
		rp.RPO.Replica, rp.RPO.Note = r.str(rp.RPO.Replica), r.str(rp.RPO.Note)
	}
	for i := range rp.Steps {
		rp.Steps[i].Reason = r.str(rp.Steps[i].Reason)
		rp.Steps[i].Calls = r.calls(rp.Steps[i].Calls)
	}
}

// Redact hides the secret values among secrets in s, as the engine does in
// everything it journals and shows.
func Redact(secrets []string, s string) string { return newRedactor(secrets).str(s) }

// RedactProblems hides secret values in problems found once references are
// resolved (a resolved value of the wrong form is quoted in its problem).
func RedactProblems(secrets []string, ps manifest.Problems) manifest.Problems {
	r := newRedactor(secrets)
	for i := range ps {
		ps[i].Message, ps[i].Fix = r.str(ps[i].Message), r.str(ps[i].Fix)
	}
	return ps
}
