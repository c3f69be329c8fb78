package awsapi

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"drorch/cloud"
)

func TestPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tokens []string // what successive pages return; "" ends
		calls  int
		pages  int
		err    error
	}{
		{"single page", []string{""}, 1, 1, nil},
		{"three pages", []string{"a", "b", ""}, 3, 3, nil},
		{"repeated token stops", []string{"a", "b", "a"}, 3, 3, errRepeatedToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			calls := 0
			n, err := pages(context.Background(), func(_ context.Context, token *string) (*string, error) {
				if token == nil {
					got = append(got, "<nil>")
				} else {
					got = append(got, *token)
				}
				next := tc.tokens[calls]
				calls++
				if next == "" {
					return nil, nil
				}
				return &next, nil
			})
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if calls != tc.calls || n != tc.pages {
				t.Errorf("calls = %d, pages = %d, want %d and %d", calls, n, tc.calls, tc.pages)
			}
			if got[0] != "<nil>" {
				t.Errorf("first page got token %q, want none", got[0])
			}
			for i := 1; i < len(got); i++ {
				if got[i] != tc.tokens[i-1] {
					t.Errorf("page %d got token %q, want %q", i+1, got[i], tc.tokens[i-1])
				}
			}
		})
	}
}

func TestPagesStopsOnError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	calls := 0
	_, err := pages(context.Background(), func(context.Context, *string) (*string, error) {
		calls++
		if calls == 2 {
			return nil, boom
		}
		s := fmt.Sprint(calls)
		return &s, nil
	})
	if !errors.Is(err, boom) || calls != 2 {
		t.Fatalf("err, calls = %v, %d; want boom, 2", err, calls)
	}
}

func TestChunks(t *testing.T) {
	t.Parallel()
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("id-%03d", i)
		}
		return out
	}
	tests := []struct {
		name  string
		in    []string
		sizes []int
	}{
		{"none", nil, nil},
		{"empty ids dropped", []string{"", ""}, nil},
		{"duplicates dropped", []string{"a", "b", "a"}, []int{2}},
		{"exactly 100", ids(100), []int{100}},
		{"250", ids(250), []int{100, 100, 50}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var sizes []int
			seen := map[string]bool{}
			for _, c := range chunks(tc.in, 100) {
				sizes = append(sizes, len(c))
				for _, id := range c {
					if seen[id] {
						t.Errorf("%s sent twice", id)
					}
					seen[id] = true
				}
			}
			if !reflect.DeepEqual(sizes, tc.sizes) {
				t.Errorf("chunk sizes = %v, want %v", sizes, tc.sizes)
			}
		})
	}
}

func TestRegionOfAndMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, fallback, want string
	}{
		{"arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02", "us-east-1", "us-west-2"},
		{"arn:aws:rds::123456789012:global-cluster:g", "us-east-1", "us-east-1"},
		{"dbcluster-01", "us-east-1", "us-east-1"},
		{"", "eu-west-1", "eu-west-1"},
	}
	for _, tc := range tests {
		if got := regionOf(tc.in, tc.fallback); got != tc.want {
			t.Errorf("regionOf(%q, %q) = %q, want %q", tc.in, tc.fallback, got, tc.want)
		}
	}
	arn := "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02"
	for _, tc := range []struct {
		idOrARN string
		want    bool
	}{
		{"dbcluster-02", true},
		{"DBCluster-02", true}, // RDS identifiers are case-insensitive
		{arn, true},
		{"ARN:AWS:RDS:US-WEST-2:123456789012:CLUSTER:DBCLUSTER-02", true},
		{"arn:aws:rds:us-east-1:123456789012:cluster:dbcluster-02", false},
		{"dbcluster-01", false},
	} {
		m := newMatcher([]string{cloud.ID(tc.idOrARN)})
		m.add("found", "DBCluster-02", arn)
		if got := len(m.found) == 1; got != tc.want {
			t.Errorf("matcher(%q) found = %v, want %v", tc.idOrARN, got, tc.want)
		}
	}
}
