package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"drorch/output"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.0"
// (make build does). Without it, the module's build information says
// what it can (the module version, or the VCS revision).
var version = ""

// versionInfo is what drorch knows of itself.
type versionInfo struct {
	version, commit, goVersion string
}

func (v versionInfo) String() string {
	s := v.version
	if v.commit != "" {
		s += " (commit " + v.commit + ")"
	}
	return s
}

// buildVersion is the version set with -ldflags, else the module's
// version, else "dev", with the VCS revision when the build recorded one.
func buildVersion() versionInfo {
	v := versionInfo{version: version, goVersion: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		v.goVersion = bi.GoVersion
		if v.version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.version = bi.Main.Version
		}
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.commit = s.Value
				if len(v.commit) > 12 {
					v.commit = v.commit[:12]
				}
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty && v.commit != "" {
			v.commit += "-dirty"
		}
	}
	if v.version == "" {
		v.version = "dev"
	}
	return v
}

// processVersion is the version journaled with every run's process.
func processVersion() string { return buildVersion().String() }

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print drorch's version",
		Long:    `version prints the version of this drorch (set at build time), the commit it was built from when known, and the Go version. drorch --version prints the same line.`,
		Example: "  drorch version\n  drorch version -o json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := buildVersion()
			if a.json() {
				return a.writeJSON(output.Version{SchemaVersion: output.SchemaVersion, Kind: "version", Version: v.version,
					Commit: v.commit, GoVersion: v.goVersion})
			}
			_, err := fmt.Fprintf(a.stdout, "drorch %s, %s\n", v, v.goVersion)
			return err
		},
	}
}
