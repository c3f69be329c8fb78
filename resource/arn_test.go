package resource

import "testing"

func TestParseARN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    ARN
		id      string
		wantErr bool
	}{
		{in: "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02", want: ARN{"aws", "rds", "us-west-2", "123456789012", "cluster:dbcluster-02"}, id: "dbcluster-02"},
		{in: "arn:aws:rds::123456789012:global-cluster:g", want: ARN{"aws", "rds", "", "123456789012", "global-cluster:g"}, id: "g"},
		{in: "arn:aws-cn:kms:cn-north-1:123456789012:key/abc", want: ARN{"aws-cn", "kms", "cn-north-1", "123456789012", "key/abc"}, id: "abc"},
		{in: "dbcluster-02", wantErr: true},
		{in: "arn:aws:rds:us-west-2:123456789012:", wantErr: true},
		{in: "nra:aws:rds:us-west-2:123456789012:db:x", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseARN(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseARN(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got != tt.want || got.ID() != tt.id || got.String() != tt.in {
				t.Errorf("ParseARN(%q) = %+v (id %q, string %q), want %+v (id %q)", tt.in, got, got.ID(), got.String(), tt.want, tt.id)
			}
		})
	}
}
