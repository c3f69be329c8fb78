package main

import (
	"bytes"
	"drorch/report"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// normalize removes what changes from one test run to the next: the
// simulator's port, the temporary directories, and the replication lag of
// the minute (the writes at risk and when they were measured).
func normalize(s string) string {
	s = regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(s, "127.0.0.1:PORT")
	s = regexp.MustCompile(`writes at risk: about [0-9.]+ s`).ReplaceAllString(s, "writes at risk: about LAG s")
	s = regexp.MustCompile(`measured \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`).ReplaceAllString(s, "measured TIME")
	// The writes at risk in JSON: the lag figure and when it was measured.
	s = regexp.MustCompile(`("lag": \{\s*"seconds": )[0-9.]+(,\s*"display": ")[^"]*"`).ReplaceAllString(s, `${1}LAG${2}LAG"`)
	s = regexp.MustCompile(`"measuredAt": "[^"]+"`).ReplaceAllString(s, `"measuredAt": "TIME"`)
	s = regexp.MustCompile(`"display": "about [^"]*"`).ReplaceAllString(s, `"display": "about LAG"`)
	return regexp.MustCompile(`/tmp/[^\s"]*/`).ReplaceAllString(s, "TMP/")
}

// The README's payloads as an operator runs them against the seed world:
// 1, 2 and 4 fail over to us-west-2.
var readmePlans = []string{"1-planned-switchover", "2-unplanned-failover", "4-rds-and-elasticache"}

func TestPlanGolden(t *testing.T) {
	t.Parallel()
	for _, name := range readmePlans {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, endpoint := startTestSim(t)
			d := newCLI(t, endpoint, "us-west-2")
			text := d.run("plan", seedPayload(name+".json"))
			if text.code != 0 || text.stderr != "" {
				t.Fatalf("want exit 0 and a quiet stderr\n%s", text)
			}
			golden(t, "plan/"+name+".txt", normalize(text.stdout))

			js := d.run("plan", "-o", "json", seedPayload(name+".json"))
			if js.code != 0 {
				t.Fatalf("want exit 0\n%s", js)
			}
			validJSON(t, "output", js.stdout)
			var pv struct {
				Blocked, NothingToDo bool
				Layers               []struct {
					Resources []struct{ Parameters []report.Parameter }
				}
			}
			if err := json.Unmarshal([]byte(js.stdout), &pv); err != nil {
				t.Fatalf("plan -o json is not JSON: %v\n%s", err, js)
			}
			if pv.Blocked || pv.NothingToDo || len(pv.Layers) != 1 {
				t.Errorf("plan of the seed world: blocked %v, nothing to do %v, %d layers", pv.Blocked, pv.NothingToDo, len(pv.Layers))
			}
			refs := 0
			for _, r := range pv.Layers[0].Resources {
				for _, p := range r.Parameters {
					if p.Ref == "" {
						continue
					}
					refs++
					if p.Value == "" || strings.HasPrefix(p.Value, "!Import") {
						t.Errorf("%s (%s) not resolved: %q", p.Name, p.Ref, p.Value)
					}
				}
			}
			if refs == 0 {
				t.Errorf("plan -o json shows no resolved reference")
			}
			golden(t, "plan/"+name+".json", normalize(js.stdout))
			noMutations(t, s, "plan")
			// An unplanned failover is planned from the DR region alone: the
			// primary's region may be the one that is down.
			if n := s.CallCount("us-east-1", "", ""); name == "2-unplanned-failover" && n != 0 {
				t.Errorf("planning an unplanned failover made %d calls to us-east-1", n)
			}
		})
	}
}

func TestIAMPolicyGolden(t *testing.T) {
	t.Parallel()
	fixed := bytes.ReplaceAll(readFile(t, seedPayload("3-create-secondary-cluster.json")), []byte("-vps-"), []byte("-vpc-"))
	tests := []struct{ name, region, path string }{
		{"1-planned-switchover", "us-west-2", seedPayload("1-planned-switchover.json")},
		{"2-unplanned-failover", "us-west-2", seedPayload("2-unplanned-failover.json")},
		// The failback payload runs from the original primary region, with
		// its import typo corrected (the verbatim one is refused below).
		{"3-create-secondary-cluster-vpc", "us-east-1", writeFile(t, "3-create-secondary-cluster.json", fixed)},
		{"4-rds-and-elasticache", "us-west-2", seedPayload("4-rds-and-elasticache.json")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, endpoint := startTestSim(t)
			r := newCLI(t, endpoint, tc.region).run("iam-policy", tc.path)
			if r.code != 0 {
				t.Fatalf("want exit 0\n%s", r)
			}
			golden(t, "iam-policy/"+tc.name+".json", r.stdout)
			leastPrivilege(t, r.stdout)
			noMutations(t, s, "iam-policy")
		})
	}
	// The README's two payloads that cannot run as written get no policy.
	for _, tc := range []struct{ name, region, want string }{
		{"3-create-secondary-cluster.json", "us-east-1", "did you mean dr-globaldb-cluster-mysql-vpc-security-group-ids?"},
		{"1-planned-switchover-literal.json", "us-west-2", `the account "xxxxxxxxxxx" is not a 12-digit account id`},
	} {
		t.Run(tc.name+" verbatim", func(t *testing.T) {
			t.Parallel()
			_, endpoint := startTestSim(t)
			r := newCLI(t, endpoint, tc.region).run("iam-policy", seedPayload(tc.name))
			if r.code != exitBadInput || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Errorf("want exit 2, %q and no policy\n%s", tc.want, r)
			}
		})
	}
}

// leastPrivilege checks what a golden file cannot say by itself: a policy
// grants every action that changes something only on named resources of
// the seed account, and "*" only to the read-only calls drorch makes
// before it knows any resource.
func leastPrivilege(t *testing.T, doc string) {
	t.Helper()
	var p struct {
		Version   string
		Statement []struct {
			Effect   string
			Action   []string
			Resource []string
		}
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("not a policy document: %v", err)
	}
	if p.Version != "2012-10-17" || len(p.Statement) == 0 {
		t.Errorf("version %q, %d statements", p.Version, len(p.Statement))
	}
	anyOK := map[string]bool{"sts:GetCallerIdentity": true, "cloudformation:ListExports": true, "ssm:GetParameter": true, "kms:Decrypt": true,
		"cloudwatch:GetMetricData": true}
	readOnly := regexp.MustCompile(`:(Describe|List|Get)`)
	for _, st := range p.Statement {
		if st.Effect != "Allow" {
			t.Errorf("statement %+v is not an Allow", st)
		}
		for _, act := range st.Action {
			if strings.Contains(act, "*") {
				t.Errorf("wildcard action %q", act)
			}
			for _, res := range st.Resource {
				switch {
				case res == "*" && !anyOK[act]:
					t.Errorf("%s is granted on every resource", act)
				case res != "*" && !strings.Contains(res, ":123456789012:"):
					t.Errorf("%s on %s: not a resource of the payload's account", act, res)
				case !readOnly.MatchString(act) && strings.HasSuffix(res, ":*") && act != "rds:DeleteDBInstance":
					// The one exception: CreateAuroraSecondaryDBCluster deletes
					// the stale cluster's instances, whose ids nobody knows
					// before the run reads them.
					t.Errorf("%s, which changes things, is granted on every resource of a kind: %s", act, res)
				}
			}
		}
	}
}

// The published schema compiles, the README's payloads are valid against
// it, and the README's placeholder account is refused by it as by drorch.
func TestSchemaCompilesAndAcceptsTheREADMEPayloads(t *testing.T) {
	t.Parallel()
	r := newCLI(t, "", "").run("schema")
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(r.stdout))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if m, _ := doc.(map[string]any); m["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want the 2020-12 dialect", m["$schema"])
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("statepayload.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("statepayload.schema.json")
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	for _, tc := range []struct {
		name  string
		valid bool
	}{
		{"1-planned-switchover.json", true},
		{"2-unplanned-failover.json", true},
		{"3-create-secondary-cluster.json", true}, // its typo is in an export name, which only a lookup finds
		{"4-rds-and-elasticache.json", true},
		{"1-planned-switchover-literal.json", false}, // arn:aws:rds:us-west-2:xxxxxxxxxxx:cluster:...
	} {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(readFile(t, seedPayload(tc.name))))
		if err != nil {
			t.Fatal(err)
		}
		err = sch.Validate(inst)
		if (err == nil) != tc.valid {
			t.Errorf("%s: schema says %v, want valid=%v", tc.name, err, tc.valid)
		}
		v := newCLI(t, "", "").run("validate", seedPayload(tc.name))
		if (v.code == 0) != tc.valid {
			t.Errorf("%s: drorch validate disagrees with the schema\n%s", tc.name, v)
		}
	}
}
