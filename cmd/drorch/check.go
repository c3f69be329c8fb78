package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"drorch/awsapi"
	"drorch/notify"
	"drorch/readiness"
	"drorch/report"
	"drorch/resource/all"
)

func newCheckCmd(a *app) *cobra.Command {
	var (
		maxLag   time.Duration
		every    time.Duration
		notif    notifyFlags
		rolePath string
	)
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Evaluate, read-only, whether a failover would work now",
		Long: `check evaluates the payload with read-only calls and says, per resource and
per check, pass, warning or failure, and for each one that is not a pass the
fix. It checks that:

  references   every reference resolves in --region, and the shared values
               (global database, datastore, engine) agree with the exports of
               the other regions the resources name or replicate from;
  exists       every resource exists;
  health       the target side is available and in sync (global cluster
               members connected, replication replicating, the datastore
               available and associated), with an instance to write to;
  lag          the replica's replication lag, read from CloudWatch in its
               region, is within maxReplicationLag (payload) or --max-lag;
  parity       the DR side has the primary's instance class, as many
               instances, the same engine version and parameter groups;
  permissions  the caller may make every call the payload needs (the policy
               of "drorch iam-policy", through iam:SimulatePrincipalPolicy);
  plan         "drorch plan" would not be blocked.

Exit code 0 when a failover would work now (warnings allowed), 1 when it would
not, 2 for bad input. With --every it evaluates again at that interval until
interrupted, logs one line per evaluation, and notifies SNS topics
(--notify-sns) and a webhook (--notify-webhook, or ` + webhookEnv + `) only
when readiness changes: the first evaluation that finds it not ready, then
each change back and forth. It then exits with the last evaluation's code.`,
		Example: `  drorch check --region us-west-2 examples/seed/2-unplanned-failover.json
  drorch check --region us-west-2 -o json payload.json
  drorch check --region us-west-2 --every 30m --notify-sns arn:aws:sns:us-west-2:123456789012:dr-alerts payload.json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			switch {
			case maxLag <= 0:
				return badInput(fmt.Errorf("--max-lag %s: write a positive duration, e.g. 1s", maxLag))
			case every < 0:
				return badInput(fmt.Errorf("--every %s: write a positive interval, e.g. 30m", every))
			}
			reg := all.Registry()
			pf, err := a.readPayload(ctx, args[0], reg)
			if err != nil {
				return err
			}
			clients, err := a.awsClients(ctx)
			if err != nil {
				return err
			}
			notifier, err := a.checkNotifier(ctx, notif)
			if err != nil {
				return err
			}
			home := a.cloudOf(clients)
			env := readiness.Env{
				Cloud:       readiness.Regional(home),
				Permissions: iamChecker{sim: clients.PolicySimulator(), rolePath: rolePath},
				Clock:       a.follower,
			}
			settings := readiness.Settings{Region: home.Region, MaxLag: maxLag}
			evaluate := func(ctx context.Context) (*readiness.Result, error) {
				return readiness.Evaluate(ctx, env, reg, pf, settings)
			}
			var last *readiness.Result
			if every == 0 {
				var err error
				last, _, _, err = readiness.Once(ctx, evaluate, notifier, readiness.State{})
				if last == nil {
					return err
				}
				if err != nil {
					fmt.Fprintf(a.stderr, "warning: %v\n", err)
				}
				if err := a.showCheck(a.stdout, last); err != nil {
					return err
				}
			} else {
				s := &readiness.Schedule{Every: every, Clock: a.wall, Evaluate: evaluate, Notifier: notifier, Log: a.stdout}
				if a.json() {
					enc := json.NewEncoder(a.stdout)
					s.Log, s.Each = a.stderr, func(r *readiness.Result) { _ = enc.Encode(r) }
				}
				if last, err = s.Run(ctx); err != nil || last == nil {
					return errors.Join(err, errors.New("no evaluation finished"))
				}
			}
			if !last.Ready {
				return runFailed(fmt.Errorf("not ready: %d failed checks; a failover would not work now", last.Counts.Failure))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.DurationVar(&maxLag, "max-lag", readiness.DefaultMaxLag, "replication lag allowed where the payload sets no maxReplicationLag")
	f.DurationVar(&every, "every", 0, "evaluate again at this interval until interrupted (e.g. 30m; 0 = once)")
	notif.flagsFor(cmd, "when readiness changes")
	f.StringVar(&rolePath, "role-path", "", "path of the caller's IAM role when it has one (e.g. /service-role/): an assumed-role ARN does not say it")
	return cmd
}

// checkNotifier builds the notifier of readiness changes the flags name
// (nil for none): the destinations of run notifications, each message
// tried again as they are.
func (a *app) checkNotifier(ctx context.Context, n notifyFlags) (readiness.Notifier, error) {
	senders, err := a.senders(ctx, n)
	if err != nil || len(senders) == 0 {
		return nil, err
	}
	return notify.Readiness{Senders: senders, Clock: a.wall}, nil
}

// iamChecker is readiness's permission checker over IAM's policy simulator.
type iamChecker struct {
	sim      awsapi.PolicySimulator
	rolePath string
}

func (c iamChecker) Denied(ctx context.Context, actions, resources []string) ([]readiness.Denial, error) {
	p, err := c.sim.CheckPermissions(ctx, awsapi.PermissionQuery{Actions: actions, Resources: resources, RolePath: c.rolePath})
	if err != nil {
		return nil, err
	}
	out := make([]readiness.Denial, 0, len(p.Denied))
	for _, d := range p.Denied {
		out = append(out, readiness.Denial{Action: d.Action, Resource: d.Resource, Decision: d.Decision, MissingContext: d.MissingContext})
	}
	return out, nil
}

// showCheck prints one evaluation.
func (a *app) showCheck(w io.Writer, r *readiness.Result) error {
	if a.json() {
		return writeJSONTo(w, a.output, r)
	}
	renderCheck(w, r)
	return nil
}

// renderCheck prints an evaluation for an operator: the payload's own
// findings, then each resource's, then the verdict.
func renderCheck(w io.Writer, r *readiness.Result) {
	c := report.Clean
	fmt.Fprintf(w, "Readiness of %s in %s at %s\n", c(r.Payload), c(r.Region), r.At.UTC().Format(time.RFC3339))
	if len(r.Findings) > 0 {
		fmt.Fprintf(w, "\nPayload\n")
		renderFindings(w, r.Findings)
	}
	layer := -1
	for _, rr := range r.Resources {
		if rr.Layer != layer {
			layer = rr.Layer
			fmt.Fprintf(w, "\nLayer %d\n", layer)
		}
		where := c(rr.Type)
		if rr.Region != "" {
			where += ", " + c(rr.Region)
		}
		fmt.Fprintf(w, "  [%d] %s (%s): %s\n", rr.Index, c(rr.Name), where, strings.ToUpper(string(rr.Status)))
		renderFindings(w, rr.Findings)
	}
	verdict := "a failover would work now"
	if !r.Ready {
		verdict = "a failover would not work now: fix the failures above"
	}
	fmt.Fprintf(w, "\n%s: %s.\n", r.Summary(), verdict)
}

func renderFindings(w io.Writer, fs []readiness.Finding) {
	for _, f := range fs {
		st := string(f.Status)
		if f.Status == readiness.Failure {
			st = "FAILURE"
		}
		fmt.Fprintf(w, "      %-8s %-12s %s\n", st, f.Check, report.Clean(f.Message))
		if f.Fix != "" {
			fmt.Fprintf(w, "      %-8s %-12s fix: %s\n", "", "", report.Clean(f.Fix))
		}
	}
}
