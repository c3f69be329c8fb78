// Package e2e holds drorch's end-to-end tests: the real drorch binary, built
// once by TestMain, runs as a subprocess against drorch's simulated AWS
// served in-process on a real listener. They cover what an operator relies
// on at the worst moment: a run SIGKILLed at random moments and resumed ends
// in the right world without repeating a mutating call; runs complete under
// throttling and 5xx; the unplanned payloads run with us-east-1 down and
// never call it; a finished failover run again does nothing; one run per
// resource; cancel stops a live run and frees an interrupted one; runs and
// show tell it all afterwards. The Step Functions engine runs the README
// payloads through the generated state machines and the real Lambda
// handler and leaves the world `drorch run` leaves; two operators with
// journals of their own, and an execution against an operator, exclude
// each other through the shared lock table.
//
// The crash test's random kill times come from one seed, logged at the
// start; DRORCH_E2E_SEED=<seed> replays them (with -run to pick one trial).
package e2e
