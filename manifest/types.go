// Package manifest holds the StatePayload of the original DR Orchestrator
// Framework: its types, decoding from JSON and YAML, static validation and the
// published JSON Schema. It does no I/O.
package manifest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Payload is a whole manifest: {"StatePayload": [layers...]}.
type Payload struct {
	Layers []Layer `json:"StatePayload" yaml:"StatePayload"`

	// notes records what Decode already reported, so that Validate does
	// not report the same fault twice (nil for a Payload built in code).
	notes *notes
}

// Layer is one group of resources; layers run in ascending Number order and
// the resources of a layer run concurrently.
type Layer struct {
	Number    int        `json:"layer" yaml:"layer"`
	Resources []Resource `json:"resources" yaml:"resources"`
}

// Resource is one database operation in a layer.
type Resource struct {
	Type string `json:"resourceType" yaml:"resourceType"`
	Name string `json:"resourceName" yaml:"resourceName"`
	// Parameters are the raw values as written: literals, "!Import <export>"
	// or "resolve:ssm:<name>[:<version>]". Scalars written as numbers or
	// booleans are normalised to their string form by the decoder.
	Parameters map[string]string `json:"parameters" yaml:"parameters"`
	// ContinueOnError lets the run go on to the next layer when this
	// resource fails (drorch extension; absent in the original payloads).
	ContinueOnError bool `json:"continueOnError,omitempty" yaml:"continueOnError,omitempty"`
	// Timeout overrides the resource type's default deadline, as a Go
	// duration ("45m") (drorch extension).
	Timeout string `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	// MaxReplicationLag is the most replication lag `drorch check` accepts
	// for this resource's replica, as a Go duration ("5s") (drorch
	// extension; default: check's --max-lag, 1s).
	MaxReplicationLag string `json:"maxReplicationLag,omitempty" yaml:"maxReplicationLag,omitempty"`
	// FinalSnapshot, for a type that deletes a stale database (TypeSpec.
	// Deletes), says whether a final snapshot of it is taken first: nil
	// (absent) and true take one, false deletes it without (drorch
	// extension).
	FinalSnapshot *bool `json:"finalSnapshot,omitempty" yaml:"finalSnapshot,omitempty"`
}

// Kind is the form a parameter value must have.
type Kind string

// The kinds of parameter values.
const (
	KindString         Kind = "string"          // any non-empty text
	KindIdentifier     Kind = "identifier"      // an AWS resource identifier: letter first, then letters, digits, hyphens
	KindBool           Kind = "bool"            // True/False, true/false
	KindInt            Kind = "int"             // a decimal integer (range in ParamSpec.Min/Max)
	KindRegion         Kind = "region"          // an AWS region name such as us-east-1
	KindClusterARN     Kind = "cluster-arn"     // arn:aws:rds:<region>:<account>:cluster:<id>
	KindInstanceARN    Kind = "instance-arn"    // arn:aws:rds:<region>:<account>:db:<id>
	KindRoleARN        Kind = "role-arn"        // arn:aws:iam::<account>:role/<name>
	KindKMSKey         Kind = "kms-key"         // key id, alias/<name>, or a kms key/alias ARN
	KindSecurityGroups Kind = "security-groups" // one or more sg-<hex>, comma-separated
	KindInstanceClass  Kind = "instance-class"  // db.<family>.<size>
)

// ParamSpec describes one parameter of a resource type.
type ParamSpec struct {
	Name     string
	Kind     Kind
	Required bool
	// Default is the value used when an optional parameter is absent ("" = none).
	Default string
	// Enum, when set, lists the only accepted values (compared exactly).
	Enum []string
	// Min and Max bound KindInt values when non-nil.
	Min, Max *int
	// Unused marks a parameter accepted for compatibility with the original
	// payloads but not needed by drorch.
	Unused bool
	// Fold marks a value AWS compares without regard to case (and returns
	// lower-cased): drorch binds it lower-cased. Identifiers and RDS ARNs
	// always are (see CaseInsensitive).
	Fold bool
	// Shared marks a value that names the same thing from every region (a
	// global database, a global datastore) or that both sides must share
	// (engine, version): `drorch check` resolves the payload in the other
	// regions its resources name and reports a shared value that differs.
	Shared bool
	Doc    string
	// Example is a valid value, shown in error messages as the fix.
	Example string
}

// CaseInsensitive reports whether AWS compares the parameter's values
// without regard to case: RDS, Aurora and ElastiCache identifiers and the
// ARNs of RDS resources ("This parameter isn't case-sensitive", RDS API
// reference), and parameters marked Fold.
func (p ParamSpec) CaseInsensitive() bool {
	switch p.Kind {
	case KindIdentifier, KindClusterARN, KindInstanceARN:
		return true
	}
	return p.Fold
}

// TypeSpec describes a resource type for validation and the JSON Schema.
type TypeSpec struct {
	Name   string
	Doc    string
	Params []ParamSpec
	// Deletes marks a type that may delete a stale database before it
	// builds the new one: it takes a final snapshot of it unless the
	// resource says "finalSnapshot": false. Other types refuse the field.
	Deletes bool
}

// Param returns the spec of the named parameter.
func (t TypeSpec) Param(name string) (ParamSpec, bool) {
	for _, p := range t.Params {
		if p.Name == name {
			return p, true
		}
	}
	return ParamSpec{}, false
}

// Catalog looks resource types up by name; the resource registry implements it.
type Catalog interface {
	Lookup(resourceType string) (TypeSpec, bool)
	Names() []string
}

// Problem is one thing wrong with a payload, located as precisely as known.
// LayerIndex and ResourceIndex are positions in the payload as written
// (-1 when not applicable); Layer is the layer's number when known.
type Problem struct {
	LayerIndex int
	Layer      int
	// LayerUnknown says the layer's number is missing or invalid: Error
	// then names the layer by its position ("StatePayload[2]").
	LayerUnknown  bool
	ResourceIndex int
	ResourceName  string
	Field         string // a parameter name or a payload key; "" for the whole resource/layer
	Message       string // what is wrong
	Fix           string // what to do
	// Line and Column locate the problem in the payload file (1-based; 0
	// when unknown; a Column of 0 with a Line means "somewhere on the line"). Error shows them only for problems outside any layer,
	// where they are the only way to find the spot.
	Line, Column int
}

// Error formats the problem as one line an operator can act on.
func (p Problem) Error() string {
	var b strings.Builder
	if p.LayerIndex >= 0 {
		if p.LayerUnknown {
			fmt.Fprintf(&b, "StatePayload[%d]", p.LayerIndex)
		} else {
			fmt.Fprintf(&b, "layer %d", p.Layer)
		}
		if p.ResourceIndex >= 0 {
			fmt.Fprintf(&b, ", resource %d", p.ResourceIndex)
			if p.ResourceName != "" {
				fmt.Fprintf(&b, " (%s)", quote(p.ResourceName))
			}
		}
	}
	if p.Field != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(printable(p.Field))
	}
	if p.LayerIndex < 0 && p.Line > 0 {
		where := fmt.Sprintf("line %d", p.Line)
		if p.Column > 0 {
			where += fmt.Sprintf(", column %d", p.Column)
		}
		if b.Len() > 0 {
			where = " (" + where + ")"
		}
		b.WriteString(where)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	if p.Fix != "" {
		b.WriteString("; ")
		b.WriteString(p.Fix)
	}
	return b.String()
}

// maxEcho is how many characters of something written in the payload a
// message repeats: enough to recognise it, not a megabyte on one line.
const maxEcho = 120

// clip shortens s to maxEcho characters, marking the cut with "...".
func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxEcho {
		return s
	}
	return string([]rune(s)[:maxEcho-3]) + "..."
}

// quote is s clipped and in double quotes, as messages show values.
func quote(s string) string { return strconv.Quote(clip(s)) }

// printable returns s clipped, and quoted when it holds characters that
// would break a message's line (a key written with a newline, say).
func printable(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return quote(s)
	}
	return clip(s)
}

// Problems is a list of problems usable as one error.
type Problems []Problem

// Error joins the problems, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}
