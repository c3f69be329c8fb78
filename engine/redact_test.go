package engine

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"drorch/journal"
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
