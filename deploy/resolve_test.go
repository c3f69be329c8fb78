package deploy

import (
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// stack resolves the intrinsic functions of the template's resources as
// CloudFormation would in one stack in us-west-2 of account 123456789012:
// pseudo parameters, the parameters (their defaults, then overrides), and
// Ref and Fn::GetAtt of the resources the function's side names, with
// physical ids made up in AWS's formats. A name it does not know fails the
// test, so that a new reference cannot slip through unresolved.
type stack struct {
	t      *testing.T
	values map[string]string
	conds  map[string]bool
	res    map[string]*yaml.Node
}

// Made-up physical ids of the stack's resources, in AWS's formats.
const (
	testAccount      = "123456789012"
	testRegion       = "us-west-2"
	testFunctionRole = "arn:aws:iam::123456789012:role/drorch-function-us-west-2"
	testFunctionArn  = "arn:aws:lambda:us-west-2:123456789012:function:drorch-function"
	testRunBucketArn = "arn:aws:s3:::drorch-runbucket-1a2b3c4d5e6f"
)

func newStack(t *testing.T, overrides map[string]string) *stack {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(Template, &doc); err != nil {
		t.Fatal(err)
	}
	s := &stack{t: t, res: map[string]*yaml.Node{}, conds: map[string]bool{}, values: map[string]string{
		"AWS::Partition": "aws", "AWS::AccountId": testAccount, "AWS::Region": testRegion,
		"FunctionRole": "drorch-function-us-west-2", "FunctionRole.Arn": testFunctionRole,
		"Function": "drorch-function", "Function.Arn": testFunctionArn,
		"RunBucket": "drorch-runbucket-1a2b3c4d5e6f", "RunBucket.Arn": testRunBucketArn,
		"LockTable.Arn":         "arn:aws:dynamodb:us-west-2:123456789012:table/drorch-locks",
		"Key.Arn":               "arn:aws:kms:us-west-2:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
		"FingerprintKey.Arn":    "arn:aws:kms:us-west-2:123456789012:key/9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0",
		"Topic":                 "arn:aws:sns:us-west-2:123456789012:drorch-runs",
		"DeadLetterQueue.Arn":   "arn:aws:sqs:us-west-2:123456789012:drorch-function-dlq",
		"FunctionLogGroup.Arn":  "arn:aws:logs:us-west-2:123456789012:log-group:/aws/lambda/drorch-function",
		"CheckScheduleRole.Arn": "arn:aws:iam::123456789012:role/drorch-check-schedule-us-west-2",
	}}
	root := doc.Content[0]
	for i := 0; i < len(root.Content); i += 2 {
		body := root.Content[i+1]
		switch root.Content[i].Value {
		case "Parameters":
			for j := 0; j < len(body.Content); j += 2 {
				if d := field(body.Content[j+1], "Default"); d != nil {
					s.values[body.Content[j].Value] = d.Value
				}
			}
		case "Resources":
			for j := 0; j < len(body.Content); j += 2 {
				s.res[body.Content[j].Value] = body.Content[j+1]
			}
		}
	}
	for k, v := range overrides {
		s.values[k] = v
	}
	s.conds["ScheduledCheck"] = s.values["CheckPayloadKey"] != ""
	s.conds["InVpc"] = s.values["SubnetIds"] != ""
	return s
}

// field returns the value of key in mapping n, or nil.
func field(n *yaml.Node, key string) *yaml.Node {
	for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// resource returns a resource's condition (true without one) and its
// properties, resolved.
func (s *stack) resource(name string) (bool, map[string]any) {
	s.t.Helper()
	n, ok := s.res[name]
	if !ok {
		s.t.Fatalf("the template has no resource %s", name)
	}
	created := true
	if c := field(n, "Condition"); c != nil {
		created = s.cond(c.Value)
	}
	props, _ := s.resolve(field(n, "Properties"))
	m, _ := props.(map[string]any)
	return created, m
}

func (s *stack) cond(name string) bool {
	s.t.Helper()
	v, ok := s.conds[name]
	if !ok {
		s.t.Fatalf("unknown condition %s", name)
	}
	return v
}

func (s *stack) value(name string) string {
	s.t.Helper()
	v, ok := s.values[name]
	if !ok {
		s.t.Fatalf("the test's stack cannot resolve %s: give it a value", name)
	}
	return v
}

var subVar = regexp.MustCompile(`\$\{([^}!]+)\}`)

func (s *stack) sub(text string) string {
	return subVar.ReplaceAllStringFunc(text, func(m string) string { return s.value(m[2 : len(m)-1]) })
}

// resolve turns n into plain values; present is false for AWS::NoValue.
func (s *stack) resolve(n *yaml.Node) (v any, present bool) {
	s.t.Helper()
	if n == nil {
		return nil, false
	}
	switch n.Kind {
	case yaml.AliasNode:
		return s.resolve(n.Alias)
	case yaml.ScalarNode:
		switch n.Tag {
		case "!Sub":
			return s.sub(n.Value), true
		case "!Ref":
			if n.Value == "AWS::NoValue" {
				return nil, false
			}
			return s.value(n.Value), true
		case "!GetAtt":
			return s.value(n.Value), true
		}
		var x any
		if err := n.Decode(&x); err != nil {
			s.t.Fatal(err)
		}
		return x, true
	case yaml.SequenceNode:
		if n.Tag == "!If" {
			if s.cond(n.Content[0].Value) {
				return s.resolve(n.Content[1])
			}
			return s.resolve(n.Content[2])
		}
		if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
			s.t.Fatalf("line %d: the test's stack cannot resolve %s", n.Line, n.Tag)
		}
		out := []any{}
		for _, c := range n.Content {
			if x, ok := s.resolve(c); ok {
				out = append(out, x)
			}
		}
		return out, true
	case yaml.MappingNode:
		if len(n.Content) == 2 && n.Content[0].Value == "Fn::Sub" {
			return s.sub(n.Content[1].Value), true
		}
		out := map[string]any{}
		for i := 0; i < len(n.Content); i += 2 {
			if x, ok := s.resolve(n.Content[i+1]); ok {
				out[n.Content[i].Value] = x
			}
		}
		return out, true
	}
	s.t.Fatalf("line %d: unexpected YAML node", n.Line)
	return nil, false
}

// rolePolicies returns the inline policies CloudFormation attaches to
// role: its AWS::IAM::Policy resources that are created, by name.
func (s *stack) rolePolicies(role string) map[string]any {
	s.t.Helper()
	out := map[string]any{}
	for name, n := range s.res {
		if typ := field(n, "Type"); typ == nil || typ.Value != "AWS::IAM::Policy" {
			continue
		}
		roles := field(field(n, "Properties"), "Roles")
		attached := false
		for _, r := range roles.Content {
			attached = attached || (r.Tag == "!Ref" && r.Value == role)
		}
		if !attached {
			continue
		}
		created, props := s.resource(name)
		if created {
			out[props["PolicyName"].(string)] = props["PolicyDocument"]
		}
	}
	return out
}
