package sim

import (
	"slices"
	"strings"
	"testing"
)

func mustPolicy(t *testing.T, name, doc string) *policy {
	t.Helper()
	p, err := parsePolicy(name, doc)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return p
}

func TestEvaluatePolicies(t *testing.T) {
	t.Parallel()
	const cluster = "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"
	ops := mustPolicy(t, "ops", `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["rds:Describe*","rds:Switchover?lobalCluster"],"Resource":"*"},
 {"Effect":"Allow","Action":"elasticache:*","Resource":"arn:aws:elasticache:*:123456789012:globalreplicationgroup:*"},
 {"Effect":"Deny","Action":"rds:DeleteDBCluster","Resource":"arn:aws:rds:*:*:cluster:prod-*"},
 {"Effect":"Allow","NotAction":["iam:*","rds:Delete*"],"Resource":"arn:aws:sns:*:*:dr-*"},
 {"Effect":"Allow","Action":"rds:DeleteDBCluster","NotResource":"arn:aws:rds:*:*:cluster:keep"},
 {"Effect":"Allow","Action":"rds:FailoverGlobalCluster","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-west-2"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
 {"Effect":"Deny","Action":"rds:RemoveFromGlobalCluster","Resource":"*","Condition":{"StringLike":{"aws:PrincipalTag/team":"x"}}}
]}`)
	extra := mustPolicy(t, "extra", `{"Statement":{"Effect":"Allow","Action":"rds:PromoteReadReplica","Resource":"arn:aws:rds:us-west-2:123456789012:db:*"}}`)
	cases := []struct {
		action, resource, decision string
		matched                    []string
		missing                    []string
	}{
		{"rds:DescribeDBClusters", "*", decisionAllowed, []string{"ops"}, nil},
		{"RDS:describedbclusters", "*", decisionAllowed, []string{"ops"}, nil}, // actions ignore case
		{"rds:SwitchoverGlobalCluster", cluster, decisionAllowed, []string{"ops"}, nil},
		{"rds:SwitchoverXGlobalCluster", cluster, decisionImplicitDeny, nil, nil}, // ? is one character
		{"rds:CreateDBCluster", cluster, decisionImplicitDeny, nil, nil},
		{"elasticache:FailoverGlobalReplicationGroup", "arn:aws:elasticache::123456789012:globalreplicationgroup:ldgnf-x", decisionAllowed, []string{"ops"}, nil},
		{"elasticache:FailoverGlobalReplicationGroup", "arn:aws:elasticache::123456789012:replicationgroup:x", decisionImplicitDeny, nil, nil},
		{"rds:DeleteDBCluster", "arn:aws:rds:us-west-2:123456789012:cluster:prod-1", decisionExplicitDeny, []string{"ops"}, nil}, // deny wins over the NotResource allow
		{"rds:DeleteDBCluster", "arn:aws:rds:us-west-2:123456789012:cluster:PROD-1", decisionAllowed, []string{"ops"}, nil},      // resources keep case
		{"rds:DeleteDBCluster", "arn:aws:rds:us-west-2:123456789012:cluster:keep", decisionImplicitDeny, nil, nil},
		{"sns:Publish", "arn:aws:sns:us-west-2:123456789012:dr-topic", decisionAllowed, []string{"ops"}, nil},
		{"iam:PassRole", "arn:aws:sns:us-west-2:123456789012:dr-topic", decisionImplicitDeny, nil, nil},
		{"rds:FailoverGlobalCluster", cluster, decisionImplicitDeny, nil, []string{"aws:MultiFactorAuthPresent", "aws:RequestedRegion"}},
		{"rds:RemoveFromGlobalCluster", cluster, decisionImplicitDeny, nil, []string{"aws:PrincipalTag/team"}},
		{"rds:PromoteReadReplica", "arn:aws:rds:us-west-2:123456789012:db:replica-1", decisionAllowed, []string{"extra"}, nil},
		{"rds:PromoteReadReplica", "arn:aws:rds:us-east-1:123456789012:db:replica-1", decisionImplicitDeny, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.action+" "+tc.resource, func(t *testing.T) {
			t.Parallel()
			ev := evaluate([]*policy{ops, extra}, tc.action, tc.resource)
			var matched []string
			for _, m := range ev.matched {
				matched = append(matched, m.policy)
			}
			if ev.decision != tc.decision || !slices.Equal(matched, tc.matched) || !slices.Equal(ev.missing, tc.missing) {
				t.Errorf("got %s %v missing %v, want %s %v missing %v", ev.decision, matched, ev.missing, tc.decision, tc.matched, tc.missing)
			}
		})
	}
}

func TestResourceWildcardsStayInSegments(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, resource string
		want              bool
	}{
		{"*", "arn:aws:rds:us-west-2:1:cluster:a", true},
		{"arn:aws:rds:*:1:cluster:a", "arn:aws:rds:us-west-2:1:cluster:a", true},
		{"arn:aws:rds:us-*-2:1:cluster:a", "arn:aws:rds:us-west-2:1:cluster:a", true},
		{"arn:aws:rds:us-*2:1:cluster:a", "arn:aws:rds:us-west-2:1:cluster:a", true},
		{"arn:aws:rds:u*t-2:1:cluster:a", "arn:aws:rds:us:x:west-2:1:cluster:a", false}, // a mid-segment * stops at ':'
		{"arn:aws:rds:us-west-2:1:*", "arn:aws:rds:us-west-2:1:cluster:a", true},        // a trailing * spans segments
		{"arn:aws:rds:us-west-2:1:cluster:?", "arn:aws:rds:us-west-2:1:cluster:a", true},
		{"arn:aws:rds:us-west-2:1:cluster:?", "arn:aws:rds:us-west-2:1:cluster:ab", false},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", true},
	}
	for _, tc := range cases {
		if got := matchResource(tc.pattern, tc.resource); got != tc.want {
			t.Errorf("matchResource(%q, %q) = %v, want %v", tc.pattern, tc.resource, got, tc.want)
		}
	}
}

func TestParsePolicyErrorsAndPositions(t *testing.T) {
	t.Parallel()
	bad := map[string]string{
		"not json":      `{`,
		"no statement":  `{"Version":"2012-10-17"}`,
		"bad version":   `{"Version":"2020-01-01","Statement":[]}`,
		"empty":         `{"Statement":[]}`,
		"principal":     `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
		"effect case":   `{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`,
		"both actions":  `{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}`,
		"no resource":   `{"Statement":[{"Effect":"Allow","Action":"*"}]}`,
		"bad action":    `{"Statement":[{"Effect":"Allow","Action":"Describe","Resource":"*"}]}`,
		"unknown field": `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Actions":"x"}]}`,
		"too big":       `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"` + strings.Repeat("a", maxPolicyBytes) + `"}]}`,
	}
	for name, doc := range bad {
		if _, err := parsePolicy(name, doc); err == nil {
			t.Errorf("%s: parsed, want an error", name)
		}
	}
	p := mustPolicy(t, "p", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"},\n    {\n      \"Effect\": \"Deny\",\n      \"Action\": \"rds:Delete*\",\n      \"Resource\": \"*\"\n    }\n  ]\n}")
	if got := p.statements[0]; got.start != (position{4, 5}) || got.end != (position{4, 56}) {
		t.Errorf("statement 1 at %v-%v", got.start, got.end)
	}
	if got := p.statements[1]; got.start != (position{5, 5}) || got.end != (position{9, 6}) {
		t.Errorf("statement 2 at %v-%v", got.start, got.end)
	}
}
