package archtest

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// TestLambdaLinksNoSQLite enforces DESIGN.md's "the Step Functions Lambda:
// no SQLite": nothing cmd/drorch-lambda depends on may pull in
// modernc.org/sqlite (or any database/sql driver), which would only add
// megabytes and cold-start time to a function that keeps its journal in
// the execution history. The function needs journal's types (through
// engine.Bind); journal's SQLite store is journal/sqlitestore, which it
// must never import.
func TestLambdaLinksNoSQLite(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}\t{{join .Imports \" \"}}", "drorch/cmd/drorch-lambda").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := func(pkg string) bool {
		return pkg == "modernc.org/sqlite" || strings.HasPrefix(pkg, "modernc.org/sqlite/") ||
			pkg == "github.com/mattn/go-sqlite3" || pkg == "modernc.org/libc"
	}
	importers := map[string]bool{} // non-forbidden packages that import a forbidden one
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, "\t")
		if forbidden(pkg) {
			continue
		}
		for _, imp := range strings.Fields(imports) {
			if forbidden(imp) {
				importers[pkg] = true
			}
		}
	}
	if len(importers) == 0 {
		return
	}
	var via []string
	for p := range importers {
		via = append(via, p)
	}
	sort.Strings(via)
	t.Errorf("cmd/drorch-lambda links SQLite through %s; the function must not", strings.Join(via, ", "))
}
