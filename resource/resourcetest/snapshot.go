package resourcetest

import (
	"drorch/cloud"
)

// Final snapshots, as the simulator and AWS take them: a DB cluster
// snapshot is creating while the cluster stays available ("The status of
// the DB cluster is available while the snapshot is being taken", CLI
// reference example delete-db-cluster,
// https://docs.aws.amazon.com/cli/latest/reference/rds/delete-db-cluster.html),
// then the cluster is deleting; an instance deleted with a final snapshot
// is deleting at once (delete-db-instance example). Each settles over two
// Settles: the snapshot is available after the first, the database gone
// after the second.

// PutClusterSnapshot adds or replaces a DB cluster snapshot in its Region.
func (c *Cloud) PutClusterSnapshot(s cloud.DBClusterSnapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.clusterSnaps[s.Region] == nil {
		c.clusterSnaps[s.Region] = map[string]*cloud.DBClusterSnapshot{}
	}
	c.clusterSnaps[s.Region][s.ID] = &s
}

// ClusterSnapshotState returns a copy of a DB cluster snapshot, nil if none.
func (c *Cloud) ClusterSnapshotState(region, id string) *cloud.DBClusterSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return copyOf(c.clusterSnaps[region][id])
}

// PutDBSnapshot adds or replaces a DB snapshot in its Region.
func (c *Cloud) PutDBSnapshot(s cloud.DBSnapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dbSnaps[s.Region] == nil {
		c.dbSnaps[s.Region] = map[string]*cloud.DBSnapshot{}
	}
	c.dbSnaps[s.Region][s.ID] = &s
}

// DBSnapshotState returns a copy of a DB snapshot, nil if none.
func (c *Cloud) DBSnapshotState(region, id string) *cloud.DBSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return copyOf(c.dbSnaps[region][id])
}

func copyOf[T any](p *T) *T {
	if p == nil {
		return nil
	}
	out := *p
	return &out
}

// deleteClusterWithSnapshot takes cl's final snapshot id, then deletes cl.
// Callers hold c.mu and have checked that the deletion may start.
func (c *Cloud) deleteClusterWithSnapshot(region, action string, cl *cloud.DBCluster, id string) error {
	if cl.Status != "available" {
		// AWS's answer while a cluster just removed from its global
		// cluster is still promoting (hashicorp/terraform-provider-aws#40333).
		return fault("rds", action, region, cloud.KindInvalidState, "InvalidDBClusterStateFault",
			"Can't create a snapshot because the database cluster %s isn't currently in the available state.", cl.ID)
	}
	if c.clusterSnaps[region][id] != nil {
		return fault("rds", action, region, cloud.KindAlreadyExists, "DBClusterSnapshotAlreadyExistsFault",
			"Cannot create the cluster snapshot because one with the identifier %s already exists.", id)
	}
	if c.clusterSnaps[region] == nil {
		c.clusterSnaps[region] = map[string]*cloud.DBClusterSnapshot{}
	}
	snap := &cloud.DBClusterSnapshot{ID: id, ARN: "arn:aws:rds:" + region + ":" + Account + ":cluster-snapshot:" + id, Region: region,
		ClusterID: cl.ID, Status: "creating", Engine: cl.Engine, StorageEncrypted: cl.StorageEncrypted, KmsKeyID: cl.KmsKeyID}
	c.clusterSnaps[region][id] = snap
	key, clusterID := region+"/"+cl.ID, cl.ID
	c.deleting[key] = true
	c.pending = append(c.pending, func() {
		snap.Status = "available"
		if cl := c.clusters[region][clusterID]; cl != nil {
			cl.Status = "deleting"
		}
		c.pending = append(c.pending, func() {
			delete(c.clusters[region], clusterID)
			delete(c.deleting, key)
		})
	})
	return nil
}

// deleteInstanceWithSnapshot takes in's final DB snapshot id and deletes in.
// Callers hold c.mu.
func (c *Cloud) deleteInstanceWithSnapshot(region, action string, in *cloud.DBInstance, id string) error {
	if c.dbSnaps[region][id] != nil {
		return fault("rds", action, region, cloud.KindAlreadyExists, "DBSnapshotAlreadyExists",
			"Cannot create the snapshot because a snapshot with the identifier %s already exists.", id)
	}
	if c.dbSnaps[region] == nil {
		c.dbSnaps[region] = map[string]*cloud.DBSnapshot{}
	}
	snap := &cloud.DBSnapshot{ID: id, ARN: "arn:aws:rds:" + region + ":" + Account + ":snapshot:" + id, Region: region,
		InstanceID: in.ID, Status: "creating", Engine: in.Engine, Encrypted: in.StorageEncrypted, KmsKeyID: in.KmsKeyID}
	c.dbSnaps[region][id] = snap
	in.Status = "deleting"
	instanceID := in.ID
	c.pending = append(c.pending, func() {
		snap.Status = "available"
		c.pending = append(c.pending, func() { delete(c.instances[region], instanceID) })
	})
	return nil
}
