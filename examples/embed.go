// Package examples holds payloads: seed/ has the original framework's README
// payloads, verbatim (the third one keeps its `vps` import typo on purpose).
// drorch demo runs them from here.
package examples

import "embed"

// Seed holds seed/*.json, embedded so that the demo needs no files.
//
//go:embed seed/*.json
var Seed embed.FS
