package report

import (
	"encoding/json"
	"time"

	"drorch/journal"
)

// t0 is when the scripted runs start.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// script builds a run's events as the engine journals them: each call
// appends one event d after t0, with the next seq.
type script struct {
	id  string
	evs []journal.Event
}

func newScript(spec journal.RunSpec) *script {
	s := &script{id: "run-1"}
	return s.run(0, journal.RunCreated, "", spec)
}

func (s *script) add(d time.Duration, ev journal.Event) *script {
	ev.RunID, ev.Seq, ev.Time = s.id, int64(len(s.evs)+1), t0.Add(d)
	s.evs = append(s.evs, ev)
	return s
}

func (s *script) run(d time.Duration, k journal.Kind, msg string, data any) *script {
	return s.add(d, journal.Event{Kind: k, Layer: -1, Resource: -1, Message: msg, Data: raw(data)})
}

func (s *script) finish(d time.Duration, st journal.Status, errText string) *script {
	return s.add(d, journal.Event{Kind: journal.RunFinished, Layer: -1, Resource: -1, Error: errText, Data: raw(journal.Outcome{Status: st})})
}

func (s *script) layer(d time.Duration, k journal.Kind, l int, st journal.Status) *script {
	ev := journal.Event{Kind: k, Layer: l, Resource: -1}
	if st != "" {
		ev.Data = raw(journal.Outcome{Status: st})
	}
	return s.add(d, ev)
}

func (s *script) res(d time.Duration, k journal.Kind, l, r int, msg, errText string, st journal.Status) *script {
	ev := journal.Event{Kind: k, Layer: l, Resource: r, Message: msg, Error: errText}
	if st != "" {
		ev.Data = raw(journal.Outcome{Status: st})
	}
	return s.add(d, ev)
}

func (s *script) step(d time.Duration, k journal.Kind, l, r int, step, msg, errText string, data any) *script {
	return s.add(d, journal.Event{Kind: k, Layer: l, Resource: r, Step: step, Message: msg, Error: errText, Data: raw(data)})
}

func raw(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func out(st journal.Status) journal.Outcome { return journal.Outcome{Status: st} }

// resourceSpec is a one-step resource of the given type.
func resourceSpec(i int, name, typ string, steps ...string) journal.ResourceSpec {
	if len(steps) == 0 {
		steps = []string{"do"}
	}
	return journal.ResourceSpec{Index: i, Name: name, Type: typ, Region: "us-west-2", Params: map[string]string{"Id": "db-1"},
		Timeout: 30 * time.Minute, Steps: steps}
}

// oneLayer is a run spec of one layer holding resources.
func oneLayer(resources ...journal.ResourceSpec) journal.RunSpec {
	return journal.RunSpec{Command: "run", Region: "us-west-2", PayloadFile: "p.json", PayloadSHA256: "abc",
		Layers: []journal.LayerSpec{{Number: 1, Resources: resources}}}
}

// resourceRun plays one resource of layer 0 through to status st, over d.
func (s *script) resourceRun(start, d time.Duration, r int, st journal.Status, errText string) *script {
	s.res(start, journal.ResourceStarted, 0, r, "", "", "")
	s.step(start, journal.StepStarted, 0, r, "do", "", "", nil)
	s.step(start+d, journal.StepFinished, 0, r, "do", "", errText, out(st))
	return s.res(start+d, journal.ResourceFinished, 0, r, "", errText, st)
}

func started() journal.Process {
	return journal.Process{Owner: "ops:1:a", Host: "ops", PID: 1, User: "alice", Version: "1.0"}
}
