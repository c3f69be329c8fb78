// Package ref resolves the references a StatePayload may hold in place of a
// literal parameter value, before anything runs:
//
//   - `!Import <export-name>`: the value of a CloudFormation export of the
//     run's region (exports are listed once per region, every page);
//   - `resolve:ssm:<name>` and `resolve:ssm:<name>:<version>`: an SSM
//     parameter, read with decryption. SecureString values are secrets: they
//     never appear in a Problem, an error, String() output or the journal.
//
// The lookups are small consumer-defined interfaces (Exports, Parameters);
// the AWS adapter implements them, tests use hand-written fakes.
package ref
