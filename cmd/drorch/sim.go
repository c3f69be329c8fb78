package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/spf13/cobra"

	"drorch/sim"
)

// simOptions are the flags of `drorch sim`.
type simOptions struct {
	addr     string
	scenario string
	speed    float64
	seed     uint64
	server   sim.ServerSettings
}

// newSimCmd is `drorch sim`: run the simulated AWS, and talk to a running one.
func newSimCmd(a *app) *cobra.Command {
	var opts simOptions
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run a simulated AWS to rehearse failovers on (RDS, Aurora, ElastiCache, CloudFormation, SSM, SNS, STS, CloudWatch, IAM, DynamoDB)",
		Long: `drorch sim serves a simulated AWS on one local endpoint. The AWS CLI, boto3,
aws-sdk-go-v2 and drorch itself talk to it unmodified: point AWS_ENDPOINT_URL
at it and use any credentials. Region and service come from each request's
signature. Operations take realistic (virtual) time; --speed makes a drill
take seconds. Faults (region outage, throttling, 5xx, an operation that fails
half-way, replication lag) are scripted with 'drorch sim fault'; 'drorch sim
state' shows the world. CloudWatch serves the replicas' lag metrics and IAM
simulates the scenario's principals' policies; the caller is switched with
PUT /_sim/caller. The seed scenario is the DR Orchestrator Framework's demo topology in
us-east-1 (primary) and us-west-2 (DR), with every export its README imports.

It listens on loopback unless --addr names another address, and runs until
interrupted.`,
		Example: `  # the seed world, 60 times faster than real time
  drorch sim --speed 60

  # in another shell (use the export lines drorch sim prints)
  export AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-west-2
  aws rds describe-global-clusters
  drorch sim fault outage --region us-east-1

  # your own topology
  drorch sim --scenario ./my-world.yaml --addr 127.0.0.1:14566`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSim(cmd.Context(), a, opts) },
	}
	f := cmd.Flags()
	f.StringVar(&opts.addr, "addr", "127.0.0.1:4566", "address to listen on (a non-loopback address exposes the simulator to your network)")
	f.StringVar(&opts.scenario, "scenario", "seed", "starting world: a built-in name (seed) or a YAML/JSON scenario file")
	f.Float64Var(&opts.speed, "speed", 1, "virtual seconds per real second (60 makes a 60 s switchover take one second)")
	f.Uint64Var(&opts.seed, "seed", 1, "seed for fault rates and generated ids (same seed, same run)")
	d := sim.DefaultServerSettings
	f.IntVar(&opts.server.MaxConns, "max-conns", d.MaxConns, "connections served at once; more wait until one closes")
	f.DurationVar(&opts.server.ReadHeaderTimeout, "read-header-timeout", d.ReadHeaderTimeout, "time a client has to send its request headers")
	f.DurationVar(&opts.server.ReadTimeout, "read-timeout", d.ReadTimeout, "time a client has to send a whole request")
	f.DurationVar(&opts.server.WriteTimeout, "write-timeout", d.WriteTimeout, "time an answer may take (a call held by a hang outage waits at most this long)")
	f.DurationVar(&opts.server.IdleTimeout, "idle-timeout", d.IdleTimeout, "time an idle keep-alive connection stays open")
	cmd.AddCommand(newSimFaultCmd(a), newSimStateCmd(a))
	return cmd
}

func runSim(ctx context.Context, a *app, opts simOptions) error {
	if opts.speed <= 0 {
		return badInput(fmt.Errorf("sim: --speed %v must be positive", opts.speed))
	}
	srv := opts.server
	if srv.MaxConns <= 0 || srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		return badInput(fmt.Errorf("sim: --max-conns and the --*-timeout flags must be positive (defaults: %+v)", sim.DefaultServerSettings))
	}
	sc, err := sim.LoadScenario(opts.scenario)
	if err != nil {
		return badInput(fmt.Errorf("sim: %w", err))
	}
	s, err := sim.New(sim.Config{Scenario: sc, Speed: opts.speed, Seed: opts.seed, Server: srv})
	if err != nil {
		return badInput(fmt.Errorf("sim: %w", err))
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", opts.addr)
	if err != nil {
		return runFailed(fmt.Errorf("sim: listen on %s: %w", opts.addr, err))
	}
	url := endpointURL(ln.Addr())
	out := a.stdout
	fmt.Fprintf(out, "drorch sim: simulated AWS on %s (scenario %s, speed %gx, seed %d, regions %s)\n",
		url, sc.Name, opts.speed, opts.seed, strings.Join(sc.Regions, ", "))
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		fmt.Fprintf(a.stderr, "drorch sim: warning: listening on %s; anyone who can reach it can read and change the simulated world\n", ln.Addr())
	}
	fmt.Fprintf(out, "Admin API and world state: %s/_sim/state\n", url)
	fmt.Fprintln(out, "Point AWS clients at it (any credentials work):")
	for _, kv := range simEnv(url, s.DefaultRegion()) {
		fmt.Fprintf(out, "export %s\n", kv)
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
	if err := s.Serve(ctx, ln); err != nil {
		return runFailed(fmt.Errorf("sim: %w", err))
	}
	fmt.Fprintln(out, "drorch sim: stopped")
	return nil
}

// simEnv is what a shell needs to send AWS calls to the simulator.
func simEnv(url, region string) []string {
	return []string{
		"AWS_ENDPOINT_URL=" + url,
		"AWS_ACCESS_KEY_ID=drorch-sim",
		"AWS_SECRET_ACCESS_KEY=drorch-sim",
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
	}
}

// endpointURL is the URL clients on this machine use for a listener:
// an unspecified address (0.0.0.0, ::) is reached through loopback.
func endpointURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}

// printSimJSON prints v as indented JSON.
func printSimJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// newSimStateCmd is `drorch sim state`.
func newSimStateCmd(a *app) *cobra.Command {
	var url string
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Print the world of a running simulator as JSON",
		Example: `  drorch sim state
  drorch sim state --endpoint-url http://127.0.0.1:14566 | jq '.globalClusters[].members'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := sim.NewClient(simURL(a, url)).State(cmd.Context())
			if err != nil {
				return runFailed(fmt.Errorf("sim state: %w", err))
			}
			return printSimJSON(a.stdout, st)
		},
	}
	cmd.Flags().StringVar(&url, "sim", "", simURLHelp)
	return cmd
}

// simURLHelp documents where the sim subcommands find the simulator.
const simURLHelp = "URL of the running simulator (default: --endpoint-url, else AWS_ENDPOINT_URL, else " + sim.DefaultURL + ")"

// simURL is the simulator a sim subcommand talks to: --sim if given, else
// the global --endpoint-url, else AWS_ENDPOINT_URL, else sim.DefaultURL;
// the same endpoint every other command sends its AWS calls to, so that
// on a shared host a fault never lands in someone else's simulator.
func simURL(a *app, flag string) string {
	for _, u := range []string{flag, a.endpointURL, a.getenv("AWS_ENDPOINT_URL")} {
		if u != "" {
			return u
		}
	}
	return sim.DefaultURL
}
