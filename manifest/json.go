package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// parseJSON reads a JSON payload into a node tree. A syntax error is one
// Problem with its line and column and a fix for the usual causes.
func parseJSON(data []byte) (*node, *Problem) {
	ls := newLines(data)
	// A full syntax check first: encoding/json reports exact offsets for
	// whole documents, but not for a token stream that stops mid-way.
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		p := jsonSyntaxProblem(data, ls, err)
		return nil, &p
	}
	b := jsonBuilder{dec: json.NewDecoder(bytes.NewReader(data)), data: data, lines: ls}
	b.dec.UseNumber()
	n, err := b.value(0)
	if errors.Is(err, errTooManyNodes) {
		return nil, tooManyNodes()
	}
	if err != nil {
		// Cannot happen after the check above; say so rather than panic.
		return nil, &Problem{LayerIndex: -1, ResourceIndex: -1, Message: "malformed JSON: " + err.Error(), Fix: "check the JSON syntax"}
	}
	return n, nil
}

type jsonBuilder struct {
	dec   *json.Decoder
	data  []byte
	lines lines
	nodes int
}

var errTooManyNodes = errors.New("too many values")

// start returns the offset where the next token begins: after the end of the
// last one, past blanks and the separators Token consumes silently.
func (b *jsonBuilder) start() int {
	off := int(b.dec.InputOffset())
	for off < len(b.data) {
		switch b.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (b *jsonBuilder) value(depth int) (*node, error) {
	if b.nodes++; b.nodes > maxNodes {
		return nil, errTooManyNodes
	}
	line, col := b.lines.at(b.start())
	tok, err := b.dec.Token()
	if err != nil {
		return nil, err
	}
	n := &node{line: line, col: col}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n.kind = nodeObject
			for b.dec.More() {
				kl, kc := b.lines.at(b.start())
				kt, err := b.dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				v, err := b.value(depth + 1)
				if err != nil {
					return nil, err
				}
				if depth < keptDepth {
					n.members = append(n.members, member{key: key, line: kl, col: kc, value: v})
				}
			}
		} else {
			n.kind = nodeArray
			for b.dec.More() {
				v, err := b.value(depth + 1)
				if err != nil {
					return nil, err
				}
				if depth < keptDepth {
					n.items = append(n.items, v)
				}
			}
		}
		if _, err := b.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.kind, n.text = nodeString, t
	case json.Number:
		n.kind, n.text = nodeNumber, normalNumber(string(t))
	case bool:
		n.kind, n.text = nodeBool, fmt.Sprint(t)
	case nil:
		n.kind, n.text = nodeNull, "null"
	}
	return n, nil
}

// jsonSyntaxProblem turns an encoding/json error into a Problem that says
// where, what, and what to do.
func jsonSyntaxProblem(data []byte, ls lines, err error) Problem {
	p := Problem{LayerIndex: -1, ResourceIndex: -1, Fix: "check the JSON syntax near that position"}
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		p.Message = "malformed JSON: " + err.Error()
		return p
	}
	msg := se.Error()
	if strings.HasPrefix(msg, "unexpected end of JSON input") {
		return truncatedProblem(data, ls)
	}
	bad := min(max(int(se.Offset)-1, 0), len(data)-1)
	p.Line, p.Column = ls.at(bad)
	r, _ := utf8.DecodeRune(data[bad:])
	found := fmt.Sprintf("%q", string(r))
	switch {
	case (r == '}' || r == ']') && prevNonBlank(data, bad) >= 0 && data[prevNonBlank(data, bad)] == ',':
		closeLine, closeCol := p.Line, p.Column
		p.Line, p.Column = ls.at(prevNonBlank(data, bad))
		p.Message = fmt.Sprintf("malformed JSON: trailing comma before the %s at line %d, column %d", found, closeLine, closeCol)
		p.Fix = "remove this comma: JSON allows none after the last element"
	case strings.Contains(msg, "after top-level value"):
		p.Message = "malformed JSON: " + found + " after the end of the payload object"
		p.Fix = "a payload is one JSON object: remove what follows its closing }"
	case strings.Contains(msg, "after object key:value pair"):
		p.Message = `malformed JSON: expected "," or "}" after a value, found ` + found
		p.Fix = "separate the members of an object with commas, and close it with }"
	case strings.Contains(msg, "after array element"):
		p.Message = `malformed JSON: expected "," or "]" after an array element, found ` + found
		p.Fix = "separate the elements of an array with commas, and close it with ]"
	case strings.Contains(msg, "after object key"):
		p.Message = `malformed JSON: expected ":" after a key, found ` + found
		p.Fix = `write "key": value`
	case strings.Contains(msg, "looking for beginning of object key string"):
		p.Message = "malformed JSON: expected a key in double quotes, found " + found
		p.Fix = `write keys in double quotes, e.g. "layer": 1`
	case strings.Contains(msg, "looking for beginning of value"):
		p.Message = "malformed JSON: expected a value, found " + found
		p.Fix = `write text in double quotes ("True"), and numbers, true, false and null without quotes`
	case strings.Contains(msg, "in literal"):
		p.Message = "malformed JSON: misspelt literal at " + found
		p.Fix = "write true, false and null in lower case, or put text in double quotes"
	case strings.Contains(msg, "in string literal"):
		p.Message = "malformed JSON: control character " + found + " inside a string"
		p.Fix = `write a line break as \n and a tab as \t inside strings`
	case strings.Contains(msg, "in string escape code"):
		p.Message = `malformed JSON: invalid escape "\` + string(r) + `" inside a string`
		p.Fix = `write a backslash as \\`
	case strings.Contains(msg, "in numeric literal"), strings.Contains(msg, "in exponent"):
		p.Message = "malformed JSON: invalid number at " + found
		p.Fix = `write numbers as plain decimals (3306), or put the value in double quotes`
	case strings.Contains(msg, "exceeded max depth"):
		p.Message = "malformed JSON: nested too deeply"
		p.Fix = "a payload nests six levels at most: payload, layers, layer, resources, resource, parameters"
	default:
		p.Message = "malformed JSON: " + msg
	}
	return p
}

// truncatedProblem explains an input that ends too early: which bracket or
// string is still open, and where it was opened.
func truncatedProblem(data []byte, ls lines) Problem {
	var open []int // offsets of unclosed { and [
	inString, escaped, stringAt := false, false, 0
	for i, c := range data {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString, stringAt = true, i
		case c == '{' || c == '[':
			open = append(open, i)
		case (c == '}' || c == ']') && len(open) > 0:
			open = open[:len(open)-1]
		}
	}
	p := Problem{LayerIndex: -1, ResourceIndex: -1,
		Fix: "the file looks cut short: check that it was saved or copied whole; every { and [ needs its closing } and ]"}
	p.Line, p.Column = ls.at(len(data))
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		p.Message, p.Fix = "the payload is empty", `write {"StatePayload": [{"layer": 1, "resources": [...]}]}`
	case inString:
		l, c := ls.at(stringAt)
		p.Message = fmt.Sprintf("malformed JSON: the input ends inside the string that starts at line %d, column %d", l, c)
	case len(open) > 0:
		last := open[len(open)-1]
		l, c := ls.at(last)
		p.Message = fmt.Sprintf("malformed JSON: the input ends while the %q opened at line %d, column %d is still open", string(data[last]), l, c)
	default:
		p.Message = "malformed JSON: the input ends in the middle of a value"
	}
	return p
}

// prevNonBlank returns the offset of the last non-blank byte before i, or -1.
func prevNonBlank(data []byte, i int) int {
	for i--; i >= 0; i-- {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return i
	}
	return -1
}
