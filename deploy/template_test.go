package deploy

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"drorch/lock/dynamolock"
	"drorch/sfn"
	"drorch/sfn/ops"
)

var update = flag.Bool("update", false, "rewrite the generated blocks of template.yaml")

// TestTemplateGenerated: the template's generated blocks are what the
// generator makes today (go test ./deploy -update rewrites them).
func TestTemplateGenerated(t *testing.T) {
	t.Parallel()
	got, err := Render(Template)
	if err != nil {
		t.Fatal(err)
	}
	if *update && !bytes.Equal(got, Template) {
		if err := os.WriteFile("template.yaml", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, Template) {
		t.Error("template.yaml's generated blocks are stale: run go test ./deploy -update and review the diff")
	}
}

// TestTemplateDefinitions reads the template as YAML, as CloudFormation
// does, and checks that each state machine's DefinitionString is the
// generator's definition of its workflow, its function substituted in.
func TestTemplateDefinitions(t *testing.T) {
	t.Parallel()
	res := resources(t)
	for _, w := range sfn.Workflows() {
		name := strings.ToUpper(w.Name[:1]) + w.Name[1:] + "StateMachine"
		props := res[name].Properties
		var got, want any
		if err := json.Unmarshal([]byte(props["DefinitionString"].(string)), &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := sfn.Generate(w, sfn.Options{}).JSON()
		_ = json.Unmarshal(b, &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s's definition is not the generator's", name)
		}
		if props["StateMachineType"] != "STANDARD" {
			t.Errorf("%s: type %v", name, props["StateMachineType"])
		}
		subs, _ := props["DefinitionSubstitutions"].(map[string]any)
		if _, ok := subs["FunctionArn"]; !ok {
			t.Errorf("%s substitutes %v, not FunctionArn", name, subs)
		}
	}
}

// TestTemplateFunction: the function as the brief of the deployment says.
func TestTemplateFunction(t *testing.T) {
	t.Parallel()
	p := resources(t)["Function"].Properties
	for k, want := range map[string]any{"Runtime": "provided.al2023", "Handler": "bootstrap"} {
		if p[k] != want {
			t.Errorf("%s = %v, want %v", k, p[k], want)
		}
	}
	for _, k := range []string{"ReservedConcurrentExecutions", "DeadLetterConfig", "TracingConfig", "VpcConfig", "Architectures"} {
		if p[k] == nil {
			t.Errorf("the function has no %s", k)
		}
	}
	env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
	for _, k := range []string{"DRORCH_RUN_BUCKET", "DRORCH_LOCK_TABLE", "DRORCH_TOPIC_ARN", "DRORCH_FINGERPRINT_KEY", "DRORCH_POLLS_PER_SECOND"} {
		if env[k] == nil {
			t.Errorf("the function does not get %s", k)
		}
	}
}

// TestDatabaseStatements: the function may do what every workflow type
// needs, on resources of the account only, and nothing on "*" but reads
// that IAM cannot scope.
func TestDatabaseStatements(t *testing.T) {
	t.Parallel()
	stmts, err := DatabaseStatements()
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	for _, s := range stmts {
		for _, a := range s.Action {
			actions[a] = true
		}
		for _, r := range s.Resource {
			if r == "*" {
				t.Errorf("%s: %v on every resource", s.Sid, s.Action)
			}
			if strings.HasPrefix(r, "arn:") && !strings.Contains(r, "${AWS::AccountId}") {
				t.Errorf("%s: %s is not scoped to the account", s.Sid, r)
			}
		}
	}
	for _, want := range []string{"rds:SwitchoverGlobalCluster", "rds:RemoveFromGlobalCluster", "rds:PromoteReadReplica",
		"rds:CreateDBInstanceReadReplica", "rds:CreateDBCluster", "rds:CreateGlobalCluster", "elasticache:FailoverGlobalReplicationGroup"} {
		if !actions[want] {
			t.Errorf("the function may not %s", want)
		}
	}
	if actions["rds:FailoverGlobalCluster"] {
		t.Error("the function may fail over with data loss: no workflow runs ManagedFailoverAurora")
	}
}

func TestWiden(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02":   "arn:${AWS::Partition}:rds:*:${AWS::AccountId}:cluster:*",
		"arn:aws:rds::123456789012:global-cluster:dr-db":            "arn:${AWS::Partition}:rds::${AWS::AccountId}:global-cluster:*",
		"arn:aws:iam::123456789012:role/rds-monitoring-role":        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*",
		"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd": "arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*",
		"*": "*",
	} {
		if got := widen(in); got != want {
			t.Errorf("widen(%s) = %s, want %s", in, got, want)
		}
	}
}

type cfnResource struct {
	Type       string         `yaml:"Type"`
	Condition  string         `yaml:"Condition"`
	Properties map[string]any `yaml:"Properties"`
}

// resources decodes the template's resources; the intrinsic tags (!Ref,
// !Sub, ...) decode as their plain values.
func resources(t *testing.T) map[string]cfnResource {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(Template, &doc); err != nil {
		t.Fatal(err)
	}
	stripTags(&doc)
	var tmpl struct {
		Resources map[string]cfnResource `yaml:"Resources"`
	}
	if err := doc.Decode(&tmpl); err != nil {
		t.Fatal(err)
	}
	return tmpl.Resources
}

func stripTags(n *yaml.Node) {
	if strings.HasPrefix(n.Tag, "!") {
		n.Tag = ""
	}
	for _, c := range n.Content {
		stripTags(c)
	}
}

// TestTemplateLockTable: the lock table has the key schema and TTL
// attribute package lock needs (dynamolock's CreateTableInput), is billed
// on demand and has point-in-time recovery.
func TestTemplateLockTable(t *testing.T) {
	t.Parallel()
	p := resources(t)["LockTable"].Properties
	want := dynamolock.CreateTableInput("t")
	keys := p["KeySchema"].([]any)
	attrs := p["AttributeDefinitions"].([]any)
	if len(keys) != 1 || len(attrs) != 1 || len(want.KeySchema) != 1 ||
		keys[0].(map[string]any)["AttributeName"] != *want.KeySchema[0].AttributeName || keys[0].(map[string]any)["KeyType"] != string(want.KeySchema[0].KeyType) ||
		attrs[0].(map[string]any)["AttributeName"] != dynamolock.AttrID || attrs[0].(map[string]any)["AttributeType"] != "S" {
		t.Errorf("keys %v, attributes %v", keys, attrs)
	}
	ttl := p["TimeToLiveSpecification"].(map[string]any)
	if ttl["AttributeName"] != dynamolock.AttrExpire || ttl["Enabled"] != true {
		t.Errorf("TTL %v, want %s", ttl, dynamolock.AttrExpire)
	}
	if p["BillingMode"] != string(want.BillingMode) || p["PointInTimeRecoverySpecification"].(map[string]any)["PointInTimeRecoveryEnabled"] != true {
		t.Errorf("billing %v, PITR %v", p["BillingMode"], p["PointInTimeRecoverySpecification"])
	}
}

// TestTemplateLockPolicy: the function may make on the lock table exactly
// what its lock makes, and no DynamoDB action anywhere else.
func TestTemplateLockPolicy(t *testing.T) {
	t.Parallel()
	res := resources(t)
	found := false
	for name, r := range res {
		if r.Type != "AWS::IAM::Policy" {
			continue
		}
		doc := r.Properties["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			s := st.(map[string]any)
			var actions []string
			switch a := s["Action"].(type) {
			case string:
				actions = []string{a}
			case []any:
				for _, x := range a {
					actions = append(actions, x.(string))
				}
			}
			dynamo := false
			for _, a := range actions {
				dynamo = dynamo || strings.HasPrefix(a, "dynamodb:")
			}
			if !dynamo {
				continue
			}
			if s["Sid"] != "Lock" || name != "FunctionRunPolicy" {
				t.Errorf("%s %v grants %v", name, s["Sid"], actions)
				continue
			}
			found = true
			sort.Strings(actions)
			if want := dynamolock.Actions(ops.LockWrites...); !reflect.DeepEqual(actions, want) {
				t.Errorf("the function may %v on the lock table; its lock makes %v", actions, want)
			}
			if s["Resource"] != "LockTable.Arn" {
				t.Errorf("the lock statement is on %v", s["Resource"])
			}
		}
	}
	if !found {
		t.Error("the function may not use the lock table")
	}
}

// TestTemplateExecutionEnd: an execution of either state machine that ends
// without its Finish (stopped, timed out) has the function release its
// lock.
func TestTemplateExecutionEnd(t *testing.T) {
	t.Parallel()
	res := resources(t)
	p := res["ExecutionEndRule"].Properties
	pattern := p["EventPattern"].(map[string]any)
	detail := pattern["detail"].(map[string]any)
	if fmt.Sprint(pattern["source"]) != "[aws.states]" || fmt.Sprint(detail["status"]) != "[ABORTED TIMED_OUT FAILED]" ||
		fmt.Sprint(detail["stateMachineArn"]) != "[FailoverStateMachine FailbackStateMachine]" {
		t.Errorf("pattern %v", pattern)
	}
	target := p["Targets"].([]any)[0].(map[string]any)
	tr := target["InputTransformer"].(map[string]any)
	input := strings.NewReplacer("<arn>", `"arn:aws:states:us-west-2:1:execution:drorch-failover:x"`, "<name>", `"x"`).Replace(tr["InputTemplate"].(string))
	var req sfn.Request
	if err := json.Unmarshal([]byte(input), &req); err != nil || req.Op != sfn.OpRelease || req.Execution.Name != "x" || target["Arn"] != "Function.Arn" {
		t.Errorf("target %v: %+v %v", target, req, err)
	}
	perm := res["ExecutionEndPermission"].Properties
	if perm["Principal"] != "events.amazonaws.com" || perm["SourceArn"] != "ExecutionEndRule.Arn" {
		t.Errorf("permission %v", perm)
	}
}
