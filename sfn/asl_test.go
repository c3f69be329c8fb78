package sfn

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGoldenDefinitions compares each workflow's generated definition with
// its golden file (go test ./sfn -run TestGoldenDefinitions -update).
func TestGoldenDefinitions(t *testing.T) {
	t.Parallel()
	for _, w := range Workflows() {
		t.Run(w.Name, func(t *testing.T) {
			t.Parallel()
			got, err := Generate(w, Options{}).JSON()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", w.Name+".asl.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./sfn -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the generated definition; run go test ./sfn -update and review the diff", path)
			}
		})
	}
}

// TestDefinitionShape checks what the contract promises of every
// definition, read back from its JSON: every Task invokes the one function
// with the retry policy and a Catch; the layer is a distributed Map of
// Standard child executions; the first state is the prepare op of the
// workflow; every Next names a state.
func TestDefinitionShape(t *testing.T) {
	t.Parallel()
	for _, w := range Workflows() {
		t.Run(w.Name, func(t *testing.T) {
			t.Parallel()
			def := generated(t, w)
			if def.StartAt != StatePrepare {
				t.Errorf("StartAt = %s", def.StartAt)
			}
			p := def.States[StatePrepare].Parameters["Payload"].(map[string]any)
			if p["op"] != OpPrepare || p["workflow"] != w.Name || p["input.$"] != "$" {
				t.Errorf("prepare payload = %v", p)
			}
			layer := def.States[StateLayer]
			if pc := layer.ItemProcessor.ProcessorConfig; pc == nil || pc.Mode != "DISTRIBUTED" || pc.ExecutionType != "STANDARD" {
				t.Errorf("layer processor = %+v", pc)
			}
			tasks := 0
			walk(def, func(name string, s *State, d *Definition) {
				for _, next := range transitions(s) {
					if _, ok := d.States[next]; !ok {
						t.Errorf("%s: transition to unknown state %q", name, next)
					}
				}
				if s.Type != "Task" {
					return
				}
				tasks++
				if s.Parameters["FunctionName"] != FunctionPlaceholder {
					t.Errorf("%s invokes %v", name, s.Parameters["FunctionName"])
				}
				want := len(retryPolicy)
				if name == StateReleaseLock {
					want = len(releaseRetry)
				}
				if len(s.Retry) != want || len(s.Catch) == 0 {
					t.Errorf("%s: Retry %d rules, Catch %d", name, len(s.Retry), len(s.Catch))
				}
				var throttled, crashed bool
				for _, r := range s.Retry {
					for _, e := range r.ErrorEquals {
						throttled = throttled || e == "Lambda.TooManyRequestsException"
						crashed = crashed || e == "Lambda.Unknown"
					}
					if r.BackoffRate < 2 || r.MaxAttempts < 1 {
						t.Errorf("%s: retrier %v has no backoff", name, r.ErrorEquals)
					}
				}
				if !throttled || !crashed {
					t.Errorf("%s does not retry Lambda throttling and the function's crashes", name)
				}
			})
			if tasks != 5 {
				t.Errorf("%d Task states, want prepare, layer, finish, release and step", tasks)
			}
			// A failed finish releases the lock before the execution fails.
			if c := def.States[StateFinish].Catch; len(c) != 1 || c[0].Next != StateReleaseLock ||
				def.States[StateReleaseLock].Next != StateFinishFailed || def.States[StateReleaseLock].Catch[0].Next != StateFinishFailed {
				t.Errorf("finish's catch-all does not release the lock: %+v", c)
			}
			if p := def.States[StateReleaseLock].Parameters["Payload"].(map[string]any); p["op"] != OpRelease {
				t.Errorf("release payload = %v", p)
			}
		})
	}
}

// TestGenerateFunctionARN: a given ARN replaces the placeholder everywhere.
func TestGenerateFunctionARN(t *testing.T) {
	t.Parallel()
	arn := "arn:aws:lambda:us-west-2:123456789012:function:drorch"
	b, err := Generate(Failback, Options{FunctionARN: arn}).JSON()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), FunctionPlaceholder) || strings.Count(string(b), arn) != 5 {
		t.Errorf("definition keeps the placeholder or misses the ARN:\n%s", b)
	}
}

// generated is w's definition as JSON decodes it back.
func generated(t *testing.T, w Workflow) *Definition {
	t.Helper()
	b, err := Generate(w, Options{}).JSON()
	if err != nil {
		t.Fatal(err)
	}
	var d Definition
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// walk calls f for every state of d and of the Maps' processors.
func walk(d *Definition, f func(name string, s *State, in *Definition)) {
	for name, s := range d.States {
		f(name, s, d)
		if s.ItemProcessor != nil {
			walk(s.ItemProcessor, f)
		}
	}
}

func transitions(s *State) []string {
	var out []string
	if s.Next != "" {
		out = append(out, s.Next)
	}
	if s.Default != "" {
		out = append(out, s.Default)
	}
	for _, c := range s.Choices {
		out = append(out, c.Next)
	}
	for _, c := range s.Catch {
		out = append(out, c.Next)
	}
	return out
}
