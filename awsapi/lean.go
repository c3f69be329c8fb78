package awsapi

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"drorch/cloud"
)

// leanProtocol decodes the successful answers of the describe calls made
// every polling round with parseXML and the decoders below, filling only
// the fields convert.go reads, of only the resources the batched read
// asked for (withWant); everything else (other operations, errors) goes
// to the SDK's own protocol.
type leanProtocol struct{ smithyhttp.ClientProtocol }

// DeserializeResponse implements smithyhttp.ClientProtocol.
func (p leanProtocol) DeserializeResponse(ctx context.Context, schema *smithy.OperationSchema, types *smithy.TypeRegistry, resp *smithyhttp.Response, out smithy.Deserializable) error {
	var decode func(xnode) error
	w, _ := ctx.Value(wantKey{}).(want)
	switch o := out.(type) {
	case *rds.DescribeGlobalClustersOutput:
		decode = func(n xnode) error { return leanGlobalClusters(n, o, w) }
	case *rds.DescribeDBInstancesOutput:
		decode = func(n xnode) error { return leanDBInstances(n, o, w) }
	case *elasticache.DescribeGlobalReplicationGroupsOutput:
		decode = func(n xnode) error { return leanGlobalReplicationGroups(n, o, w) }
	}
	if decode == nil || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return p.ClientProtocol.DeserializeResponse(ctx, schema, types, resp, out)
	}
	buf := reads.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledRead {
			reads.Put(buf)
		}
	}()
	buf.Reset()
	// The announced length sizes the buffer up to a bound: an endpoint
	// may announce anything (the body itself is read through limitBody).
	buf.Grow(int(min(max(resp.ContentLength, 0), maxPooledRead)) + bytes.MinRead)
	_, err := buf.ReadFrom(resp.Body)
	if err != nil {
		return &smithy.DeserializationError{Err: fmt.Errorf("read the answer: %w", err)}
	}
	body := buf.Bytes()
	root, err := parseXML(body)
	if err == nil {
		err = decode(root) // what it keeps, it copies (xnode.text)
		root.free()
	}
	if err != nil {
		return &smithy.DeserializationError{Err: err, Snapshot: bytes.Clone(body[:min(len(body), 1024)])}
	}
	return nil
}

// reads keeps the buffers answers are read into, from one answer to the
// next: pages of a hundred resources, a hundred kilobytes or more each,
// every round.
var reads = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledRead bounds the buffers kept for the next answer, and how much
// of an announced length is allocated before reading.
const maxPooledRead = 4 << 20

// want is the identifiers (and ARNs) a batched read asked for, in
// canonical form: a listing's other resources are not decoded. A nil want
// keeps everything.
type want map[string]bool

type wantKey struct{}

// withWant makes the lean decoders of the calls made with ctx keep only
// the resources known as one of ids.
func withWant(ctx context.Context, ids []string) context.Context {
	w := want{}
	for _, id := range ids {
		w[cloud.ID(id)] = true
	}
	return context.WithValue(ctx, wantKey{}, w)
}

// keeps reports whether the resource n describes, known by the texts of
// its children idName and arnName, is wanted; if so, n is kept (xnode.keep)
// for the texts decoded next.
func (w want) keeps(n xnode, idName, arnName string) bool {
	if w != nil && !n.textIn(idName, w) && !n.textIn(arnName, w) {
		return false
	}
	n.keep()
	return true
}

// result is the <ActionResult> element of an <ActionResponse>.
func result(root xnode, action string) (xnode, error) {
	if !root.is(action + "Response") {
		return xnode{}, fmt.Errorf("%w: %s answered with <%s>", errXML, action, truncate(root.name(), 40))
	}
	return root.child(action + "Result"), nil // absent: an empty answer
}

func leanGlobalClusters(root xnode, out *rds.DescribeGlobalClustersOutput, w want) error {
	res, err := result(root, "DescribeGlobalClusters")
	if err != nil {
		return err
	}
	out.Marker = res.str("Marker")
	items := res.items("GlobalClusters")
	out.GlobalClusters = make([]rdstypes.GlobalCluster, 0, len(items))
	for _, g := range items {
		if !w.keeps(g, "GlobalClusterIdentifier", "GlobalClusterArn") {
			continue
		}
		gc := rdstypes.GlobalCluster{GlobalClusterIdentifier: g.str("GlobalClusterIdentifier"), GlobalClusterArn: g.str("GlobalClusterArn"),
			Status: g.str("Status"), Engine: g.str("Engine"), EngineVersion: g.str("EngineVersion")}
		if gc.StorageEncrypted, err = g.boolean("StorageEncrypted"); err != nil {
			return err
		}
		if gc.DeletionProtection, err = g.boolean("DeletionProtection"); err != nil {
			return err
		}
		for _, m := range g.items("GlobalClusterMembers") {
			gm := rdstypes.GlobalClusterMember{DBClusterArn: m.str("DBClusterArn"), Readers: m.strs("Readers")}
			if gm.IsWriter, err = m.boolean("IsWriter"); err != nil {
				return err
			}
			if s := m.str("SynchronizationStatus"); s != nil {
				gm.SynchronizationStatus = rdstypes.GlobalClusterMemberSynchronizationStatus(*s)
			}
			gc.GlobalClusterMembers = append(gc.GlobalClusterMembers, gm)
		}
		if f := g.child("FailoverState"); f.ok() {
			fs := &rdstypes.FailoverState{FromDbClusterArn: f.str("FromDbClusterArn"), ToDbClusterArn: f.str("ToDbClusterArn")}
			if s := f.str("Status"); s != nil {
				fs.Status = rdstypes.FailoverStatus(*s)
			}
			if fs.IsDataLossAllowed, err = f.boolean("IsDataLossAllowed"); err != nil {
				return err
			}
			gc.FailoverState = fs
		}
		out.GlobalClusters = append(out.GlobalClusters, gc)
	}
	return nil
}

func leanDBInstances(root xnode, out *rds.DescribeDBInstancesOutput, w want) error {
	res, err := result(root, "DescribeDBInstances")
	if err != nil {
		return err
	}
	out.Marker = res.str("Marker")
	items := res.items("DBInstances")
	out.DBInstances = make([]rdstypes.DBInstance, 0, len(items)) // a big struct: grown by appends, half the decoding's time
	for _, i := range items {
		if !w.keeps(i, "DBInstanceIdentifier", "DBInstanceArn") {
			continue
		}
		in := rdstypes.DBInstance{DBInstanceIdentifier: i.str("DBInstanceIdentifier"), DBInstanceArn: i.str("DBInstanceArn"),
			DBInstanceStatus: i.str("DBInstanceStatus"), Engine: i.str("Engine"), DBInstanceClass: i.str("DBInstanceClass"),
			DBClusterIdentifier: i.str("DBClusterIdentifier"), ReadReplicaSourceDBInstanceIdentifier: i.str("ReadReplicaSourceDBInstanceIdentifier"),
			ReadReplicaDBInstanceIdentifiers: i.strs("ReadReplicaDBInstanceIdentifiers"), EngineVersion: i.str("EngineVersion"),
			KmsKeyId: i.str("KmsKeyId")}
		if in.DeletionProtection, err = i.boolean("DeletionProtection"); err != nil {
			return err
		}
		if in.StorageEncrypted, err = i.boolean("StorageEncrypted"); err != nil {
			return err
		}
		if in.BackupRetentionPeriod, err = i.int32p("BackupRetentionPeriod"); err != nil {
			return err
		}
		for _, g := range i.items("DBParameterGroups") {
			in.DBParameterGroups = append(in.DBParameterGroups, rdstypes.DBParameterGroupStatus{DBParameterGroupName: g.str("DBParameterGroupName")})
		}
		if in.DbInstancePort, err = i.int32p("DbInstancePort"); err != nil {
			return err
		}
		if e := i.child("Endpoint"); e.ok() {
			in.Endpoint = &rdstypes.Endpoint{Address: e.str("Address")}
			if in.Endpoint.Port, err = e.int32p("Port"); err != nil {
				return err
			}
		}
		for _, s := range i.items("StatusInfos") {
			in.StatusInfos = append(in.StatusInfos, rdstypes.DBInstanceStatusInfo{StatusType: s.str("StatusType"), Status: s.str("Status")})
		}
		out.DBInstances = append(out.DBInstances, in)
	}
	return nil
}

func leanGlobalReplicationGroups(root xnode, out *elasticache.DescribeGlobalReplicationGroupsOutput, w want) error {
	res, err := result(root, "DescribeGlobalReplicationGroups")
	if err != nil {
		return err
	}
	out.Marker = res.str("Marker")
	items := res.items("GlobalReplicationGroups")
	out.GlobalReplicationGroups = make([]ectypes.GlobalReplicationGroup, 0, len(items))
	for _, g := range items {
		if !w.keeps(g, "GlobalReplicationGroupId", "ARN") {
			continue
		}
		grg := ectypes.GlobalReplicationGroup{GlobalReplicationGroupId: g.str("GlobalReplicationGroupId"), ARN: g.str("ARN"),
			Status: g.str("Status"), Engine: g.str("Engine")}
		for _, m := range g.items("Members") {
			grg.Members = append(grg.Members, ectypes.GlobalReplicationGroupMember{ReplicationGroupId: m.str("ReplicationGroupId"),
				ReplicationGroupRegion: m.str("ReplicationGroupRegion"), Role: m.str("Role"), Status: m.str("Status")})
		}
		out.GlobalReplicationGroups = append(out.GlobalReplicationGroups, grg)
	}
	return nil
}
