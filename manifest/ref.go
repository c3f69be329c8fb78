package manifest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"drorch/internal/suggest"
)

// RefKind is the kind of a reference in a parameter value.
type RefKind int

// The reference kinds.
const (
	RefNone   RefKind = iota // a literal value
	RefImport                // !Import <export-name>
	RefSSM                   // resolve:ssm:<name>[:<version>]
)

// Ref is a parsed parameter value: a literal or a reference.
type Ref struct {
	Kind RefKind
	// Raw is the value as written.
	Raw string
	// Name is the export name (RefImport) or the SSM parameter name or ARN
	// (RefSSM), without the version.
	Name string
	// Version is the SSM parameter version asked for, 0 for the latest.
	Version int64
}

// The reference prefixes, as the original framework spells them.
const (
	ImportPrefix = "!Import"
	SSMPrefix    = "resolve:ssm:"
)

// SSMName is the name to pass to SSM GetParameter: "name" or
// "name:version", which is how SSM takes a version.
func (r Ref) SSMName() string {
	if r.Version > 0 {
		return r.Name + ":" + strconv.FormatInt(r.Version, 10)
	}
	return r.Name
}

// String is the reference in its canonical written form.
func (r Ref) String() string {
	switch r.Kind {
	case RefImport:
		return ImportPrefix + " " + r.Name
	case RefSSM:
		return SSMPrefix + r.SSMName()
	}
	return r.Raw
}

var (
	exportNameRE = regexp.MustCompile(`^\S+$`)
	ssmNameRE    = regexp.MustCompile(`^[A-Za-z0-9_.\-/:]+$`)
	versionRE    = regexp.MustCompile(`^(.+):([0-9]+)$`)
)

// RefError is a value that is meant as a reference but is not a valid one.
type RefError struct {
	Message, Fix string
}

// Error is the message and the fix, as one line.
func (e *RefError) Error() string { return e.Message + "; " + e.Fix }

// ParseRef tells whether v is a reference and parses it. Values that are
// almost a reference ("!import x", "!ImportValue x", "{{resolve:ssm:x}}",
// "!Import" with no name) are errors rather than literals, so that they are
// reported instead of being sent to AWS as they are.
func ParseRef(v string) (Ref, error) {
	r := Ref{Raw: v}
	t := strings.TrimSpace(v)
	switch {
	case isImport(t):
		name := strings.TrimSpace(strings.TrimPrefix(t, ImportPrefix))
		if name == "" {
			return r, &RefError{Message: "!Import without an export name", Fix: "write !Import <export-name>"}
		}
		if !exportNameRE.MatchString(name) {
			return r, &RefError{Message: fmt.Sprintf("export name %s contains spaces", quote(name)), Fix: "write !Import <export-name>, one name without spaces"}
		}
		r.Kind, r.Name = RefImport, name
		return r, nil
	case strings.HasPrefix(t, SSMPrefix):
		name := strings.TrimPrefix(t, SSMPrefix)
		if m := versionRE.FindStringSubmatch(name); m != nil && !strings.HasSuffix(m[1], ":") {
			n, err := strconv.ParseInt(m[2], 10, 64)
			if err != nil || n <= 0 {
				return r, &RefError{Message: fmt.Sprintf("SSM parameter version %s is not a positive number", quote(m[2])), Fix: "write resolve:ssm:<name>:<version>, versions count from 1"}
			}
			name, r.Version = m[1], n
		}
		if name == "" {
			return r, &RefError{Message: "resolve:ssm: without a parameter name", Fix: "write resolve:ssm:<name> or resolve:ssm:<name>:<version>"}
		}
		if !ssmNameRE.MatchString(name) {
			return r, &RefError{Message: fmt.Sprintf("%s is not an SSM parameter name", quote(name)), Fix: "SSM names hold letters, digits and _.-/ only: write resolve:ssm:/path/name"}
		}
		r.Kind, r.Name = RefSSM, name
		return r, nil
	case strings.HasPrefix(t, "{{resolve:ssm"):
		inner := strings.TrimSuffix(strings.TrimPrefix(t, "{{"), "}}")
		return r, &RefError{Message: "CloudFormation dynamic-reference braces are not part of drorch's form", Fix: fmt.Sprintf("write %s without the braces", printable(inner))}
	case strings.HasPrefix(t, "!"):
		word, rest, _ := strings.Cut(t, " ")
		fix := fmt.Sprintf("write %s <export-name> for an export, or quote the text differently if it is a literal", ImportPrefix)
		if s := suggest.Closest(word, []string{ImportPrefix}, 1); len(s) > 0 {
			fix = fmt.Sprintf("did you mean %s %s?", ImportPrefix, printable(strings.TrimSpace(rest)))
		}
		return r, &RefError{Message: fmt.Sprintf("unknown reference %s", printable(word)), Fix: fix}
	case strings.HasPrefix(strings.ToLower(t), SSMPrefix):
		return r, &RefError{Message: "the reference prefix is written in the wrong case", Fix: "write resolve:ssm:<name> in lower case"}
	}
	return r, nil
}

// isImport reports whether t is "!Import" alone or followed by blanks.
func isImport(t string) bool {
	rest, ok := strings.CutPrefix(t, ImportPrefix)
	r, _ := utf8.DecodeRuneInString(rest)
	return ok && (rest == "" || unicode.IsSpace(r))
}
