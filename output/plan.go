package output

import (
	"sort"
	"time"

	"drorch/engine"
	"drorch/report"
)

// SchemaVersion is the version of schema.json. It changes only when a
// field is removed or changes meaning.
const SchemaVersion = 1

// Plan is `drorch plan -o json`: what a run would do now.
type Plan struct {
	SchemaVersion int    `json:"schemaVersion"`
	Kind          string `json:"kind"` // "plan"
	Payload       string `json:"payload"`
	Region        string `json:"region"`
	// Blocked: a resource has a blocker and a run would not start.
	Blocked bool `json:"blocked"`
	// NothingToDo: every resource's goal already holds.
	NothingToDo bool        `json:"nothingToDo"`
	Summary     PlanSummary `json:"summary"`
	Layers      []PlanLayer `json:"layers"`
}

// PlanSummary counts what a run would do.
type PlanSummary struct {
	ToChange    int `json:"toChange"`
	AlreadyDone int `json:"alreadyDone"`
	Blocked     int `json:"blocked"`
	// MutatingCalls is how many calls a run would make as the state is
	// now (0 when the plan is blocked: no run starts); CallsByRegion
	// splits them by the region they are sent to.
	MutatingCalls int            `json:"mutatingCalls"`
	CallsByRegion map[string]int `json:"callsByRegion"`
	// UnderWay counts steps whose operation is already running in AWS: a
	// run takes them over without a call.
	UnderWay int `json:"underWay"`
}

// PlanLayer is one layer of a plan.
type PlanLayer struct {
	Number    int            `json:"number"`
	Resources []PlanResource `json:"resources"`
}

// PlanResource is one resource of a plan.
type PlanResource struct {
	Index           int                `json:"index"`
	Name            string             `json:"name"`
	Type            string             `json:"type"`
	Region          string             `json:"region"`
	ContinueOnError bool               `json:"continueOnError"`
	Timeout         *report.Duration   `json:"timeout,omitempty"`
	Parameters      []report.Parameter `json:"parameters"`
	State           []string           `json:"state"`
	Blockers        []string           `json:"blockers"`
	Warnings        []string           `json:"warnings"`
	AlreadyDone     bool               `json:"alreadyDone"`
	Steps           []PlanStep         `json:"steps"`
	// RPO is the writes at risk of an operation that may lose the writes
	// not yet replicated, as the run report gives it.
	RPO *report.RPO `json:"rpo,omitempty"`
}

// PlanStep is one step of a resource: where it stands (engine.StepDone,
// StepNext, StepUnderWay, StepBlocked, StepLater) and the calls it makes.
type PlanStep struct {
	Number int    `json:"number"` // 1-based
	Name   string `json:"name"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Calls are the calls of the step, in full; for a later step, as
	// today's state predicts them.
	Calls []PlanCall `json:"calls"`
}

// PlanCall is one mutating call a step makes.
type PlanCall struct {
	Service string            `json:"service"`
	Action  string            `json:"action"`
	Region  string            `json:"region"`
	Args    map[string]string `json:"args"`
}

// Summarize counts a preview: resources to change, done and blocked, and
// the mutating calls a run would make, by region. A blocked plan makes no
// call (no run starts); a resource already done, a step done and a step
// whose operation is under way make none either.
func Summarize(pv *engine.Preview) PlanSummary {
	s := PlanSummary{CallsByRegion: map[string]int{}}
	for _, l := range pv.Layers {
		for _, r := range l.Resources {
			switch {
			case len(r.Blockers) > 0:
				s.Blocked++
				continue
			case r.AlreadyDone:
				s.AlreadyDone++
				continue
			}
			s.ToChange++
			for _, st := range r.Steps {
				switch st.Status {
				case engine.StepUnderWay:
					s.UnderWay++
				case engine.StepNext, engine.StepLater:
					for _, c := range st.Calls {
						s.CallsByRegion[c.Region]++
						s.MutatingCalls++
					}
				}
			}
		}
	}
	if pv.Blocked {
		s.MutatingCalls, s.CallsByRegion = 0, map[string]int{}
	}
	return s
}

// NewPlan is the JSON document of a preview of the payload named payload,
// planned in region.
func NewPlan(payload, region string, pv *engine.Preview) Plan {
	out := Plan{SchemaVersion: SchemaVersion, Kind: "plan", Payload: payload, Region: region, Blocked: pv.Blocked,
		NothingToDo: pv.NothingToDo, Summary: Summarize(pv), Layers: []PlanLayer{}}
	for _, l := range pv.Layers {
		pl := PlanLayer{Number: l.Number, Resources: []PlanResource{}}
		for i, r := range l.Resources {
			pl.Resources = append(pl.Resources, planResource(i, r))
		}
		out.Layers = append(out.Layers, pl)
	}
	return out
}

func planResource(i int, r engine.ResourcePreview) PlanResource {
	pr := PlanResource{Index: i, Name: r.Name, Type: r.Type, Region: r.Region, ContinueOnError: r.ContinueOnError,
		Parameters: Parameters(r), State: nonNil(r.State), Blockers: nonNil(r.Blockers), Warnings: nonNil(r.Warnings),
		AlreadyDone: r.AlreadyDone, Steps: []PlanStep{}, RPO: report.NewRPO(r.RPO)}
	if d, err := time.ParseDuration(r.Timeout); err == nil {
		pr.Timeout = report.NewDuration(d)
	}
	for j, st := range r.Steps {
		ps := PlanStep{Number: j + 1, Name: st.Name, Status: st.Status, Reason: st.Reason, Calls: []PlanCall{}}
		for _, c := range st.Calls {
			args := c.Args
			if args == nil {
				args = map[string]string{}
			}
			ps.Calls = append(ps.Calls, PlanCall{Service: c.Service, Action: c.Action, Region: c.Region, Args: args})
		}
		pr.Steps = append(pr.Steps, ps)
	}
	return pr
}

// Parameters are a resource's resolved parameters, sorted by name, as the
// run report gives them: a secret one has no value, only its reference.
func Parameters(r engine.ResourcePreview) []report.Parameter {
	secret := map[string]bool{}
	for _, s := range r.Secret {
		secret[s] = true
	}
	out := make([]report.Parameter, 0, len(r.Params))
	for k, v := range r.Params {
		p := report.Parameter{Name: k, Value: v, Secret: secret[k], Ref: r.Refs[k]}
		if p.Secret {
			p.Value = ""
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
