package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"drorch/journal"
	"drorch/report"
	"drorch/resource/all"
	"drorch/runner"
)

func newReportCmd(a *app) *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "report RUN",
		Short: "Write a run's report: JSON, Markdown, HTML with a timeline, or JUnit XML",
		Long: `report writes what a run did, from its journal alone: who started, resumed or
cancelled it, every layer, resource and step with its times, the mutating AWS
calls made (arguments, outcome, request id), calls whose outcome is unknown,
resolved parameters (secrets shown as (secret) with their reference), errors,
and the recovery time (RTO): per failover that succeeded, and for the run from
its start to the end of its last failover. Rebuilds (failback) get a duration.

Formats: json (a documented schema), md (Markdown, for a terminal or a
ticket), html (one self-contained page with a timeline, to keep or print),
junit (JUnit XML: one test case per resource, for drills run in CI).
A run that has not finished gets a report of what happened so far, marked as
such. RUN may be a unique prefix of at least 4 characters.`,
		Example: `  drorch report 3f9a
  drorch report 3f9a2c81d0 --format html --out failover.html
  drorch report 3f9a2c81d0 --format junit --out drill-results.xml`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := report.ParseFormat(format)
			if err != nil {
				return badInput(err)
			}
			return writeReport(cmd.Context(), a, args[0], f, out)
		},
	}
	cmd.Flags().StringVar(&format, "format", "md", "json, md, html or junit")
	cmd.Flags().StringVar(&out, "out", "", "write the report to this file (default: standard output)")
	return cmd
}

func writeReport(ctx context.Context, a *app, id string, f report.Format, out string) error {
	path, err := a.journalPath()
	if err != nil {
		return err
	}
	// A report reads: it must not create an empty journal where none is.
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return badInput(fmt.Errorf("report %s: no journal at %s (give the journal with --state)", report.Clean(id), path))
	}
	store, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	rec, err := store.Run(ctx, id)
	if err != nil {
		// The store's error quotes the id as typed: clean it all.
		msg := fmt.Errorf("report: %s, in journal %s (drorch runs --state %s lists its runs)", report.Clean(err.Error()), path, path)
		if errors.Is(err, journal.ErrRunNotFound) || errors.Is(err, journal.ErrRunAmbiguous) {
			return badInput(msg)
		}
		return msg
	}
	evs, err := store.Events(ctx, rec.ID, 0)
	if err != nil {
		return fmt.Errorf("read run %s: %w", rec.ID, err)
	}
	st, err := journal.Fold(evs)
	if err != nil {
		return fmt.Errorf("read run %s: %w", rec.ID, err)
	}
	now := a.wall.Now()
	r, err := report.FromEvents(evs, report.Options{
		Recovery:    all.Registry().Recovery,
		Status:      runner.Status(rec, st, now),
		Generated:   now,
		GeneratedBy: "drorch " + processVersion(),
		Approvals:   runner.ApprovalEvents(st),
	})
	if err != nil {
		return fmt.Errorf("report %s: %w", rec.ID, err)
	}
	if out == "" {
		return report.Write(a.stdout, r, f)
	}
	if err := writeFileAtomic(out, func(w io.Writer) error { return report.Write(w, r, f) }); err != nil {
		return fmt.Errorf("report %s: %w", rec.ID, err)
	}
	note := ""
	if !r.Run.Finished {
		note = fmt.Sprintf(" (the run is %s: the report shows what happened so far)", r.Run.Status)
	}
	fmt.Fprintf(a.stderr, "report of run %s written to %s%s\n", rec.ID, report.Clean(out), note)
	return nil
}

// writeFileAtomic writes a file through a temporary file beside it, so
// that a failed write never leaves half a report under the name asked for.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
