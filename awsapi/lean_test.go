package awsapi

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/smithy-go"

	"drorch/cloud"
	"drorch/internal/clock"
	"drorch/sim"
)

// leanWorld is a simulator with pages of global clusters, instances and
// global datastores, some of them in the middle of an operation, and two
// SDK client pairs on it: the SDK's own decoding and the lean one.
type leanWorld struct {
	rds, leanRDS map[string]*rds.Client
	ec, leanEC   map[string]*elasticache.Client
}

func newLeanWorld(t *testing.T) *leanWorld {
	t.Helper()
	sc := sim.NewScenario("lean", "us-east-1", "us-west-2")
	for i := range 130 {
		sc.AddAuroraGlobal(fmt.Sprintf("gdb-%03d", i), "us-east-1", "us-west-2")
	}
	for i := range 120 {
		sc.AddReplicaPair(fmt.Sprintf("rds-%03d", i), "us-east-1", "us-west-2")
	}
	for i := range 110 {
		sc.AddRedisGlobal(fmt.Sprintf("ldgnf-redis-%03d", i), fmt.Sprintf("redis-%03d", i), "us-east-1", "us-west-2")
	}
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s, err := sim.New(sim.Config{Scenario: sc, Clock: clk, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.Close)
	w := &leanWorld{rds: map[string]*rds.Client{}, leanRDS: map[string]*rds.Client{}, ec: map[string]*elasticache.Client{}, leanEC: map[string]*elasticache.Client{}}
	for _, region := range []string{"us-east-1", "us-west-2"} {
		cfg := aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
		w.rds[region] = rds.NewFromConfig(cfg, func(o *rds.Options) { o.BaseEndpoint = aws.String(srv.URL) })
		w.leanRDS[region] = rds.NewFromConfig(cfg, func(o *rds.Options) {
			o.BaseEndpoint = aws.String(srv.URL)
			o.Protocol = leanProtocol{o.Protocol}
		})
		w.ec[region] = elasticache.NewFromConfig(cfg, func(o *elasticache.Options) { o.BaseEndpoint = aws.String(srv.URL) })
		w.leanEC[region] = elasticache.NewFromConfig(cfg, func(o *elasticache.Options) {
			o.BaseEndpoint = aws.String(srv.URL)
			o.Protocol = leanProtocol{o.Protocol}
		})
	}
	// Operations under way: switchovers, detaches, promotions, failovers.
	ctx := context.Background()
	west, east := w.rds["us-west-2"], w.rds["us-east-1"]
	for i := range 5 {
		id := fmt.Sprintf("gdb-%03d", i)
		target := fmt.Sprintf("arn:aws:rds:us-west-2:%s:cluster:%s-us-west-2", sim.DefaultAccount, id)
		// A switchover is called in the current writer's Region.
		if _, err := east.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(id), TargetDbClusterIdentifier: aws.String(target)}); err != nil {
			t.Fatal(err)
		}
		rid := fmt.Sprintf("rds-%03d", i)
		if _, err := west.PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String(rid)}); err != nil {
			t.Fatal(err)
		}
		g := fmt.Sprintf("ldgnf-redis-%03d", i)
		if _, err := w.ec["us-west-2"].FailoverGlobalReplicationGroup(ctx, &elasticache.FailoverGlobalReplicationGroupInput{GlobalReplicationGroupId: aws.String(g),
			PrimaryRegion: aws.String("us-west-2"), PrimaryReplicationGroupId: aws.String(fmt.Sprintf("redis-%03d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	target := fmt.Sprintf("arn:aws:rds:us-west-2:%s:cluster:gdb-100-us-west-2", sim.DefaultAccount)
	if _, err := west.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{GlobalClusterIdentifier: aws.String("gdb-100"), DbClusterIdentifier: aws.String(target)}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(20 * time.Second)
	return w
}

// TestLeanDecodingMatchesTheSDKs: every page of the three describe calls
// of a polling round, decoded by the SDK and by the lean decoders, gives
// drorch the same state.
func TestLeanDecodingMatchesTheSDKs(t *testing.T) {
	t.Parallel()
	w := newLeanWorld(t)
	ctx := context.Background()
	for _, region := range []string{"us-east-1", "us-west-2"} {
		var sdk, lean []any
		var marker *string
		for page := 0; ; page++ {
			a, err := w.rds[region].DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{Marker: marker})
			if err != nil {
				t.Fatal(err)
			}
			b, err := w.leanRDS[region].DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{Marker: marker})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(a.Marker) != aws.ToString(b.Marker) {
				t.Fatalf("global clusters in %s, page %d: marker %q, lean %q", region, page, aws.ToString(a.Marker), aws.ToString(b.Marker))
			}
			for _, g := range a.GlobalClusters {
				sdk = append(sdk, globalCluster(g))
			}
			for _, g := range b.GlobalClusters {
				lean = append(lean, globalCluster(g))
			}
			if marker = a.Marker; marker == nil {
				break
			}
		}
		marker = nil
		for page := 0; ; page++ {
			a, err := w.rds[region].DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{Marker: marker})
			if err != nil {
				t.Fatal(err)
			}
			b, err := w.leanRDS[region].DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{Marker: marker})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(a.Marker) != aws.ToString(b.Marker) {
				t.Fatalf("instances in %s, page %d: marker differs", region, page)
			}
			for _, i := range a.DBInstances {
				sdk = append(sdk, dbInstance(i, region))
			}
			for _, i := range b.DBInstances {
				lean = append(lean, dbInstance(i, region))
			}
			if marker = a.Marker; marker == nil {
				break
			}
		}
		marker = nil
		for page := 0; ; page++ {
			in := func() *elasticache.DescribeGlobalReplicationGroupsInput {
				return &elasticache.DescribeGlobalReplicationGroupsInput{ShowMemberInfo: aws.Bool(true), Marker: marker}
			}
			a, err := w.ec[region].DescribeGlobalReplicationGroups(ctx, in())
			if err != nil {
				t.Fatal(err)
			}
			b, err := w.leanEC[region].DescribeGlobalReplicationGroups(ctx, in())
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(a.Marker) != aws.ToString(b.Marker) {
				t.Fatalf("global datastores in %s, page %d: marker differs", region, page)
			}
			for _, g := range a.GlobalReplicationGroups {
				sdk = append(sdk, globalReplicationGroup(g))
			}
			for _, g := range b.GlobalReplicationGroups {
				lean = append(lean, globalReplicationGroup(g))
			}
			if marker = a.Marker; marker == nil {
				break
			}
		}
		if len(sdk) < 130+120+110 {
			t.Fatalf("%s: only %d resources read", region, len(sdk))
		}
		if !reflect.DeepEqual(sdk, lean) {
			for i := range sdk {
				if i < len(lean) && !reflect.DeepEqual(sdk[i], lean[i]) {
					t.Fatalf("%s: the SDK read\n  %+v\nthe lean decoder\n  %+v", region, sdk[i], lean[i])
				}
			}
			t.Fatalf("%s: %d resources by the SDK, %d by the lean decoder", region, len(sdk), len(lean))
		}
		var inTransit int
		for _, v := range sdk {
			if g, ok := v.(cloud.GlobalCluster); ok && g.Failover != nil {
				inTransit++
			}
		}
		if region == "us-west-2" && inTransit == 0 {
			t.Error("no global cluster was read in the middle of a switchover: the comparison misses FailoverState")
		}
	}
	// A batched read's listing decodes only what it asked for, known by
	// identifier or ARN, compared as AWS compares them.
	wanted := withWant(ctx, []string{"GDB-003", "arn:aws:rds::" + sim.DefaultAccount + ":global-cluster:gdb-007", "gdb-999"})
	page, err := w.leanRDS["us-west-2"].DescribeGlobalClusters(wanted, &rds.DescribeGlobalClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range page.GlobalClusters {
		got = append(got, aws.ToString(g.GlobalClusterIdentifier))
	}
	if strings.Join(got, ",") != "gdb-003,gdb-007" || page.Marker == nil {
		t.Errorf("a listing for gdb-003 and gdb-007 decoded %v (marker %v), want those two and the next page's marker", got, page.Marker)
	}
	// Errors still go through the SDK's protocol, codes and all.
	_, err = w.leanRDS["us-west-2"].DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String("nope")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "GlobalClusterNotFoundFault" {
		t.Errorf("a missing global cluster through the lean decoder: %v, want GlobalClusterNotFoundFault", err)
	}
}

func TestParseXML(t *testing.T) {
	t.Parallel()
	root, err := parseXML([]byte(`<?xml version="1.0"?>
<!-- a comment -->
<R xmlns="http://x"><A>a &amp; b &#65;&#x42;</A><L><member>1</member><member><![CDATA[<2>]]></member></L><E/><ns:N>n</ns:N><C>x<!-- c -->y</C><P>plain</P></R>`))
	if err != nil {
		t.Fatal(err)
	}
	if root.name() != "R" || *root.str("A") != "a & b AB" || strings.Join(root.strs("L"), ",") != "1,<2>" || !root.child("E").ok() || *root.str("N") != "n" ||
		*root.str("C") != "xy" || *root.str("P") != "plain" || root.child("missing").ok() {
		t.Errorf("parsed %+v", root)
	}
	for _, bad := range []string{
		``, `<a>`, `<a></b>`, `<a>x</a><b/>`, `<a>&bogus;</a>`, `<a>&#0;</a>`, `<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`,
		`<a><![CDATA[x</a>`, `<a b="</a>`, `text<a/>`, `<a>` + strings.Repeat("<b>", 100) + strings.Repeat("</b>", 100) + `</a>`,
		"<a>\xff</a>", `</a>`, `<>x</>`,
	} {
		if _, err := parseXML([]byte(bad)); !errors.Is(err, errXML) {
			t.Errorf("parseXML(%q) = %v, want a malformed-XML error", truncate(bad, 60), err)
		}
	}
}

func FuzzParseXML(f *testing.F) {
	f.Add([]byte(`<R><A>x</A><L><m>1</m></L></R>`))
	f.Add([]byte(`<a b='>'>&lt;</a>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		root, err := parseXML(b)
		if err == nil && !root.ok() {
			t.Fatal("no error and no root")
		}
	})
}

// TestLeanDecodingOutlivesTheAnswer: what the lean decoders return owns
// its bytes (the answer's buffer goes back to a pool and is overwritten by
// the next answer), and the resources asked for are found whatever their
// case or surrounding spaces, as AWS compares identifiers.
func TestLeanDecodingOutlivesTheAnswer(t *testing.T) {
	t.Parallel()
	member := func(id, arn, status string) string {
		return `<GlobalClusterMember><GlobalClusterIdentifier>` + id + `</GlobalClusterIdentifier><GlobalClusterArn>` + arn +
			`</GlobalClusterArn><Status>` + status + `</Status><Engine>aurora-mysql</Engine><GlobalClusterMembers><GlobalClusterMember>` +
			`<DBClusterArn>arn:aws:rds:us-east-1:1:cluster:` + id + `-e</DBClusterArn><Readers><member>r1</member><member>r2</member></Readers>` +
			`<IsWriter>true</IsWriter></GlobalClusterMember></GlobalClusterMembers></GlobalClusterMember>`
	}
	doc := []byte(`<DescribeGlobalClustersResponse><DescribeGlobalClustersResult><GlobalClusters>` +
		member(" GDB-A ", "arn:aws:rds::1:global-cluster:gdb-a", "switching-over") +
		member("gdb-b", "arn:aws:rds::1:global-cluster:gdb-b", "available") +
		member("gdb-c", "ARN:AWS:RDS::1:GLOBAL-CLUSTER:GDB-C", "fail &amp; retry") +
		`</GlobalClusters><Marker>next-page</Marker></DescribeGlobalClustersResult></DescribeGlobalClustersResponse>`)
	root, err := parseXML(doc)
	if err != nil {
		t.Fatal(err)
	}
	var out rds.DescribeGlobalClustersOutput
	w := want{"gdb-a": true, "arn:aws:rds::1:global-cluster:gdb-c": true}
	if err := leanGlobalClusters(root, &out, w); err != nil {
		t.Fatal(err)
	}
	root.free()
	for i := range doc {
		doc[i] = 'x'
	}
	// The next answer reuses the pooled document.
	if r, err := parseXML([]byte(`<A><B>overwritten</B></A>`)); err != nil {
		t.Fatal(err)
	} else {
		r.free()
	}
	var got []string
	for _, g := range out.GlobalClusters {
		m := g.GlobalClusterMembers[0]
		got = append(got, fmt.Sprintf("%s|%s|%s|%s|%s|%t", aws.ToString(g.GlobalClusterIdentifier), aws.ToString(g.GlobalClusterArn),
			aws.ToString(g.Status), aws.ToString(m.DBClusterArn), strings.Join(m.Readers, "+"), aws.ToBool(m.IsWriter)))
	}
	want := []string{
		" GDB-A |arn:aws:rds::1:global-cluster:gdb-a|switching-over|arn:aws:rds:us-east-1:1:cluster: GDB-A -e|r1+r2|true",
		"gdb-c|ARN:AWS:RDS::1:GLOBAL-CLUSTER:GDB-C|fail & retry|arn:aws:rds:us-east-1:1:cluster:gdb-c-e|r1+r2|true",
	}
	if !reflect.DeepEqual(got, want) || aws.ToString(out.Marker) != "next-page" {
		t.Errorf("decoded\n  %q (marker %q)\nwant\n  %q", got, aws.ToString(out.Marker), want)
	}
}
