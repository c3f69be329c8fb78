package sfn

import (
	"fmt"
	"slices"
	"strings"
)

// Workflow is one state machine: the original framework's
// dr-orchestrator-stepfunction-FAILOVER or -FAILBACK.
type Workflow struct {
	// Name is how drorch names it: "failover" or "failback".
	Name string
	// Types are the resource types it runs, sorted; any other is refused
	// by its first state.
	Types []string
	// Comment describes it in the generated definition.
	Comment string
}

// Accepts reports whether the workflow runs resources of type typ.
func (w Workflow) Accepts(typ string) bool { return slices.Contains(w.Types, typ) }

// The two workflows, with the resource types of the original framework's
// two state machines.
var (
	Failover = Workflow{
		Name: "failover",
		Types: []string{"FailoverElastiCacheCluster", "PlannedFailoverAurora", "PromoteRDSReadReplica",
			"UnPlannedFailoverAurora"},
		Comment: "drorch failover: Aurora switchover or detach-and-promote, RDS replica promotion, ElastiCache global datastore failover",
	}
	Failback = Workflow{
		Name:    "failback",
		Types:   []string{"CreateAuroraSecondaryDBCluster", "CreateRDSReadReplica"},
		Comment: "drorch failback: re-create Aurora secondary clusters and RDS cross-region read replicas",
	}
)

// Workflows lists both workflows, failover first.
func Workflows() []Workflow { return []Workflow{Failover, Failback} }

// LookupWorkflow returns the workflow named name (case-insensitive).
func LookupWorkflow(name string) (Workflow, error) {
	for _, w := range Workflows() {
		if strings.EqualFold(w.Name, name) {
			return w, nil
		}
	}
	return Workflow{}, fmt.Errorf("unknown workflow %q: use failover or failback", name)
}
