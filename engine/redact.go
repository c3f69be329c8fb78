package engine

import (
	"encoding/json"
	"strings"

	"drorch/journal"
	"drorch/resource"
)

// secretMark replaces a secret value wherever the engine would write it.
const secretMark = "(secret)"

// redactor hides secret values (SSM SecureString parameters) in what the
// engine journals and shows. The RunSpec never holds them, but a handler
// names in its calls and reasons the values it was given: an operator who
// referenced the wrong parameter (a password as a cluster id) would
// otherwise find it in the journal, the progress lines and the plan.
type redactor []string

func newRedactor(secrets []string) redactor {
	var r redactor
	for _, s := range secrets {
		if s != "" {
			r = append(r, s)
		}
	}
	return r
}

func (r redactor) str(s string) string {
	for _, v := range r {
		s = strings.ReplaceAll(s, v, secretMark)
	}
	return s
}

func (r redactor) strs(list []string) []string {
	if len(r) == 0 || list == nil {
		return list
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = r.str(s)
	}
	return out
}

// raw redacts JSON: each secret as it appears inside a JSON string.
func (r redactor) raw(b json.RawMessage) json.RawMessage {
	if len(r) == 0 || len(b) == 0 {
		return b
	}
	s := string(b)
	for _, v := range r {
		enc, _ := json.Marshal(v) // a string always marshals
		s = strings.ReplaceAll(s, string(enc[1:len(enc)-1]), secretMark)
	}
	return json.RawMessage(s)
}

func (r redactor) event(ev journal.Event) journal.Event {
	if len(r) == 0 {
		return ev
	}
	ev.Message, ev.Error, ev.Data = r.str(ev.Message), r.str(ev.Error), r.raw(ev.Data)
	return ev
}

func (r redactor) calls(calls []resource.Call) []resource.Call {
	if len(r) == 0 {
		return calls
	}
	out := make([]resource.Call, len(calls))
	for i, c := range calls {
		args := make(map[string]string, len(c.Args))
		for k, v := range c.Args {
			args[k] = r.str(v)
		}
		c.Args = args
		out[i] = c
	}
	return out
}

// err hides secrets in an error's message, keeping it matchable with
// errors.Is and errors.As.
func (r redactor) err(err error) error {
	if err == nil || len(r) == 0 {
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
	if len(r) == 0 {
		return
	}
	rp.State, rp.Blockers, rp.Warnings = r.strs(rp.State), r.strs(rp.Blockers), r.strs(rp.Warnings)
	for i := range rp.Steps {
		rp.Steps[i].Reason = r.str(rp.Steps[i].Reason)
		rp.Steps[i].Calls = r.calls(rp.Steps[i].Calls)
	}
}
