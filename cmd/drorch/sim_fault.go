package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"drorch/sim"
)

// newSimFaultCmd is `drorch sim fault ...`: script failures into a running
// simulator. The global --region flag scopes a fault to a region.
func newSimFaultCmd(a *app) *cobra.Command {
	var url string
	cmd := &cobra.Command{
		Use:   "fault",
		Short: "Script failures into a running simulator (outage, throttle, error, halfway, lag)",
		Long: `Faults are scoped by --region and optionally --service (rds, elasticache,
cloudformation, sns, sts, ssm, monitoring, iam) and --action (e.g.
SwitchoverGlobalCluster); an empty scope matches every call. Faults never
touch the admin API. A lag fault fails no call: it raises the replication
lag CloudWatch reports for the replicas and secondaries in --region.

The simulator is found like every AWS call: --endpoint-url, else
AWS_ENDPOINT_URL, else ` + sim.DefaultURL + ` (--sim overrides all three).`,
		Example: `  drorch sim fault outage --region us-east-1              # connections refused
  drorch sim fault outage --region us-east-1 --mode hang  # calls hang until the client gives up
  drorch sim fault throttle --region us-west-2 --service rds --rate 0.3
  drorch sim fault error --region us-west-2 --status 503 --rate 0.1
  drorch sim fault halfway --action SwitchoverGlobalCluster
  drorch sim fault lag --region us-west-2 --seconds 90     # replicas in us-west-2 lag 90 s
  drorch sim fault list
  drorch sim fault clear          # every fault; or: clear f-1 f-2`,
	}
	cmd.PersistentFlags().StringVar(&url, "sim", "", simURLHelp)
	client := func() *sim.Client { return sim.NewClient(simURL(a, url)) }

	type scope struct {
		service, action, mode string
		rate, seconds         float64
		status                int
	}
	add := func(kind sim.FaultKind, short, example string, flags func(*cobra.Command, *scope)) *cobra.Command {
		var sc scope
		c := &cobra.Command{
			Use:     string(kind),
			Short:   short,
			Example: example,
			Args:    cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				f := sim.Fault{Kind: kind, Region: a.region, Service: sc.service, Action: sc.action, Mode: sc.mode, Rate: sc.rate, Status: sc.status, Seconds: sc.seconds}
				if err := f.Validate(); err != nil {
					return badInput(fmt.Errorf("sim fault: %w", err))
				}
				f, err := client().SetFault(c.Context(), f)
				if err != nil {
					return runFailed(fmt.Errorf("sim fault: %w", err))
				}
				fmt.Fprintf(a.stdout, "fault %s set: %s\n", f.ID, describeFault(f))
				return nil
			},
		}
		if kind != sim.FaultLag {
			c.Flags().StringVar(&sc.service, "service", "", "only calls to this service (rds, elasticache, cloudformation, sns, sts, ssm, monitoring, iam)")
			c.Flags().StringVar(&sc.action, "action", "", "only calls of this action (e.g. DescribeDBClusters)")
		}
		flags(c, &sc)
		return c
	}
	cmd.AddCommand(
		add(sim.FaultOutage, "Take a region (or one of its services) down",
			"  drorch sim fault outage --region us-east-1\n  drorch sim fault outage --region us-east-1 --mode hang",
			func(c *cobra.Command, sc *scope) {
				c.Flags().StringVar(&sc.mode, "mode", sim.ModeRefuse, "refuse (reset connections) or hang (hold calls until the client gives up)")
			}),
		add(sim.FaultThrottle, "Answer a share of calls with the service's throttling error",
			"  drorch sim fault throttle --region us-west-2 --service rds --rate 0.5",
			func(c *cobra.Command, sc *scope) {
				c.Flags().Float64Var(&sc.rate, "rate", 1, "share of matching calls throttled, 0..1")
			}),
		add(sim.FaultError, "Answer a share of calls with HTTP 500 or 503",
			"  drorch sim fault error --region us-west-2 --status 503 --rate 0.2",
			func(c *cobra.Command, sc *scope) {
				c.Flags().Float64Var(&sc.rate, "rate", 1, "share of matching calls failed, 0..1")
				c.Flags().IntVar(&sc.status, "status", 500, "HTTP status: 500 (InternalFailure) or 503 (ServiceUnavailable)")
			}),
		add(sim.FaultHalfway, "Let the next matching call be accepted, then roll its operation back half-way",
			"  drorch sim fault halfway --action SwitchoverGlobalCluster\n  drorch sim fault halfway --region us-west-2 --action PromoteReadReplica",
			func(*cobra.Command, *scope) {}),
		add(sim.FaultLag, "Make the replicas and secondaries in --region lag about --seconds behind, until cleared",
			"  drorch sim fault lag --region us-west-2 --seconds 90",
			func(c *cobra.Command, sc *scope) {
				c.Flags().Float64Var(&sc.seconds, "seconds", 0, "replication lag CloudWatch reports, in seconds (required)")
			}),
		&cobra.Command{
			Use:     "clear [FAULT-ID...]",
			Short:   "Remove the given faults, or every fault",
			Example: "  drorch sim fault clear\n  drorch sim fault clear f-2",
			RunE: func(c *cobra.Command, ids []string) error {
				if len(ids) == 0 {
					if err := client().ClearFaults(c.Context()); err != nil {
						return runFailed(fmt.Errorf("sim fault clear: %w", err))
					}
					fmt.Fprintln(a.stdout, "every fault cleared")
					return nil
				}
				for _, id := range ids {
					if err := client().ClearFault(c.Context(), id); err != nil {
						return runFailed(fmt.Errorf("sim fault clear: %w", err))
					}
					fmt.Fprintf(a.stdout, "fault %s cleared\n", id)
				}
				return nil
			},
		},
		&cobra.Command{
			Use:     "list",
			Short:   "List the active faults",
			Example: "  drorch sim fault list\n  drorch sim fault list -o json",
			Args:    cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				faults, err := client().Faults(c.Context())
				if err != nil {
					return runFailed(fmt.Errorf("sim fault list: %w", err))
				}
				if a.json() {
					return printSimJSON(a.stdout, faults)
				}
				if len(faults) == 0 {
					fmt.Fprintln(a.stdout, "no faults")
					return nil
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tFAULT")
				for _, f := range faults {
					fmt.Fprintf(tw, "%s\t%s\n", f.ID, describeFault(f))
				}
				return tw.Flush()
			},
		},
	)
	return cmd
}

// describeFault says what a fault does, in one line.
func describeFault(f sim.Fault) string {
	var scope []string
	for _, s := range []struct{ k, v string }{{"region", f.Region}, {"service", f.Service}, {"action", f.Action}} {
		if s.v != "" {
			scope = append(scope, s.k+" "+s.v)
		}
	}
	where := "every call"
	if len(scope) > 0 {
		where = strings.Join(scope, ", ")
	}
	switch f.Kind {
	case sim.FaultOutage:
		return fmt.Sprintf("outage (%s) of %s", f.Mode, where)
	case sim.FaultThrottle:
		return fmt.Sprintf("throttle %.0f%% of %s", f.Rate*100, where)
	case sim.FaultError:
		return fmt.Sprintf("HTTP %d on %.0f%% of %s", f.Status, f.Rate*100, where)
	case sim.FaultLag:
		return fmt.Sprintf("replication lag of about %gs for the replicas in %s", f.Seconds, where)
	default:
		return fmt.Sprintf("roll back half-way the next %s", where)
	}
}
