// Package resource is the handler contract of drorch (DESIGN.md 2.1): what a
// resource type is (Type: its parameters and how to bind them), what a bound
// resource does (Resource: its goal, preflight, ordered idempotent steps,
// the keys it reads, the locks and IAM actions it needs), and the registry
// that holds the types by name.
//
// A step never changes AWS itself. It judges the state it is shown (Check,
// on a read-only View) and declares the calls it would make now (Calls);
// the engine journals each call before and after an Executor makes it. So a
// handler cannot write outside the journal: it has nothing to write with.
//
// The state of AWS resources, the read interface and the errors are in
// package cloud; one package per database family (resource/aurora,
// resource/rds, resource/elasticache) implements the types, and
// resource/all registers them.
package resource
