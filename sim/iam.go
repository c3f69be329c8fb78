package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// IAM principals of the simulated account and iam:SimulatePrincipalPolicy
// (Query, API 2010-05-08, SigV4 name `iam`, a global service signed for
// us-east-1). STS GetCallerIdentity answers as the caller, one of the
// principals; the admin API can switch the caller or add principals.

// ScenarioPrincipal is an IAM role or user and its inline identity policies.
type ScenarioPrincipal struct {
	// ARN is arn:aws:iam::<account>:role/[path/]name or .../user/[path/]name.
	ARN      string           `yaml:"arn" json:"arn"`
	Policies []ScenarioPolicy `yaml:"policies" json:"policies"`
}

// ScenarioPolicy is one inline policy: Document is the policy, as a YAML or
// JSON object or as a string of JSON.
type ScenarioPolicy struct {
	Name     string `yaml:"name" json:"name"`
	Document any    `yaml:"document" json:"document"`
}

// defaultCaller is the caller of a scenario without principals: a user
// allowed everything, so that older scenarios pass a permission check.
func defaultCaller(account string) ScenarioPrincipal {
	return ScenarioPrincipal{ARN: "arn:aws:iam::" + account + ":user/drorch-sim", Policies: []ScenarioPolicy{{
		Name: "drorch-sim-allow-all", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}}}
}

// principal is a parsed ScenarioPrincipal.
type principal struct {
	arn      string
	kind     string // role or user
	name     string // last path element
	account  string
	policies []*policy
}

var principalARN = regexp.MustCompile(`^arn:aws:iam::(\d{12}):(role|user)((?:/[\w+=,.@-]+)*)/([\w+=,.@-]{1,64})$`)

// parsePrincipal checks a principal of account.
func parsePrincipal(sp ScenarioPrincipal, account string) (*principal, error) {
	m := principalARN.FindStringSubmatch(sp.ARN)
	if m == nil {
		return nil, fmt.Errorf("principal %q: the ARN must be arn:aws:iam::<account>:role/<name> or :user/<name> (a path may come before the name)", truncate(sp.ARN, 128))
	}
	if m[1] != account {
		return nil, fmt.Errorf("principal %s: account %s is not the scenario's account %s", sp.ARN, m[1], account)
	}
	p := &principal{arn: sp.ARN, kind: m[2], name: m[4], account: account}
	for i, sp := range sp.Policies {
		if sp.Name == "" {
			return nil, fmt.Errorf("principal %s: policy %d: name is required", p.arn, i+1)
		}
		doc, err := policyText(sp.Document)
		if err != nil {
			return nil, fmt.Errorf("principal %s: policy %s: %w", p.arn, sp.Name, err)
		}
		pol, err := parsePolicy(sp.Name, doc)
		if err != nil {
			return nil, fmt.Errorf("principal %s: %w", p.arn, err)
		}
		if slices.ContainsFunc(p.policies, func(q *policy) bool { return q.name == sp.Name }) {
			return nil, fmt.Errorf("principal %s: policy %s is defined twice", p.arn, sp.Name)
		}
		p.policies = append(p.policies, pol)
	}
	return p, nil
}

// policyText turns a scenario's policy document into JSON text.
func policyText(doc any) (string, error) {
	switch d := doc.(type) {
	case nil:
		return "", errors.New("document is required")
	case string:
		return d, nil
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", fmt.Errorf("document: %w", err)
	}
	return string(b), nil
}

// iamState is the account's principals and the current caller.
type iamState struct {
	principals []*principal
	caller     *principal
}

// newIAMState builds the principals of sc.
func newIAMState(sc *Scenario, account string) (*iamState, error) {
	st := &iamState{}
	list := sc.Principals
	if len(list) == 0 {
		list = []ScenarioPrincipal{defaultCaller(account)}
	}
	for _, sp := range list {
		if err := st.put(sp, account); err != nil {
			return nil, err
		}
	}
	caller := sc.Caller
	if caller == "" {
		caller = list[0].ARN
	}
	if st.caller = st.lookup(caller); st.caller == nil {
		return nil, fmt.Errorf("caller %s is not one of the scenario's principals", caller)
	}
	return st, nil
}

// put adds or replaces a principal.
func (st *iamState) put(sp ScenarioPrincipal, account string) error {
	p, err := parsePrincipal(sp, account)
	if err != nil {
		return err
	}
	if i := slices.IndexFunc(st.principals, func(q *principal) bool { return sameEntity(q, p) }); i >= 0 {
		if st.caller == st.principals[i] {
			st.caller = p
		}
		st.principals[i] = p
		return nil
	}
	st.principals = append(st.principals, p)
	return nil
}

// sameEntity: IAM role and user names are unique regardless of case (and
// path) within an account.
func sameEntity(a, b *principal) bool { return a.kind == b.kind && strings.EqualFold(a.name, b.name) }

// lookup finds a principal by its IAM ARN, the name compared without case.
func (st *iamState) lookup(arn string) *principal {
	m := principalARN.FindStringSubmatch(arn)
	if m == nil {
		return nil
	}
	for _, p := range st.principals {
		if p.account == m[1] && p.kind == m[2] && strings.EqualFold(p.name, m[4]) {
			return p
		}
	}
	return nil
}

// identity is what GetCallerIdentity says: a role is seen through an
// assumed-role session, as AWS shows a caller that assumed it.
func (p *principal) identity() (arn, userID string) {
	id := strings.ToUpper(strings.ReplaceAll(stableUUID("iam", p.arn), "-", ""))[:17]
	if p.kind == "role" {
		return fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", p.account, p.name, callerSession), "AROA" + id + ":" + callerSession
	}
	return p.arn, "AIDA" + id
}

// callerSession is the session name of a caller that is a role.
const callerSession = "drorch-sim"

// simulateMaxResults bounds the results (actions x resources) of one
// SimulatePrincipalPolicy call, so that one request costs little.
const simulateMaxResults = 1000

func simulatePrincipalPolicy(c *call, x xw) *apiError {
	src := c.p.str("PolicySourceArn")
	actions := c.p.strings("ActionNames", "member")
	resources := c.p.strings("ResourceArns", "member")
	for _, name := range []string{"PolicyInputList", "PermissionsBoundaryPolicyInputList", "ContextEntries",
		"ResourcePolicy", "ResourceOwner", "CallerArn", "ResourceHandlingOption"} {
		if c.p.node(name) != nil {
			return newErr("InvalidInput", 400, "drorch sim simulates the principal's own identity policies only; %s is not supported.", name)
		}
	}
	switch {
	case src == "":
		return newErr("ValidationError", 400, "1 validation error detected: Value null at 'policySourceArn' failed to satisfy constraint: Member must not be null")
	case len(actions) == 0:
		return newErr("ValidationError", 400, "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null")
	case len(src) > 2048:
		return newErr("ValidationError", 400, "1 validation error detected: Value at 'policySourceArn' failed to satisfy constraint: Member must have length less than or equal to 2048")
	}
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	if len(actions)*len(resources) > simulateMaxResults {
		return newErr("InvalidInput", 400, "drorch sim simulates at most %d action-resource pairs per call (got %d x %d).", simulateMaxResults, len(actions), len(resources))
	}
	for _, a := range actions {
		if len(a) < 3 || len(a) > 128 {
			return newErr("ValidationError", 400, "1 validation error detected: Value at 'actionNames' failed to satisfy constraint: Member must have length between 3 and 128")
		}
	}
	for _, r := range resources {
		if len(r) == 0 || len(r) > 2048 {
			return newErr("ValidationError", 400, "1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length between 1 and 2048")
		}
	}
	maxItems, aerr := c.p.integer("MaxItems", 100)
	if aerr != nil {
		return aerr
	}
	if maxItems < 1 || maxItems > 1000 {
		return newErr("ValidationError", 400, "1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", maxItems)
	}
	p, aerr := c.w.iam.source(src)
	if aerr != nil {
		return aerr
	}
	first := 0
	if m := c.p.str("Marker"); m != "" {
		s, merr := decodeMarker(m)
		n, err := strconv.Atoi(s)
		if merr != nil || err != nil || n < 0 || n >= len(actions)*len(resources) {
			return newErr("InvalidInput", 400, "Invalid Marker.")
		}
		first = n
	}
	last := min(first+maxItems, len(actions)*len(resources))
	x.open("EvaluationResults")
	for i := first; i < last; i++ {
		writeEvaluation(x, p, evaluate(p.policies, actions[i/len(resources)], resources[i%len(resources)]))
	}
	x.close("EvaluationResults")
	x.boolean("IsTruncated", last < len(actions)*len(resources))
	if last < len(actions)*len(resources) {
		x.str("Marker", encodeMarker(strconv.Itoa(last)))
	}
	return nil
}

// source finds the principal a PolicySourceArn names.
func (st *iamState) source(arn string) (*principal, *apiError) {
	m := principalARN.FindStringSubmatch(arn)
	if m == nil {
		if strings.HasPrefix(arn, "arn:aws:iam::") && strings.Contains(arn, ":group/") {
			return nil, newErr("NoSuchEntity", 404, "The group with name %s cannot be found.", truncate(arn[strings.LastIndex(arn, "/")+1:], 128))
		}
		return nil, newErr("InvalidInput", 400, "Invalid ARN %s: PolicySourceArn must be the ARN of an IAM user, group or role.", truncate(arn, 128))
	}
	p := st.lookup(arn)
	if p == nil {
		return nil, newErr("NoSuchEntity", 404, "The %s with name %s cannot be found.", m[2], m[4])
	}
	return p, nil
}

func writeEvaluation(x xw, p *principal, ev evaluation) {
	x.open("member")
	x.str("EvalActionName", ev.action)
	x.str("EvalResourceName", ev.resource)
	x.str("EvalDecision", ev.decision)
	x.open("MatchedStatements")
	for _, m := range ev.matched {
		x.open("member")
		x.str("SourcePolicyId", m.policy)
		x.str("SourcePolicyType", p.kind)
		writePosition(x, "StartPosition", m.start)
		writePosition(x, "EndPosition", m.end)
		x.close("member")
	}
	x.close("MatchedStatements")
	x.list("MissingContextValues", "member", ev.missing)
	x.close("member")
}

func writePosition(x xw, name string, pos position) {
	x.open(name)
	x.integer("Line", pos.line)
	x.integer("Column", pos.column)
	x.close(name)
}

// Caller returns the ARN of the principal the simulator answers as.
func (s *Sim) Caller() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.iam.caller.arn
}

// Principals lists the ARNs of the account's principals.
func (s *Sim) Principals() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.w.iam.principals))
	for i, p := range s.w.iam.principals {
		out[i] = p.arn
	}
	return out
}

// SetCaller makes the principal arn (one of Principals) the caller that STS
// GetCallerIdentity answers for.
func (s *Sim) SetCaller(arn string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.w.iam.lookup(arn)
	if p == nil {
		return fmt.Errorf("set caller: %s is not a principal of the simulated account (add it with PutPrincipal)", truncate(arn, 256))
	}
	s.w.iam.caller = p
	return nil
}

// PutPrincipal adds a principal, or replaces the one with the same name.
func (s *Sim) PutPrincipal(sp ScenarioPrincipal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.w.iam.put(sp, s.w.account); err != nil {
		return fmt.Errorf("put principal: %w", err)
	}
	return nil
}

// validatePrincipals checks the scenario's principals and caller.
func (sc *Scenario) validatePrincipals() error {
	if _, err := newIAMState(sc, sc.account()); err != nil {
		return fmt.Errorf("principals: %w", err)
	}
	return nil
}
