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
// the execution history.
//
// PENDING: today package journal itself imports modernc.org/sqlite, and the
// function needs journal's types (through engine.Bind). The move of the
// SQLite store into journal's own subpackage is in progress on another
// branch; until it lands this test reports that one known route as a skip,
// and fails on any other. Once journal no longer imports SQLite, the skip
// cannot happen and the test enforces the rule fully.
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
	if len(via) == 1 && via[0] == "drorch/journal" {
		t.Skip("PENDING: cmd/drorch-lambda links SQLite only through drorch/journal, until the SQLite store moves to its own subpackage")
	}
	t.Errorf("cmd/drorch-lambda links SQLite through %s; the function must not", strings.Join(via, ", "))
}
