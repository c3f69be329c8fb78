package deploy

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"drorch/lock/dynamolock"
	"drorch/sfn"
	"drorch/sfn/ops"
)

// Template is deploy/template.yaml as committed.
//
//go:embed template.yaml
var Template []byte

// Render returns template with every generated block (between "# BEGIN
// generated: NAME" and "# END generated: NAME") rewritten from the
// generator: the state machine definitions, the function's database
// statements, its lock actions and its check statements. A committed
// template is correct when Render leaves it as it is.
func Render(template []byte) ([]byte, error) {
	blocks, err := blocks()
	if err != nil {
		return nil, err
	}
	lines := strings.SplitAfter(string(template), "\n")
	var out strings.Builder
	seen := map[string]bool{}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		out.WriteString(line)
		trimmed := strings.TrimSpace(line)
		name, ok := strings.CutPrefix(trimmed, "# BEGIN generated: ")
		if !ok {
			continue
		}
		gen, known := blocks[name]
		if !known {
			return nil, fmt.Errorf("template line %d: unknown generated block %q", i+1, name)
		}
		indent := line[:len(line)-len(strings.TrimLeft(line, " "))]
		end := -1
		for j := i + 1; j < len(lines); j++ {
			if strings.TrimSpace(lines[j]) == "# END generated: "+name {
				end = j
				break
			}
		}
		if end < 0 {
			return nil, fmt.Errorf("template line %d: block %q has no END", i+1, name)
		}
		for _, g := range strings.Split(strings.TrimRight(gen, "\n"), "\n") {
			if g == "" {
				out.WriteString("\n")
				continue
			}
			out.WriteString(indent + g + "\n")
		}
		out.WriteString(lines[end])
		i = end
		seen[name] = true
	}
	for name := range blocks {
		if !seen[name] {
			return nil, fmt.Errorf("the template has no block %q", name)
		}
	}
	return []byte(out.String()), nil
}

// blocks generates each block's lines, indented relative to its markers.
func blocks() (map[string]string, error) {
	out := map[string]string{}
	for _, w := range sfn.Workflows() {
		def, err := sfn.Generate(w, sfn.Options{}).JSON()
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		b.WriteString("DefinitionString: |\n")
		for _, l := range strings.Split(strings.TrimRight(string(def), "\n"), "\n") {
			b.WriteString("  " + l + "\n")
		}
		out[w.Name+"-definition"] = b.String()
	}
	stmts, err := DatabaseStatements()
	if err != nil {
		return nil, err
	}
	if out["database-statements"], err = statementLines(stmts); err != nil {
		return nil, err
	}
	if out["check-statements"], err = statementLines(CheckStatements()); err != nil {
		return nil, err
	}
	actions, err := json.Marshal(dynamolock.Actions(ops.LockWrites...))
	if err != nil {
		return nil, err
	}
	out["lock-actions"] = "Action: " + string(actions) + "\n"
	return out, nil
}

// statementLines writes statements as the items of a YAML list, one a
// line.
func statementLines(stmts []Statement) (string, error) {
	var b strings.Builder
	for _, s := range stmts {
		line, err := statementJSON(s)
		if err != nil {
			return "", err
		}
		b.WriteString("- " + line + "\n")
	}
	return b.String(), nil
}

// statementJSON writes a statement on one line (YAML reads JSON), each
// resource with ${...} as an Fn::Sub.
func statementJSON(s Statement) (string, error) {
	res := make([]any, 0, len(s.Resource))
	for _, r := range s.Resource {
		if strings.Contains(r, "${") {
			res = append(res, map[string]string{"Fn::Sub": r})
		} else {
			res = append(res, r)
		}
	}
	type stmt struct {
		Sid       string                       `json:"Sid"`
		Effect    string                       `json:"Effect"`
		Action    []string                     `json:"Action"`
		Resource  []any                        `json:"Resource"`
		Condition map[string]map[string]string `json:"Condition,omitempty"`
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(stmt{Sid: s.Sid, Effect: "Allow", Action: s.Action, Resource: res, Condition: s.Condition}); err != nil {
		return "", err
	}
	return strings.TrimSpace(buf.String()), nil
}
