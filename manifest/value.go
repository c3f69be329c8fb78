package manifest

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"drorch/internal/suggest"
)

// ValueError says why a value does not have the form its parameter needs.
// It is worded so that the same facts can be stated about a literal
// (Message) or about what a reference resolved to (Resolved), and so that a
// secret value can be reported without quoting it.
type ValueError struct {
	Param string // the parameter's name
	Value string // the value checked
	// Problem follows the value in a sentence: "is not an AWS region name".
	// It never quotes the value.
	Problem string
	// Detail says more ("the account part \"xxx\" is not a 12-digit account
	// id"); it may quote parts of the value. "" if nothing to add.
	Detail string
	// Fix says what to write instead; it may quote parts of the value.
	Fix string
	// SafeFix is a fix that does not depend on the value, for secrets.
	SafeFix string
}

// Error is the problem stated about a literal value, with its fix.
func (e *ValueError) Error() string { return e.Message() + "; " + e.Fix }

// Message states the problem about a literal value:
// `"us-west" is not an AWS region name`.
func (e *ValueError) Message() string {
	m := fmt.Sprintf("%s %s", quote(e.Value), e.Problem)
	if e.Detail != "" {
		m += ": " + e.Detail
	}
	return m
}

// Resolved states the problem about the value reference resolved to:
// `!Import x resolved to "foo", which is not a DB cluster ARN`. When secret
// is true, neither the value nor anything derived from it is included.
func (e *ValueError) Resolved(reference string, secret bool) (message, fix string) {
	if secret {
		return fmt.Sprintf("%s resolved to a SecureString value, which %s", printable(reference), e.Problem),
			"correct the value of the SSM parameter: " + e.SafeFix
	}
	m := fmt.Sprintf("%s resolved to %s, which %s", printable(reference), quote(e.Value), e.Problem)
	if e.Detail != "" {
		m += ": " + e.Detail
	}
	return m, "correct the referenced value or reference another one: " + e.Fix
}

var (
	// Built from the schema's patterns (schema.go) so that the two agree.
	identifierRE    = regexp.MustCompile("^" + identPat + "$")
	intRE           = regexp.MustCompile(`^-?[0-9]+$`)
	uuidRE          = regexp.MustCompile("^" + uuidPat + "$")
	mrkRE           = regexp.MustCompile("^" + mrkPat + "$")
	aliasRE         = regexp.MustCompile("^" + aliasPat + "$")
	securityGroupRE = regexp.MustCompile("^" + sgPat + "$")
	instanceClassRE = regexp.MustCompile("^" + instanceClassPat + "$")
	roleNameRE      = regexp.MustCompile("^" + roleNamePat + "$")
	zoneRE          = regexp.MustCompile("^(" + regionPat + ")[a-z]$")
)

// maxIdentifierLen is the longest identifier AWS accepts for the names we check.
const maxIdentifierLen = 255

// CheckValue checks a literal value against its parameter's spec: its Kind,
// Enum and Min/Max. It returns nil or a *ValueError. References
// (`!Import`, `resolve:ssm:`) are not literals: check what they resolve to.
// An empty value is an error here; Validate treats an empty optional
// parameter as absent before calling it.
func CheckValue(spec ParamSpec, value string) error {
	e := checkValue(spec, value)
	if e == nil {
		return nil
	}
	e.Param, e.Value = spec.Name, value
	if e.SafeFix == "" {
		e.SafeFix = safeFix(spec)
	}
	if e.Fix == "" {
		e.Fix = e.SafeFix
	}
	return e
}

// safeFix says what a parameter needs without looking at the value.
func safeFix(spec ParamSpec) string {
	f := "write " + describeKind(spec)
	if spec.Example != "" {
		f += ", e.g. " + spec.Example
	}
	return f
}

// describeKind says in words what a value of spec's kind looks like.
func describeKind(spec ParamSpec) string {
	if len(spec.Enum) > 0 {
		return "one of " + joinList(spec.Enum, "or")
	}
	switch spec.Kind {
	case KindIdentifier:
		return "an identifier (letters, digits and single hyphens, starting with a letter)"
	case KindBool:
		return `"True" or "False"`
	case KindInt:
		if spec.Min != nil && spec.Max != nil {
			return fmt.Sprintf("a whole number from %d to %d", *spec.Min, *spec.Max)
		}
		return "a whole number"
	case KindRegion:
		return "an AWS region name"
	case KindClusterARN:
		return "a DB cluster ARN, arn:aws:rds:<region>:<account>:cluster:<cluster-id>"
	case KindInstanceARN:
		return "a DB instance ARN, arn:aws:rds:<region>:<account>:db:<instance-id>"
	case KindRoleARN:
		return "an IAM role ARN, arn:aws:iam::<account>:role/<name>"
	case KindKMSKey:
		return "a KMS key id, alias/<name>, or a key or alias ARN"
	case KindSecurityGroups:
		return "security group ids (sg-...), separated by commas"
	case KindInstanceClass:
		return "a DB instance class, db.<family>.<size>"
	}
	return "a non-empty value"
}

func checkValue(spec ParamSpec, v string) *ValueError {
	if v == "" {
		return &ValueError{Problem: "is empty"}
	}
	if strings.TrimSpace(v) != v {
		return &ValueError{Problem: "has leading or trailing spaces", Fix: "write " + quote(strings.TrimSpace(v))}
	}
	var e *ValueError
	switch spec.Kind {
	case KindIdentifier:
		e = checkIdentifier(v)
	case KindBool:
		if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			e = &ValueError{Problem: "is not a boolean", Fix: `write "True" or "False"`}
		}
	case KindInt:
		e = checkInt(spec, v)
	case KindRegion:
		e = checkRegion(v)
	case KindClusterARN:
		e = arnError(v, "is not a DB cluster ARN", arnWant{service: "rds", region: true, types: []string{"cluster"}, idCheck: identifierWhy, typeName: rdsTypes()})
	case KindInstanceARN:
		e = arnError(v, "is not a DB instance ARN", arnWant{service: "rds", region: true, types: []string{"db"}, idCheck: identifierWhy, typeName: rdsTypes()})
	case KindRoleARN:
		e = arnError(v, "is not an IAM role ARN", arnWant{service: "iam", types: []string{"role"}, idCheck: roleNameWhy,
			typeName: map[string]string{"user": "an IAM user ARN", "policy": "an IAM policy ARN", "instance-profile": "an instance profile ARN"}})
	case KindKMSKey:
		e = checkKMSKey(v)
	case KindSecurityGroups:
		e = checkSecurityGroups(v)
	case KindInstanceClass:
		e = checkInstanceClass(v)
	}
	if e == nil && len(spec.Enum) > 0 && !slices.Contains(spec.Enum, v) {
		e = &ValueError{Problem: "is not one of " + joinList(spec.Enum, "or")}
		for _, want := range spec.Enum {
			if strings.EqualFold(want, v) {
				e.Fix = fmt.Sprintf("write %q (the case matters)", want)
			}
		}
	}
	return e
}

func arnError(v, problem string, w arnWant) *ValueError {
	why := checkARN(v, w)
	if why == "" {
		return nil
	}
	e := &ValueError{Problem: problem, Detail: why}
	if w.service == "rds" && looksLikeIdentifier(v) {
		e.Fix = fmt.Sprintf("write the ARN, arn:aws:rds:<region>:<account>:%s:%s", w.types[0], clip(v))
	}
	return e
}

// identifierWhy says what is wrong with an identifier ("" if nothing).
func identifierWhy(v string) string {
	switch {
	case v == "":
		return "is empty"
	case len(v) > maxIdentifierLen:
		return fmt.Sprintf("is %d characters long, more than %d", len(v), maxIdentifierLen)
	case identifierRE.MatchString(v):
		return ""
	case !isLetter(v[0]):
		return "must start with a letter"
	case strings.HasSuffix(v, "-"):
		return "must not end with a hyphen"
	case strings.Contains(v, "--"):
		return "must not contain two hyphens in a row"
	}
	for _, r := range v {
		ok := r < 128 && (isLetter(byte(r)) || r >= '0' && r <= '9' || r == '-')
		if !ok {
			return fmt.Sprintf("contains %q: only letters, digits and hyphens are allowed", r)
		}
	}
	return "is not a valid identifier"
}

func looksLikeIdentifier(v string) bool { return identifierRE.MatchString(v) }

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

func checkIdentifier(v string) *ValueError {
	why := identifierWhy(v)
	if why == "" {
		return nil
	}
	return &ValueError{Problem: "is not a valid identifier", Detail: "it " + why}
}

func checkInt(spec ParamSpec, v string) *ValueError {
	n, err := strconv.Atoi(v)
	if !intRE.MatchString(v) || err != nil {
		return &ValueError{Problem: "is not a whole number"}
	}
	if spec.Min != nil && n < *spec.Min || spec.Max != nil && n > *spec.Max {
		switch {
		case spec.Min != nil && spec.Max != nil:
			return &ValueError{Problem: fmt.Sprintf("is out of range (%d to %d)", *spec.Min, *spec.Max)}
		case spec.Min != nil:
			return &ValueError{Problem: fmt.Sprintf("is out of range (at least %d)", *spec.Min)}
		default:
			return &ValueError{Problem: fmt.Sprintf("is out of range (at most %d)", *spec.Max)}
		}
	}
	return nil
}

// knownRegions are the commercial regions, for "did you mean" only: the
// region check itself is by form, so that a region newer than drorch works.
func knownRegions() []string {
	return []string{
		"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
		"ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ca-central-1", "ca-west-1",
		"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1",
		"eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
		"sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
		"us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
	}
}

func checkRegion(v string) *ValueError {
	if regionRE.MatchString(v) {
		return nil
	}
	e := &ValueError{Problem: "is not an AWS region name"}
	if m := zoneRE.FindStringSubmatch(v); m != nil {
		e.Detail = "it is an availability zone"
		e.Fix = fmt.Sprintf("write the region, %s", m[1])
		return e
	}
	if s := suggest.Closest(v, knownRegions(), 1); len(s) > 0 {
		e.Fix = fmt.Sprintf("did you mean %s?", s[0])
	}
	return e
}

func checkKMSKey(v string) *ValueError {
	if uuidRE.MatchString(v) || mrkRE.MatchString(v) || aliasRE.MatchString(v) {
		return nil
	}
	if !strings.HasPrefix(v, "arn:") {
		detail := ""
		if strings.HasPrefix(v, "alias/") {
			detail = "an alias name may only hold letters, digits, /, _ and -"
		}
		return &ValueError{Problem: "is not a KMS key id, alias or ARN", Detail: detail}
	}
	why := checkARN(v, arnWant{service: "kms", region: true, types: []string{"key", "alias"}, idCheck: func(id string) string {
		if id == "" {
			return "is empty"
		}
		return ""
	}})
	if why == "" {
		a, _ := ParseARN(v)
		if a.ResourceType == "key" && !uuidRE.MatchString(a.ResourceID) && !mrkRE.MatchString(a.ResourceID) {
			why = (&ARNError{Part: "key id", Value: a.ResourceID, Reason: "is not a key id (a UUID, or mrk- and 32 hex digits)"}).Error()
		}
	}
	if why != "" {
		return &ValueError{Problem: "is not a KMS key id, alias or ARN", Detail: why}
	}
	return nil
}

func roleNameWhy(name string) string {
	if !roleNameRE.MatchString(name) {
		return "is not a role name (letters, digits and +=,.@_- with an optional /path/)"
	}
	return ""
}

func checkSecurityGroups(v string) *ValueError {
	items := strings.Split(v, ",")
	for i, item := range items {
		item = strings.TrimSpace(item)
		if securityGroupRE.MatchString(item) {
			continue
		}
		e := &ValueError{Problem: "is not a list of security group ids"}
		switch {
		case item == "":
			e.Detail = fmt.Sprintf("item %d is empty", i+1)
		case len(items) == 1:
			e.Detail = "a security group id is sg- followed by 8 or 17 hex digits"
		default:
			e.Detail = fmt.Sprintf("item %d, %s, is not sg- followed by 8 or 17 hex digits", i+1, quote(item))
		}
		return e
	}
	return nil
}

func checkInstanceClass(v string) *ValueError {
	if instanceClassRE.MatchString(v) {
		return nil
	}
	e := &ValueError{Problem: "is not a DB instance class"}
	if !strings.HasPrefix(v, "db.") {
		e.Detail = `it must start with "db."`
		if instanceClassRE.MatchString("db." + v) {
			e.Fix = "write " + quote("db."+v)
		}
	} else {
		e.Detail = "it must look like db.<family>.<size>, in lower case"
	}
	return e
}
