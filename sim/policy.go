package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// IAM identity policies and their evaluation, as iam:SimulatePrincipalPolicy
// does it for the policies attached to one principal (no resource policies,
// permissions boundaries, SCPs or session policies):
//
//   - an explicit Deny that applies wins (explicitDeny);
//   - else an Allow that applies allows (allowed);
//   - else the request is denied by default (implicitDeny).
//
// A statement applies when its Action (or NotAction) matches the action,
// its Resource (or NotResource) matches the resource, and its conditions
// hold. Action matching ignores case, resource matching does not; both take
// * and ? wildcards (IAM UG, "Policy evaluation logic" and "IAM JSON policy
// elements: Action / Resource",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
//
// Conditions are not evaluated. Like the policy simulator when a request
// gives no value for a condition key, a statement with a Condition is
// treated as not applying, and its condition keys are reported in
// MissingContextValues; so a conditional Allow does not allow and a
// conditional Deny does not deny.

// maxPolicyBytes is IAM's limit on an inline role policy (10,240
// characters; IAM UG, "IAM and AWS STS quotas").
const maxPolicyBytes = 10240

// position is a place in a policy document: 1-based line and column.
type position struct{ line, column int }

// statement is one parsed policy statement.
type statement struct {
	sid         string
	allow       bool
	actions     []string
	notAction   bool
	resources   []string
	notResource bool
	// conditionKeys are the keys the Condition block tests (sorted).
	conditionKeys []string
	start, end    position
}

// policy is a parsed identity policy.
type policy struct {
	name       string // SourcePolicyId
	statements []statement
}

// parsePolicy parses an identity policy document, rejecting what IAM's
// validation would reject (MalformedPolicyDocument).
func parsePolicy(name, doc string) (*policy, error) {
	if len(doc) > maxPolicyBytes {
		return nil, fmt.Errorf("policy %s: %d characters, more than IAM's %d", name, len(doc), maxPolicyBytes)
	}
	text := []byte(doc)
	dec := json.NewDecoder(bytes.NewReader(text))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("policy %s: a policy document is a JSON object", name)
	}
	p := &policy{name: name}
	var stmts json.RawMessage
	stmtsAt := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", name, err)
		}
		key, _ := tok.(string)
		at := int(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("policy %s: %s: %w", name, key, err)
		}
		switch key {
		case "Version":
			var v string
			if json.Unmarshal(raw, &v) != nil || v != "2012-10-17" && v != "2008-10-17" {
				return nil, fmt.Errorf("policy %s: Version %s must be \"2012-10-17\" or \"2008-10-17\"", name, raw)
			}
		case "Id":
		case "Statement":
			stmts, stmtsAt = raw, at+bytes.Index(text[at:], raw)
		default:
			return nil, fmt.Errorf("policy %s: unknown element %q (Version, Id, Statement)", name, key)
		}
	}
	if stmts == nil {
		return nil, fmt.Errorf("policy %s: Statement is required", name)
	}
	type span struct {
		raw   json.RawMessage
		start int
	}
	var spans []span
	if stmts[0] == '[' {
		inner := json.NewDecoder(bytes.NewReader(stmts))
		_, _ = inner.Token()
		for inner.More() {
			at := int(inner.InputOffset())
			var raw json.RawMessage
			if err := inner.Decode(&raw); err != nil {
				return nil, fmt.Errorf("policy %s: Statement: %w", name, err)
			}
			spans = append(spans, span{raw, stmtsAt + at + bytes.Index(stmts[at:], raw)})
		}
	} else {
		spans = append(spans, span{stmts, stmtsAt})
	}
	if len(spans) == 0 {
		return nil, fmt.Errorf("policy %s: Statement is empty", name)
	}
	for i, sp := range spans {
		st, err := parseStatement(sp.raw)
		if err != nil {
			return nil, fmt.Errorf("policy %s: statement %d: %w", name, i+1, err)
		}
		st.start, st.end = positionOf(text, sp.start), positionOf(text, sp.start+len(sp.raw))
		p.statements = append(p.statements, st)
	}
	return p, nil
}

func positionOf(text []byte, off int) position {
	line := 1 + bytes.Count(text[:off], []byte("\n"))
	return position{line: line, column: off - bytes.LastIndexByte(text[:off], '\n')}
}

func parseStatement(raw json.RawMessage) (statement, error) {
	var st statement
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return st, errors.New("a statement is a JSON object")
	}
	for k := range m {
		switch k {
		case "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition":
		case "Principal", "NotPrincipal":
			return st, fmt.Errorf("%s is not allowed in an identity policy (it belongs in resource policies)", k)
		default:
			return st, fmt.Errorf("unknown element %q", k)
		}
	}
	if s, ok := m["Sid"]; ok && json.Unmarshal(s, &st.sid) != nil {
		return st, errors.New("the Sid must be a string")
	}
	var effect string
	_ = json.Unmarshal(m["Effect"], &effect)
	switch effect {
	case "Allow":
		st.allow = true
	case "Deny":
	default:
		return st, fmt.Errorf("the Effect %s must be \"Allow\" or \"Deny\"", m["Effect"])
	}
	var err error
	if st.actions, st.notAction, err = stringOrList(m, "Action", "NotAction"); err != nil {
		return st, err
	}
	for _, a := range st.actions {
		if a != "*" && !strings.Contains(a, ":") {
			return st, fmt.Errorf("action %q must be \"*\" or service:action (e.g. rds:Describe*)", a)
		}
	}
	if st.resources, st.notResource, err = stringOrList(m, "Resource", "NotResource"); err != nil {
		return st, err
	}
	if c, ok := m["Condition"]; ok {
		var cond map[string]map[string]json.RawMessage
		if json.Unmarshal(c, &cond) != nil {
			return st, errors.New("the Condition must map operators to {key: value} objects")
		}
		for _, kv := range cond {
			for k := range kv {
				if !slices.Contains(st.conditionKeys, k) {
					st.conditionKeys = append(st.conditionKeys, k)
				}
			}
		}
		slices.Sort(st.conditionKeys)
	}
	return st, nil
}

// stringOrList reads exactly one of two elements, each a string or a list
// of strings.
func stringOrList(m map[string]json.RawMessage, name, notName string) ([]string, bool, error) {
	raw, has := m[name]
	notRaw, hasNot := m[notName]
	switch {
	case has && hasNot:
		return nil, false, fmt.Errorf("give %s or %s, not both", name, notName)
	case !has && !hasNot:
		return nil, false, fmt.Errorf("%s or %s is required", name, notName)
	case hasNot:
		raw = notRaw
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, hasNot, nil
	}
	var list []string
	if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return nil, false, fmt.Errorf("%s must be a string or a non-empty list of strings", name)
	}
	return list, hasNot, nil
}

// Decisions, as EvalDecision spells them.
const (
	decisionAllowed      = "allowed"
	decisionExplicitDeny = "explicitDeny"
	decisionImplicitDeny = "implicitDeny"
)

// matchedStatement is a statement that decided a result.
type matchedStatement struct {
	policy     string
	start, end position
}

// evaluation is the result for one action on one resource.
type evaluation struct {
	action, resource string
	decision         string
	matched          []matchedStatement
	missing          []string
}

// evaluate decides action on resource under policies.
func evaluate(policies []*policy, action, resource string) evaluation {
	ev := evaluation{action: action, resource: resource}
	var allows, denies []matchedStatement
	for _, p := range policies {
		for _, st := range p.statements {
			if !st.appliesTo(action, resource) {
				continue
			}
			if len(st.conditionKeys) > 0 {
				for _, k := range st.conditionKeys {
					if !slices.Contains(ev.missing, k) {
						ev.missing = append(ev.missing, k)
					}
				}
				continue
			}
			m := matchedStatement{policy: p.name, start: st.start, end: st.end}
			if st.allow {
				allows = append(allows, m)
			} else {
				denies = append(denies, m)
			}
		}
	}
	slices.Sort(ev.missing)
	switch {
	case len(denies) > 0:
		ev.decision, ev.matched = decisionExplicitDeny, denies
	case len(allows) > 0:
		ev.decision, ev.matched = decisionAllowed, allows
	default:
		ev.decision = decisionImplicitDeny
	}
	return ev
}

func (st statement) appliesTo(action, resource string) bool {
	am := slices.ContainsFunc(st.actions, func(p string) bool { return matchAction(p, action) })
	rm := slices.ContainsFunc(st.resources, func(p string) bool { return matchResource(p, resource) })
	return am != st.notAction && rm != st.notResource
}

// matchAction matches an action pattern, ignoring case.
func matchAction(pattern, action string) bool {
	return glob(strings.ToLower(pattern), strings.ToLower(action), false)
}

// matchResource matches a resource ARN pattern, case-sensitively. A * that
// ends an ARN segment may match across colons; any other wildcard stays in
// its segment (IAM UG, "Using wildcards in resource ARNs").
func matchResource(pattern, resource string) bool {
	return glob(pattern, resource, true)
}

// glob matches s against p with * (any run) and ? (any one character). In
// segmented mode (ARNs), * and ? do not match ':' unless the * ends a
// segment (is followed by ':' or ends the pattern).
func glob(p, s string, segmented bool) bool {
	// ok[j] reports whether p[:i] matches s[:j], row by row.
	ok := make([]bool, len(s)+1)
	ok[0] = true
	for i := 0; i < len(p); i++ {
		next := make([]bool, len(s)+1)
		switch c := p[i]; c {
		case '*':
			free := !segmented || i+1 == len(p) || p[i+1] == ':'
			next[0] = ok[0]
			for j := 1; j <= len(s); j++ {
				next[j] = ok[j] || next[j-1] && (free || s[j-1] != ':')
			}
		default:
			for j := 1; j <= len(s); j++ {
				next[j] = ok[j-1] && (c == s[j-1] || c == '?' && (!segmented || s[j-1] != ':'))
			}
		}
		ok = next
	}
	return ok[len(s)]
}
