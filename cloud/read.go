package cloud

import (
	"context"
	"fmt"
	"strings"
)

// Kind names a kind of resource drorch reads ("rds:global-cluster"). The
// kinds drorch knows are values of KindOf, declared where their state type
// is; an adapter serves a kind by reading it, and nothing else needs to know.
type Kind string

// Key names one resource to read: its kind, the region the call is made in,
// and its identifier or ARN in canonical form (see KindOf.Key).
type Key struct {
	Kind   Kind
	Region string
	ID     string
}

func (k Key) String() string { return fmt.Sprintf("%s %s in %s", k.Kind, k.ID, k.Region) }

// Reader reads the current state of one resource: a pointer to the state
// type of the key's kind (*GlobalCluster for GlobalClusters, ...), or an
// error matching ErrNotFound when AWS has no such resource. Callers use the
// typed KindOf.Get rather than Read itself.
type Reader interface {
	Read(ctx context.Context, k Key) (any, error)
}

// BatchReader reads many resources of one kind in one region at once, with
// the fewest describe calls the API allows (a filter of up to 100 ids, the
// pages of a list, or one call per id when there are few). The result maps
// each requested id to its state; an id absent from it does not exist.
type BatchReader interface {
	ReadBatch(ctx context.Context, kind Kind, region string, ids []string) (map[string]any, error)
}

// AlongReader is a BatchReader that also reads, with the calls it makes
// for ids, those of along the same calls cover at no extra call: the same
// pages of a listing, room left in a filter. It returns the states found
// (of ids and along, keyed by the id asked for) and which of along it
// knows: found, or known not to exist. An id of along it does not name was
// not read.
type AlongReader interface {
	ReadAlong(ctx context.Context, kind Kind, region string, ids, along []string) (found map[string]any, read []string, err error)
}

// KindOf is a kind of resource whose state is a T.
type KindOf[T any] struct {
	Name Kind
	// Noun names one resource of the kind in messages ("global cluster").
	Noun string
}

// Key names the resource id (an identifier or an ARN) read in region.
func (k KindOf[T]) Key(region, id string) Key {
	return Key{Kind: k.Name, Region: region, ID: ID(id)}
}

// Get reads the resource id in region through r and returns a copy of its
// state the caller may keep.
func (k KindOf[T]) Get(ctx context.Context, r Reader, region, id string) (*T, error) {
	key := k.Key(region, id)
	v, err := r.Read(ctx, key)
	if err != nil {
		return nil, err
	}
	t, ok := v.(*T)
	if !ok || t == nil {
		return nil, NotFound(key)
	}
	c := *t
	return &c, nil
}

// NotFound is the error of a read that found no resource for k.
func NotFound(k Key) error {
	return &APIError{Service: k.Kind.Service(), Resource: k.ID, Region: k.Region, Kind: KindNotFound,
		Message: strings.TrimPrefix(string(k.Kind), k.Kind.Service()+":") + " not found"}
}

// Service is the AWS service that describes resources of kind k (the part
// of its name before the colon).
func (k Kind) Service() string { return serviceOf(k) }

func serviceOf(k Kind) string {
	s, _, _ := strings.Cut(string(k), ":")
	return s
}

// The kinds of resources drorch's handlers read today.
var (
	GlobalClusters          = KindOf[GlobalCluster]{Name: "rds:global-cluster", Noun: "global cluster"}
	DBClusters              = KindOf[DBCluster]{Name: "rds:db-cluster", Noun: "DB cluster"}
	DBInstances             = KindOf[DBInstance]{Name: "rds:db-instance", Noun: "DB instance"}
	GlobalReplicationGroups = KindOf[GlobalReplicationGroup]{Name: "elasticache:global-replication-group", Noun: "global datastore"}
	DBClusterSnapshots      = KindOf[DBClusterSnapshot]{Name: "rds:db-cluster-snapshot", Noun: "DB cluster snapshot"}
	DBSnapshots             = KindOf[DBSnapshot]{Name: "rds:db-snapshot", Noun: "DB snapshot"}
)
