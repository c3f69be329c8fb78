package main

import "github.com/spf13/cobra"

// newSimCmd is replaced by the simulator's command.
func newSimCmd(a *app) *cobra.Command {
	return &cobra.Command{Use: "sim", Short: "Run the simulated AWS (not built yet)"}
}
