package engine

import (
	"fmt"
	"maps"
	"slices"

	"drorch/journal"
)

// SecretChangedError stops a resume: a secret parameter (an SSM
// SecureString) no longer has the value the run started with, so acting on
// it could touch another database than the one the run locked and began
// on. The journal never holds the value, only its keyed fingerprint.
type SecretChangedError struct {
	Layer     int    // the layer's number
	Resource  string // the resource's name
	Parameter string
	Reference string // the reference as written (resolve:ssm:...)
}

func (e *SecretChangedError) Error() string {
	return fmt.Sprintf("layer %d, resource %q: parameter %s (%s) no longer has the value the run started with: restore that value, or cancel this run and start a new one",
		e.Layer, e.Resource, e.Parameter, e.Reference)
}

// fingerprint records, in p's spec, the keyed fingerprint of every secret
// value the run starts with.
func (e *Engine) fingerprint(p *Plan) {
	for li, l := range p.Layers {
		for ri, r := range l.Resources {
			if len(r.secrets) == 0 {
				continue
			}
			fps := make(map[string]string, len(r.secrets))
			for name, v := range r.secrets {
				fps[name] = e.Store.Fingerprint(v)
			}
			p.Layers[li].Resources[ri].Spec.SecretFingerprints = fps
			p.Spec.Layers[li].Resources[ri].SecretFingerprints = fps
		}
	}
}

// sameSecrets checks that the secrets read again for a resume are those the
// run started with (journaled as fingerprints in spec).
func (e *Engine) sameSecrets(spec journal.RunSpec, p *Plan) error {
	for li, l := range p.Layers {
		if li >= len(spec.Layers) {
			break
		}
		for ri, r := range l.Resources {
			if ri >= len(spec.Layers[li].Resources) {
				break
			}
			js := spec.Layers[li].Resources[ri]
			for _, name := range slices.Sorted(maps.Keys(r.secrets)) {
				want, ok := js.SecretFingerprints[name]
				if ok && e.Store.Fingerprint(r.secrets[name]) != want {
					return &SecretChangedError{Layer: l.Number, Resource: js.Name, Parameter: name, Reference: js.Refs[name]}
				}
			}
		}
	}
	return nil
}
