package manifest

import "sort"

// Order returns the positions (in StatePayload as written) of the layers in
// the order they run: ascending layer number, layers with the same number
// (which Validate rejects) in the order written.
func (p *Payload) Order() []int {
	idx := make([]int, len(p.Layers))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p.Layers[idx[a]].Number < p.Layers[idx[b]].Number })
	return idx
}

// Ordered returns the layers in the order they run; Order()[i] is the
// position as written of Ordered()[i].
func (p *Payload) Ordered() []Layer {
	idx := p.Order()
	out := make([]Layer, len(idx))
	for i, j := range idx {
		out[i] = p.Layers[j]
	}
	return out
}
