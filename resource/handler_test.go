package resource

import (
	"regexp"
	"strings"
	"testing"
)

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

// The final snapshot's name is a valid DB cluster and DB snapshot
// identifier for every run id and database identifier drorch accepts: 1 to
// 255 letters, digits or hyphens, a letter first, no two hyphens in a row,
// no hyphen at the end (RDS API reference, DeleteDBCluster,
// FinalDBSnapshotIdentifier); and it names the run.
func TestSnapshotIDIsValid(t *testing.T) {
	t.Parallel()
	valid := regexp.MustCompile(`^[A-Za-z](-?[A-Za-z0-9])*$`)
	long := strings.Repeat("a", 63)
	runs := []string{"r-test", "0a1b2c3d4e", "a--b-", "-lead", strings.Repeat("9", 64), strings.Repeat("x-", 32)}
	ids := []string{"dbcluster-01", "a", long, "rds-mysql-instance"}
	for _, run := range runs {
		for _, id := range ids {
			got := SnapshotID(run, id)
			if len(got) > 255 || !valid.MatchString(got) || !strings.HasPrefix(got, "drorch-") {
				t.Errorf("SnapshotID(%q, %q) = %q: not a valid snapshot identifier", run, id, got)
			}
			if !strings.Contains(got, strings.Trim(run, "-")) && !strings.Contains(run, "--") {
				t.Errorf("SnapshotID(%q, %q) = %q does not name the run", run, id, got)
			}
		}
	}
	if got := SnapshotID("", "dbcluster-01"); got != "drorch-<run>-dbcluster-01" {
		t.Errorf("in a plan: %q", got)
	}
}
