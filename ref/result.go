package ref

import (
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"
)

// Result is a payload with every reference resolved and every default
// applied: what the engine runs. Layers are in run order (ascending layer
// number); Index fields give the positions as written, which is how the
// journal and problems name them.
//
// Params holds secret values in clear, because the handlers need them. Never
// print or store Params directly: String, GoString and MarshalJSON of
// Result, Layer and Resource redact secrets, and Redacted gives the view the
// journal stores (journal.ResourceSpec's Params, Refs and Secret).
type Result struct {
	Region string // the region references were resolved in
	Layers []Layer
}

// Layer is one layer of a Result.
type Layer struct {
	Number    int // the layer's number
	Index     int // its position in StatePayload as written
	Resources []Resource
}

// Resource is one resource of a Result, ready to bind to its handler.
type Resource struct {
	Index int // position in its layer as written (journal.ResourceSpec.Index)
	Name  string
	Type  string
	// Params are the resolved values of the type's parameters, with the
	// spec's Default for optional parameters the payload leaves out (or
	// leaves ""). Secret values are in clear here: see Redacted.
	Params map[string]string
	// Refs maps each parameter given as a reference to the reference as
	// written ("!Import dr-globaldb-cluster-mysql-port").
	Refs map[string]string
	// Secret marks the parameters whose value is an SSM SecureString.
	Secret map[string]bool
	// Defaulted marks the parameters whose value is the spec's Default.
	Defaulted       map[string]bool
	ContinueOnError bool
	// Timeout is the payload's deadline for the resource; 0 means the
	// resource type's default.
	Timeout time.Duration
	// SkipFinalSnapshot is the payload's "finalSnapshot": false: what the
	// resource deletes is deleted without a final snapshot.
	SkipFinalSnapshot bool
}

// Redacted is a resource's parameters with secrets removed: what may be
// journaled, logged and reported.
type Redacted struct {
	Params map[string]string // secret values replaced by ""
	Refs   map[string]string // as in Resource
	Secret []string          // names of the secret parameters, sorted
}

// Redacted returns the resource's parameters without their secret values.
func (r Resource) Redacted() Redacted {
	out := Redacted{Params: make(map[string]string, len(r.Params)), Refs: maps.Clone(r.Refs)}
	for k, v := range r.Params {
		if r.Secret[k] {
			v = ""
			out.Secret = append(out.Secret, k)
		}
		out.Params[k] = v
	}
	sort.Strings(out.Secret)
	return out
}

// String describes the resource on one line per parameter, secrets shown
// as <secret>.
func (r Resource) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "resource %d %s %q", r.Index, r.Type, r.Name)
	if r.ContinueOnError {
		b.WriteString(" continueOnError")
	}
	if r.Timeout > 0 {
		fmt.Fprintf(&b, " timeout=%s", r.Timeout)
	}
	if r.SkipFinalSnapshot {
		b.WriteString(" finalSnapshot=false")
	}
	names := make([]string, 0, len(r.Params))
	for k := range r.Params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := fmt.Sprintf("%q", r.Params[k])
		if r.Secret[k] {
			v = "<secret>"
		}
		fmt.Fprintf(&b, "\n  %s = %s", k, v)
		switch {
		case r.Refs[k] != "":
			fmt.Fprintf(&b, " (%s)", r.Refs[k])
		case r.Defaulted[k]:
			b.WriteString(" (default)")
		}
	}
	return b.String()
}

// GoString is String, so that %#v cannot print a secret either.
func (r Resource) GoString() string { return r.String() }

// MarshalJSON writes the redacted view, so that a Resource marshalled into
// a report or a log never carries a secret.
func (r Resource) MarshalJSON() ([]byte, error) {
	red := r.Redacted()
	var timeout string
	if r.Timeout > 0 {
		timeout = r.Timeout.String()
	}
	return json.Marshal(struct {
		Index           int               `json:"index"`
		Name            string            `json:"name"`
		Type            string            `json:"type"`
		Params          map[string]string `json:"params"`
		Refs            map[string]string `json:"refs,omitempty"`
		Secret          []string          `json:"secret,omitempty"`
		ContinueOnError bool              `json:"continueOnError,omitempty"`
		Timeout         string            `json:"timeout,omitempty"`
		// The payload's "finalSnapshot": false, when it says so.
		FinalSnapshot *bool `json:"finalSnapshot,omitempty"`
	}{r.Index, r.Name, r.Type, red.Params, red.Refs, red.Secret, r.ContinueOnError, timeout, finalSnapshot(r)})
}

// finalSnapshot is false when the resource skips its final snapshot, and
// absent otherwise (the default).
func finalSnapshot(r Resource) *bool {
	if r.SkipFinalSnapshot {
		return new(bool)
	}
	return nil
}

// String describes the layer and its resources, secrets redacted.
func (l Layer) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "layer %d (StatePayload[%d])", l.Number, l.Index)
	for _, r := range l.Resources {
		b.WriteString("\n")
		b.WriteString(indent(r.String()))
	}
	return b.String()
}

// GoString is String, so that %#v cannot print a secret either.
func (l Layer) GoString() string { return l.String() }

// String describes the whole result, secrets redacted.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "resolved in %s", r.Region)
	for _, l := range r.Layers {
		b.WriteString("\n")
		b.WriteString(l.String())
	}
	return b.String()
}

// GoString is String, so that %#v cannot print a secret either.
func (r Result) GoString() string { return r.String() }

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
