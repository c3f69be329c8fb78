package sim_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"drorch/sim"
)

// benchWorld has 1,000 Aurora global clusters, each with a writer cluster
// in us-east-1 and a secondary in us-west-2: 1,000 clusters per region.
func benchWorld() *sim.Scenario {
	sc := sim.NewScenario("bench", east, west)
	for i := range 1000 {
		sc.AddAuroraGlobal(fmt.Sprintf("gdb-%04d", i), east, west)
	}
	return sc
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkDescribeDBClusters(b *testing.B) {
	h := newHarness(b, benchWorld())
	ctx := context.Background()
	c := h.rds(east)
	b.Run("sdk/page-of-100", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := c.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
			if err != nil || len(out.DBClusters) != 100 {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
	b.Run("sdk/all-1000-paginated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			p := rds.NewDescribeDBClustersPaginator(c, &rds.DescribeDBClustersInput{})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					b.Fatal(err)
				}
				n += len(out.DBClusters)
			}
			if n != 1000 {
				b.Fatalf("%d clusters", n)
			}
		}
	})
	b.Run("sdk/one-by-id", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("gdb-0500-us-east-1")}); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
	benchInProcess(b, h.sim, "Action=DescribeDBClusters&Version=2014-10-31", "<DBCluster>", 100)
}

func BenchmarkDescribeGlobalClusters(b *testing.B) {
	h := newHarness(b, benchWorld())
	ctx := context.Background()
	c := h.rds(west)
	b.Run("sdk/page-of-100", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := c.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{})
			if err != nil || len(out.GlobalClusters) != 100 {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
	b.Run("sdk/one-by-id", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String("gdb-0500")}); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
	benchInProcess(b, h.sim, "Action=DescribeGlobalClusters&Version=2014-10-31", "<GlobalClusterMember><GlobalClusterIdentifier>", 100)
}

// benchInProcess measures the simulator alone (no client, no network):
// one page of 100, and one resource by filter.
func benchInProcess(b *testing.B, s *sim.Sim, form, item string, want int) {
	b.Run("in-process/page-of-100", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rec := serve(s, "POST", "/", auth(east, "rds"), nil, form)
			if rec.Code != 200 || strings.Count(rec.Body.String(), item) != want {
				b.Fatalf("%d: %d items", rec.Code, strings.Count(rec.Body.String(), item))
			}
		}
		reportRate(b)
	})
	b.Run("in-process/page-of-100-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if rec := serve(s, "POST", "/", auth(east, "rds"), nil, form); rec.Code != 200 {
					b.Error(rec.Code)
				}
			}
		})
		reportRate(b)
	})
}
