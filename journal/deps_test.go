package journal_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestJournalLinksNoSQLite: package journal (events, fold, the Store
// interface, the memory store) and its shared suite do not depend on
// SQLite, so that a binary keeping no local journal (the Step Functions
// Lambda) does not link it; the SQLite store is journal/sqlitestore.
func TestJournalLinksNoSQLite(t *testing.T) {
	t.Parallel()
	for _, pkg := range []string{"drorch/journal", "drorch/journal/storetest"} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == "database/sql" || strings.HasPrefix(dep, "modernc.org/") || strings.HasPrefix(dep, "drorch/journal/sqlitestore") {
				t.Errorf("%s depends on %s; SQLite belongs in drorch/journal/sqlitestore", pkg, dep)
			}
		}
	}
}
