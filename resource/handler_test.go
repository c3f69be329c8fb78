package resource

import "testing"

func TestKMSKeyARN(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, want string }{
		{"arn:aws:kms:us-east-1:123456789012:key/0f1e", "arn:aws:kms:us-east-1:123456789012:key/0f1e"},
		{"arn:aws:kms:us-east-1:123456789012:alias/db", "arn:aws:kms:us-east-1:123456789012:key/*"},
		{"alias/aws/rds", "arn:aws:kms:us-west-2:123456789012:key/*"},
		{"1a2b3c4d", "arn:aws:kms:us-west-2:123456789012:key/1a2b3c4d"},
	}
	for _, tt := range tests {
		if got := KMSKeyARN("aws", "us-west-2", "123456789012", tt.key); got != tt.want {
			t.Errorf("KMSKeyARN(%q) = %s, want %s", tt.key, got, tt.want)
		}
	}
}

func TestStuckGoalOfOrAny(t *testing.T) {
	t.Parallel()
	for status, want := range map[string]bool{"deleting": true, "incompatible-network": true, "stopped": true, "available": false, "creating": false, "modifying": false} {
		if Stuck(status) != want {
			t.Errorf("Stuck(%q) = %v", status, !want)
		}
	}
	for in, want := range map[State]State{Done: Done, Ready: Ready, InProgress: Ready, Blocked: Ready, Failed: Ready} {
		if got := GoalOf(Verdict{State: in, Reason: "r"}); got.State != want || got.Reason != "r" {
			t.Errorf("GoalOf(%v) = %+v, want %v", in, got, want)
		}
	}
	if OrAny("", "123") != "123" || OrAny("", "") != "*" {
		t.Errorf("OrAny")
	}
}
