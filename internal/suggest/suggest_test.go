package suggest

import (
	"slices"
	"testing"
)

// seedExports are the export names of the seed scenario, the realistic
// haystack an `!Import` typo is looked up in.
var seedExports = []string{
	"dr-globaldb-cluster-mysql-global-identifier",
	"dr-globaldb-cluster-mysql-cluster-identifier",
	"dr-globaldb-cluster-mysql-cluster-name",
	"dr-globaldb-cluster-mysql-cluster-region",
	"dr-globaldb-cluster-mysql-source-region",
	"dr-globaldb-cluster-mysql-source-cluster-identifier",
	"dr-globaldb-cluster-mysql-instance-identifier",
	"dr-globaldb-cluster-mysql-instance-class",
	"dr-globaldb-cluster-mysql-port",
	"dr-globaldb-cluster-mysql-subnet-group-name",
	"dr-globaldb-cluster-mysql-vpc-security-group-ids",
	"dr-globaldb-cluster-mysql-engine",
	"dr-globaldb-cluster-mysql-engine-version",
	"dr-globaldb-cluster-mysql-KmsKeyId",
	"dr-globaldb-cluster-mysql-RDSMonitoringRole",
	"rds-mysql-instance-RDSMonitoringRole",
	"rds-mysql-instance-identifier",
	"rds-mysql-instance-global-arn",
	"rds-mysql-instance-source-region",
	"demo-redis-cluster-global-replication-group-id",
	"demo-redis-cluster-target-region",
	"demo-redis-cluster-target-replication-group-id",
}

var typeNames = []string{
	"CreateAuroraSecondaryDBCluster", "CreateRDSReadReplica", "FailoverElastiCacheCluster",
	"ManagedFailoverAurora", "PlannedFailoverAurora", "PromoteRDSReadReplica", "UnPlannedFailoverAurora",
}

func TestClosest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		word       string
		candidates []string
		n          int
		want       []string
	}{
		{"README vps typo", "dr-globaldb-cluster-mysql-vps-security-group-ids", seedExports, 3,
			[]string{"dr-globaldb-cluster-mysql-vpc-security-group-ids"}},
		{"wrong case only", "resourcetype", []string{"resourceType", "resourceName", "parameters"}, 3,
			[]string{"resourceType"}},
		{"missing letter", "PlanedFailoverAurora", typeNames, 3, []string{"PlannedFailoverAurora"}},
		{"swapped letters", "GlobalClsuterIdentifier", []string{"GlobalClusterIdentifier", "DBClusterIdentifier"}, 3,
			[]string{"GlobalClusterIdentifier"}},
		{"truncated name offers the family", "FailoverAurora", typeNames, 3,
			[]string{"ManagedFailoverAurora", "PlannedFailoverAurora"}},
		{"two equally close, alphabetical", "dr-globaldb-cluster-mysql-cluster-regio", seedExports, 3,
			[]string{"dr-globaldb-cluster-mysql-cluster-region"}},
		{"n limits the answer", "demo-redis-cluster-target-replication-group", seedExports, 1,
			[]string{"demo-redis-cluster-target-replication-group-id"}},
		{"unrelated word gets nothing", "foo", []string{"Port", "Engine", "KmsKeyId"}, 3, nil},
		{"unrelated long word gets nothing", "my-application-database-endpoint", seedExports, 3, nil},
		{"exact match is not a suggestion", "Port", []string{"Port"}, 3, nil},
		{"empty word", "", seedExports, 3, nil},
		{"zero n", "Prot", []string{"Port"}, 0, nil},
		{"short word, one edit", "Prt", []string{"Port", "Engine"}, 3, []string{"Port"}},
		{"duplicates collapse", "Prot", []string{"Port", "Port"}, 3, []string{"Port"}},
		{"non-ASCII counts runes", "régión", []string{"région", "regions"}, 3, []string{"région"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Closest(tt.word, tt.candidates, tt.n)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Closest(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
		{"ca", "ac", 1}, // one transposition
		{"abcd", "acbd", 1},
		{"vps", "vpc", 1},
		{"flaw", "lawn", 2},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b, 100); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := distance(tt.b, tt.a, 100); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
	// Beyond the limit only "more than limit" matters.
	if got := distance("a", "abcdefgh", 2); got <= 2 {
		t.Errorf("distance beyond limit = %d, want > 2", got)
	}
}

func BenchmarkClosest(b *testing.B) {
	word := "dr-globaldb-cluster-mysql-vps-security-group-ids"
	for b.Loop() {
		Closest(word, seedExports, 3)
	}
}
