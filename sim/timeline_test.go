package sim_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"drorch/sim"
)

// Each one-phase timeline of world.md, at its boundary: the status just
// before the default duration ends, and at the end.
func TestDefaultDurations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sc := sim.SeedScenario()
	sc.AddAuroraCluster("solo", east)
	sc.Instances = append(sc.Instances, sim.ScenarioInstance{ID: "plain", Region: east, Engine: "mysql"})
	gone := "(gone)"
	cases := []struct {
		name   string
		region string // "" is us-east-1
		d      time.Duration
		call   func(c *rds.Client) error
		status func(st sim.State) string
		during string
		after  string
	}{
		{"create instance", "", 480 * time.Second, func(c *rds.Client) error {
			_, err := c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("solo-2"), DBInstanceClass: aws.String("db.r5.large"), Engine: aws.String("aurora-mysql"), DBClusterIdentifier: aws.String("solo")})
			return err
		}, instanceStatus("solo-2"), "creating", "available"},
		{"delete Aurora instance", "", 120 * time.Second, func(c *rds.Client) error {
			_, err := c.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("solo-1"), SkipFinalSnapshot: aws.Bool(true)})
			return err
		}, instanceStatus("solo-1"), "deleting", gone},
		{"delete stand-alone instance", "", 300 * time.Second, func(c *rds.Client) error {
			_, err := c.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("plain"), SkipFinalSnapshot: aws.Bool(true)})
			return err
		}, instanceStatus("plain"), "deleting", gone},
		{"create cluster", "", 600 * time.Second, func(c *rds.Client) error {
			_, err := c.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("new"), Engine: aws.String("aurora-mysql")})
			return err
		}, clusterStatus("new"), "creating", "available"},
		{"delete cluster", "", 180 * time.Second, func(c *rds.Client) error {
			if _, err := c.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("solo-1"), SkipFinalSnapshot: aws.Bool(true)}); err != nil {
				return err
			}
			_, err := c.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String("solo"), SkipFinalSnapshot: aws.Bool(true)})
			return err
		}, clusterStatus("solo"), "deleting", gone},
		{"create global cluster", "", 5 * time.Second, func(c *rds.Client) error {
			_, err := c.CreateGlobalCluster(ctx, &rds.CreateGlobalClusterInput{GlobalClusterIdentifier: aws.String("g2"), SourceDBClusterIdentifier: aws.String("arn:aws:rds:us-east-1:123456789012:cluster:solo")})
			return err
		}, globalStatus("g2"), "creating", "available"},
		{"detach", west, 30 * time.Second, func(c *rds.Client) error {
			_, err := c.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), DbClusterIdentifier: aws.String(arnEast01)})
			if err == nil {
				err = errNotRejected
			} else {
				_, err = c.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String(seedGC), DbClusterIdentifier: aws.String(arnWest02)})
			}
			return err
		}, func(st sim.State) string { c, _ := st.Cluster(west, "dbcluster-02"); return c.Status }, "promoting", "available"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, sc)
			region := east
			if tc.region != "" {
				region = tc.region
			}
			if err := tc.call(h.rds(region)); err != nil {
				t.Fatal(err)
			}
			h.advance(tc.d - time.Millisecond)
			if got := tc.status(h.sim.State()); got != tc.during {
				t.Errorf("just before %v: %s, want %s", tc.d, got, tc.during)
			}
			h.advance(time.Millisecond)
			if got := tc.status(h.sim.State()); got != tc.after {
				t.Errorf("at %v: %s, want %s", tc.d, got, tc.after)
			}
		})
	}
}

var errNotRejected = errors.New("removing the writer while another member exists was accepted")

func instanceStatus(id string) func(sim.State) string {
	return func(st sim.State) string {
		if in, ok := st.Instance(east, id); ok {
			return in.Status
		}
		return "(gone)"
	}
}

func clusterStatus(id string) func(sim.State) string {
	return func(st sim.State) string {
		if c, ok := st.Cluster(east, id); ok {
			return c.Status
		}
		return "(gone)"
	}
}

func globalStatus(id string) func(sim.State) string {
	return func(st sim.State) string {
		if g, ok := st.GlobalCluster(id); ok {
			return g.Status
		}
		return "(gone)"
	}
}
