package readiness

import "testing"

func TestClassSizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b    string
		smaller bool // a is smaller than b, in one family
		ok      bool // both comparable, same family
	}{
		{"db.r5.large", "db.r5.xlarge", true, true},
		{"db.r5.xlarge", "db.r5.large", false, true},
		{"db.r5.2xlarge", "db.r5.12xlarge", true, true},
		{"db.r6g.medium", "db.r6g.large", true, true},
		{"db.t3.micro", "db.t3.small", true, true},
		{"db.r5.large", "db.r6g.large", false, false},
		{"db.serverless", "db.r5.large", false, false},
		{"db.x2g.metal", "db.x2g.16xlarge", false, false},
	}
	for _, tc := range tests {
		a, aok := parseClass(tc.a)
		b, bok := parseClass(tc.b)
		ok := aok && bok && a.family == b.family
		if ok != tc.ok || ok && (a.size < b.size) != tc.smaller {
			t.Errorf("%s vs %s: %+v %+v (comparable %v)", tc.a, tc.b, a, b, ok)
		}
	}
	if got := largest([]string{"db.r5.large", "db.r5.4xlarge", "db.r5.xlarge"}); got != "db.r5.4xlarge" {
		t.Errorf("largest = %s", got)
	}
	if got := largest([]string{"db.serverless"}); got != "db.serverless" {
		t.Errorf("largest of one unparsable class = %s", got)
	}
}
