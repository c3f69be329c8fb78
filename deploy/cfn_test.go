package deploy

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"drorch/internal/motoserver"
	"drorch/lock/dynamolock"
	"drorch/sfn"
)

// tool returns the path of a command the machine provides (cfn-lint, aws,
// python3); without it the test fails under DRORCH_REQUIRE_PYTHON=1 and is
// skipped otherwise.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(motoserver.RequireEnv) == "1" {
			t.Fatalf("%s is required: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

// TestCfnLint: cfn-lint reports no error on the template (warnings are
// shown; exit status bit 2 is an error).
func TestCfnLint(t *testing.T) {
	t.Parallel()
	lint := tool(t, "cfn-lint")
	out, err := exec.Command(lint, "--", "template.yaml").CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode()&2 == 0:
		t.Logf("cfn-lint warnings:\n%s", out)
	default:
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
}

// mayMiss are the resource types moto's CloudFormation does not create,
// which the deploy test leaves out of its copy of the template: the run
// bucket's TLS-only policy, and the readiness check's schedule (moto has
// EventBridge Scheduler's API but no CloudFormation resource for it: the
// test creates the schedule through the API, resolved as the template
// writes it). Two more gaps of moto show in the checks below: a stack
// made through a change set (what `deploy` does) has no Outputs, and state
// machines keep their DefinitionSubstitutions placeholders.
var mayMiss = map[string]bool{"AWS::S3::BucketPolicy": true, "AWS::Scheduler::Schedule": true}

// TestDeployToMoto deploys the template with `aws cloudformation deploy`
// into moto, in both of the original framework's regions, as
// deploy/README.md says to deploy it into AWS, and checks that each stack
// completes with its state machines, function, lock table and topic; in
// us-west-2 with a scheduled readiness check, its role and permissions.
func TestDeployToMoto(t *testing.T) {
	aws := tool(t, "aws")
	python := tool(t, "python3")
	endpoint := motoserver.Start(t)
	// moto finds the bucket of a template's URL in the URL's path only when
	// the host says localhost; the AWS CLI builds that URL from S3's
	// endpoint.
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_ENDPOINT_URL="+endpoint,
		"AWS_ENDPOINT_URL_S3="+strings.Replace(endpoint, "127.0.0.1", "localhost", 1),
		"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	cli := func(region string, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(aws, append([]string{"--region", region, "--output", "json"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}

	supported := motoTypes(t, python)
	template, missing := withoutTypes(t, Template, supported)
	for _, typ := range missing {
		if !mayMiss[typ] {
			t.Fatalf("moto cannot create %s, which is not a known gap", typ)
		}
	}
	t.Logf("moto does not create %v: deployed without them", missing)
	dir := t.TempDir()
	tmplFile := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(tmplFile, template, 0o600); err != nil {
		t.Fatal(err)
	}
	zipFile := filepath.Join(dir, "drorch-lambda-arm64.zip")
	if err := os.WriteFile(zipFile, fakeZip(t), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, region := range []string{"us-east-1", "us-west-2"} {
		bucket := "drorch-artifacts-" + region
		if region == "us-east-1" {
			cli(region, "s3api", "create-bucket", "--bucket", bucket)
		} else {
			cli(region, "s3api", "create-bucket", "--bucket", bucket, "--create-bucket-configuration", "LocationConstraint="+region)
		}
		cli(region, "s3", "cp", zipFile, "s3://"+bucket+"/drorch-lambda-arm64.zip")
		// The template is over CloudFormation's 51,200 bytes for a template
		// sent inline: deploy uploads it to the artifacts bucket.
		params := []string{"CodeBucket=" + bucket}
		if region == "us-west-2" {
			params = append(params, "CheckPayloadKey="+scheduledKey)
		}
		cli(region, append([]string{"cloudformation", "deploy", "--stack-name", "drorch", "--template-file", tmplFile, "--s3-bucket", bucket,
			"--capabilities", "CAPABILITY_NAMED_IAM", "--parameter-overrides"}, params...)...)

		var stacks struct {
			Stacks []struct{ StackStatus string }
		}
		if err := json.Unmarshal(cli(region, "cloudformation", "describe-stacks", "--stack-name", "drorch"), &stacks); err != nil {
			t.Fatal(err)
		}
		if len(stacks.Stacks) != 1 || stacks.Stacks[0].StackStatus != "CREATE_COMPLETE" {
			t.Fatalf("%s: stacks %+v", region, stacks)
		}
		// moto leaves a stack made through a change set (what deploy
		// does) without Outputs; the resources' physical ids say the same.
		var listed struct {
			StackResourceSummaries []struct{ LogicalResourceId, PhysicalResourceId, ResourceStatus string }
		}
		if err := json.Unmarshal(cli(region, "cloudformation", "list-stack-resources", "--stack-name", "drorch"), &listed); err != nil {
			t.Fatal(err)
		}
		physical := map[string]string{}
		for _, r := range listed.StackResourceSummaries {
			physical[r.LogicalResourceId] = r.PhysicalResourceId
			if r.ResourceStatus != "CREATE_COMPLETE" {
				t.Errorf("%s: %s is %s", region, r.LogicalResourceId, r.ResourceStatus)
			}
		}
		outputs := map[string]string{"FailoverStateMachineArn": physical["FailoverStateMachine"],
			"FailbackStateMachineArn": physical["FailbackStateMachine"], "FunctionArn": physical["Function"],
			"LockTableName": physical["LockTable"], "TopicArn": physical["Topic"], "RunBucketName": physical["RunBucket"]}
		for k, v := range outputs {
			if v == "" {
				t.Fatalf("%s: no %s among the stack's resources: %v", region, k, physical)
			}
		}
		for _, w := range []string{"failover", "failback"} {
			arn := outputs[strings.ToUpper(w[:1])+w[1:]+"StateMachineArn"]
			var sm struct{ Name, Definition, Type string }
			if err := json.Unmarshal(cli(region, "stepfunctions", "describe-state-machine", "--state-machine-arn", arn), &sm); err != nil {
				t.Fatal(err)
			}
			// moto does not apply DefinitionSubstitutions: the deployed
			// definition is the generator's, ${FunctionArn} and all.
			wf, _ := sfn.LookupWorkflow(w)
			want, _ := sfn.Generate(wf, sfn.Options{}).JSON()
			var got, wantv any
			_ = json.Unmarshal(want, &wantv)
			if err := json.Unmarshal([]byte(sm.Definition), &got); err != nil || sm.Name != "drorch-"+w || !reflect.DeepEqual(got, wantv) {
				t.Errorf("%s: state machine %s (%s) is not the generator's definition (%v)", region, w, sm.Name, err)
			}
		}
		var fn struct {
			Configuration struct {
				Runtime, Handler string
				Architectures    []string
			}
		}
		if err := json.Unmarshal(cli(region, "lambda", "get-function", "--function-name", outputs["FunctionArn"]), &fn); err != nil {
			t.Fatal(err)
		}
		if fn.Configuration.Runtime != "provided.al2023" || fn.Configuration.Handler != "bootstrap" {
			t.Errorf("%s: function %+v", region, fn.Configuration)
		}
		var table struct {
			Table struct {
				KeySchema []struct{ AttributeName, KeyType string }
			}
		}
		if err := json.Unmarshal(cli(region, "dynamodb", "describe-table", "--table-name", outputs["LockTableName"]), &table); err != nil {
			t.Fatal(err)
		}
		if len(table.Table.KeySchema) != 1 || table.Table.KeySchema[0].AttributeName != dynamolock.AttrID {
			t.Errorf("%s: lock table keys %+v", region, table.Table.KeySchema)
		}
		// moto's CloudFormation leaves the table's TimeToLiveSpecification
		// unapplied (TestTemplateLockTable checks it in the template).
		var targets struct{ Targets []struct{ Arn string } }
		if err := json.Unmarshal(cli(region, "events", "list-targets-by-rule", "--rule", "drorch-execution-end"), &targets); err != nil {
			t.Fatal(err)
		}
		if len(targets.Targets) != 1 || !strings.HasSuffix(targets.Targets[0].Arn, ":function:"+outputs["FunctionArn"]) {
			t.Errorf("%s: the execution-end rule targets %+v, not the function %s", region, targets.Targets, outputs["FunctionArn"])
		}
		checkInMoto(t, cli, region, physical, len(params) > 1)
		var topic struct{ Attributes map[string]string }
		if err := json.Unmarshal(cli(region, "sns", "get-topic-attributes", "--topic-arn", outputs["TopicArn"]), &topic); err != nil {
			t.Fatal(err)
		}
		if topic.Attributes["KmsMasterKeyId"] == "" {
			t.Errorf("%s: the topic is not encrypted: %v", region, topic.Attributes)
		}
	}
}

// motoTypes lists the resource types moto's CloudFormation creates.
func motoTypes(t *testing.T, python string) map[string]bool {
	t.Helper()
	out, err := exec.CommandContext(context.Background(), python, "-c",
		"import json, moto.cloudformation.parsing as p; print(json.dumps(sorted(p.get_model_map())))").Output()
	if err != nil {
		t.Fatalf("ask moto for its resource types: %v", err)
	}
	var types []string
	if err := json.Unmarshal(out, &types); err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, typ := range types {
		m[typ] = true
	}
	return m
}

// withoutTypes returns the template without the resources whose type is
// not in supported, and those types.
func withoutTypes(t *testing.T, template []byte, supported map[string]bool) ([]byte, []string) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(template, &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	var missing []string
	for i := 0; i < len(root.Content); i += 2 {
		if root.Content[i].Value != "Resources" {
			continue
		}
		res := root.Content[i+1]
		var kept []*yaml.Node
		for j := 0; j < len(res.Content); j += 2 {
			typ := ""
			body := res.Content[j+1]
			for k := 0; k < len(body.Content); k += 2 {
				if body.Content[k].Value == "Type" {
					typ = body.Content[k+1].Value
				}
			}
			if supported[typ] {
				kept = append(kept, res.Content[j], body)
			} else {
				missing = append(missing, typ)
			}
		}
		res.Content = kept
	}
	sort.Strings(missing)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), missing
}

// fakeZip is a deployment package moto accepts (it does not run it).
func fakeZip(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	f, err := z.Create("bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write([]byte("#!/bin/sh\n"))
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
