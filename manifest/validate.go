package manifest

import (
	"fmt"
	"sort"
	"strings"

	"drorch/internal/suggest"
)

// Validate checks a decoded payload against the resource types of c: at
// least one layer; unique layer numbers; no empty layer; every resource
// named, of a known type, with every required parameter, no unknown one,
// and every literal value of the right form (references are checked once
// resolved, by package ref). It reports one Problem per fault, all of
// them; each says what to do in Fix.
func Validate(p *Payload, c Catalog) Problems {
	return validate(p, c).result()
}

type validator struct {
	c  Catalog
	n  *notes
	ps *collector
}

// validate reports in payload order (see Load).
func validate(p *Payload, c Catalog) *collector {
	v := validator{c: c, n: newNotes(), ps: &collector{}}
	if p != nil && p.notes != nil {
		v.n = p.notes
	}
	if p == nil || len(p.Layers) == 0 {
		if !v.n.stateBad {
			v.ps.add(Problem{LayerIndex: -1, ResourceIndex: -1, Field: "StatePayload",
				Message: "the payload has no layers",
				Fix:     `add at least one layer: {"StatePayload": [{"layer": 1, "resources": [...]}]}`})
		}
		return v.ps
	}
	first := map[int]int{} // layer number -> position of its first layer
	for i, l := range p.Layers {
		if v.n.layerBad[i] {
			continue
		}
		if !v.n.numberBad[i] {
			if j, dup := first[l.Number]; dup {
				v.ps.add(Problem{LayerIndex: i, Layer: l.Number, ResourceIndex: -1,
					Message: fmt.Sprintf("layer number %d is used twice, by StatePayload[%d] and StatePayload[%d]", l.Number, j, i),
					Fix:     "give each layer its own number (layers run in ascending order), or merge the two layers"})
			} else {
				first[l.Number] = i
			}
		}
		if len(l.Resources) == 0 && !v.n.resourcesBad[i] {
			v.ps.add(Problem{LayerIndex: i, Layer: l.Number, LayerUnknown: v.n.numberBad[i], ResourceIndex: -1,
				Field: "resources", Message: "the layer has no resources",
				Fix: "add the resources this layer should run, or remove the layer"})
		}
		for j, r := range l.Resources {
			if !v.n.resourceBad[pos{i, j}] {
				v.resource(i, l.Number, j, r)
			}
		}
	}
	return v.ps
}

func (v *validator) resource(li, number, ri int, r Resource) {
	ps := pos{li, ri}
	add := func(field, msg, fix string) {
		v.ps.add(Problem{LayerIndex: li, Layer: number, LayerUnknown: v.n.numberBad[li],
			ResourceIndex: ri, ResourceName: r.Name, Field: field, Message: msg, Fix: fix})
	}
	if !v.n.nameBad[ps] && strings.TrimSpace(r.Name) == "" {
		add("resourceName", "missing or empty",
			"give the resource a short name: it labels the resource's progress line, journal entries and report")
	}
	if v.n.typeBad[ps] {
		return
	}
	names := v.c.Names()
	if strings.TrimSpace(r.Type) == "" {
		add("resourceType", "missing or empty", "set it to one of "+joinList(names, "or"))
		return
	}
	spec, ok := v.c.Lookup(r.Type)
	if !ok {
		fix := "use one of " + joinList(names, "or")
		if s := suggest.Closest(r.Type, names, 3); len(s) > 0 {
			fix = "did you mean " + joinList(s, "or") + "?"
		}
		add("resourceType", fmt.Sprintf("unknown resource type %s", quote(r.Type)), fix)
		return
	}
	if r.FinalSnapshot != nil && !spec.Deletes {
		fix := "remove finalSnapshot"
		if types := deleting(v.c); len(types) > 0 {
			fix += ": it applies only to " + joinList(types, "and")
		}
		add("finalSnapshot", fmt.Sprintf("%s deletes no database, so it takes no final snapshot", r.Type), fix)
	}
	if v.n.paramsBad[ps] {
		return
	}
	v.parameters(ps, spec, r, add)
}

// deleting lists the types of c that may delete a database.
func deleting(c Catalog) []string {
	var out []string
	for _, name := range c.Names() {
		if spec, ok := c.Lookup(name); ok && spec.Deletes {
			out = append(out, name)
		}
	}
	return out
}

func (v *validator) parameters(ps pos, spec TypeSpec, r Resource, add func(field, msg, fix string)) {
	accepted := make([]string, len(spec.Params))
	for i, p := range spec.Params {
		accepted[i] = p.Name
	}
	// Unknown names first: a misspelt required parameter is one fault,
	// reported as the unknown name with its correction, not also as missing.
	keys := make([]string, 0, len(r.Parameters))
	for k := range r.Parameters {
		keys = append(keys, k)
	}
	for k := range v.n.valueBad {
		if k.pos == ps {
			keys = append(keys, k.name)
		}
	}
	sort.Strings(keys)
	corrected := map[string]bool{}
	for _, k := range keys {
		if _, ok := spec.Param(k); ok {
			continue
		}
		fix := fmt.Sprintf("%s accepts %s", spec.Name, joinList(accepted, "and"))
		if s := suggest.Closest(k, accepted, 1); len(s) > 0 {
			fix = fmt.Sprintf("did you mean %s?", s[0])
			if _, given := r.Parameters[s[0]]; !given {
				corrected[s[0]] = true
			}
		}
		add(k, "unknown parameter of "+spec.Name, fix)
	}
	for _, p := range spec.Params {
		f := field{ps, p.Name}
		if v.n.valueBad[f] {
			continue
		}
		val, given := r.Parameters[p.Name]
		if !given || val == "" && !p.Required {
			if p.Required && !corrected[p.Name] {
				add(p.Name, "required parameter missing", missingFix(p))
			}
			continue
		}
		if val == "" {
			add(p.Name, "required parameter is empty", missingFix(p))
			continue
		}
		ref, err := ParseRef(val)
		if err != nil {
			re := err.(*RefError)
			add(p.Name, re.Message, re.Fix)
			continue
		}
		if ref.Kind != RefNone {
			continue // checked once resolved
		}
		if k, ok := v.n.written[f]; ok && !textual(p.Kind) {
			add(p.Name, fmt.Sprintf("%s is %s, not text", clip(val), k.what()), safeFix(p)+", in quotes")
			continue
		}
		if err := CheckValue(p, val); err != nil {
			ve := err.(*ValueError)
			add(p.Name, ve.Message(), ve.Fix)
		}
	}
}

// textual reports whether a value written as a number or boolean suits a
// parameter of kind pk (its text is then checked as usual): a port may be
// written 3306, a flag true, but an identifier is text.
func textual(pk Kind) bool {
	switch pk {
	case KindString, KindInt, KindBool:
		return true
	}
	return false
}

func missingFix(p ParamSpec) string {
	example := p.Example
	if example == "" {
		example = "<value>"
	}
	fix := fmt.Sprintf("add %q: %q", p.Name, example)
	if p.Doc != "" {
		fix += " (" + p.Doc + ")"
	}
	return fix + `, or a reference such as "!Import <export-name>"`
}
