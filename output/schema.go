package output

import _ "embed"

// Schema is the JSON Schema (2020-12) of every document this package
// defines; `drorch schema output` prints it.
//
//go:embed schema.json
var Schema []byte
