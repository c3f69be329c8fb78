package manifest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Patterns shared by the schema and the checks; kept in the subset of
// regular-expression syntax that Go and ECMA-262 (editors) read alike.
const (
	regionPat        = `[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]`
	identPat         = `[A-Za-z](-?[A-Za-z0-9])*`
	accountPat       = `[0-9]{12}`
	partitionPat     = `aws[-a-z]*`
	uuidPat          = `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`
	mrkPat           = `mrk-[0-9a-f]{32}`
	sgPat            = `sg-([0-9a-f]{8}|[0-9a-f]{17})`
	aliasPat         = `alias/[A-Za-z0-9/_-]+`
	roleNamePat      = `[\w+=,.@-]+(/[\w+=,.@-]+)*`
	instanceClassPat = `db\.(serverless|[a-z][a-z0-9-]*\.[a-z0-9]+(\.[a-z0-9]+)*)`
	durationUnit     = `([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)`
	referencePat     = `^\s*(!Import\s+\S+|resolve:ssm:[A-Za-z0-9_./:-]+)\s*$`
	notLiteralPat    = `^\s*(!|\{\{resolve:ssm|[Rr][Ee][Ss][Oo][Ll][Vv][Ee]:[Ss][Ss][Mm]:)`
)

// Schema returns a JSON Schema (draft 2020-12) of the payload for the
// resource types of c: the StatePayload array of layers and, per
// resourceType, the required and accepted parameters with the form of
// their values (a reference, `!Import <export>` or `resolve:ssm:<name>`,
// is accepted for every parameter). Editors use it to complete and check
// payloads as they are written.
//
// The schema sees less than Validate: it cannot tell duplicate layer
// numbers or duplicate keys, nor bound a timeout to 24h; drorch validate is
// the authority.
func Schema(c Catalog) ([]byte, error) {
	names := c.Names()
	defs := map[string]any{
		"reference": map[string]any{
			"type":        "string",
			"pattern":     referencePat,
			"description": "A reference resolved before the run: !Import <export-name> (a CloudFormation export of the run's region) or resolve:ssm:<name>[:<version>] (an SSM parameter, decrypted).",
		},
	}
	var conditions []any
	for _, name := range names {
		spec, ok := c.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("schema: catalog lists %s but has no spec for it", name)
		}
		defs["params-"+name] = paramsSchema(spec)
		then := map[string]any{"properties": map[string]any{"parameters": map[string]any{"$ref": "#/$defs/params-" + name}}}
		if hasRequired(spec) {
			then["required"] = []string{"parameters"}
		}
		if !spec.Deletes {
			then["not"] = map[string]any{"required": []string{"finalSnapshot"}}
		}
		conditions = append(conditions, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"resourceType": map[string]any{"const": name}}, "required": []string{"resourceType"}},
			"then": then,
		})
	}
	defs["resource"] = map[string]any{
		"type":                 "object",
		"description":          "One database operation; the resources of a layer run concurrently.",
		"required":             []string{"resourceType", "resourceName"},
		"additionalProperties": false,
		"properties": map[string]any{
			"resourceType": map[string]any{"enum": names, "description": "The kind of operation."},
			"resourceName": map[string]any{"type": "string", "pattern": `\S`, "description": "A short name, shown in progress lines, the journal and reports."},
			"parameters":   map[string]any{"type": "object", "description": "The parameters of the resource type; values are text, or a reference."},
			"continueOnError": map[string]any{"type": "boolean",
				"description": "drorch extension: when this resource fails, still run the next layers."},
			"timeout": map[string]any{"type": "string", "pattern": "^" + durationUnit + "+$",
				"description": "drorch extension: deadline of this resource as a Go duration (\"45m\"), more than 0 and at most 24h; default: the resource type's."},
			"maxReplicationLag": map[string]any{"type": "string", "pattern": "^" + durationUnit + "+$",
				"description": "drorch extension: the most replication lag `drorch check` accepts for the replica this resource fails over to, as a Go duration (\"5s\"), more than 0 and at most 1h; default: check's --max-lag (1s)."},
			"finalSnapshot": map[string]any{"type": "boolean",
				"description": "drorch extension, for the types that delete a stale database before rebuilding it (" + joinList(deleting(c), "and") + "): false deletes it without a final snapshot. Default true: a snapshot named drorch-<run id>-<identifier> is taken first and the run waits for it, so that writes that never reached the other region are kept."},
		},
		"allOf": conditions,
	}
	defs["layer"] = map[string]any{
		"type":                 "object",
		"description":          "A group of resources run together; layers run in ascending order of their numbers.",
		"required":             []string{"layer", "resources"},
		"additionalProperties": false,
		"properties": map[string]any{
			"layer":     map[string]any{"type": "integer", "description": "The layer's number, unique in the payload."},
			"resources": map[string]any{"type": "array", "minItems": 1, "items": map[string]any{"$ref": "#/$defs/resource"}},
		},
	}
	schema := map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"title":                "drorch StatePayload",
		"description":          "A drorch manifest: the StatePayload of the DR Orchestrator Framework. Check it with `drorch validate`, which also catches what a schema cannot (duplicate layer numbers, duplicate keys, unresolvable references).",
		"type":                 "object",
		"required":             []string{"StatePayload"},
		"additionalProperties": false,
		"properties": map[string]any{
			"$schema":      map[string]any{"type": "string", "description": "The URL of this schema, for editors; ignored by drorch."},
			"StatePayload": map[string]any{"type": "array", "minItems": 1, "items": map[string]any{"$ref": "#/$defs/layer"}},
		},
		"$defs": defs,
	}
	out, err := json.MarshalIndent(schema, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return append(out, '\n'), nil
}

func hasRequired(spec TypeSpec) bool {
	for _, p := range spec.Params {
		if p.Required {
			return true
		}
	}
	return false
}

func paramsSchema(spec TypeSpec) map[string]any {
	props := map[string]any{}
	var required []string
	for _, p := range spec.Params {
		props[p.Name] = valueSchema(p)
		if p.Required {
			required = append(required, p.Name)
		}
	}
	s := map[string]any{
		"type":                 "object",
		"description":          spec.Name + ": " + spec.Doc,
		"properties":           props,
		"additionalProperties": false,
	}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// valueSchema accepts a reference or a literal of the parameter's form; an
// optional parameter may also be "" (the same as leaving it out).
func valueSchema(p ParamSpec) map[string]any {
	branches := []any{map[string]any{"$ref": "#/$defs/reference"}}
	branches = append(branches, literalSchemas(p)...)
	if !p.Required {
		branches = append(branches, map[string]any{"const": ""})
	}
	desc := p.Doc
	if p.Default != "" {
		desc += " Default: " + p.Default + "."
	}
	if !p.Required {
		desc += " Optional."
	}
	if p.Unused {
		desc += " Accepted for compatibility with the original payloads; drorch does not need it."
	}
	s := map[string]any{"description": strings.TrimSpace(desc), "anyOf": branches}
	if p.Example != "" {
		s["examples"] = []string{p.Example}
	}
	return s
}

// literalSchemas are the literal forms of p's value: always text, plus a
// JSON number for integers and a JSON boolean for booleans (which Decode
// turns into their text).
func literalSchemas(p ParamSpec) []any {
	text := func(pattern string) map[string]any {
		return map[string]any{"type": "string", "pattern": pattern}
	}
	if len(p.Enum) > 0 {
		out := []any{map[string]any{"enum": p.Enum}}
		if p.Kind == KindInt {
			var ints []int
			for _, e := range p.Enum {
				if n, err := strconv.Atoi(e); err == nil {
					ints = append(ints, n)
				}
			}
			out = append(out, map[string]any{"enum": ints})
		}
		return out
	}
	arn := func(service, resource string) string {
		return "^arn:" + partitionPat + ":" + service + ":" + resource + "$"
	}
	switch p.Kind {
	case KindIdentifier:
		s := text("^" + identPat + "$")
		s["maxLength"] = maxIdentifierLen
		return []any{s}
	case KindBool:
		return []any{text(`^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$`), map[string]any{"type": "boolean"}}
	case KindInt:
		num := map[string]any{"type": "integer"}
		pattern := `^-?[0-9]+$`
		if p.Min != nil {
			num["minimum"] = *p.Min
		}
		if p.Max != nil {
			num["maximum"] = *p.Max
		}
		if p.Min != nil && p.Max != nil && *p.Min >= 0 && *p.Min <= *p.Max {
			pattern = "^0*(" + rangePattern(*p.Min, *p.Max) + ")$"
		}
		return []any{text(pattern), num}
	case KindRegion:
		return []any{text("^" + regionPat + "$")}
	case KindClusterARN:
		return []any{text(arn("rds", regionPat+":"+accountPat+":cluster:"+identPat))}
	case KindInstanceARN:
		return []any{text(arn("rds", regionPat+":"+accountPat+":db:"+identPat))}
	case KindRoleARN:
		return []any{text(arn("iam", ":"+accountPat+":role/"+roleNamePat))}
	case KindKMSKey:
		return []any{text("^(" + uuidPat + "|" + mrkPat + "|" + aliasPat + ")$"),
			text(arn("kms", regionPat+":"+accountPat+":(key/("+uuidPat+"|"+mrkPat+")|alias/.+)"))}
	case KindSecurityGroups:
		return []any{text("^" + sgPat + `(\s*,\s*` + sgPat + ")*$")}
	case KindInstanceClass:
		return []any{text("^" + instanceClassPat + "$")}
	}
	// KindString and kinds this schema does not know: any text without
	// blanks at either end that is not a malformed reference; numbers and
	// booleans are read as their text. (The other kinds' patterns exclude
	// such text by themselves.)
	s := text(`^\S([\s\S]*\S)?$`)
	s["not"] = map[string]any{"pattern": notLiteralPat}
	return []any{s, map[string]any{"type": "number"}, map[string]any{"type": "boolean"}}
}

// rangePattern is an alternation matching the decimal numbers lo..hi
// (0 <= lo <= hi) without leading zeros: 1150..65535 gives
// 115[0-9]|11[6-9][0-9]|1[2-9][0-9]{2}|...|6553[0-5].
func rangePattern(lo, hi int) string {
	var alts []string
	start := lo
	for _, stop := range rangeStops(lo, hi) {
		alts = append(alts, digitsPattern(strconv.Itoa(start), strconv.Itoa(stop)))
		start = stop + 1
	}
	return strings.Join(alts, "|")
}

// rangeStops splits lo..hi into runs whose bounds have the same number of
// digits and differ in a prefix followed by one range of digits and then
// only "any digit" positions.
func rangeStops(lo, hi int) []int {
	stops := map[int]bool{hi: true}
	for nines := 1; ; nines++ {
		stop := fillNines(lo, nines)
		if stop < lo || stop >= hi {
			break
		}
		stops[stop] = true
	}
	for zeros := 1; ; zeros++ {
		p := pow10(zeros)
		stop := (hi+1)/p*p - 1
		if stop <= lo || stop > hi {
			break
		}
		stops[stop] = true
	}
	out := make([]int, 0, len(stops))
	for s := range stops {
		out = append(out, s)
	}
	sortInts(out)
	return out
}

// fillNines replaces the last k digits of n with nines; when n has fewer
// than k digits the result is k nines.
func fillNines(n, k int) int {
	s := strconv.Itoa(n)
	prefix := ""
	if k < len(s) {
		prefix = s[:len(s)-k]
	}
	v, _ := strconv.Atoi(prefix + strings.Repeat("9", k))
	return v
}

func pow10(k int) int {
	p := 1
	for range k {
		p *= 10
	}
	return p
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// digitsPattern matches lo..hi, two numbers of the same length as produced
// by rangeStops.
func digitsPattern(lo, hi string) string {
	if lo == hi {
		return lo
	}
	var b strings.Builder
	wild := 0
	for i := range lo {
		switch {
		case lo[i] == hi[i]:
			b.WriteByte(lo[i])
		case lo[i] == '0' && hi[i] == '9':
			wild++
		default:
			fmt.Fprintf(&b, "[%c-%c]", lo[i], hi[i])
		}
	}
	switch {
	case wild == 1:
		b.WriteString("[0-9]")
	case wild > 1:
		fmt.Fprintf(&b, "[0-9]{%d}", wild)
	}
	return b.String()
}
