package resourcetest

import (
	"context"
	"fmt"
	"strconv"

	"drorch/cloud"
)

// args are a call's arguments, as cloud.Call carries them.
type args map[string]string

func (a args) int(name string) int {
	n, _ := strconv.Atoi(a[name])
	return n
}

func (a args) bool(name string) bool {
	b, _ := strconv.ParseBool(a[name])
	return b
}

// Execute serves cloud.Executor: it records the call, then applies it with
// the checks and effects world.md says AWS has. An action the fake does not
// know is refused as AWS refuses an unknown action.
func (c *Cloud) Execute(_ context.Context, call cloud.Call) (cloud.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.begin(call.Service, call.Action, call.Region, call.Args); err != nil {
		return cloud.Result{}, err
	}
	a, region := args(call.Args), call.Region
	var err error
	switch call.Service + ":" + call.Action {
	case "rds:SwitchoverGlobalCluster":
		err = c.failover(call.Action, region, a, false)
	case "rds:FailoverGlobalCluster":
		err = c.failover(call.Action, region, a, a.bool("AllowDataLoss"))
	case "rds:RemoveFromGlobalCluster":
		err = c.removeFromGlobalCluster(region, a)
	case "rds:CreateGlobalCluster":
		err = c.createGlobalCluster(region, a)
	case "rds:DeleteGlobalCluster":
		err = c.deleteGlobalCluster(region, a)
	case "rds:CreateDBCluster":
		err = c.createDBCluster(region, a)
	case "rds:DeleteDBCluster":
		err = c.deleteDBCluster(region, a)
	case "rds:CreateDBInstance":
		err = c.createDBInstance(region, a)
	case "rds:PromoteReadReplica":
		err = c.promoteReadReplica(region, a)
	case "rds:CreateDBInstanceReadReplica":
		err = c.createDBInstanceReadReplica(region, a)
	case "rds:DeleteDBInstance":
		err = c.deleteDBInstance(region, a)
	case "elasticache:FailoverGlobalReplicationGroup":
		err = c.failoverGlobalReplicationGroup(region, a)
	default:
		err = fault(call.Service, call.Action, region, cloud.KindInvalidInput, "InvalidAction", "the fake cloud does not implement %s %s", call.Service, call.Action)
	}
	if err != nil {
		return cloud.Result{}, err
	}
	return cloud.Result{RequestID: fmt.Sprintf("fake-%d", len(c.calls))}, nil
}
