package sim_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"drorch/sim"
)

// Serve stops when its context ends, and a call held by a hang outage is
// dropped, not answered.
func TestServeShutdownDropsHeldCalls(t *testing.T) {
	t.Parallel()
	s := newSeedSim(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	if _, err := s.SetFault(sim.Fault{Kind: sim.FaultOutage, Region: east, Mode: sim.ModeHang}); err != nil {
		t.Fatal(err)
	}
	answered := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/", strings.NewReader("Action=DescribeDBClusters&Version=2014-10-31"))
		req.Header.Set("Authorization", auth(east, "rds"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	waitFor(t, "the call to be held", func() bool { return s.Held() == 1 })
	cancel()
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	if err := <-answered; err == nil {
		t.Errorf("a held call got an answer at shutdown")
	}
}

// DocumentDB shares RDS's wire and store: one describe lists both, users
// filter by engine, and DocumentDB shapes omit what its model lacks.
func TestDocDBSharesTheRDSStore(t *testing.T) {
	t.Parallel()
	sc := sim.SeedScenario()
	sc.GlobalClusters = append(sc.GlobalClusters, sim.ScenarioGlobalCluster{ID: "docs", Engine: "docdb", EngineVersion: "5.0.0"})
	sc.Clusters = append(sc.Clusters,
		sim.ScenarioCluster{ID: "docs-east", Region: east, Engine: "docdb", GlobalCluster: "docs", Writer: true, Instances: []sim.ScenarioInstance{{ID: "docs-east-1", Class: "db.r6g.large"}}},
		sim.ScenarioCluster{ID: "docs-west", Region: west, Engine: "docdb", GlobalCluster: "docs", Instances: []sim.ScenarioInstance{{ID: "docs-west-1", Class: "db.r6g.large"}}})
	h := newHarness(t, sc)
	ctx := context.Background()
	c := h.rds(west)
	all, err := c.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
	if err != nil || len(all.DBClusters) != 2 {
		t.Fatalf("both families in one describe: %v %d", err, len(all.DBClusters))
	}
	docs, err := c.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{Filters: []rdstypes.Filter{{Name: aws.String("engine"), Values: []string{"docdb"}}}})
	if err != nil || len(docs.DBClusters) != 1 || aws.ToString(docs.DBClusters[0].DBClusterIdentifier) != "docs-west" ||
		docs.DBClusters[0].GlobalClusterIdentifier != nil || aws.ToInt32(docs.DBClusters[0].Port) != 27017 {
		t.Errorf("docdb filter: %v %+v", err, docs.DBClusters)
	}
	g, err := c.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String("docs")})
	if err != nil || g.GlobalClusters[0].Endpoint != nil || g.GlobalClusters[0].GlobalClusterMembers[1].GlobalWriteForwardingStatus != "" {
		t.Errorf("docdb global cluster: %v %+v", err, g)
	}
	// A switchover is made in the current primary's Region.
	out, err := h.rds(east).SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String("docs"),
		TargetDbClusterIdentifier: aws.String("arn:aws:rds:us-west-2:123456789012:cluster:docs-west")})
	if err != nil || aws.ToString(out.GlobalCluster.Status) != "switching-over" {
		t.Fatalf("docdb switchover: %v", err)
	}
	h.advance(time.Minute)
	if v := h.globalCluster("docs"); v.writer != "arn:aws:rds:us-west-2:123456789012:cluster:docs-west" {
		t.Errorf("docdb writer after switchover: %+v", v)
	}
}
