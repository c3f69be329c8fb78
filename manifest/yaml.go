package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"drorch/internal/suggest"
	"go.yaml.in/yaml/v3"
)

var yamlLineRE = regexp.MustCompile(`^yaml: line ([0-9]+): (.*)$`)

// parseYAML reads a YAML payload into a node tree. `!Import name` written
// as a tag becomes the string "!Import name"; other tags are reported where
// they stand.
func parseYAML(data []byte) (root *node, problem *Problem) {
	defer func() {
		// The YAML parser is not ours: whatever it does on hostile input,
		// validation answers with a problem, not a crash.
		if r := recover(); r != nil {
			root, problem = nil, &Problem{LayerIndex: -1, ResourceIndex: -1,
				Message: fmt.Sprintf("malformed YAML: the parser failed: %v", r), Fix: "check the YAML syntax, or write the payload as JSON"}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Problem{LayerIndex: -1, ResourceIndex: -1, Message: "the payload is empty",
				Fix: `write {"StatePayload": [{"layer": 1, "resources": [...]}]}`}
		}
		p := yamlSyntaxProblem(data, err)
		return nil, &p
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, &Problem{LayerIndex: -1, ResourceIndex: -1, Line: extra.Line, Column: extra.Column,
			Message: "more than one YAML document (---)", Fix: "a payload is one document: remove the second one, or run it as a payload of its own"}
	case !errors.Is(err, io.EOF):
		p := yamlSyntaxProblem(data, err)
		return nil, &p
	}
	if len(doc.Content) == 0 {
		return nil, &Problem{LayerIndex: -1, ResourceIndex: -1, Message: "the payload is empty",
			Fix: `write StatePayload: with a list of layers`}
	}
	b := yamlBuilder{budget: maxNodes}
	root = b.convert(doc.Content[0], 0)
	if b.budget < 0 {
		return nil, tooManyNodes()
	}
	return root, nil
}

func yamlSyntaxProblem(data []byte, err error) Problem {
	p := Problem{LayerIndex: -1, ResourceIndex: -1,
		Fix: "check indentation and quoting near that line; a value starting with ! is a tag: write !Import <export-name>, or quote the value"}
	msg := err.Error()
	if strings.Contains(msg, "exceeded max depth") {
		p.Message = "malformed YAML: nested too deeply"
		p.Fix = "a payload nests a few levels only: payload, layers, layer, resources, resource, parameters"
		return p
	}
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		p.Message = "malformed YAML: " + strings.TrimPrefix(msg, "yaml: ")
		return p
	}
	p.Line, _ = strconv.Atoi(m[1])
	p.Message = "malformed YAML: " + m[2]
	if lines := bytes.Split(data, []byte("\n")); p.Line <= len(lines) && bytes.HasPrefix(bytes.TrimLeft(lines[p.Line-1], " "), []byte("\t")) {
		p.Message = "malformed YAML: a tab indents this line"
		p.Fix = "indent with spaces only: YAML does not allow tabs for indentation"
		return p
	}
	if strings.HasPrefix(m[2], "did not find expected") {
		// The parser names the line, counted from 0, where the enclosing
		// block or flow collection starts, not the line at fault.
		p.Line++
		p.Message += " in the block that starts at this line"
		p.Fix = "check the indentation of the lines of this block (siblings line up, children are indented more), and quoting; a value starting with ! is a tag: write !Import <export-name>, or quote the value"
	}
	return p
}

type yamlBuilder struct {
	budget int
}

func (b *yamlBuilder) convert(y *yaml.Node, depth int) *node {
	b.budget--
	if b.budget < 0 {
		return &node{kind: nodeNull}
	}
	for y.Kind == yaml.AliasNode && y.Alias != nil && b.budget >= 0 {
		b.budget--
		y = y.Alias
	}
	n := &node{line: y.Line, col: y.Column}
	if custom(y.Tag) && (y.Kind != yaml.ScalarNode || y.Tag != ImportPrefix) {
		return badTag(n, y)
	}
	switch y.Kind {
	case yaml.MappingNode:
		n.kind = nodeObject
		if depth >= keptDepth {
			return n
		}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			key := k.Value
			if k.Kind != yaml.ScalarNode {
				key = fmt.Sprintf("<%s key>", kindName(k.Kind))
			}
			n.members = append(n.members, member{key: key, line: k.Line, col: k.Column, value: b.convert(v, depth+1)})
		}
	case yaml.SequenceNode:
		n.kind = nodeArray
		if depth >= keptDepth {
			return n
		}
		for _, item := range y.Content {
			n.items = append(n.items, b.convert(item, depth+1))
		}
	case yaml.ScalarNode:
		scalar(n, y)
	default:
		n.kind = nodeNull
	}
	return n
}

// custom reports whether tag is an application tag (`!Name`), not one of
// YAML's own (`!!str`) or the non-specific `!`.
func custom(tag string) bool {
	return strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") && tag != "!"
}

func scalar(n *node, y *yaml.Node) {
	switch y.Tag {
	case ImportPrefix:
		n.kind, n.text = nodeString, ImportPrefix+" "+strings.TrimSpace(y.Value)
	case "!!null":
		n.kind, n.text = nodeNull, "null"
	case "!!bool":
		n.kind, n.text = nodeBool, y.Value
	case "!!int", "!!float":
		n.kind, n.text = nodeNumber, normalNumber(y.Value)
	default: // !!str, !!timestamp, !!binary, !
		n.kind, n.text = nodeString, y.Value
	}
}

func badTag(n *node, y *yaml.Node) *node {
	n.kind = nodeBad
	if y.Tag == ImportPrefix {
		n.text = "!Import must be followed by an export name"
		n.fix = "write !Import <export-name> on one line"
		return n
	}
	n.text = fmt.Sprintf("unsupported YAML tag %s", printable(y.Tag))
	n.fix = fmt.Sprintf("drorch reads %s <export-name> and resolve:ssm:<name>; quote the value if the text is meant literally", ImportPrefix)
	if s := suggest.Closest(y.Tag, []string{ImportPrefix}, 1); len(s) > 0 && y.Kind == yaml.ScalarNode {
		n.fix = fmt.Sprintf("did you mean %s %s?", ImportPrefix, printable(y.Value))
	}
	return n
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.AliasNode:
		return "alias"
	}
	return "complex"
}
