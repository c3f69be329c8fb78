package engine

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"drorch/journal"
	"drorch/manifest"
)

// TestSecretsNeverLeave: a secret value used as an identifier (the wrong SSM
// parameter referenced) never reaches the journal, the observer, the preview
// or the returned error.
func TestSecretsNeverLeave(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-pw"
	h := newHarness(t)
	h.world.addReplica("us-west-2", secret)
	p := plan([]promoteRes{{region: "us-west-2", id: secret}, {region: "us-west-2", id: secret + "-missing"}})
	p.Secrets = []string{secret, ""}
	// As the CLI journals it: names are the operator's, secret params blank.
	for i := range p.Layers[0].Resources {
		spec := &p.Layers[0].Resources[i].Spec
		spec.Name, spec.Params, spec.Secret = "promote", map[string]string{"RDSInstanceIdentifier": ""}, []string{"RDSInstanceIdentifier"}
		p.Spec.Layers[0].Resources[i] = *spec
	}

	var mu sync.Mutex
	var shown []string
	e := h.engine()
	e.Observer = func(ev journal.Event) {
		b, _ := json.Marshal(ev)
		mu.Lock()
		shown = append(shown, string(b))
		mu.Unlock()
	}
	pv, err := e.Preview(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(pv)
	if strings.Contains(string(b), secret) {
		t.Errorf("preview shows the secret: %s", b)
	}
	if !strings.Contains(string(b), secretMark) {
		t.Errorf("preview should say where a secret was: %s", b)
	}

	_, err = e.Start(context.Background(), "run-1", p)
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), secretMark) {
		t.Errorf("run error %v: want a failure that hides the secret", err)
	}
	if _, _, _, promotes := h.world.stats(); promotes["us-west-2/"+secret] != 1 {
		t.Error("redaction must not change what is called")
	}
	evs, err := h.store.Events(context.Background(), "run-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		b, _ := json.Marshal(ev)
		if strings.Contains(string(b), secret) {
			t.Errorf("journal event %s holds the secret: %s", ev.Kind, b)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range shown {
		if strings.Contains(s, secret) {
			t.Errorf("observer saw the secret: %s", s)
		}
	}
}

// TestRedactor: a secret is hidden however AWS spells it back (lower case),
// inside JSON, and when it is an ARN, the resource id drorch shows in its
// place ("dbcluster-02 (us-west-2)"); with no secret nothing changes.
func TestRedactor(t *testing.T) {
	t.Parallel()
	arn := "arn:aws:rds:us-west-2:123456789012:cluster:DBCluster-02"
	tests := []struct {
		secrets []string
		in      string
		want    string
	}{
		{[]string{"Hunter2"}, "ClusterRegion hunter2 is wrong, not HUNTER2", "ClusterRegion (secret) is wrong, not (secret)"},
		{[]string{`pa"ss`}, `{"id":"pa\"ss"}`, `{"id":"(secret)"}`},
		{[]string{arn}, "member dbcluster-02 (us-west-2): writer", "member (secret) (us-west-2): writer"},
		{[]string{arn}, "arn:aws:rds:us-west-2:123456789012:cluster:dbcluster-02", "(secret)"},
		{nil, "hunter2", "hunter2"},
		{[]string{""}, "hunter2", "hunter2"},
	}
	for _, tt := range tests {
		if got := Redact(tt.secrets, tt.in); got != tt.want {
			t.Errorf("Redact(%q, %q) = %q, want %q", tt.secrets, tt.in, got, tt.want)
		}
	}
	ps := RedactProblems([]string{"hunter2"}, manifest.Problems{{Message: "ClusterRegion HUNTER2 is wrong", Fix: "not hunter2"}})
	if ps[0].Message != "ClusterRegion (secret) is wrong" || ps[0].Fix != "not (secret)" {
		t.Errorf("redacted problem = %+v", ps[0])
	}
}
