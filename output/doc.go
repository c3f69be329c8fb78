// Package output is what drorch's commands print for programs: one JSON
// schema for every command (schema.json, published by `drorch schema
// output`), and the plan's summary that the text output shares with it.
//
// The rules are the run report's (package report): names are camelCase;
// times are RFC 3339 in UTC with milliseconds; every duration is an
// object {"seconds": 62.5, "display": "1m02s"} (report.Duration); maps
// are keyed only by data (AWS argument names, regions), never by a field
// name. Every document carries schemaVersion and kind, so that a reader
// knows what it holds:
//
//	plan      drorch plan -o json (Plan)
//	runs      drorch runs -o json (Runs)
//	validate  drorch validate -o json (Validate)
//	version   drorch version -o json (Version)
//	error     any command's failure with -o json or jsonl, on stderr (Error)
//	event     one line of drorch run/resume -o jsonl per journal event (Event)
//
// drorch run, resume and show -o json print the run report itself
// (report.Report, report.Schema); the last line of run -o jsonl is
// {"kind": "report", "report": {...}}.
package output
