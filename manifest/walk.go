package manifest

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"drorch/internal/suggest"
)

// notes records what Decode reported, so that Validate skips it.
type notes struct {
	stateBad     bool               // StatePayload missing, not an array, or the file unreadable
	layerBad     map[int]bool       // the layer entry is not an object
	numberBad    map[int]bool       // the layer number is missing or invalid
	resourcesBad map[int]bool       // resources missing or not an array
	resourceBad  map[pos]bool       // the resource entry is not an object
	typeBad      map[pos]bool       // resourceType not a string
	nameBad      map[pos]bool       // resourceName not a string
	paramsBad    map[pos]bool       // parameters not an object
	valueBad     map[field]bool     // a parameter value that is not a scalar, or a bad tag
	written      map[field]nodeKind // parameters written as a number or boolean
}

type pos struct{ layer, resource int }

type field struct {
	pos
	name string
}

func newNotes() *notes {
	return &notes{
		layerBad: map[int]bool{}, numberBad: map[int]bool{}, resourcesBad: map[int]bool{},
		resourceBad: map[pos]bool{}, typeBad: map[pos]bool{}, nameBad: map[pos]bool{},
		paramsBad: map[pos]bool{}, valueBad: map[field]bool{}, written: map[field]nodeKind{}}
}

// The keys a payload may hold at each level. "$schema" lets editors find
// the published JSON Schema; drorch ignores it.
func payloadKeys() []string { return []string{"StatePayload", "$schema"} }
func layerKeys() []string   { return []string{"layer", "resources"} }
func resourceKeys() []string {
	return []string{"resourceType", "resourceName", "parameters", "continueOnError", "timeout", "maxReplicationLag", "finalSnapshot"}
}

// MinTimeout and MaxTimeout bound the per-resource timeout a payload may
// ask for: below a second no AWS operation can be seen through (a
// switchover would be issued, then reported failed while AWS completes it).
const (
	MinTimeout = time.Second
	MaxTimeout = 24 * time.Hour
)

// MaxReplicationLag is the largest lag threshold a payload may set: a
// replica an hour behind is not a standby.
const MaxReplicationLag = time.Hour

// walker turns a node tree into a Payload, reporting every structural
// problem it meets and carrying on past it.
type walker struct {
	p *Payload
	n *notes
	c *collector
}

// at locates problems; filled in as the walk goes down.
type at struct {
	layer, resource int
}

func (w *walker) add(a at, n *node, field, msg, fix string) {
	p := Problem{LayerIndex: a.layer, ResourceIndex: a.resource, Field: field, Message: msg, Fix: fix}
	if n != nil {
		p.Line, p.Column = n.line, n.col
	}
	w.c.add(p)
}

// members returns obj's members by key, reporting duplicates and keys not
// in known (with a "did you mean"); only the first of duplicates is kept.
// It returns the unknown keys' suggested names too.
func (w *walker) members(a at, obj *node, known []string, what string) (map[string]member, map[string]bool) {
	byKey := map[string]member{}
	suggested := map[string]bool{}
	for _, m := range obj.members {
		if first, dup := byKey[m.key]; dup {
			w.add(a, &node{line: m.line, col: m.col}, m.key,
				fmt.Sprintf("written twice (lines %d and %d)", first.line, m.line),
				"keep only one: the second one is ignored")
			continue
		}
		if known != nil && !slices.Contains(known, m.key) {
			fix := fmt.Sprintf("%s accepts %s", what, joinList(known, "and"))
			if s := suggest.Closest(m.key, known, 1); len(s) > 0 {
				fix = fmt.Sprintf("did you mean %s?", s[0])
				suggested[s[0]] = true
			}
			w.add(a, &node{line: m.line, col: m.col}, m.key, "unknown key", fix)
			continue
		}
		byKey[m.key] = m
	}
	return byKey, suggested
}

func (w *walker) payload(root *node) {
	top := at{-1, -1}
	if root.kind != nodeObject {
		w.n.stateBad = true
		fix := `write {"StatePayload": [{"layer": 1, "resources": [...]}]}`
		if root.kind == nodeArray {
			fix = `wrap the layers in an object: {"StatePayload": [...]}`
		}
		w.add(top, root, "", "the payload must be an object, not "+root.kind.what(), fix)
		return
	}
	byKey, suggested := w.members(top, root, payloadKeys(), "the payload")
	if s, ok := byKey["$schema"]; ok && s.value.kind != nodeString {
		w.add(top, s.value, "$schema", "must be a string (the URL of the JSON Schema), not "+s.value.kind.what(), "remove it or write the schema's URL")
	}
	sp, ok := byKey["StatePayload"]
	if !ok {
		w.n.stateBad = true
		if !suggested["StatePayload"] {
			w.add(top, root, "StatePayload", "missing",
				`the payload must look like {"StatePayload": [{"layer": 1, "resources": [...]}]}`)
		}
		return
	}
	if sp.value.kind != nodeArray {
		w.n.stateBad = true
		w.add(top, sp.value, "StatePayload", "must be an array of layers, not "+sp.value.kind.what(),
			`write "StatePayload": [{"layer": 1, "resources": [...]}, ...]`)
		return
	}
	w.p.Layers = make([]Layer, len(sp.value.items))
	for i, item := range sp.value.items {
		w.p.Layers[i] = w.layer(i, item)
	}
}

func (w *walker) layer(i int, n *node) Layer {
	a := at{i, -1}
	first := len(w.c.list)
	var l Layer
	defer func() {
		// The number is known only now: put it on this layer's problems.
		for j := first; j < len(w.c.list); j++ {
			w.c.list[j].Layer = l.Number
			w.c.list[j].LayerUnknown = w.n.numberBad[i] || w.n.layerBad[i]
		}
	}()
	if n.kind != nodeObject {
		w.n.layerBad[i] = true
		w.add(a, n, "", "a layer must be an object, not "+n.kind.what(), `write {"layer": 1, "resources": [...]}`)
		return l
	}
	byKey, suggested := w.members(a, n, layerKeys(), "a layer")
	if m, ok := byKey["layer"]; !ok {
		w.n.numberBad[i] = true
		if !suggested["layer"] {
			w.add(a, n, "layer", "missing layer number", `add "layer": <number>; layers run in ascending order of their numbers`)
		}
	} else if num, ok := wholeNumber(m.value); !ok {
		w.n.numberBad[i] = true
		fix := `write a whole number, e.g. "layer": 1`
		if m.value.kind == nodeString {
			if _, err := strconv.Atoi(m.value.text); err == nil {
				fix = fmt.Sprintf(`write "layer": %s without quotes`, m.value.text)
			}
		}
		w.add(a, m.value, "layer", "must be a whole number, not "+describeNode(m.value), fix)
	} else {
		l.Number = num
	}
	m, ok := byKey["resources"]
	switch {
	case !ok:
		w.n.resourcesBad[i] = true
		if !suggested["resources"] {
			w.add(a, n, "resources", "missing", `add "resources": [...] with the resources this layer runs`)
		}
	case m.value.kind != nodeArray:
		w.n.resourcesBad[i] = true
		w.add(a, m.value, "resources", "must be an array of resources, not "+m.value.kind.what(),
			`write "resources": [{"resourceType": "...", "resourceName": "...", "parameters": {...}}]`)
	default:
		l.Resources = make([]Resource, len(m.value.items))
		for j, item := range m.value.items {
			l.Resources[j] = w.resource(pos{i, j}, item)
		}
	}
	return l
}

// wholeNumber reads an integer written as a number (1, 1.0, 1e0).
func wholeNumber(n *node) (int, bool) {
	if n.kind != nodeNumber {
		return 0, false
	}
	v, err := strconv.Atoi(n.text)
	return v, err == nil
}

// describeNode names a value for messages: `a string ("1")`, `1.5`.
func describeNode(n *node) string {
	switch n.kind {
	case nodeString:
		return fmt.Sprintf("a string (%s)", quote(n.text))
	case nodeNumber, nodeBool:
		return clip(n.text)
	}
	return n.kind.what()
}

func (w *walker) resource(ps pos, n *node) Resource {
	a := at(ps)
	first := len(w.c.list)
	var r Resource
	defer func() {
		for j := first; j < len(w.c.list); j++ {
			w.c.list[j].ResourceName = r.Name
		}
	}()
	if n.kind != nodeObject {
		w.n.resourceBad[ps] = true
		w.add(a, n, "", "a resource must be an object, not "+n.kind.what(),
			`write {"resourceType": "...", "resourceName": "...", "parameters": {...}}`)
		return r
	}
	byKey, _ := w.members(a, n, resourceKeys(), "a resource")
	if m, ok := byKey["resourceType"]; ok {
		if m.value.kind == nodeString {
			r.Type = m.value.text
		} else {
			w.n.typeBad[ps] = true
			w.add(a, m.value, "resourceType", "must be a string naming a resource type, not "+describeNode(m.value), `write e.g. "resourceType": "PlannedFailoverAurora"`)
		}
	}
	if m, ok := byKey["resourceName"]; ok {
		if m.value.kind == nodeString {
			r.Name = m.value.text
		} else {
			w.n.nameBad[ps] = true
			w.add(a, m.value, "resourceName", "must be a string, not "+describeNode(m.value), `write e.g. "resourceName": "Switchover of the orders database"`)
		}
	}
	if m, ok := byKey["parameters"]; ok {
		r.Parameters = w.parameters(a, ps, m.value)
	}
	if m, ok := byKey["continueOnError"]; ok {
		if b, ok := w.boolean(a, m.value, "continueOnError"); ok {
			r.ContinueOnError = b
		}
	}
	if m, ok := byKey["finalSnapshot"]; ok {
		if b, ok := w.boolean(a, m.value, "finalSnapshot"); ok {
			r.FinalSnapshot = &b
		}
	}
	if m, ok := byKey["timeout"]; ok {
		r.Timeout = w.timeout(a, m.value)
	}
	if m, ok := byKey["maxReplicationLag"]; ok {
		r.MaxReplicationLag = w.maxLag(a, m.value)
	}
	return r
}

func (w *walker) maxLag(a at, n *node) string {
	const fix = `write a duration from 1ms to 1h, e.g. "maxReplicationLag": "5s"`
	if n.kind != nodeString {
		w.add(a, n, "maxReplicationLag", "must be a duration in quotes, not "+describeNode(n), fix)
		return ""
	}
	d, err := time.ParseDuration(n.text)
	switch {
	case err != nil:
		w.add(a, n, "maxReplicationLag", quote(n.text)+" is not a duration", fix)
	case d <= 0:
		w.add(a, n, "maxReplicationLag", quote(n.text)+" is not a positive duration", fix)
	case d > MaxReplicationLag:
		w.add(a, n, "maxReplicationLag", quote(n.text)+" is longer than 1h", fix)
	default:
		return n.text
	}
	return ""
}

// boolean reads a resource-level true or false.
func (w *walker) boolean(a at, n *node, key string) (value, ok bool) {
	if n.kind == nodeBool {
		b, _ := strconv.ParseBool(lowerASCII(n.text))
		return b, true
	}
	fix := `write "` + key + `": true or false`
	if n.kind == nodeString {
		fix += " without quotes"
	}
	w.add(a, n, key, "must be true or false, not "+describeNode(n), fix)
	return false, false
}

func (w *walker) timeout(a at, n *node) string {
	const fix = `write a duration from 1s to 24h, e.g. "timeout": "45m" or "1h30m"`
	if n.kind != nodeString {
		w.add(a, n, "timeout", "must be a duration in quotes, not "+describeNode(n), fix)
		return ""
	}
	d, err := time.ParseDuration(n.text)
	switch {
	case err != nil:
		w.add(a, n, "timeout", quote(n.text)+" is not a duration", fix)
	case d <= 0:
		w.add(a, n, "timeout", quote(n.text)+" is not a positive duration", fix)
	case d < MinTimeout:
		w.add(a, n, "timeout", quote(n.text)+" is shorter than 1s", fix)
	case d > MaxTimeout:
		w.add(a, n, "timeout", quote(n.text)+" is longer than 24h", fix)
	default:
		return n.text
	}
	return ""
}

func (w *walker) parameters(a at, ps pos, n *node) map[string]string {
	if n.kind != nodeObject {
		w.n.paramsBad[ps] = true
		w.add(a, n, "parameters", "must be an object of parameter names to values, not "+n.kind.what(),
			`write "parameters": {"Name": "value", ...}`)
		return nil
	}
	byKey, _ := w.members(a, n, nil, "")
	params := make(map[string]string, len(byKey))
	for _, m := range n.members {
		if byKey[m.key].value != m.value {
			continue // a duplicate, reported by members
		}
		f := field{ps, m.key}
		v := m.value
		switch v.kind {
		case nodeString:
			params[m.key] = v.text
		case nodeNumber, nodeBool:
			params[m.key] = v.text
			w.n.written[f] = v.kind
		case nodeNull:
			w.n.valueBad[f] = true
			w.add(a, v, m.key, "null is not a value",
				`write the value in quotes, or leave the parameter out if it is optional`)
		case nodeBad:
			w.n.valueBad[f] = true
			w.add(a, v, m.key, v.text, v.fix)
		default:
			w.n.valueBad[f] = true
			w.add(a, v, m.key, "must be a string, not "+v.kind.what(), objectValueFix(v))
		}
	}
	return params
}

// objectValueFix helps with the CloudFormation habit {"Fn::ImportValue": "x"}.
func objectValueFix(v *node) string {
	if v.kind == nodeObject && len(v.members) == 1 && v.members[0].key == "Fn::ImportValue" && v.members[0].value.kind == nodeString {
		return fmt.Sprintf("write %s: drorch's form of an import", quote(ImportPrefix+" "+v.members[0].value.text))
	}
	return `parameter values are strings: write "Name": "value", or "!Import <export-name>" for an export`
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
